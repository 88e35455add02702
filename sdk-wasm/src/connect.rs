//! Organization Connect from the client's side (RFC 6749 with PKCE, RFC 8414 metadata,
//! RFC 9207 `iss`): building the authorization URL and reading the callback. The JavaScript
//! side does the I/O; every decision is made here.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec;

use orgraph_rules::{pkce, Permission};
use serde_json::Value;

use crate::error::{code, SdkError, SdkResult};
use crate::url::{is_http_url, query_pairs, with_query};

/// Where RFC 8414 §3 puts the metadata of `issuer`: the well-known path goes between the
/// host and the issuer's own path.
pub fn metadata_url(issuer: &str) -> SdkResult<String> {
    if !is_http_url(issuer) || issuer.contains(['?', '#']) {
        return Err(SdkError::invalid_argument(
            "issuer must be an http(s) URL without query or fragment",
        ));
    }
    let scheme_end = issuer.find("://").map_or(0, |i| i + 3);
    let (origin, path) = match issuer[scheme_end..].find('/') {
        Some(slash) => issuer.split_at(scheme_end + slash),
        None => (issuer, ""),
    };
    let path = path.trim_end_matches('/');
    Ok(format!(
        "{origin}/.well-known/oauth-authorization-server{path}"
    ))
}

/// The authorization server's metadata, as far as Connect needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub revocation_endpoint: Option<String>,
    /// RFC 9207: the server names itself in every authorization response.
    pub iss_parameter_supported: bool,
}

impl Metadata {
    /// Reads a metadata document; its `issuer` must be exactly the one it was fetched for
    /// (RFC 8414 §3.3), or a server could pose as another.
    pub fn from_document(expected_issuer: &str, document: &Value) -> SdkResult<Self> {
        if !document.is_object() {
            return Err(SdkError::invalid_response(
                "the metadata document is not a JSON object",
            ));
        }
        let text = |name: &str| document.get(name).and_then(Value::as_str);
        let issuer = text("issuer").unwrap_or_default();
        if issuer != expected_issuer {
            return Err(SdkError::new(
                code::ISSUER_MISMATCH,
                format!("the metadata names issuer {issuer:.200}, not {expected_issuer:.200}"),
            ));
        }
        let endpoint = |name: &str| -> SdkResult<String> {
            text(name)
                .filter(|url| is_http_url(url))
                .map(str::to_owned)
                .ok_or_else(|| SdkError::invalid_response(format!("the metadata has no {name}")))
        };
        if let Some(methods) = document
            .get("code_challenge_methods_supported")
            .and_then(Value::as_array)
        {
            if !methods.iter().any(|m| m.as_str() == Some("S256")) {
                return Err(SdkError::invalid_response(
                    "the authorization server does not support PKCE with S256",
                ));
            }
        }
        Ok(Self {
            issuer: issuer.to_owned(),
            authorization_endpoint: endpoint("authorization_endpoint")?,
            token_endpoint: endpoint("token_endpoint")?,
            revocation_endpoint: endpoint("revocation_endpoint").ok(),
            iss_parameter_supported: document
                .get("authorization_response_iss_parameter_supported")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }
}

/// What an integrator asks for.
#[derive(Debug, Clone)]
pub struct ConnectRequest<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    pub include_sub_organizations: bool,
}

/// A started flow: send the person to `url`; keep `state` and `code_verifier` for the
/// callback (in the browser: session storage; never in the URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedConnect {
    pub url: String,
    pub state: String,
    pub code_verifier: String,
}

