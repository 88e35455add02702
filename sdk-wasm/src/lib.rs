//! Orgraph's SDK core, compiled to WebAssembly with wasm-bindgen.
//!
//! The split: Rust decides, JavaScript does the I/O. Everything that is a rule — scope and
//! error names, PKCE, the Connect checks (issuer, `state`, `iss`), reading token responses and
//! when to refresh, the settings fold — is here, shared with the server through
//! `orgraph-rules` and unit-tested on the host. `fetch`, `AbortSignal`, async iterators and
//! the token store are JavaScript's own, in `js/`; they stay there so the package is small
//! and feels native. Errors cross as JSON `{ code, message }` strings that `js/` turns into
//! `OrgraphError`s.

mod connect;
mod error;
mod settings;
mod tokens;
mod url;

use orgraph_rules::{ErrorCode, OAuthErrorCode, Permission};
use wasm_bindgen::prelude::*;

pub use error::{SdkError, SdkResult};

fn thrown(error: SdkError) -> JsValue {
    JsValue::from_str(&error.to_json())
}

/// Every permission, which are also Connect's scope names.
#[wasm_bindgen(js_name = scopeNames)]
pub fn scope_names() -> Vec<String> {
    Permission::ALL
        .iter()
        .map(|p| p.as_str().to_owned())
        .collect()
}

/// GraphQL `extensions.code` values the server answers with.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Vec<String> {
    ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

/// OAuth `error` values the server answers with.
#[wasm_bindgen(js_name = oauthErrorCodes)]
pub fn oauth_error_codes() -> Vec<String> {
    OAuthErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

/// Where `issuer`'s metadata lives (RFC 8414 §3).
#[wasm_bindgen(js_name = metadataUrl)]
pub fn metadata_url(issuer: &str) -> Result<String, JsValue> {
    connect::metadata_url(issuer).map_err(thrown)
}

/// An authorization server, read from its metadata document.
#[wasm_bindgen]
pub struct AuthorizationServer {
    metadata: connect::Metadata,
}

#[wasm_bindgen]
impl AuthorizationServer {
    /// Checks the document was issued by `issuer` and has what Connect needs.
    #[wasm_bindgen(constructor)]
    pub fn new(issuer: &str, metadata_json: &str) -> Result<AuthorizationServer, JsValue> {
        connect::Metadata::from_json(issuer, metadata_json)
            .map(|metadata| Self { metadata })
            .map_err(thrown)
    }

    #[wasm_bindgen(getter, js_name = tokenEndpoint)]
    pub fn token_endpoint(&self) -> String {
        self.metadata.token_endpoint.clone()
    }

    #[wasm_bindgen(getter, js_name = revocationEndpoint)]
    pub fn revocation_endpoint(&self) -> Option<String> {
        self.metadata.revocation_endpoint.clone()
    }

    /// `{ url, state, codeVerifier }` as JSON; `random` is 64 bytes from a CSPRNG.
    pub fn start(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scopes: Vec<String>,
        include_sub_organizations: bool,
        random: &[u8],
    ) -> Result<String, JsValue> {
        let request = connect::ConnectRequest {
            client_id,
            redirect_uri,
            scopes: &scopes,
            include_sub_organizations,
        };
        let started = connect::start(&self.metadata, &request, random).map_err(thrown)?;
        Ok(serde_json::json!({
            "url": started.url,
            "state": started.state,
            "codeVerifier": started.code_verifier,
        })
        .to_string())
    }

    /// The code of a callback, once its issuer and `state` check out.
    #[wasm_bindgen(js_name = readCallback)]
    pub fn read_callback(&self, callback_url: &str, state: &str) -> Result<String, JsValue> {
        connect::read_callback(&self.metadata, callback_url, state).map_err(thrown)
    }
}

/// One authorization's tokens, held in Rust so the expiry rules are the tested ones.
#[wasm_bindgen]
pub struct TokenSet {
    tokens: tokens::Tokens,
}

#[wasm_bindgen]
impl TokenSet {
    /// From a token endpoint's successful answer, received at `now_ms`.
    #[wasm_bindgen(js_name = fromResponse)]
    pub fn from_response(
        body: &str,
        now_ms: f64,
        previous_refresh_token: Option<String>,
    ) -> Result<TokenSet, JsValue> {
        tokens::Tokens::from_response(body, now_ms, previous_refresh_token.as_deref())
            .map(|tokens| Self { tokens })
            .map_err(thrown)
    }

    /// From what the application stored (`toJson`'s shape).
    #[wasm_bindgen(js_name = fromStored)]
    pub fn from_stored(json: &str) -> Result<TokenSet, JsValue> {
        tokens::Tokens::from_stored(json)
            .map(|tokens| Self { tokens })
            .map_err(thrown)
    }

    #[wasm_bindgen(getter, js_name = accessToken)]
    pub fn access_token(&self) -> String {
        self.tokens.access_token.clone()
    }

    #[wasm_bindgen(getter, js_name = refreshToken)]
    pub fn refresh_token(&self) -> Option<String> {
        self.tokens.refresh_token.clone()
    }

    #[wasm_bindgen(js_name = refreshDue)]
    pub fn refresh_due(&self, now_ms: f64) -> bool {
        self.tokens.refresh_due(now_ms)
    }

    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> String {
        self.tokens.to_json()
    }
}

/// An OAuth error answer as `{ code, message }` JSON.
#[wasm_bindgen(js_name = oauthError)]
pub fn oauth_error(status: u16, body: &str) -> String {
    tokens::error_from_response(status, body).to_json()
}

/// The server's settings fold over the given organizations (see `settings::fold_settings`).
#[wasm_bindgen(js_name = foldSettings)]
pub fn fold_settings(input_json: &str) -> Result<String, JsValue> {
    settings::fold_settings(input_json).map_err(thrown)
}
