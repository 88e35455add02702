//! `/oauth/token`, `/oauth/revoke` and `/oauth/introspect`: form posts from clients.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use serde_json::json;

use crate::service::connect::{ClientCredentials, Introspection, TokenError};

use super::errors::{invalid_request, token_error};
use super::{cors, AppState};

/// A client's form, each parameter once, and how the client authenticated.
struct ClientForm {
    params: HashMap<String, String>,
    client: ClientCredentials,
    used_basic: bool,
}

/// Refusals are `invalid_request` descriptions.
fn read_form(req: &HttpRequest, pairs: Vec<(String, String)>) -> Result<ClientForm, String> {
    let mut params = HashMap::new();
    for (name, value) in pairs {
        if params.insert(name.clone(), value).is_some() {
            return Err(format!("the parameter {name:.40} is sent more than once"));
        }
    }
    let basic = basic_credentials(req)?;
    let used_basic = basic.is_some();
    let client = match basic {
        Some(client) => {
            if params.contains_key("client_secret") {
                return Err("use one client authentication method, not two".to_owned());
            }
            if params
                .get("client_id")
                .is_some_and(|id| *id != client.client_id)
            {
                return Err("client_id differs from the Authorization header".to_owned());
            }
            client
        }
        None => ClientCredentials {
            client_id: params
                .get("client_id")
                .cloned()
                .ok_or_else(|| "client_id is required".to_owned())?,
            secret: params.get("client_secret").cloned(),
        },
    };
    Ok(ClientForm {
        params,
        client,
        used_basic,
    })
}

/// `client_secret_basic` (RFC 6749 §2.3.1: both parts form-urlencoded, then base64).
fn basic_credentials(req: &HttpRequest) -> Result<Option<ClientCredentials>, String> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || "the Authorization header must be Basic client credentials".to_owned();
    let value = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let unescape = |part: &str| {
        url::form_urlencoded::parse(format!("x={part}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Ok(Some(ClientCredentials {
        client_id: unescape(id).ok_or_else(malformed)?,
        secret: unescape(secret).filter(|s| !s.is_empty()),
    }))
}

pub async fn token(
    req: HttpRequest,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = match read_form(&req, form.into_inner()) {
        Ok(form) => form,
        Err(refusal) => return invalid_request(&refusal),
    };
    let get = |name: &str| form.params.get(name).cloned();
    let keys = state.connect.clone();
    let now = Utc::now();
    let issued = match get("grant_type").as_deref() {
        Some("authorization_code") => {
            let Some(code) = get("code") else {
                return invalid_request("code is required");
            };
            state
                .services
                .exchange_code(
                    keys,
                    form.client.clone(),
                    code,
                    get("redirect_uri"),
                    get("code_verifier"),
                    now,
                )
                .await
        }
        Some("refresh_token") => {
            let Some(refresh_token) = get("refresh_token") else {
                return invalid_request("refresh_token is required");
            };
            state
                .services
                .refresh(keys, form.client.clone(), refresh_token, get("scope"), now)
                .await
        }
        Some(_) => Err(TokenError::UnsupportedGrantType),
        None => return invalid_request("grant_type is required"),
    };
    match issued {
        Ok(tokens) => client_answer(json!({
                    "access_token": tokens.access_token,
                    "token_type": "Bearer",
                    "expires_in": tokens.expires_in,
                    "refresh_token": tokens.refresh_token,
            "scope": tokens.scope,
            "organization_id": tokens.organization_id.to_string(),
            "include_sub_organizations": tokens.include_sub_organizations,
        })),
        Err(error) => token_error(error, form.used_basic),
    }
}

pub async fn revoke(
    req: HttpRequest,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = match read_form(&req, form.into_inner()) {
        Ok(form) => form,
        Err(refusal) => return invalid_request(&refusal),
    };
    let now = Utc::now();
    let done = match (form.params.get("token"), form.params.get("sub")) {
        (Some(token), None) => {
            state
                .services
                .revoke_token(
                    state.connect.clone(),
                    form.client.clone(),
                    token.clone(),
                    now,
                )
                .await
        }
        (None, Some(organization)) => {
            state
                .services
                .revoke_organization(form.client.clone(), organization.clone(), now)
                .await
        }
        _ => return invalid_request("send either token or sub (an organization id)"),
    };
    match done {
        Ok(()) => client_answer(json!({})),
        Err(error) => token_error(error, form.used_basic),
    }
}

pub async fn introspect(
    req: HttpRequest,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = match read_form(&req, form.into_inner()) {
        Ok(form) => form,
        Err(refusal) => return invalid_request(&refusal),
    };
    let Some(token) = form.params.get("token").cloned() else {
        return invalid_request("token is required");
    };
    let answer = state
        .services
        .introspect(
            state.connect.clone(),
            form.client.clone(),
            token,
            Utc::now(),
        )
        .await;
    let body = match answer {
        Ok(Some(Introspection::Access(claims))) => json!({
            "active": true,
            "token_type": "Bearer",
            "scope": claims.scope,
            "client_id": claims.client_id,
            "sub": claims.sub,
            "org": claims.org,
            "iss": claims.iss,
            "aud": claims.aud,
            "exp": claims.exp,
            "iat": claims.iat,
            "jti": claims.jti,
        }),
        Ok(Some(Introspection::Refresh {
            client_id,
            authorization_id,
            organization_id,
            scope,
            expires_at,
            issued_at,
        })) => json!({
            "active": true,
            "token_type": "refresh_token",
            "scope": scope,
            "client_id": client_id,
            "sub": authorization_id.to_string(),
            "org": organization_id.to_string(),
            "iss": state.connect.issuer(),
            "exp": expires_at.timestamp(),
            "iat": issued_at.timestamp(),
        }),
        Ok(None) => json!({ "active": false }),
        Err(error) => return token_error(error, form.used_basic),
    };
    client_answer(body)
}

/// A successful answer to a client: JSON, never cached (RFC 6749 §5.1), readable from any
/// origin.
fn client_answer(body: serde_json::Value) -> HttpResponse {
    cors(
        HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(body),
    )
}
