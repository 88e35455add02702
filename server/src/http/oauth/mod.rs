//! Organization Connect over HTTP: an OAuth 2.0 authorization server (SPEC §5).
//!
//! - `GET /.well-known/oauth-authorization-server` — metadata (RFC 8414);
//! - `GET /oauth/jwks` — the public key access tokens are signed with;
//! - `GET /oauth/authorize` — the consent page (a signed-in person: session or bearer);
//! - `POST /oauth/authorize` — Approve or Deny, answered with a 303 to the client;
//! - `POST /oauth/token` — `authorization_code` and `refresh_token` grants;
//! - `POST /oauth/revoke` — RFC 7009, and `sub` = organization id (SPEC §5);
//! - `POST /oauth/introspect` — RFC 7662, for the client's own tokens.
//!
//! The token, revocation, metadata and JWKS endpoints answer browsers of any origin (CORS:
//! public clients run in browsers); the consent page never does.

mod authorize;
mod errors;
mod pages;
mod token;

use crate::http::cors::{cors, preflight};
use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::domain::permissions::Permission;

use super::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/.well-known/oauth-authorization-server",
        web::get().to(metadata),
    )
    .route("/oauth/jwks", web::get().to(jwks))
    .route("/oauth/authorize", web::get().to(authorize::show))
    .route("/oauth/authorize", web::post().to(authorize::decide))
    .service(
        web::resource("/oauth/token")
            .app_data(client_form())
            .route(web::post().to(token::token))
            .route(web::method(Method::OPTIONS).to(preflight)),
    )
    .service(
        web::resource("/oauth/revoke")
            .app_data(client_form())
            .route(web::post().to(token::revoke))
            .route(web::method(Method::OPTIONS).to(preflight)),
    )
    .service(
        web::resource("/oauth/introspect")
            .app_data(client_form())
            .route(web::post().to(token::introspect))
            .route(web::method(Method::OPTIONS).to(preflight)),
    );
    for path in ["/.well-known/oauth-authorization-server", "/oauth/jwks"] {
        cfg.route(path, web::method(Method::OPTIONS).to(preflight));
    }
}

/// A client's form that can't be read (not `application/x-www-form-urlencoded`, too large,
/// malformed) is answered as OAuth answers: `invalid_request` in JSON.
fn client_form() -> web::FormConfig {
    web::FormConfig::default().error_handler(|error, _| {
        let response =
            errors::invalid_request("the body must be an application/x-www-form-urlencoded form");
        actix_web::error::InternalError::from_response(error, response).into()
    })
}

/// Answers of the endpoints browsers of any origin may call. No credentials: clients
/// authenticate with parameters or the Authorization header, never cookies.
async fn metadata(state: web::Data<AppState>) -> HttpResponse {
    let issuer = state.connect.issuer();
    let scopes: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    cors(
        HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "max-age=300"))
            .json(json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}/oauth/authorize"),
                "token_endpoint": format!("{issuer}/oauth/token"),
                "jwks_uri": format!("{issuer}/oauth/jwks"),
                "revocation_endpoint": format!("{issuer}/oauth/revoke"),
                "introspection_endpoint": format!("{issuer}/oauth/introspect"),
                "scopes_supported": scopes,
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported":
                    ["client_secret_basic", "client_secret_post", "none"],
                "revocation_endpoint_auth_methods_supported":
                    ["client_secret_basic", "client_secret_post", "none"],
                "introspection_endpoint_auth_methods_supported":
                    ["client_secret_basic", "client_secret_post", "none"],
                "authorization_response_iss_parameter_supported": true,
            })),
    )
}

async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    cors(
        HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "max-age=300"))
            .json(state.connect.jwks()),
    )
}

/// The path and query of a request, to come back to after signing in.
fn here(req: &HttpRequest) -> String {
    match req.uri().query() {
        Some(query) => format!("{}?{query}", req.path()),
        None => req.path().to_owned(),
    }
}
