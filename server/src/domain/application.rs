//! Applications of integrator organizations (SPEC §4): what they may hold, who may see and
//! manage each of them, and their client secrets.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::{DomainError, DomainResult};
use super::ids::{ApplicationId, NetworkId, OrganizationId};
use super::name::Name;
use super::organization::{Organization, OrganizationKind};
use super::permissions::{
    effective_permissions, effective_permissions_on_application, Permission, PermissionSet,
    PlacedGrant,
};

pub const NAME_MAX_CHARS: usize = 200;
pub const MAX_REDIRECT_URIS: usize = 20;
pub const REDIRECT_URI_MAX_CHARS: usize = 2_000;
/// Keeps `Organization.applications` a bounded list whose worst case the query complexity
/// counts (a page of 100 organizations with their applications and integrations fits the
/// limit). An integrator has a handful; more go in sub-organizations.
pub const MAX_APPLICATIONS_PER_ORGANIZATION: usize = 50;
/// Scope lists longer than this are refused before they are read (there are 16 permissions).
const MAX_SCOPE_ENTRIES: usize = 100;

/// Random bytes behind a client id and behind a client secret.
pub const CLIENT_ID_BYTES: usize = 16;
pub const CLIENT_SECRET_BYTES: usize = 32;
pub const SECRET_SALT_BYTES: usize = 16;

const CLIENT_ID_PREFIX: &str = "org_";
const CLIENT_SECRET_PREFIX: &str = "orgs_";
const HASH_SCHEME: &str = "sha256";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Production,
    Staging,
    Development,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Production => "PRODUCTION",
            Self::Staging => "STAGING",
            Self::Development => "DEVELOPMENT",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Production, Self::Staging, Self::Development]
            .into_iter()
            .find(|e| e.as_str() == raw)
    }
}

/// An application as everyone but the OAuth endpoints sees it: its secret hash is not part of
/// it, so no response can carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    pub id: ApplicationId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    pub name: String,
    pub environment: Environment,
    pub client_id: String,
    /// A browser application: no secret, PKCE on every authorization.
    pub public: bool,
    /// Compared by exact string match at authorization, so kept exactly as given.
    pub redirect_uris: Vec<String>,
    pub allowed_scopes: PermissionSet,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Only integrator organizations (`INTEGRATOR`, `MIXED`) hold applications.
pub fn check_holder(org: &Organization) -> DomainResult<()> {
    match org.kind {
        OrganizationKind::Integrator | OrganizationKind::Mixed => Ok(()),
        OrganizationKind::Customer => Err(DomainError::invalid(
            "organizationId",
            "applications belong to INTEGRATOR or MIXED organizations; this one is CUSTOMER",
        )),
    }
}

/// An application's name, and an integration's display name: the name rule ([`Name`]),
/// 1–200 characters.
pub fn parse_name(field: &str, raw: &str) -> DomainResult<String> {
    Name::parse(field, raw, NAME_MAX_CHARS).map(Name::into_string)
}

/// Validates redirect URIs, kept as given (exact match; duplicates dropped). Each is an
/// absolute `https` URL without a fragment or credentials; plain `http` only towards the
/// loopback interface (`localhost`, `127.0.0.1`, `[::1]`, RFC 8252 §7.3) and only for
/// applications outside `PRODUCTION`, whose redirects must be protected by TLS.
pub fn parse_redirect_uris(raw: &[String], environment: Environment) -> DomainResult<Vec<String>> {
    const FIELD: &str = "redirectUris";
    if raw.len() > MAX_REDIRECT_URIS {
        return Err(DomainError::LimitExceeded(format!(
            "{FIELD}: at most {MAX_REDIRECT_URIS} redirect URIs (got {})",
            raw.len()
        )));
    }
    let mut uris: Vec<String> = Vec::with_capacity(raw.len());
    for uri in raw {
        check_redirect_uri(uri, environment)
            .map_err(|reason| DomainError::invalid(FIELD, format!("{uri:?} {reason}")))?;
        if !uris.contains(uri) {
            uris.push(uri.clone());
        }
    }
    Ok(uris)
}

