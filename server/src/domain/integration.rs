//! Integrations of customer organizations (SPEC §4): calendars, conferencing and integrator
//! applications, with a configuration that never holds secrets.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::error::{DomainError, DomainResult};
use super::ids::{IntegrationId, NetworkId, OrganizationId};
use super::organization::{Organization, OrganizationKind};

/// Serialized size limit of a configuration.
pub const CONFIGURATION_MAX_BYTES: usize = 16 * 1024;
/// Nesting limit of a configuration (objects and arrays).
pub const CONFIGURATION_MAX_DEPTH: usize = 16;
/// Keeps `Organization.integrations` a bounded list (see
/// [`super::application::MAX_APPLICATIONS_PER_ORGANIZATION`]).
pub const MAX_INTEGRATIONS_PER_ORGANIZATION: usize = 50;

/// Fragments of key names that suggest a credential, compared without case and without `_`,
/// `-`, `.` and spaces (so `apiKey`, `api_key` and `API-KEY` all match `apikey`).
const SECRET_KEY_FRAGMENTS: [&str; 7] = [
    "secret",
    "password",
    "passwd",
    "token",
    "apikey",
    "privatekey",
    "credential",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationKind {
    Calendar,
    Conferencing,
    IntegratorApp,
}

impl IntegrationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Calendar => "CALENDAR",
            Self::Conferencing => "CONFERENCING",
            Self::IntegratorApp => "INTEGRATOR_APP",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Calendar, Self::Conferencing, Self::IntegratorApp]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Google,
    Microsoft365,
    Zoom,
    MicrosoftTeams,
    Other,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "GOOGLE",
            Self::Microsoft365 => "MICROSOFT_365",
            Self::Zoom => "ZOOM",
            Self::MicrosoftTeams => "MICROSOFT_TEAMS",
            Self::Other => "OTHER",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Google,
            Self::Microsoft365,
            Self::Zoom,
            Self::MicrosoftTeams,
            Self::Other,
        ]
        .into_iter()
        .find(|p| p.as_str() == raw)
    }
}

/// The life of an integration:
/// - `ACTIVE`: in use (the default when created);
/// - `DISABLED`: switched off by an administrator; kept with its configuration, and members
///   stay linked to it, so switching it back on loses nothing;
/// - `ERROR`: the connection to the provider fails (consent revoked, tenant gone); set by
///   whatever runs the connection when it notices, or by an administrator, and left by setting
///   `ACTIVE` again once fixed. Configuration changes don't change the status by themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationStatus {
    Active,
    Disabled,
    Error,
}

impl IntegrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Disabled => "DISABLED",
            Self::Error => "ERROR",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Active, Self::Disabled, Self::Error]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    pub id: IntegrationId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    pub kind: IntegrationKind,
    pub provider: Provider,
    pub status: IntegrationStatus,
    pub display_name: String,
    /// A JSON object without secrets (see [`validate_configuration`]).
    pub configuration: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Only customer organizations (`CUSTOMER`, `MIXED`) hold integrations.
pub fn check_holder(org: &Organization) -> DomainResult<()> {
    match org.kind {
        OrganizationKind::Customer | OrganizationKind::Mixed => Ok(()),
        OrganizationKind::Integrator => Err(DomainError::invalid(
            "organizationId",
            "integrations belong to CUSTOMER or MIXED organizations; this one is INTEGRATOR",
        )),
    }
}

/// A display name: the same rules as an application's name.
pub fn parse_display_name(raw: &str) -> DomainResult<String> {
    super::application::parse_name("displayName", raw)
}

/// Which providers offer which kind: calendars at Google and Microsoft 365, conferencing at
/// Zoom, Microsoft Teams and Google (Meet); anything at `OTHER`; an integrator's application
/// may come from anyone.
pub fn check_provider(kind: IntegrationKind, provider: Provider) -> DomainResult<()> {
    use IntegrationKind::*;
    use Provider::*;
    let offered = match kind {
        Calendar => matches!(provider, Google | Microsoft365 | Other),
        Conferencing => matches!(provider, Zoom | MicrosoftTeams | Google | Other),
        IntegratorApp => true,
    };
    if offered {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "provider",
            format!(
                "{} offers no {} integration",
                provider.as_str(),
                kind.as_str()
            ),
        ))
    }
}

