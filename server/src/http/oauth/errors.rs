//! OAuth's error answers (RFC 6749 §5.2): JSON with `error` and `error_description`; details
//! of internal failures go to the log only.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use orgraph_rules::OAuthErrorCode;
use serde_json::json;

use crate::service::connect::TokenError;

use super::cors;

pub fn token_error(error: TokenError, used_basic: bool) -> HttpResponse {
    let (status, code, description) = match &error {
        TokenError::InvalidClient => (
            StatusCode::UNAUTHORIZED,
            OAuthErrorCode::InvalidClient.as_str(),
            "client authentication failed".to_owned(),
        ),
        TokenError::Refused(refusal) => (
            StatusCode::BAD_REQUEST,
            refusal.code(),
            refusal.description().to_owned(),
        ),
        TokenError::UnauthorizedClient(why) => (
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::UnauthorizedClient.as_str(),
            (*why).to_owned(),
        ),
        TokenError::UnsupportedGrantType => (
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::UnsupportedGrantType.as_str(),
            "grant_type must be authorization_code or refresh_token".to_owned(),
        ),
        TokenError::Api(inner) => {
            tracing::error!(error = %inner, "an OAuth request failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                OAuthErrorCode::ServerError.as_str(),
                "internal error".to_owned(),
            )
        }
    };
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if status == StatusCode::UNAUTHORIZED && used_basic {
        response.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="orgraph""#));
    }
    cors(response.json(json!({ "error": code, "error_description": description })))
}

pub fn invalid_request(description: &str) -> HttpResponse {
    cors(
        HttpResponse::BadRequest()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({ "error": OAuthErrorCode::InvalidRequest.as_str(), "error_description": description })),
    )
}
