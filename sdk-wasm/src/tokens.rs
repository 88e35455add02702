//! Token sets: reading token responses (RFC 6749 §5), OAuth error answers, and when to
//! refresh. Times are milliseconds since the epoch, passed in: the clock is the caller's.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;

use serde_json::Value;

use crate::error::{code, object, SdkError, SdkResult};

/// Refresh this long before the access token expires, so a request in flight doesn't carry
/// a token that expires on the way.
pub const REFRESH_MARGIN_MS: f64 = 30_000.0;

/// What an integrator keeps for one authorization.
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// `None` when the server did not say (then only a 401 triggers a refresh).
    pub expires_at_ms: Option<f64>,
    pub scope: Option<String>,
    pub organization_id: Option<String>,
    pub include_sub_organizations: Option<bool>,
}

impl Tokens {
    /// A successful token response. A response without a new refresh token keeps the one
    /// the client had (RFC 6749 §6).
    pub fn from_response(
        body: &Value,
        now_ms: f64,
        previous_refresh_token: Option<&str>,
    ) -> SdkResult<Self> {
        let object = body
            .as_object()
            .ok_or_else(|| SdkError::invalid_response("the answer is not a JSON object"))?;
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        let access_token = text("access_token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| SdkError::invalid_response("the token response has no access_token"))?;
        if !text("token_type").is_some_and(|t| t.eq_ignore_ascii_case("bearer")) {
            return Err(SdkError::invalid_response(
                "the token response's token_type is not Bearer",
            ));
        }
        let expires_at_ms = match object.get("expires_in") {
            None | Some(Value::Null) => None,
            Some(value) => {
                let seconds = value.as_f64().filter(|s| *s >= 0.0).ok_or_else(|| {
                    SdkError::invalid_response("the token response's expires_in is not a number")
                })?;
                Some(now_ms + seconds * 1000.0)
            }
        };
        Ok(Self {
            access_token,
            refresh_token: text("refresh_token").or(previous_refresh_token.map(str::to_owned)),
            expires_at_ms,
            scope: text("scope"),
            organization_id: text("organization_id"),
            include_sub_organizations: object
                .get("include_sub_organizations")
                .and_then(Value::as_bool),
        })
    }

    /// Tokens as an application stored them (`to_json`'s shape).
    pub fn from_stored(stored: &Value) -> SdkResult<Self> {
        let object = stored.as_object().ok_or_else(|| {
            SdkError::invalid_argument(
                "tokens must be an object like { accessToken, refreshToken, expiresAt }",
            )
        })?;
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        let access_token = text("accessToken")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| SdkError::invalid_argument("tokens.accessToken is required"))?;
        let expires_at_ms = match object.get("expiresAt") {
            None | Some(Value::Null) => None,
            Some(value) => Some(value.as_f64().ok_or_else(|| {
                SdkError::invalid_argument("tokens.expiresAt must be milliseconds since the epoch")
            })?),
        };
        Ok(Self {
            access_token,
            refresh_token: text("refreshToken"),
            expires_at_ms,
            scope: text("scope"),
            organization_id: text("organizationId"),
            include_sub_organizations: object
                .get("includeSubOrganizations")
                .and_then(Value::as_bool),
        })
    }

    /// The shape handed to the application's token store.
    pub fn to_value(&self) -> Value {
        let optional = [
            (
                "refreshToken",
                self.refresh_token.as_deref().map(Value::from),
            ),
            ("expiresAt", self.expires_at_ms.map(Value::from)),
            ("scope", self.scope.as_deref().map(Value::from)),
            (
                "organizationId",
                self.organization_id.as_deref().map(Value::from),
            ),
            (
                "includeSubOrganizations",
                self.include_sub_organizations.map(Value::from),
            ),
        ];
        object(
            [("accessToken", Value::from(self.access_token.as_str()))]
                .into_iter()
                .chain(
                    optional
                        .into_iter()
                        .filter_map(|(name, value)| Some((name, value?))),
                ),
        )
    }

    /// Whether to refresh before the next request.
    pub fn refresh_due(&self, now_ms: f64) -> bool {
        self.refresh_token.is_some()
            && self
                .expires_at_ms
                .is_some_and(|at| now_ms >= at - REFRESH_MARGIN_MS)
    }
}