fn check_redirect_uri(uri: &str, environment: Environment) -> Result<(), String> {
    if uri.chars().count() > REDIRECT_URI_MAX_CHARS {
        return Err(format!(
            "is longer than {REDIRECT_URI_MAX_CHARS} characters"
        ));
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain whitespace".into());
    }
    let url = url::Url::parse(uri).map_err(|e| format!("is not an absolute URL ({e})"))?;
    check_written_authority(uri, url.scheme())?;
    if url.fragment().is_some() {
        return Err("must not have a fragment (#…)".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err("must name a host".into()),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback && environment != Environment::Production => Ok(()),
        "http" if loopback => {
            Err("uses http: a PRODUCTION application redirects over https only".into())
        }
        "http" => Err(
            "uses http: only https, or http to localhost/127.0.0.1 for development, is allowed"
                .into(),
        ),
        other => Err(format!("has the scheme {other}: only https is allowed")),
    }
}

/// The host must be written out: URL parsers repair `https:///cb`, `https:cb` and
/// `https:\\cb` into `https://cb/`, so the parsed URL alone can't tell. The URI must read
/// `scheme://authority…` with an authority holding a host (credentials are refused anyway).
fn check_written_authority(uri: &str, scheme: &str) -> Result<(), String> {
    if uri.contains('\\') {
        return Err("must not contain backslashes".into());
    }
    let authority = uri
        .get(scheme.len()..)
        .and_then(|rest| rest.strip_prefix("://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    match authority {
        None => Err(format!("must start with {scheme}:// and a host")),
        Some(authority) if authority.contains('@') => Err("must not carry credentials".into()),
        Some(authority) if authority.is_empty() || authority.starts_with(':') => {
            Err("must name a host (it is empty)".into())
        }
        Some(_) => Ok(()),
    }
}

/// The scopes an application may ask for: permission names (SPEC §3), duplicates ignored.
pub fn parse_scopes(raw: &[String]) -> DomainResult<PermissionSet> {
    const FIELD: &str = "allowedScopes";
    if raw.len() > MAX_SCOPE_ENTRIES {
        return Err(DomainError::LimitExceeded(format!(
            "{FIELD}: at most {MAX_SCOPE_ENTRIES} entries"
        )));
    }
    let mut scopes = Vec::with_capacity(raw.len());
    for name in raw {
        let permission = Permission::parse(name.trim()).ok_or_else(|| {
            DomainError::invalid(
                FIELD,
                format!(
                    "{name:?} is not a permission; scopes are permission names such as \
                     organization:read or members:read"
                ),
            )
        })?;
        scopes.push(permission);
    }
    Ok(PermissionSet::of(&scopes))
}

/// What a principal may do with one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationAccess {
    /// Treated exactly like an application that does not exist.
    Hidden,
    Read,
    Manage,
}

/// A principal sees an application when it sees its organization and holds
/// `applications:read` there or on that very application (a resource-scoped grant), and
/// manages it with `applications:manage` in the same way.
pub fn access_to_application(
    grants: &[PlacedGrant],
    holder: &Organization,
    application: ApplicationId,
) -> ApplicationAccess {
    if !effective_permissions(grants, holder).contains(Permission::OrganizationRead) {
        return ApplicationAccess::Hidden;
    }
    let on_application = effective_permissions_on_application(grants, holder, application);
    if !on_application.contains(Permission::ApplicationsRead) {
        ApplicationAccess::Hidden
    } else if on_application.contains(Permission::ApplicationsManage) {
        ApplicationAccess::Manage
    } else {
        ApplicationAccess::Read
    }
}

/// A client id from fresh random bytes: `org_` and 32 hex digits.
pub fn client_id_from(random: &[u8; CLIENT_ID_BYTES]) -> String {
    let mut id = String::with_capacity(CLIENT_ID_PREFIX.len() + 2 * CLIENT_ID_BYTES);
    id.push_str(CLIENT_ID_PREFIX);
    for byte in random {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

/// A client secret from fresh random bytes: `orgs_` and 256 random bits in base64url.
pub fn client_secret_from(random: &[u8; CLIENT_SECRET_BYTES]) -> String {
    format!("{CLIENT_SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(random))
}

/// The stored form of a client secret: `sha256$<salt>$<SHA-256(salt ‖ secret)>`, base64url.
///
/// Why SHA-256 and not a password hash (argon2, scrypt): a slow, memory-hard hash protects
/// low-entropy secrets that people choose, by making each guess expensive. These secrets are
/// 256 uniformly random bits made by the server, so no guessing attack against a leaked hash
/// is feasible at any hash speed, and a slow hash would only spend CPU on every token request.
/// The per-secret random salt keeps equal secrets from having equal hashes and rules out
/// precomputed tables anyway.
pub fn hash_client_secret(secret: &str, salt: &[u8; SECRET_SALT_BYTES]) -> String {
    format!(
        "{HASH_SCHEME}${}${}",
        URL_SAFE_NO_PAD.encode(salt),
        URL_SAFE_NO_PAD.encode(salted_digest(salt, secret))
    )
}

/// Whether `presented` is the secret behind `stored` (made by [`hash_client_secret`]). The
/// digests are compared in constant time, so timing says nothing about how much matched.
pub fn verify_client_secret(presented: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(HASH_SCHEME), Some(salt), Some(digest), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(salt), Ok(expected)) = (URL_SAFE_NO_PAD.decode(salt), URL_SAFE_NO_PAD.decode(digest))
    else {
        return false;
    };
    let actual = salted_digest(&salt, presented);
    bool::from(actual.as_slice().ct_eq(expected.as_slice()))
}

fn salted_digest(salt: &[u8], secret: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(secret.as_bytes());
    hasher.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tree_path::TreePath;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn redirect_uris_are_https_or_loopback_outside_production() {
        let ok = parse_redirect_uris(
            &strings(&[
                "https://app.example.com/callback",
                "https://app.example.com/callback",
                "http://localhost:3000/cb",
                "http://127.0.0.1:8080/cb",
                "http://[::1]/cb",
                "HTTPS://App.Example.com:8443/cb?x=1",
            ]),
            Environment::Development,
        );
        assert_eq!(
            ok.ok().map(|u| u.len()),
            Some(5),
            "duplicates are dropped, the rest kept as given"
        );
        for bad in [
            "http://app.example.com/cb",
            "https://app.example.com/cb#frag",
            "/relative/cb",
            "ftp://example.com/cb",
            "javascript:alert(1)",
            "https://user:pw@example.com/cb",
            "https://exa mple.com/cb",
            "https:///cb",
            "https:////cb",
            "https:cb",
            "https:/cb",
            "https:\\\\cb",
            "https://\\cb",
            "https://:443/cb",
            "https://@example.com/cb",
            "https://?x=1",
            "http:///localhost/cb",
        ] {
            assert!(
                parse_redirect_uris(&strings(&[bad]), Environment::Development).is_err(),
                "{bad} must be refused"
            );
        }
        assert!(parse_redirect_uris(
            &strings(&["http://localhost:3000/cb"]),
            Environment::Production
        )
        .is_err());
        let many: Vec<String> = (0..21).map(|i| format!("https://a.example/{i}")).collect();
        assert!(matches!(
            parse_redirect_uris(&many, Environment::Staging),
            Err(DomainError::LimitExceeded(_))
        ));
    }

    #[test]
    fn scopes_are_permission_names() {
        let set = parse_scopes(&strings(&[
            "members:read",
            "organization:read",
            "members:read",
        ]));
        assert_eq!(
            set.ok().map(|s| s.iter().collect::<Vec<_>>()),
            Some(vec![Permission::OrganizationRead, Permission::MembersRead])
        );
        assert!(parse_scopes(&strings(&["members:write"])).is_err());
        assert!(parse_scopes(&strings(&["openid"])).is_err());
    }

    #[test]
    fn secrets_verify_against_their_salted_hash_only() {
        let secret = client_secret_from(&[7; CLIENT_SECRET_BYTES]);
        assert!(secret.starts_with("orgs_"));
        let stored = hash_client_secret(&secret, &[1; SECRET_SALT_BYTES]);
        assert!(!stored.contains(&secret));
        assert!(verify_client_secret(&secret, &stored));
        assert!(!verify_client_secret("orgs_wrong", &stored));
        assert!(!verify_client_secret(&secret, "garbage"));
        let other_salt = hash_client_secret(&secret, &[2; SECRET_SALT_BYTES]);
        assert_ne!(stored, other_salt, "the salt changes the hash");
        assert_eq!(
            client_id_from(&[0xab; CLIENT_ID_BYTES]),
            format!("org_{}", "ab".repeat(16))
        );
    }

    #[test]
    fn a_grant_on_one_application_reaches_that_application_only() {
        let org = Organization {
            id: OrganizationId::new_random(),
            network_id: NetworkId::new_random(),
            seq: 1,
            parent_id: None,
            path: TreePath::root(1),
            depth: 0,
            name: "Integrator".into(),
            kind: OrganizationKind::Integrator,
            contract_account_id: crate::domain::ids::ContractAccountId::new_random(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            deleted_at: None,
            purge_after: None,
            deletion_id: None,
            sets_contract_account: true,
        };
        let (staging, production) = (ApplicationId::new_random(), ApplicationId::new_random());
        let developer = [PlacedGrant {
            role: "DEVELOPER".into(),
            permissions: crate::domain::permissions::BuiltInRole::Developer.permissions(),
            application: Some(staging),
            organization_path: TreePath::root(1),
            organization_deletion: None,
            organization_deleted: false,
            reach: crate::domain::permissions::Reach::Subtree,
        }];
        assert_eq!(
            access_to_application(&developer, &org, staging),
            ApplicationAccess::Manage
        );
        assert_eq!(
            access_to_application(&developer, &org, production),
            ApplicationAccess::Hidden
        );
        assert_eq!(
            access_to_application(&[], &org, staging),
            ApplicationAccess::Hidden
        );
        let mut customer = org.clone();
        customer.kind = OrganizationKind::Customer;
        assert!(check_holder(&customer).is_err());
        assert!(check_holder(&org).is_ok());
    }
}
