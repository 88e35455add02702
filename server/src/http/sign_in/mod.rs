//! Signing people in to Orgraph's own pages: through the deployment's OpenID Connect provider
//! (authorization code with PKCE, `state`, `nonce` and `iss` checked), or with the development
//! form. Either ends in a server-side session whose secret only the cookie holds.
//!
//! - `GET /auth/login?return_to=/path` — to the provider, or the development form;
//! - `POST /auth/login` — the development form's submission;
//! - `GET /auth/callback` — the provider's redirect back;
//! - `POST /auth/logout` — ends the session (needs the page's CSRF token);
//! - `GET /auth/signed-out`.

pub mod cookies;
mod pages;

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use crate::auth::{OidcClient, OidcVerifier, Principal};
use crate::domain::contract_account::validate_email;
use crate::domain::session::{safe_return_to, SessionLifetime};
use crate::domain::user::User;
use crate::service::sessions::SIGN_IN_TIMEOUT;
use crate::service::Services;

use super::AppState;

/// How people sign in to the pages.
pub enum SignInMethod {
    Provider {
        verifier: Arc<OidcVerifier>,
        client: OidcClient,
    },
    Development,
    Unavailable,
}

pub struct SignIn {
    pub method: SignInMethod,
    pub lifetime: SessionLifetime,
    /// Orgraph is reached over https: cookies are `Secure` (and the session's `__Host-`).
    pub secure_cookies: bool,
}

impl SignIn {
    pub fn available(&self) -> bool {
        !matches!(self.method, SignInMethod::Unavailable)
    }

    pub fn session_cookie(&self) -> &'static str {
        cookies::session_name(self.secure_cookies)
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/login", web::get().to(login))
        .route("/auth/login", web::post().to(development_login))
        .route("/auth/callback", web::get().to(callback))
        .route("/auth/logout", web::post().to(logout))
        .route(
            "/auth/signed-out",
            web::get().to(|| async { pages::signed_out() }),
        );
}

/// A browser's session, if its cookie names a live one: the user and the CSRF token the
/// page must send back.
pub async fn browser_session(
    req: &HttpRequest,
    state: &AppState,
    services: &Services,
) -> Option<(User, String)> {
    let secret = cookies::read(req, state.sign_in.session_cookie())?;
    match services
        .session_user(&secret, state.sign_in.lifetime, Utc::now())
        .await
    {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "reading a session failed");
            None
        }
    }
}

/// What a cookie-authenticated API request resolves to.
pub enum CookieAuth {
    /// No session cookie was sent.
    Absent,
    /// A live session and the right CSRF token.
    SignedIn(Principal),
    /// A session cookie that names no live session (expired, revoked, unknown).
    Ended,
    /// A live session without its CSRF token: a cookie alone never authorizes a request.
    MissingCsrf,
}

/// Authenticates an API request by its session cookie and `x-csrf-token` header.
pub async fn cookie_auth(req: &HttpRequest, state: &AppState, services: &Services) -> CookieAuth {
    if cookies::read(req, state.sign_in.session_cookie()).is_none() {
        return CookieAuth::Absent;
    }
    let Some((user, csrf_token)) = browser_session(req, state, services).await else {
        return CookieAuth::Ended;
    };
    let sent = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok());
    match sent {
        Some(sent) if cookies::same_secret(sent, &csrf_token) => {
            CookieAuth::SignedIn(Principal::User(user))
        }
        _ => CookieAuth::MissingCsrf,
    }
}

/// `return_to` elsewhere than this server: refused, never followed (no open redirect).
fn refused_return_to() -> HttpResponse {
    pages::refused(
        StatusCode::BAD_REQUEST,
        "return_to must be a path on this server, such as /graphql.",
    )
}

#[derive(Deserialize)]
struct LoginQuery {
    return_to: Option<String>,
}

async fn login(
    req: HttpRequest,
    query: web::Query<LoginQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(return_to) = safe_return_to(query.return_to.as_deref()) else {
        return refused_return_to();
    };
    let secure = state.sign_in.secure_cookies;
    match &state.sign_in.method {
        SignInMethod::Provider { verifier, client } => {
            let Some(endpoints) = verifier.endpoints() else {
                return pages::refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The identity provider names no sign-in endpoint.",
                );
            };
            let pending = match state.services.begin_sign_in(return_to, Utc::now()).await {
                Ok(pending) => pending,
                Err(error) => return internal(&error),
            };
            let mut target = match url::Url::parse(&endpoints.authorization) {
                Ok(url) => url,
                Err(_) => return internal(&"the provider's authorization endpoint is no URL"),
            };
            target
                .query_pairs_mut()
                .append_pair("response_type", "code")
                .append_pair("client_id", &client.client_id)
                .append_pair("redirect_uri", &client.redirect_uri)
                .append_pair("scope", "openid email profile")
                .append_pair("state", &pending.state)
                .append_pair("nonce", &pending.nonce)
                .append_pair("code_challenge", &pending.code_challenge)
                .append_pair("code_challenge_method", "S256");
            HttpResponse::Found()
                .insert_header((header::LOCATION, target.as_str()))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .cookie(cookies::cookie(
                    cookies::SIGN_IN_STATE,
                    pending.state,
                    secure,
                    SIGN_IN_TIMEOUT.num_seconds(),
                ))
                .finish()
        }
        SignInMethod::Development => {
            // Reuse the browser's form token, so that two open forms both work.
            let token = cookies::read(&req, cookies::FORM_TOKEN)
                .unwrap_or_else(crate::auth::secrets::random_secret);
            let mut response = pages::development_form(&return_to, &token, None);
            let _ = response.add_cookie(&cookies::cookie(
                cookies::FORM_TOKEN,
                token,
                secure,
                SIGN_IN_TIMEOUT.num_seconds(),
            ));
            response
        }
        SignInMethod::Unavailable => pages::refused(
            StatusCode::NOT_FOUND,
            "Sign-in is not configured on this server: call the API with a bearer token.",
        ),
    }
}