/// An OAuth error answer (RFC 6749 §5.2) as an error with the server's `error` as its code;
/// an answer that is not one is an `HTTP_ERROR`.
pub fn error_from_response(status: u16, body: &Value) -> SdkError {
    let object = body.as_object();
    let field = |name: &str| {
        object
            .as_ref()
            .and_then(|o| o.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match field("error") {
        Some(error) if !error.is_empty() => {
            let description = field("error_description")
                .unwrap_or_else(|| format!("the authorization server answered {error}"));
            SdkError::new(error.get(..64).unwrap_or(&error), description)
        }
        _ => SdkError::new(
            code::HTTP_ERROR,
            format!("the authorization server answered HTTP {status}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_780_000_000_000.0;

    /// As the JavaScript side passes bodies: parsed, or null when they aren't JSON.
    fn parse(body: &str) -> Value {
        serde_json::from_str(body).unwrap_or(Value::Null)
    }

    fn response(body: &str, now_ms: f64, previous: Option<&str>) -> SdkResult<Tokens> {
        Tokens::from_response(&parse(body), now_ms, previous)
    }

    #[test]
    fn a_token_response_becomes_tokens_with_an_expiry() {
        let tokens = response(
            r#"{"access_token":"at","token_type":"Bearer","expires_in":3600,
                "refresh_token":"rt","scope":"organization:read",
                "organization_id":"org-1","include_sub_organizations":true}"#,
            NOW,
            None,
        )
        .unwrap();
        assert_eq!(tokens.expires_at_ms, Some(NOW + 3_600_000.0));
        assert_eq!(tokens.refresh_token.as_deref(), Some("rt"));
        assert_eq!(tokens.organization_id.as_deref(), Some("org-1"));
        assert_eq!(Tokens::from_stored(&tokens.to_value()).unwrap(), tokens);
    }

    #[test]
    fn refresh_is_due_shortly_before_expiry_and_only_with_a_refresh_token() {
        let mut tokens = response(
            r#"{"access_token":"at","token_type":"bearer","expires_in":60,"refresh_token":"rt"}"#,
            NOW,
            None,
        )
        .unwrap();
        assert!(!tokens.refresh_due(NOW));
        assert!(!tokens.refresh_due(NOW + 60_000.0 - REFRESH_MARGIN_MS - 1.0));
        assert!(tokens.refresh_due(NOW + 60_000.0 - REFRESH_MARGIN_MS));
        assert!(tokens.refresh_due(NOW + 3_600_000.0));
        tokens.refresh_token = None;
        assert!(!tokens.refresh_due(NOW + 3_600_000.0));
    }

    #[test]
    fn a_rotation_without_a_new_refresh_token_keeps_the_old_one() {
        let tokens = response(
            r#"{"access_token":"at2","token_type":"Bearer"}"#,
            NOW,
            Some("rt1"),
        )
        .unwrap();
        assert_eq!(tokens.refresh_token.as_deref(), Some("rt1"));
        assert_eq!(tokens.expires_at_ms, None);
    }

    #[test]
    fn malformed_token_responses_are_refused() {
        for body in [
            "not json",
            "[]",
            r#"{"token_type":"Bearer"}"#,
            r#"{"access_token":"at","token_type":"MAC"}"#,
            r#"{"access_token":"at","token_type":"Bearer","expires_in":"soon"}"#,
        ] {
            let error = response(body, NOW, None).unwrap_err();
            assert_eq!(error.code, code::INVALID_RESPONSE, "{body}");
        }
        assert_eq!(
            Tokens::from_stored(&parse(r#"{"refreshToken":"x"}"#))
                .unwrap_err()
                .code,
            code::INVALID_ARGUMENT
        );
    }

    #[test]
    fn oauth_errors_keep_the_servers_code() {
        let error = error_from_response(
            400,
            &parse(
                r#"{"error":"invalid_grant","error_description":"the refresh token was revoked"}"#,
            ),
        );
        assert_eq!(error.code, "invalid_grant");
        assert_eq!(error.message, "the refresh token was revoked");
        assert_eq!(
            error_from_response(502, &parse("<html>")).code,
            code::HTTP_ERROR
        );
    }
}