/// A configuration is a JSON object of at most 16 KiB, nested at most 16 levels, whose keys
/// (at any depth) don't name credentials: secrets are not stored in Orgraph, and whatever is
/// stored here is shown to everyone who may read the organization. Returns its JSON text.
pub fn validate_configuration(configuration: &Value) -> DomainResult<String> {
    const FIELD: &str = "configuration";
    if !configuration.is_object() {
        return Err(DomainError::invalid(FIELD, "must be a JSON object"));
    }
    let json = configuration.to_string();
    if json.len() > CONFIGURATION_MAX_BYTES {
        return Err(DomainError::LimitExceeded(format!(
            "{FIELD}: at most {CONFIGURATION_MAX_BYTES} bytes of JSON (got {})",
            json.len()
        )));
    }
    check_keys(configuration, "", 1)?;
    Ok(json)
}

fn check_keys(value: &Value, at: &str, depth: usize) -> DomainResult<()> {
    const FIELD: &str = "configuration";
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => {
            for key in map.keys() {
                if looks_like_secret(key) {
                    return Err(DomainError::invalid(
                        FIELD,
                        format!(
                            "the key \"{at}{key}\" looks like a credential: secrets are not \
                             stored in an integration's configuration (it is shown to everyone \
                             who may read the organization); keep them with the provider or \
                             in your own secret store"
                        ),
                    ));
                }
            }
            map.iter().map(|(k, v)| (format!("{at}{k}."), v)).collect()
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{at}{i}."), v))
            .collect(),
        _ => return Ok(()),
    };
    if depth > CONFIGURATION_MAX_DEPTH {
        return Err(DomainError::invalid(
            FIELD,
            format!("must not nest more than {CONFIGURATION_MAX_DEPTH} levels"),
        ));
    }
    children
        .into_iter()
        .try_for_each(|(path, child)| check_keys(child, &path, depth + 1))
}

fn looks_like_secret(key: &str) -> bool {
    let normalized: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_KEY_FRAGMENTS
        .iter()
        .any(|fragment| normalized.contains(fragment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_looking_keys_are_refused_at_any_depth() {
        for bad in [
            json!({ "clientSecret": "x" }),
            json!({ "PASSWORD": "x" }),
            json!({ "api_key": "x" }),
            json!({ "Api-Key": "x" }),
            json!({ "oauth": { "refreshToken": "x" } }),
            json!({ "accounts": [{ "privateKey": "x" }] }),
        ] {
            assert!(
                validate_configuration(&bad).is_err(),
                "{bad} must be refused"
            );
        }
        let ok =
            json!({ "tenantId": "contoso", "calendars": [{ "id": "primary" }], "syncDays": 30 });
        assert!(validate_configuration(&ok).is_ok());
    }

    #[test]
    fn configuration_is_a_bounded_object() {
        assert!(validate_configuration(&json!([1, 2])).is_err());
        assert!(validate_configuration(&json!("text")).is_err());
        let big = json!({ "notes": "x".repeat(CONFIGURATION_MAX_BYTES) });
        assert!(matches!(
            validate_configuration(&big),
            Err(DomainError::LimitExceeded(_))
        ));
        let mut deep = json!({});
        for _ in 0..20 {
            deep = json!({ "a": deep });
        }
        assert!(validate_configuration(&deep).is_err());
    }

    #[test]
    fn providers_offer_their_kinds() {
        assert!(check_provider(IntegrationKind::Calendar, Provider::Microsoft365).is_ok());
        assert!(check_provider(IntegrationKind::Calendar, Provider::Zoom).is_err());
        assert!(check_provider(IntegrationKind::Conferencing, Provider::Google).is_ok());
        assert!(check_provider(IntegrationKind::IntegratorApp, Provider::Other).is_ok());
    }
}