#[derive(Deserialize)]
struct DevelopmentLogin {
    email: String,
    return_to: Option<String>,
    form_token: String,
}

async fn development_login(
    req: HttpRequest,
    form: web::Form<DevelopmentLogin>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if !matches!(state.sign_in.method, SignInMethod::Development) {
        return pages::refused(
            StatusCode::NOT_FOUND,
            "The development sign-in is off on this server.",
        );
    }
    let token_matches = cookies::read(&req, cookies::FORM_TOKEN)
        .is_some_and(|cookie| cookies::same_secret(&cookie, &form.form_token));
    if !token_matches {
        return pages::refused(
            StatusCode::FORBIDDEN,
            "This form has expired or did not come from this server; load it again.",
        );
    }
    let Some(return_to) = safe_return_to(form.return_to.as_deref()) else {
        return refused_return_to();
    };
    let email = match validate_email("email", &form.email) {
        Ok(email) => email,
        Err(error) => {
            return pages::development_form(&return_to, &form.form_token, Some(&error.to_string()))
        }
    };
    let user = match state.services.user_for_token(email, None, Utc::now()).await {
        Ok(user) => user,
        Err(error) => return internal(&error),
    };
    signed_in(&state, user, &return_to).await
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

async fn callback(
    req: HttpRequest,
    query: web::Query<Callback>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let SignInMethod::Provider { verifier, client } = &state.sign_in.method else {
        return pages::refused(
            StatusCode::NOT_FOUND,
            "Sign-in is not configured on this server.",
        );
    };
    if let Some(error) = &query.error {
        tracing::info!(%error, "the provider refused a sign-in");
        return pages::refused(
            StatusCode::FORBIDDEN,
            "The identity provider did not sign you in.",
        );
    }
    // RFC 9207: the response names its issuer; a mix-up with another provider shows here.
    if query
        .iss
        .as_deref()
        .is_some_and(|iss| iss != verifier.issuer())
    {
        return pages::refused(
            StatusCode::BAD_REQUEST,
            "The response came from another issuer.",
        );
    }
    let (Some(code), Some(sent_state)) = (&query.code, &query.state) else {
        return pages::refused(
            StatusCode::BAD_REQUEST,
            "The provider's response is incomplete.",
        );
    };
    let started_here = cookies::read(&req, cookies::SIGN_IN_STATE)
        .is_some_and(|cookie| cookies::same_secret(&cookie, sent_state));
    if !started_here {
        return pages::refused(
            StatusCode::BAD_REQUEST,
            "This sign-in was not started in this browser, or took too long.",
        );
    }
    let attempt = match state.services.finish_sign_in(sent_state, Utc::now()).await {
        Ok(Some(attempt)) => attempt,
        Ok(None) => {
            return pages::refused(
                StatusCode::BAD_REQUEST,
                "This sign-in was already used, or took too long.",
            )
        }
        Err(error) => return internal(&error),
    };
    let identity = match verifier
        .redeem_code(client, code, &attempt.code_verifier, &attempt.nonce)
        .await
    {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(%error, "a sign-in's code could not be redeemed");
            return pages::refused(
                StatusCode::BAD_GATEWAY,
                "The identity provider's answer was not valid.",
            );
        }
    };
    let user = match state.services.user_for_identity(identity, Utc::now()).await {
        Ok(user) => user,
        Err(error) => return internal(&error),
    };
    let mut response = signed_in(&state, user, &attempt.return_to).await;
    let _ = response.add_cookie(&cookies::removal(
        cookies::SIGN_IN_STATE,
        state.sign_in.secure_cookies,
    ));
    response
}

/// Starts a session for `user` and sends the browser to `return_to`.
async fn signed_in(state: &AppState, user: User, return_to: &str) -> HttpResponse {
    let session = match state
        .services
        .start_session(user.id, state.sign_in.lifetime, Utc::now())
        .await
    {
        Ok(session) => session,
        Err(error) => return internal(&error),
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, return_to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookies::cookie(
            state.sign_in.session_cookie(),
            session.secret,
            state.sign_in.secure_cookies,
            state.sign_in.lifetime.absolute.num_seconds(),
        ))
        .finish()
}

async fn logout(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let name = state.sign_in.session_cookie();
    let removal = cookies::removal(name, state.sign_in.secure_cookies);
    match cookie_auth(&req, &state, &state.services).await {
        CookieAuth::SignedIn(_) => {
            if let Some(secret) = cookies::read(&req, name) {
                if let Err(error) = state.services.end_session(&secret, Utc::now()).await {
                    return internal(&error);
                }
            }
            HttpResponse::NoContent().cookie(removal).finish()
        }
        CookieAuth::MissingCsrf => HttpResponse::Forbidden().finish(),
        CookieAuth::Absent | CookieAuth::Ended => {
            HttpResponse::NoContent().cookie(removal).finish()
        }
    }
}

fn internal(error: &dyn std::fmt::Display) -> HttpResponse {
    tracing::error!(%error, "sign-in failed");
    pages::refused(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; try again.",
    )
}
