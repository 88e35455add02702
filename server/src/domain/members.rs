//! Members, custom roles and grants: the rules that don't need a database.

use super::error::{DomainError, DomainResult};
use super::name::Name;
use super::permissions::{BuiltInRole, Permission, PermissionSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    Invited,
    Active,
    Suspended,
    Removed,
}

impl MemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "INVITED",
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
            Self::Removed => "REMOVED",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Invited, Self::Active, Self::Suspended, Self::Removed]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }

    /// Suspended and removed members keep their rows, but their grants on the organization
    /// stop applying.
    pub fn grants_apply(self) -> bool {
        matches!(self, Self::Invited | Self::Active)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnboardingSource {
    Manual,
    Directory,
    DirectoryGroup,
}

impl OnboardingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "MANUAL",
            Self::Directory => "DIRECTORY",
            Self::DirectoryGroup => "DIRECTORY_GROUP",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Manual, Self::Directory, Self::DirectoryGroup]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

pub const ROLE_NAME_MAX_CHARS: usize = 100;

/// A custom role's name: the name rule ([`Name`]), 1–100 characters, and never one of the
/// built-in names.
pub fn validate_role_name(raw: &str) -> DomainResult<String> {
    let name = Name::parse("name", raw, ROLE_NAME_MAX_CHARS)?;
    if BuiltInRole::parse(&name.as_str().to_uppercase()).is_some() {
        return Err(DomainError::invalid(
            "name",
            "is the name of a built-in role",
        ));
    }
    Ok(name.into_string())
}

/// A custom role's permissions: known names, at least one.
pub fn parse_permissions(raw: &[String]) -> DomainResult<PermissionSet> {
    if raw.is_empty() {
        return Err(DomainError::invalid(
            "permissions",
            "must name at least one permission",
        ));
    }
    let mut parsed = Vec::with_capacity(raw.len());
    for name in raw {
        let permission = Permission::parse(name.trim()).ok_or_else(|| {
            DomainError::invalid(
                "permissions",
                format!(
                    "unknown permission `{}`",
                    name.chars().take(64).collect::<String>()
                ),
            )
        })?;
        parsed.push(permission);
    }
    Ok(PermissionSet::of(&parsed))
}

/// Nobody hands out more than they hold: the granted permissions must be a subset of the
/// granter's own at the place of the grant.
pub fn check_no_escalation(granted: PermissionSet, granter: PermissionSet) -> DomainResult<()> {
    match not_held(granted, granter) {
        None => Ok(()),
        Some(missing) => Err(DomainError::Forbidden(format!(
            "you can't grant permissions you don't hold here: {missing}"
        ))),
    }
}

/// Nobody takes rights away from someone who holds more than they do: suspending, removing
/// or revoking needs every permission the target holds at that organization.
pub fn check_not_outranked(target: PermissionSet, actor: PermissionSet) -> DomainResult<()> {
    match not_held(target, actor) {
        None => Ok(()),
        Some(beyond) => Err(DomainError::Forbidden(format!(
            "this member holds permissions here that you don't: {beyond}"
        ))),
    }
}

/// The names of the permissions in `wanted` that `held` lacks, or `None` when it has them all.
fn not_held(wanted: PermissionSet, held: PermissionSet) -> Option<String> {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|p| !held.contains(*p))
        .map(Permission::as_str)
        .collect();
    (!missing.is_empty()).then(|| missing.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_and_permissions() {
        assert!(validate_role_name("Billing Viewer").is_ok());
        assert!(validate_role_name("ops_admin").is_err());
        assert!(validate_role_name(" ").is_err());
        assert!(parse_permissions(&["members:read".into()]).is_ok());
        assert!(parse_permissions(&["members:write".into()]).is_err());
        assert!(parse_permissions(&[]).is_err());
    }

    #[test]
    fn escalation_is_refused() {
        let reader = PermissionSet::of(&[Permission::OrganizationRead, Permission::RolesManage]);
        assert!(
            check_no_escalation(PermissionSet::of(&[Permission::OrganizationRead]), reader).is_ok()
        );
        assert!(check_no_escalation(PermissionSet::all(), reader).is_err());
    }
}

use chrono::{DateTime, Utc};

use super::ids::{
    ApplicationId, CustomRoleId, GrantId, IntegrationId, MemberId, NetworkId, OrganizationId,
    UserId,
};

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: MemberId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    pub user_id: UserId,
    pub status: MemberStatus,
    pub onboarding_source: OnboardingSource,
    pub external_id: Option<String>,
    pub calendar_integration_id: Option<IntegrationId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The directory suspended this member, and so may reactivate it; a suspension by an
    /// administrator is theirs to lift.
    pub suspended_by_directory: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomRole {
    pub id: CustomRoleId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    pub name: String,
    pub permissions: PermissionSet,
    pub created_at: DateTime<Utc>,
}

/// A role handed to a user on an organization (and its subtree), maybe on one application.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub id: GrantId,
    pub network_id: NetworkId,
    pub user_id: UserId,
    /// A built-in role's name, or a custom role's name.
    pub role: String,
    pub custom_role_id: Option<CustomRoleId>,
    pub organization_id: OrganizationId,
    pub application_id: Option<ApplicationId>,
    pub created_at: DateTime<Utc>,
}
