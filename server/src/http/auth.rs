//! Authentication, once per request, in an extractor: a valid bearer token becomes a
//! [`Principal`]; without one, a browser session's cookie does, but only with the page's CSRF
//! token; with neither the request is anonymous (resolvers then answer `UNAUTHENTICATED`);
//! an invalid token or an ended session is refused outright.

use orgraph_rules::ErrorCode;
use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use chrono::Utc;

use crate::auth::{Principal, Verified};
use crate::service::{ApiError, Services};
use crate::store::StatementCounter;

use super::errors::graphql_error_body;
use super::sign_in::{cookie_auth, CookieAuth};
use super::AppState;

/// The caller, if a token was sent, and the statements authenticating it ran (the request's
/// first operation counts on from there: every round trip of a request is counted).
pub struct Authenticated(pub Option<Principal>, pub StatementCounter);

#[derive(Debug, thiserror::Error)]
pub enum AuthRejection {
    #[error("the bearer token is invalid or expired")]
    InvalidToken,
    #[error("a SCIM token works only at /scim/v2")]
    ScimToken,
    #[error("the Authorization header must be `Bearer <token>`")]
    MalformedHeader,
    #[error("the session has ended: sign in again")]
    SessionEnded,
    #[error(
        "a request authenticated by its session cookie must carry the page's x-csrf-token header"
    )]
    MissingCsrf,
    #[error("internal error")]
    Internal,
}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::MissingCsrf => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (code, challenge) = match self {
            Self::Internal => (ErrorCode::Internal.as_str(), None),
            Self::InvalidToken | Self::ScimToken => (
                ErrorCode::Unauthenticated.as_str(),
                Some(r#"Bearer error="invalid_token""#),
            ),
            Self::MalformedHeader => (
                ErrorCode::Unauthenticated.as_str(),
                Some(r#"Bearer error="invalid_request""#),
            ),
            Self::SessionEnded => (ErrorCode::Unauthenticated.as_str(), None),
            Self::MissingCsrf => (ErrorCode::Forbidden.as_str(), None),
        };
        let mut response = HttpResponse::build(self.status_code());
        if let Some(challenge) = challenge {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            ));
        }
        response.json(graphql_error_body(&self.to_string(), code))
    }
}

impl FromRequest for Authenticated {
    type Error = AuthRejection;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or(AuthRejection::Internal)?;
            let statements = StatementCounter::default();
            let services = state.services.counting(statements.clone());
            let token = match token? {
                Some(token) => token,
                None => {
                    return match cookie_auth(&req, &state, &services).await {
                        CookieAuth::Absent => Ok(Self(None, statements)),
                        CookieAuth::SignedIn(principal) => Ok(Self(Some(principal), statements)),
                        CookieAuth::Ended => Err(AuthRejection::SessionEnded),
                        CookieAuth::MissingCsrf => Err(AuthRejection::MissingCsrf),
                    }
                }
            };
            let principal = authenticate_bearer(&state, &services, &token).await?;
            Ok(Self(Some(principal), statements))
        })
    }
}

/// The caller a bearer token names: an application (one of this server's `at+jwt` access
/// tokens, live in the database) or a person (a token of the configured verifier).
pub async fn authenticate_bearer(
    state: &AppState,
    services: &Services,
    token: &str,
) -> Result<Principal, AuthRejection> {
    if crate::auth::scim_tokens::looks_like_one(token) {
        return Err(AuthRejection::ScimToken);
    }
    if state.connect.claims_to_be_ours(token) {
        let claims = state.connect.verify(token).map_err(|error| {
            tracing::debug!(%error, "access token refused");
            AuthRejection::InvalidToken
        })?;
        return match services.application_caller(claims).await {
            Ok(Some(caller)) => Ok(Principal::Application(caller)),
            Ok(None) => Err(AuthRejection::InvalidToken),
            Err(error) => {
                tracing::error!(%error, "resolving an access token failed");
                Err(AuthRejection::Internal)
            }
        };
    }
    let verified = state.tokens.verify(token).await.map_err(|error| {
        tracing::debug!(%error, "token refused");
        AuthRejection::InvalidToken
    })?;
    let user = match verified {
        Verified::Identity(identity) => services.user_for_identity(identity, Utc::now()).await,
        Verified::Email(user) => {
            services
                .user_for_token(user.email, user.name, Utc::now())
                .await
        }
    };
    let user = user.map_err(|error| {
        if let ApiError::Internal(cause) = &error {
            tracing::error!(error = %cause, "resolving the token's user failed");
        }
        AuthRejection::Internal
    })?;
    Ok(Principal::User(user))
}

pub fn bearer_token(req: &HttpRequest) -> Result<Option<String>, AuthRejection> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| AuthRejection::MalformedHeader)?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(AuthRejection::MalformedHeader)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthRejection::MalformedHeader);
    }
    Ok(Some(token.trim().to_owned()))
}
