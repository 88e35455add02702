//! The one error type of the API, with the public codes of SPEC §6.

use orgraph_rules::ErrorCode;

use crate::domain::DomainError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required: send a valid bearer token")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    /// Also what a caller gets for something that exists but is hidden from it.
    #[error("not found")]
    NotFound,
    #[error("{message}")]
    BadUserInput { message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    LimitExceeded(String),
    /// A SCIM request the protocol refuses in its own terms (RFC 7644 §3.12).
    #[error("{0}")]
    Scim(crate::domain::scim::ScimError),
    /// Logged with its cause; the client only learns that something failed.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        let code = match self {
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound => ErrorCode::NotFound,
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::LimitExceeded(_) => ErrorCode::LimitExceeded,
            Self::Scim(crate::domain::scim::ScimError::Uniqueness(_)) => ErrorCode::Conflict,
            Self::Scim(_) => ErrorCode::BadUserInput,
            Self::Internal(_) => ErrorCode::Internal,
        };
        code.as_str()
    }

    pub fn bad_input(field: &str, message: impl std::fmt::Display) -> Self {
        Self::BadUserInput {
            message: format!("{field}: {message}"),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::InvalidInput { field, message } => Self::bad_input(&field, message),
            DomainError::NotFound => Self::NotFound,
            DomainError::Forbidden(message) => Self::Forbidden(message),
            DomainError::Conflict(message) => Self::Conflict(message),
            DomainError::LimitExceeded(message) => Self::LimitExceeded(message),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Query(query) => query.into(),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    /// A unique violation that slipped past the explicit checks (a concurrent writer won the
    /// race) is a conflict; everything else is internal.
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::Conflict("a concurrent change conflicts with this one; retry".into())
            }
            Error::NotFound => Self::NotFound,
            other => Self::Internal(Box::new(other)),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<orgraph_rules::settings::InvalidSettingKey> for ApiError {
    fn from(error: orgraph_rules::settings::InvalidSettingKey) -> Self {
        DomainError::from(error).into()
    }
}
