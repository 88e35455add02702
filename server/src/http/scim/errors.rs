//! Errors as SCIM answers them (RFC 7644 §3.12): `application/scim+json`, the error schema,
//! `status` as a string and `scimType` where the RFC names one. Every service error is
//! mapped here, once.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::json;

use crate::domain::scim::{schema, ScimError};
use crate::service::ApiError;

pub const CONTENT_TYPE: &str = "application/scim+json";

/// A SCIM error response.
pub fn error_response(status: StatusCode, scim_type: Option<&str>, detail: &str) -> HttpResponse {
    let mut body = json!({
        "schemas": [schema::ERROR_URN],
        "status": status.as_u16().to_string(),
        "detail": detail,
    });
    if let Some(kind) = scim_type {
        body["scimType"] = kind.into();
    }
    let mut response = HttpResponse::build(status);
    response.content_type(CONTENT_TYPE);
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, r#"Bearer realm="scim""#));
    }
    response.body(body.to_string())
}

pub fn scim_error(error: &ScimError) -> HttpResponse {
    let (status, kind) = match error {
        ScimError::InvalidFilter(_) => (StatusCode::BAD_REQUEST, Some("invalidFilter")),
        ScimError::InvalidSyntax(_) => (StatusCode::BAD_REQUEST, Some("invalidSyntax")),
        ScimError::InvalidPath(_) => (StatusCode::BAD_REQUEST, Some("invalidPath")),
        ScimError::NoTarget(_) => (StatusCode::BAD_REQUEST, Some("noTarget")),
        ScimError::InvalidValue(_) => (StatusCode::BAD_REQUEST, Some("invalidValue")),
        ScimError::Mutability(_) => (StatusCode::BAD_REQUEST, Some("mutability")),
        ScimError::Uniqueness(_) => (StatusCode::CONFLICT, Some("uniqueness")),
        ScimError::PreconditionFailed => (StatusCode::PRECONDITION_FAILED, None),
    };
    error_response(status, kind, &error.to_string())
}

pub fn api_error(error: &ApiError) -> HttpResponse {
    match error {
        ApiError::Scim(error) => scim_error(error),
        ApiError::Unauthenticated => error_response(
            StatusCode::UNAUTHORIZED,
            None,
            "the SCIM token is missing, invalid or revoked",
        ),
        ApiError::Forbidden(message) => error_response(StatusCode::FORBIDDEN, None, message),
        ApiError::NotFound => error_response(StatusCode::NOT_FOUND, None, "no such resource"),
        ApiError::BadUserInput { message } => {
            error_response(StatusCode::BAD_REQUEST, Some("invalidValue"), message)
        }
        ApiError::Conflict(message) => {
            error_response(StatusCode::CONFLICT, Some("uniqueness"), message)
        }
        ApiError::LimitExceeded(message) => {
            error_response(StatusCode::BAD_REQUEST, Some("tooMany"), message)
        }
        ApiError::Internal(cause) => {
            tracing::error!(error = %cause, "a SCIM request failed");
            error_response(StatusCode::INTERNAL_SERVER_ERROR, None, "internal error")
        }
    }
}

/// Why a SCIM request is refused: its body or query in SCIM's terms, a body that is not
/// JSON at all, or the service's answer. Handlers return it with `?`; actix renders it.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Scim(ScimError),
    #[error("send application/scim+json")]
    UnsupportedMediaType,
    #[error("{0}")]
    Api(ApiError),
}

impl From<ScimError> for Refusal {
    fn from(error: ScimError) -> Self {
        Self::Scim(error)
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl actix_web::ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        self.error_response().status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Scim(error) => scim_error(error),
            Self::UnsupportedMediaType => error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                None,
                "send application/scim+json",
            ),
            Self::Api(error) => api_error(error),
        }
    }
}
