//! Organization Connect (SPEC §5): an application's authorization on one customer
//! organization, and the rules of the OAuth exchanges that lead to it.

use chrono::{DateTime, Duration, Utc};
use orgraph_rules::{pkce, OAuthErrorCode};
use subtle::ConstantTimeEq;

use super::ids::{ApplicationId, AuthorizationId, NetworkId, OrganizationId, UserId};
use super::organization::Organization;
use super::permissions::{Permission, PermissionSet, PlacedGrant, Reach};

/// How long a code waits for its exchange (RFC 6749 §4.1.2 recommends at most 10 minutes).
pub const CODE_LIFETIME: Duration = Duration::minutes(10);
/// Access tokens are JWTs checked against the database on every request (revocation bites
/// at once); an hour bounds what a leaked one is worth.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::hours(1);
/// A refresh token unused this long is dead; every use rotates it.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::days(30);

/// An application's authorization on one organization: what its tokens may do there.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    pub id: AuthorizationId,
    pub application_network_id: NetworkId,
    pub application_id: ApplicationId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    pub scopes: PermissionSet,
    pub include_sub_organizations: bool,
    pub granted_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What an application token holds, as a grant placed on its organization: its scopes there
/// (and below, when the consent included sub-organizations). `scopes` are the token's, which
/// may be fewer than the authorization's.
pub fn placed_grant(
    org: &Organization,
    scopes: PermissionSet,
    include_sub_organizations: bool,
) -> PlacedGrant {
    PlacedGrant {
        role: "AUTHORIZATION".into(),
        permissions: scopes,
        application: None,
        organization_path: org.path.clone(),
        organization_deletion: org.deletion_id,
        organization_deleted: org.is_deleted(),
        reach: if include_sub_organizations {
            Reach::Subtree
        } else {
            Reach::OrganizationOnly
        },
    }
}

/// Why a consent or token request is refused, in OAuth's words (RFC 6749 §4.1.2.1, §5.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectRefusal {
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    #[error("invalid_scope: {0}")]
    InvalidScope(String),
    #[error("invalid_grant: {0}")]
    InvalidGrant(String),
    #[error("access_denied: {0}")]
    AccessDenied(String),
    #[error("unsupported_response_type: {0}")]
    UnsupportedResponseType(String),
}

impl ConnectRefusal {
    /// The OAuth `error` code.
    pub fn code(&self) -> &'static str {
        let code = match self {
            Self::InvalidRequest(_) => OAuthErrorCode::InvalidRequest,
            Self::InvalidScope(_) => OAuthErrorCode::InvalidScope,
            Self::InvalidGrant(_) => OAuthErrorCode::InvalidGrant,
            Self::AccessDenied(_) => OAuthErrorCode::AccessDenied,
            Self::UnsupportedResponseType(_) => OAuthErrorCode::UnsupportedResponseType,
        };
        code.as_str()
    }

    pub fn description(&self) -> &str {
        match self {
            Self::InvalidRequest(d)
            | Self::InvalidScope(d)
            | Self::InvalidGrant(d)
            | Self::AccessDenied(d)
            | Self::UnsupportedResponseType(d) => d,
        }
    }
}

/// Parses a `scope` parameter (space-separated permission names, RFC 6749 §3.3). Every
/// name must be a permission; an empty or missing one asks for everything allowed.
pub fn parse_scope(
    raw: Option<&str>,
    allowed: PermissionSet,
) -> Result<PermissionSet, ConnectRefusal> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(allowed);
    };
    let mut names = Vec::new();
    for name in raw.split(' ').filter(|n| !n.is_empty()) {
        let permission = Permission::parse(name).ok_or_else(|| {
            ConnectRefusal::InvalidScope(format!("{name:.64} is not a scope of this server"))
        })?;
        names.push(permission);
    }
    let requested = PermissionSet::of(&names);
    if let Some(beyond) = requested.iter().find(|p| !allowed.contains(*p)) {
        return Err(ConnectRefusal::InvalidScope(format!(
            "the application may not ask for {}",
            beyond.as_str()
        )));
    }
    Ok(requested)
}

/// A consenting administrator grants only what they hold on the organization themselves.
pub fn check_grantable(
    requested: PermissionSet,
    held: PermissionSet,
) -> Result<(), ConnectRefusal> {
    match requested.iter().find(|p| !held.contains(*p)) {
        Some(missing) => Err(ConnectRefusal::InvalidScope(format!(
            "you do not hold {} on this organization, so you cannot grant it",
            missing.as_str()
        ))),
        None => Ok(()),
    }
}

