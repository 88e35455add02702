//! Integrations of customer organizations (SPEC §4): calendars, conferencing and integrator
//! applications, with a configuration that never holds secrets.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
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

/// Words (and two-word compounds, written together) that name a credential. A key is split
/// into lowercase words at `_`, `-`, `.`, spaces and other punctuation, at lower-to-upper case
/// changes (`clientSecret`), before the last capital of a capital run (`APIKey`) and between
/// letters and digits; a key holding one of these words, or two adjacent words that together
/// are one (`api_key`, `signingKey`), names a credential, unless a later word says the key is
/// about the credential rather than the credential itself ([`DESCRIPTOR_WORDS`]). Whole words
/// only: `pinned`, `spinner` and `tokenizer` are not `pin` or `token`.
const CREDENTIAL_WORDS: [&str; 28] = [
    "password",
    "passwords",
    "passwd",
    "passphrase",
    "pwd",
    "pin",
    "secret",
    "secrets",
    "token",
    "tokens",
    "bearer",
    "authorization",
    "credential",
    "credentials",
    "cookie",
    "cookies",
    "apikey",
    "accesskey",
    "authkey",
    "privatekey",
    "signingkey",
    "sharedkey",
    "secretkey",
    "masterkey",
    "encryptionkey",
    "clientsecret",
    "sessionid",
    "sessionkey",
];

