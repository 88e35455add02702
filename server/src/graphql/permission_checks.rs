//! Permission checks: `can` for one, `checkPermissions` for up to 1,000 in one field.
//!
//! Both answer from the request's one read of the caller's grants and one batched load of the
//! organizations named, so a check costs no statement of its own.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use crate::domain::ids::{ApplicationId, OrganizationId};
use crate::domain::permissions::Permission;
use crate::service::ApiError;

use super::context::{access, loaders};
use super::error::parse_id;

/// Most checks one `checkPermissions` field answers.
pub const MAX_PERMISSION_CHECKS: usize = 1_000;

/// One question: does the caller hold `permission` on an organization (or on one of its
/// applications)?
#[derive(InputObject)]
#[graphql(name = "PermissionCheckInput")]
pub struct PermissionCheckInput {
    pub organization_id: ID,
    /// A permission name, e.g. `settings:manage` (see docs/PERMISSIONS.md).
    pub permission: String,
    /// Ask about this application of the organization instead of the organization.
    pub application_id: Option<ID>,
}

/// A question of `checkPermissions` with its answer.
#[derive(SimpleObject)]
#[graphql(name = "PermissionCheck")]
pub struct PermissionCheckNode {
    pub organization_id: ID,
    pub permission: String,
    pub application_id: Option<ID>,
    /// What `can` answers for the same arguments.
    pub allowed: bool,
}

/// A parsed check.
struct Check {
    organization: OrganizationId,
    permission: Permission,
    application: Option<ApplicationId>,
}

impl Check {
    /// `at` names the argument in error messages (`checks[3].permission`).
    fn parse(
        at: &str,
        organization_id: &ID,
        permission: &str,
        application_id: Option<&ID>,
    ) -> Result<Self, ApiError> {
        let permission = Permission::parse(permission).ok_or_else(|| {
            ApiError::bad_input(&format!("{at}permission"), "is not a known permission")
        })?;
        Ok(Self {
            organization: parse_id(&format!("{at}organizationId"), organization_id)?,
            permission,
            application: application_id
                .map(|a| parse_id(&format!("{at}applicationId"), a))
                .transpose()?,
        })
    }
}

/// The answers to `checks`, in order: false for an organization that doesn't exist, is
/// deleted, or that the caller can't see (no different from one they hold nothing on).
async fn answer(ctx: &Context<'_>, checks: &[Check]) -> async_graphql::Result<Vec<bool>> {
    let access = access(ctx)?;
    // The organizations and the caller's grants are independent reads: side by side, a
    // single check waits for one round trip to the database instead of two.
    let (organizations, everywhere) = futures_util::future::join(
        loaders(ctx)?
            .organizations
            .load_many(checks.iter().map(|c| c.organization)),
        access.everywhere(),
    )
    .await;
    everywhere?;
    let organizations = organizations?;
    let mut answers = Vec::with_capacity(checks.len());
    for check in checks {
        let allowed = match organizations.get(&check.organization) {
            Some(org) if !org.is_deleted() => access.in_network(org.network_id).await?.holds(
                org,
                check.permission,
                check.application,
            ),
            _ => false,
        };
        answers.push(allowed);
    }
    Ok(answers)
}

#[derive(Default)]
pub struct PermissionQueries;

#[Object]
impl PermissionQueries {
    /// Whether the caller holds `permission` on the organization (on one of its applications
    /// when `applicationId` is given). False for organizations the caller can't see.
    async fn can(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        permission: String,
        application_id: Option<ID>,
    ) -> async_graphql::Result<bool> {
        let check = Check::parse("", &organization_id, &permission, application_id.as_ref())?;
        Ok(answer(ctx, std::slice::from_ref(&check))
            .await?
            .first()
            .copied()
            .unwrap_or(false))
    }

    /// Up to 1,000 `can` questions at once, answered in order (for a UI deciding which of
    /// many organizations to offer an action on). Any malformed check fails the field.
    #[graphql(complexity = "checks.len() + child_complexity")]
    async fn check_permissions(
        &self,
        ctx: &Context<'_>,
        checks: Vec<PermissionCheckInput>,
    ) -> async_graphql::Result<Vec<PermissionCheckNode>> {
        if checks.len() > MAX_PERMISSION_CHECKS {
            return Err(ApiError::LimitExceeded(format!(
                "checks: at most {MAX_PERMISSION_CHECKS} checks per field"
            ))
            .into());
        }
        let parsed = checks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                Check::parse(
                    &format!("checks[{i}]."),
                    &c.organization_id,
                    &c.permission,
                    c.application_id.as_ref(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let answers = answer(ctx, &parsed).await?;
        Ok(checks
            .into_iter()
            .zip(answers)
            .map(|(check, allowed)| PermissionCheckNode {
                organization_id: check.organization_id,
                permission: check.permission,
                application_id: check.application_id,
                allowed,
            })
            .collect())
    }
}
