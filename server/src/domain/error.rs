/// A broken rule. Each variant maps to one public error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    LimitExceeded(String),
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;

impl From<orgraph_rules::settings::InvalidSettingKey> for DomainError {
    fn from(error: orgraph_rules::settings::InvalidSettingKey) -> Self {
        Self::invalid("key", error.0)
    }
}
