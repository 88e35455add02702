//! Orgraph's SDK core, compiled to WebAssembly with wasm-bindgen.
//!
//! The split: Rust decides, JavaScript does the I/O. Everything that is a rule — scope and
//! error names, PKCE, the Connect checks (issuer, `state`, `iss`), reading token responses and
//! when to refresh, the settings fold — is here, shared with the server through
//! `orgraph-rules` and unit-tested on the host. `fetch`, `AbortSignal`, async iterators and
//! the token store are JavaScript's own, in `js/`; they stay there so the package is small
//! and feels native. Values cross as plain JavaScript objects (`js_value`), errors as
//! `{ code, message }` objects that `js/` turns into `OrgraphError`s.
//!
//! On wasm32 the crate is `no_std`: std's panic machinery (message formatting, I/O error
//! strings, backtraces) is a large share of a small module, and a panic here is a bug that
//! traps either way.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

mod connect;
mod error;
mod js_value;
mod settings;
mod tokens;
mod url;

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use orgraph_rules::{ErrorCode, OAuthErrorCode, Permission};
use wasm_bindgen::prelude::*;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// A panic is a bug: trap without formatting anything.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

pub use error::{SdkError, SdkResult};

fn thrown(error: SdkError) -> JsValue {
    js_value::error(error)
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
    /// Checks the document (parsed JSON) was issued by `issuer` and has what Connect needs.
    #[wasm_bindgen(constructor)]
    pub fn new(issuer: &str, metadata: JsValue) -> Result<AuthorizationServer, JsValue> {
        let document = js_value::to_value(&metadata).map_err(thrown)?;
        connect::Metadata::from_document(issuer, &document)
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

    /// `{ url, state, codeVerifier }`; `random` is 64 bytes from a CSPRNG.
    pub fn start(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scopes: Vec<String>,
        include_sub_organizations: bool,
        random: &[u8],
    ) -> Result<JsValue, JsValue> {
        let request = connect::ConnectRequest {
            client_id,
            redirect_uri,
            scopes: &scopes,
            include_sub_organizations,
        };
        let started = connect::start(&self.metadata, &request, random).map_err(thrown)?;
        Ok(js_value::from_value(&error::object([
            ("url", started.url.into()),
            ("state", started.state.into()),
            ("codeVerifier", started.code_verifier.into()),
        ])))
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
    /// From a token endpoint's successful answer (parsed JSON), received at `now_ms`.
    #[wasm_bindgen(js_name = fromResponse)]
    pub fn from_response(
        body: JsValue,
        now_ms: f64,
        previous_refresh_token: Option<String>,
    ) -> Result<TokenSet, JsValue> {
        let body = js_value::to_value(&body).map_err(thrown)?;
        tokens::Tokens::from_response(&body, now_ms, previous_refresh_token.as_deref())
            .map(|tokens| Self { tokens })
            .map_err(thrown)
    }

    /// From what the application stored (`toStored`'s shape).
    #[wasm_bindgen(js_name = fromStored)]
    pub fn from_stored(stored: JsValue) -> Result<TokenSet, JsValue> {
        let stored = js_value::to_value(&stored).map_err(thrown)?;
        tokens::Tokens::from_stored(&stored)
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

    /// The plain object an application's token store keeps.
    #[wasm_bindgen(js_name = toStored)]
    pub fn to_stored(&self) -> JsValue {
        js_value::from_value(&self.tokens.to_value())
    }
}

/// An OAuth error answer (its parsed body, or null) as `{ code, message }`.
#[wasm_bindgen(js_name = oauthError)]
pub fn oauth_error(status: u16, body: JsValue) -> JsValue {
    let body = js_value::to_value(&body).unwrap_or(serde_json::Value::Null);
    js_value::error(tokens::error_from_response(status, &body))
}

/// The server's settings fold over the given organizations (see `settings::fold_settings`).
#[wasm_bindgen(js_name = foldSettings)]
pub fn fold_settings(input: JsValue) -> Result<JsValue, JsValue> {
    let input = js_value::to_value(&input).map_err(thrown)?;
    settings::fold_settings(&input)
        .map(|answer| js_value::from_value(&answer))
        .map_err(thrown)
}