/// Words that, after a credential word, make the key describe it: `tokenEndpointUrl`,
/// `passwordPolicy`, `secretName` (where a secret is kept, not the secret), `tokenExpiresAt`.
const DESCRIPTOR_WORDS: [&str; 16] = [
    "url",
    "uri",
    "endpoint",
    "path",
    "name",
    "type",
    "policy",
    "expiry",
    "expires",
    "expiration",
    "ttl",
    "lifetime",
    "length",
    "format",
    "timeout",
    "count",
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
                if names_credential(key) {
                    return Err(DomainError::invalid(
                        FIELD,
                        format!("the key \"{at}{key}\" looks like a credential: {NO_SECRETS}"),
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
        Value::String(text) => {
            return match credential_in_value(text) {
                // The value itself is never repeated in the message.
                Some(kind) => Err(DomainError::invalid(
                    FIELD,
                    format!(
                        "the value at \"{}\" looks like {kind}: {NO_SECRETS}",
                        at.strip_suffix('.').unwrap_or(at)
                    ),
                )),
                None => Ok(()),
            };
        }
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

const NO_SECRETS: &str = "secrets are not stored in an integration's configuration (it is \
                          shown to everyone who may read the organization); keep them with the \
                          provider or in your own secret store";

/// Whether a configuration key names a credential (see [`CREDENTIAL_WORDS`]).
fn names_credential(key: &str) -> bool {
    let words = key_words(key);
    let is_credential = |word: &str| CREDENTIAL_WORDS.contains(&word);
    // Where the last credential word (or two-word compound) ends.
    let last_credential = (0..words.len())
        .filter_map(|i| {
            let compound = words
                .get(i + 1)
                .is_some_and(|next| is_credential(&format!("{}{next}", words[i])));
            if compound {
                Some(i + 1)
            } else {
                is_credential(&words[i]).then_some(i)
            }
        })
        .max();
    last_credential.is_some_and(|end| {
        !words[end + 1..]
            .iter()
            .any(|w| DESCRIPTOR_WORDS.contains(&w.as_str()))
    })
}

/// Splits a key into lowercase words: `clientSecret` → client, secret; `X-API-Key` → x, api,
/// key; `APIKey` → api, key; `oauth2Token` → oauth, 2, token.
fn key_words(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = i > 0 && !current.is_empty() && {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase))
                || (prev.is_numeric() != c.is_numeric())
        };
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// What a string value looks like if it holds a credential: a PEM private key, an HTTP
/// `Authorization` value (`Bearer …`, or `Basic` with base64 `user:password`), or a JSON Web
/// Token (three base64url parts, the first a JSON object).
fn credential_in_value(text: &str) -> Option<&'static str> {
    let private_key_block = text.split("-----BEGIN ").skip(1).any(|rest| {
        rest.split("-----")
            .next()
            .is_some_and(|label| label.contains("PRIVATE KEY"))
    });
    if private_key_block {
        return Some("a private key");
    }
    let trimmed = text.trim();
    let mut parts = trimmed.split_whitespace();
    if let (Some(scheme), Some(credentials), None) = (parts.next(), parts.next(), parts.next()) {
        let token68 = !credentials.is_empty()
            && credentials
                .trim_end_matches('=')
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~+/".contains(c));
        if token68 && scheme.eq_ignore_ascii_case("bearer") {
            return Some("a bearer token");
        }
        if token68
            && scheme.eq_ignore_ascii_case("basic")
            && STANDARD_NO_PAD
                .decode(credentials.trim_end_matches('='))
                .is_ok_and(|decoded| decoded.contains(&b':'))
        {
            return Some("HTTP basic credentials");
        }
    }
    if looks_like_jwt(trimmed) {
        return Some("a JSON Web Token");
    }
    None
}

fn looks_like_jwt(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    let base64url = |part: &str| {
        part.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    parts.len() == 3
        && parts.iter().all(|p| base64url(p))
        && !parts[1].is_empty()
        && URL_SAFE_NO_PAD
            .decode(parts[0])
            .ok()
            .and_then(|header| serde_json::from_slice::<Value>(&header).ok())
            .is_some_and(|header| header.is_object())
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
    fn credential_keys_are_whole_words_in_any_spelling() {
        for key in [
            "authorization",
            "Authorization",
            "pwd",
            "pin",
            "PIN",
            "bearer",
            "sharedKey",
            "signingKey",
            "signing_key",
            "SIGNING-KEY",
            "x-api-key",
            "APIKey",
            "apikey",
            "accessKey",
            "AWS_ACCESS_KEY",
            "privateKey",
            "private.key",
            "client secret",
            "clientSecret",
            "credentials",
            "set-cookie",
            "sessionId",
            "session_key",
            "passWord",
            "passphrase",
            "refreshToken",
            "oauth2Token",
            "tokenValue",
            "pinCode",
            "userPassword",
        ] {
            assert!(names_credential(key), "{key} names a credential");
            let configuration = json!({ key: "x" });
            assert!(
                validate_configuration(&configuration).is_err(),
                "{key} must be refused"
            );
        }
        for key in [
            "pinned",
            "spinner",
            "tokenizer",
            "tokenEndpointUrl",
            "token_url",
            "passwordPolicy",
            "secretName",
            "tokenExpiresAt",
            "sessionTimeout",
            "keyId",
            "publicKeyUrl",
            "authorityHost",
            "accessLevel",
            "calendarId",
            "tenantId",
            "pinyin",
            "opinion",
            "secretary",
        ] {
            assert!(!names_credential(key), "{key} is not a credential");
            let configuration = json!({ key: "x" });
            assert!(
                validate_configuration(&configuration).is_ok(),
                "{key} must be accepted"
            );
        }
        assert_eq!(key_words("X-APIKey2FA"), ["x", "api", "key", "2", "fa"]);
    }

    #[test]
    fn credential_values_are_refused_wherever_they_are() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----";
        let rsa = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----";
        let cert_then_key =
            format!("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n{pem}");
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        for (value, kind) in [
            (json!({ "header": "Bearer abc" }), "bearer"),
            (
                json!({ "header": " bearer eyJ0eXAi.abc-def_ghi= " }),
                "bearer",
            ),
            (json!({ "h": "Basic dXNlcjpwYXNz" }), "basic"),
            (json!({ "nested": { "list": [pem] } }), "private key"),
            (json!({ "k": rsa }), "private key"),
            (json!({ "k": cert_then_key }), "private key"),
            (json!({ "k": jwt }), "JSON Web Token"),
        ] {
            let error = validate_configuration(&value);
            assert!(
                matches!(&error, Err(DomainError::InvalidInput { message, .. })
                    if message.contains(kind) && !message.contains("abc") && !message.contains("MII")),
                "{value} must be refused without repeating the value: {error:?}"
            );
        }
        for benign in [
            json!({ "plan": "Basic Plan" }),
            json!({ "note": "Bearer of good news arrives" }),
            json!({ "tier": "basic" }),
            json!({ "cert": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" }),
            json!({ "pub": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----" }),
            json!({ "host": "calendar.example.com" }),
            json!({ "version": "1.2.3" }),
        ] {
            assert!(validate_configuration(&benign).is_ok(), "{benign}");
        }
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
