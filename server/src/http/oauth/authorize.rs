//! `/oauth/authorize`: the consent page and its answer.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use crate::auth::Principal;
use crate::domain::ids::OrganizationId;
use crate::http::auth::{authenticate_bearer, bearer_token};
use crate::http::sign_in::{browser_session, cookies};
use crate::service::connect::{AuthorizeError, AuthorizeRequest};
use crate::service::ApiError;

use super::{here, pages, AppState};

/// Who is at the page: a person by bearer token (first-party apps that embed the flow) or by
/// session. With a session, the form carries the session's CSRF token; a bearer token is no
/// ambient credential and needs none.
enum PageCaller {
    Bearer(Principal),
    Session { principal: Principal, csrf: String },
    Nobody,
    Refused(HttpResponse),
}

async fn page_caller(req: &HttpRequest, state: &AppState) -> PageCaller {
    match bearer_token(req) {
        Ok(Some(token)) => match authenticate_bearer(state, &state.services, &token).await {
            Ok(principal @ Principal::User(_)) => PageCaller::Bearer(principal),
            Ok(Principal::Application(_) | Principal::Directory(_)) => {
                PageCaller::Refused(pages::error(
                    StatusCode::FORBIDDEN,
                    "An application token cannot authorize applications: a person must.",
                ))
            }
            Err(_) => PageCaller::Refused(pages::error(
                StatusCode::UNAUTHORIZED,
                "The bearer token is invalid or expired.",
            )),
        },
        Ok(None) => match browser_session(req, state, &state.services).await {
            Some((user, csrf)) => PageCaller::Session {
                principal: Principal::User(user),
                csrf,
            },
            None => PageCaller::Nobody,
        },
        Err(_) => PageCaller::Refused(pages::error(
            StatusCode::BAD_REQUEST,
            "The Authorization header must be `Bearer <token>`.",
        )),
    }
}

fn request_of(params: &HashMap<String, String>) -> AuthorizeRequest {
    let get = |name: &str| params.get(name).cloned();
    AuthorizeRequest {
        response_type: get("response_type"),
        client_id: get("client_id"),
        redirect_uri: get("redirect_uri"),
        scope: get("scope"),
        state: get("state"),
        code_challenge: get("code_challenge"),
        code_challenge_method: get("code_challenge_method"),
        include_sub_organizations: params
            .get("include_sub_organizations")
            .is_some_and(|v| v == "true"),
    }
}

/// RFC 6749 §3.1: parameters sent more than once are an error.
fn single_valued(pairs: Vec<(String, String)>) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (name, value) in pairs {
        if params.insert(name.clone(), value).is_some() {
            return Err(format!("The parameter {name:.40} is sent more than once."));
        }
    }
    Ok(params)
}

pub async fn show(
    req: HttpRequest,
    query: web::Query<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let params = match single_valued(query.into_inner()) {
        Ok(params) => params,
        Err(refusal) => return pages::error(StatusCode::BAD_REQUEST, &refusal),
    };
    let (principal, csrf) = match page_caller(&req, &state).await {
        PageCaller::Bearer(principal) => (principal, String::new()),
        PageCaller::Session { principal, csrf } => (principal, csrf),
        PageCaller::Refused(response) => return response,
        PageCaller::Nobody if state.sign_in.available() => {
            let mut login = url::form_urlencoded::Serializer::new(String::new());
            login.append_pair("return_to", &here(&req));
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/auth/login?{}", login.finish())))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish();
        }
        PageCaller::Nobody => {
            return pages::error(
                StatusCode::UNAUTHORIZED,
                "Sign in to authorize an application: this server has no sign-in page \
                 configured, so send a bearer token.",
            )
        }
    };
    let request = request_of(&params);
    match state
        .services
        .consent_screen(principal, request.clone())
        .await
    {
        Ok(screen) => pages::consent(&screen, &request, &csrf),
        Err(error) => answer_error(&state, error, request.state.as_deref()),
    }
}