/// Builds the authorization URL. Scopes are checked against the server's own names first,
/// so a typo fails here and not on a consent page. `random` is 64 fresh bytes: half for
/// the PKCE verifier, half for `state`.
pub fn start(
    metadata: &Metadata,
    request: &ConnectRequest<'_>,
    random: &[u8],
) -> SdkResult<StartedConnect> {
    if request.client_id.is_empty() {
        return Err(SdkError::invalid_argument("clientId is required"));
    }
    if !is_http_url(request.redirect_uri) || request.redirect_uri.contains('#') {
        return Err(SdkError::invalid_argument(
            "redirectUri must be an absolute http(s) URL without a fragment",
        ));
    }
    for scope in request.scopes {
        if Permission::parse(scope).is_none() {
            return Err(SdkError::new(
                "invalid_scope",
                format!("{scope:.64} is not a scope of Orgraph"),
            ));
        }
    }
    let (verifier_bytes, state_bytes) = split_random(random)?;
    let code_verifier = pkce::verifier_from_random(&verifier_bytes);
    let state = pkce::verifier_from_random(&state_bytes);
    let challenge = pkce::challenge_s256(&code_verifier);
    let scope = request.scopes.join(" ");
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", request.client_id),
        ("redirect_uri", request.redirect_uri),
        ("state", state.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    if !scope.is_empty() {
        pairs.push(("scope", scope.as_str()));
    }
    if request.include_sub_organizations {
        pairs.push(("include_sub_organizations", "true"));
    }
    Ok(StartedConnect {
        url: with_query(&metadata.authorization_endpoint, &pairs),
        state,
        code_verifier,
    })
}

fn split_random(random: &[u8]) -> SdkResult<([u8; 32], [u8; 32])> {
    let (Some(first), Some(second)) = (random.get(..32), random.get(32..64)) else {
        return Err(SdkError::invalid_argument("64 random bytes are needed"));
    };
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    a.copy_from_slice(first);
    b.copy_from_slice(second);
    Ok((a, b))
}

/// Reads the redirect back from the authorization server and returns the code. Checked in
/// the order that keeps an attacker's answer from being believed: the issuer (RFC 9207),
/// then `state`, and only then whether it reports an error or carries a code.
pub fn read_callback(
    metadata: &Metadata,
    callback_url: &str,
    expected_state: &str,
) -> SdkResult<String> {
    let pairs = query_pairs(callback_url)?;
    let get = |name: &str| -> SdkResult<Option<String>> {
        let mut found = pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v);
        let first = found.next().cloned();
        if found.next().is_some() {
            return Err(SdkError::invalid_response(format!(
                "the callback repeats {name}"
            )));
        }
        Ok(first)
    };
    match get("iss")? {
        Some(iss) if iss != metadata.issuer => {
            return Err(SdkError::new(
                code::ISSUER_MISMATCH,
                format!(
                    "the callback comes from issuer {iss:.200}, not {}",
                    metadata.issuer
                ),
            ))
        }
        None if metadata.iss_parameter_supported => {
            return Err(SdkError::new(
                code::ISSUER_MISMATCH,
                "the callback does not name its issuer, though the server always does",
            ))
        }
        _ => {}
    }
    if expected_state.is_empty() || get("state")?.as_deref() != Some(expected_state) {
        return Err(SdkError::new(
            code::STATE_MISMATCH,
            "the callback's state is not the one this flow started with",
        ));
    }
    if let Some(error) = get("error")? {
        let description = get("error_description")?
            .unwrap_or_else(|| "the authorization server refused".to_owned());
        return Err(SdkError::new(
            error.get(..64).unwrap_or(&error),
            description,
        ));
    }
    get("code")?
        .filter(|c| !c.is_empty())
        .ok_or_else(|| SdkError::invalid_response("the callback carries neither code nor error"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "http://127.0.0.1:8080";

    fn from_json(issuer: &str, body: &str) -> SdkResult<Metadata> {
        Metadata::from_document(issuer, &serde_json::from_str(body).unwrap())
    }

    fn metadata() -> Metadata {
        from_json(
            ISSUER,
            r#"{"issuer":"http://127.0.0.1:8080",
                "authorization_endpoint":"http://127.0.0.1:8080/oauth/authorize",
                "token_endpoint":"http://127.0.0.1:8080/oauth/token",
                "revocation_endpoint":"http://127.0.0.1:8080/oauth/revoke",
                "code_challenge_methods_supported":["S256"],
                "authorization_response_iss_parameter_supported":true}"#,
        )
        .unwrap()
    }

    fn started() -> StartedConnect {
        let scopes = vec!["organization:read".to_owned(), "members:read".to_owned()];
        start(
            &metadata(),
            &ConnectRequest {
                client_id: "app-1",
                redirect_uri: "http://127.0.0.1:3000/callback",
                scopes: &scopes,
                include_sub_organizations: true,
            },
            &(0..64).collect::<Vec<u8>>(),
        )
        .unwrap()
    }

    #[test]
    fn metadata_location_and_issuer() {
        assert_eq!(
            metadata_url(ISSUER).unwrap(),
            "http://127.0.0.1:8080/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            metadata_url("https://as.example/tenant/").unwrap(),
            "https://as.example/.well-known/oauth-authorization-server/tenant"
        );
        assert!(metadata_url("as.example").is_err());
        let posing = from_json(
            ISSUER,
            r#"{"issuer":"http://localhost:8080","authorization_endpoint":"http://a/x","token_endpoint":"http://a/t"}"#,
        );
        assert_eq!(posing.unwrap_err().code, code::ISSUER_MISMATCH);
        let no_s256 = from_json(
            ISSUER,
            r#"{"issuer":"http://127.0.0.1:8080","authorization_endpoint":"http://a/x","token_endpoint":"http://a/t","code_challenge_methods_supported":["plain"]}"#,
        );
        assert_eq!(no_s256.unwrap_err().code, code::INVALID_RESPONSE);
    }

    #[test]
    fn the_url_carries_pkce_state_and_scopes() {
        let flow = started();
        let pairs = query_pairs(&flow.url).unwrap();
        let get = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert!(flow
            .url
            .starts_with("http://127.0.0.1:8080/oauth/authorize?"));
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("app-1"));
        assert_eq!(get("state"), Some(flow.state.as_str()));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(
            get("code_challenge"),
            Some(pkce::challenge_s256(&flow.code_verifier).as_str())
        );
        assert_eq!(get("scope"), Some("organization:read members:read"));
        assert_eq!(get("include_sub_organizations"), Some("true"));
        assert_ne!(flow.state, flow.code_verifier);
        assert!(pkce::is_verifier(&flow.code_verifier));
    }

    #[test]
    fn unknown_scopes_and_bad_arguments_fail_before_any_request() {
        let typo = vec!["organisation:read".to_owned()];
        let request = ConnectRequest {
            client_id: "app-1",
            redirect_uri: "http://127.0.0.1:3000/callback",
            scopes: &typo,
            include_sub_organizations: false,
        };
        assert_eq!(
            start(&metadata(), &request, &[1; 64]).unwrap_err().code,
            "invalid_scope"
        );
        let relative = ConnectRequest {
            redirect_uri: "/callback",
            scopes: &[],
            ..request.clone()
        };
        assert_eq!(
            start(&metadata(), &relative, &[1; 64]).unwrap_err().code,
            code::INVALID_ARGUMENT
        );
        let fine = ConnectRequest {
            scopes: &[],
            ..request
        };
        assert!(start(&metadata(), &fine, &[1; 16]).is_err());
    }

    #[test]
    fn callbacks_are_checked_issuer_then_state_then_error() {
        let flow = started();
        let ok = format!(
            "http://127.0.0.1:3000/callback?code=c1&state={}&iss=http%3A%2F%2F127.0.0.1%3A8080",
            flow.state
        );
        assert_eq!(read_callback(&metadata(), &ok, &flow.state).unwrap(), "c1");

        let other_issuer = ok.replace("127.0.0.1%3A8080", "localhost%3A8080");
        assert_eq!(
            read_callback(&metadata(), &other_issuer, &flow.state)
                .unwrap_err()
                .code,
            code::ISSUER_MISMATCH
        );
        let no_issuer = format!(
            "http://127.0.0.1:3000/callback?code=c1&state={}",
            flow.state
        );
        assert_eq!(
            read_callback(&metadata(), &no_issuer, &flow.state)
                .unwrap_err()
                .code,
            code::ISSUER_MISMATCH
        );

        assert_eq!(
            read_callback(&metadata(), &ok, "another-state")
                .unwrap_err()
                .code,
            code::STATE_MISMATCH
        );
        assert_eq!(
            read_callback(&metadata(), &ok, "").unwrap_err().code,
            code::STATE_MISMATCH
        );

        let denied = format!(
            "http://127.0.0.1:3000/callback?error=access_denied&error_description=The+person+declined&state={}&iss=http%3A%2F%2F127.0.0.1%3A8080",
            flow.state
        );
        let error = read_callback(&metadata(), &denied, &flow.state).unwrap_err();
        assert_eq!(
            (error.code.as_str(), error.message.as_str()),
            ("access_denied", "The person declined")
        );

        // A forged error with the wrong state is a state mismatch, not a believed refusal.
        let forged = denied.replace(&flow.state, "forged");
        assert_eq!(
            read_callback(&metadata(), &forged, &flow.state)
                .unwrap_err()
                .code,
            code::STATE_MISMATCH
        );

        let twice = format!("{ok}&code=c2");
        assert_eq!(
            read_callback(&metadata(), &twice, &flow.state)
                .unwrap_err()
                .code,
            code::INVALID_RESPONSE
        );
    }
}