/// PKCE (RFC 7636): the verifier's S256 must be the challenge sent with the authorization
/// request; a verifier without a challenge, or a challenge without a verifier, is refused.
pub fn check_pkce(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), ConnectRefusal> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(ConnectRefusal::InvalidGrant(
            "code_verifier sent, but the authorization request had no code_challenge".into(),
        )),
        (Some(_), None) => Err(ConnectRefusal::InvalidGrant(
            "code_verifier is required: the authorization request sent a code_challenge".into(),
        )),
        (Some(challenge), Some(verifier)) => {
            if !pkce::is_verifier(verifier) {
                return Err(ConnectRefusal::InvalidGrant(
                    "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]".into(),
                ));
            }
            let computed = pkce::challenge_s256(verifier);
            if bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                Ok(())
            } else {
                Err(ConnectRefusal::InvalidGrant(
                    "code_verifier does not match the code_challenge".into(),
                ))
            }
        }
    }
}

/// A `code_challenge` as RFC 7636 §4.2 writes an S256 one: 43 base64url characters.
pub fn check_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
    public_client: bool,
) -> Result<Option<String>, ConnectRefusal> {
    match (challenge, method) {
        (None, None) if public_client => Err(ConnectRefusal::InvalidRequest(
            "a public client must send a PKCE code_challenge (S256)".into(),
        )),
        (None, None) => Ok(None),
        (None, Some(_)) => Err(ConnectRefusal::InvalidRequest(
            "code_challenge_method without code_challenge".into(),
        )),
        (Some(_), method) if method != Some("S256") => Err(ConnectRefusal::InvalidRequest(
            "code_challenge_method must be S256".into(),
        )),
        (Some(challenge), _) => {
            if pkce::is_challenge(challenge) {
                Ok(Some(challenge.to_owned()))
            } else {
                Err(ConnectRefusal::InvalidRequest(
                    "code_challenge must be the 43-character base64url SHA-256 of the verifier"
                        .into(),
                ))
            }
        }
    }
}

/// The scopes in plain words, for the consent page.
pub fn describe_scope(permission: Permission) -> &'static str {
    match permission {
        Permission::OrganizationRead => "See the organization and its structure",
        Permission::OrganizationManage => "Rename, add, move and delete organizations",
        Permission::MembersRead => "See members, their roles and grants",
        Permission::MembersManage => "Invite, suspend and remove members",
        Permission::RolesManage => "Create roles and grant them",
        Permission::SettingsRead => "Read settings",
        Permission::SettingsManage => "Change and lock settings",
        Permission::ApplicationsRead => "See applications",
        Permission::ApplicationsManage => "Create and change applications",
        Permission::IntegrationsManage => "Set up calendar and conferencing integrations",
        Permission::AuthorizationsManage => "Authorize and revoke applications",
        Permission::SchedulingManage => "Manage scheduling",
        Permission::SchedulingActOnBehalf => "Schedule on behalf of members",
        Permission::EventsRead => "Read events",
        Permission::AuditRead => "Read the audit log",
        Permission::BillingManage => "Manage billing and contract accounts",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_permission_names_within_the_allowed_ones() {
        let allowed = PermissionSet::of(&[Permission::OrganizationRead, Permission::MembersRead]);
        assert_eq!(parse_scope(None, allowed), Ok(allowed));
        assert_eq!(parse_scope(Some("  "), allowed), Ok(allowed));
        assert_eq!(
            parse_scope(Some("members:read"), allowed),
            Ok(PermissionSet::of(&[Permission::MembersRead]))
        );
        assert_eq!(
            parse_scope(Some("members:manage"), allowed).map_err(|e| e.code()),
            Err("invalid_scope")
        );
        assert_eq!(
            parse_scope(Some("openid"), allowed).map_err(|e| e.code()),
            Err("invalid_scope")
        );
    }

    #[test]
    fn pkce_is_checked_whenever_a_challenge_was_sent() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(check_pkce(Some(challenge), Some(verifier)), Ok(()));
        assert!(check_pkce(
            Some(challenge),
            Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK")
        )
        .is_err());
        assert!(check_pkce(Some(challenge), None).is_err());
        assert!(check_pkce(None, Some(verifier)).is_err());
        assert_eq!(check_pkce(None, None), Ok(()));
        assert!(check_pkce(Some(challenge), Some("short")).is_err());
    }

    #[test]
    fn challenges_are_s256_only_and_required_of_public_clients() {
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(
            check_challenge(Some(challenge), Some("S256"), true),
            Ok(Some(challenge.to_owned()))
        );
        assert!(check_challenge(Some(challenge), Some("plain"), false).is_err());
        assert!(check_challenge(Some(challenge), None, false).is_err());
        assert!(check_challenge(None, None, true).is_err());
        assert_eq!(check_challenge(None, None, false), Ok(None));
        assert!(check_challenge(Some("abc"), Some("S256"), false).is_err());
    }

    #[test]
    fn an_administrator_grants_only_what_they_hold() {
        let held = PermissionSet::of(&[Permission::OrganizationRead, Permission::MembersRead]);
        assert!(check_grantable(held, held).is_ok());
        let more = held.union(PermissionSet::of(&[Permission::AuditRead]));
        assert_eq!(
            check_grantable(more, held).map_err(|e| e.code()),
            Err("invalid_scope")
        );
    }
}