pub async fn decide(
    req: HttpRequest,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let params = match single_valued(form.into_inner()) {
        Ok(params) => params,
        Err(refusal) => return pages::error(StatusCode::BAD_REQUEST, &refusal),
    };
    let principal = match page_caller(&req, &state).await {
        PageCaller::Bearer(principal) => principal,
        PageCaller::Session { principal, csrf } => {
            let sent = params.get("csrf_token").map(String::as_str).unwrap_or("");
            if !cookies::same_secret(sent, &csrf) {
                return pages::error(
                    StatusCode::FORBIDDEN,
                    "The form is stale or was not sent from this server's page: open the \
                     authorization link again.",
                );
            }
            principal
        }
        PageCaller::Refused(response) => return response,
        PageCaller::Nobody => {
            return pages::error(
                StatusCode::UNAUTHORIZED,
                "Your session has ended: open the authorization link again.",
            )
        }
    };
    let request = request_of(&params);
    let client_state = request.state.clone();
    match params.get("decision").map(String::as_str) {
        Some("approve") => {}
        Some("deny") => {
            return match state.services.consent_screen(principal, request).await {
                Ok(screen) => to_client(
                    &state,
                    &screen.request.redirect_uri,
                    &[
                        ("error", "access_denied"),
                        ("error_description", "the person denied the request"),
                    ],
                    client_state.as_deref(),
                ),
                Err(error) => answer_error(&state, error, client_state.as_deref()),
            };
        }
        _ => return pages::error(StatusCode::BAD_REQUEST, "Choose Approve or Deny."),
    }
    let Some(organization) = params
        .get("organization_id")
        .and_then(|id| id.parse::<OrganizationId>().ok())
    else {
        return pages::error(StatusCode::BAD_REQUEST, "Choose an organization.");
    };
    let include_sub_organizations = params
        .get("include_sub_organizations")
        .is_some_and(|v| v == "true" || v == "on");
    match state
        .services
        .approve(
            principal,
            request,
            organization,
            include_sub_organizations,
            Utc::now(),
        )
        .await
    {
        Ok((valid, code)) => to_client(
            &state,
            &valid.redirect_uri,
            &[("code", &code)],
            client_state.as_deref(),
        ),
        Err(error) => answer_error(&state, error, client_state.as_deref()),
    }
}

fn answer_error(
    state: &AppState,
    error: AuthorizeError,
    client_state: Option<&str>,
) -> HttpResponse {
    match error {
        AuthorizeError::NoRedirect(detail) => pages::error(StatusCode::BAD_REQUEST, &detail),
        AuthorizeError::Redirect {
            redirect_uri,
            refusal,
        } => to_client(
            state,
            &redirect_uri,
            &[
                ("error", refusal.code()),
                ("error_description", refusal.description()),
            ],
            client_state,
        ),
        AuthorizeError::Api(ApiError::NotFound) => pages::error(
            StatusCode::NOT_FOUND,
            "There is no such organization, or you may not see it.",
        ),
        AuthorizeError::Api(ApiError::Forbidden(detail)) => {
            pages::error(StatusCode::FORBIDDEN, &detail)
        }
        AuthorizeError::Api(ApiError::Unauthenticated) => pages::error(
            StatusCode::UNAUTHORIZED,
            "Sign in to authorize an application.",
        ),
        AuthorizeError::Api(error) => {
            tracing::error!(%error, "an authorization request failed");
            pages::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Try again.",
            )
        }
    }
}

/// A 303 to the client's redirect URI with `params`, its `state` and our `iss` (RFC 9207).
fn to_client(
    state: &AppState,
    redirect_uri: &str,
    params: &[(&str, &str)],
    client_state: Option<&str>,
) -> HttpResponse {
    let Ok(mut target) = url::Url::parse(redirect_uri) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "The application's redirect URI is not a URL.",
        );
    };
    {
        let mut query = target.query_pairs_mut();
        for (name, value) in params {
            query.append_pair(name, value);
        }
        if let Some(client_state) = client_state {
            query.append_pair("state", client_state);
        }
        query.append_pair("iss", state.connect.issuer());
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, target.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}
