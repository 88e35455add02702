//! Why a SCIM request is refused, in RFC 7644 §3.12's terms (`scimType`); `http::scim` turns
//! each into its status and error body.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScimError {
    /// The filter is malformed or asks for something this service does not filter on.
    #[error("{0}")]
    InvalidFilter(String),
    /// The body is not JSON, or not shaped as the resource's schema says.
    #[error("{0}")]
    InvalidSyntax(String),
    /// A PATCH path that is malformed or names no attribute of the resource.
    #[error("{0}")]
    InvalidPath(String),
    /// A PATCH path whose filter selects nothing where something must be selected.
    #[error("{0}")]
    NoTarget(String),
    /// A value missing, of the wrong type, or not allowed here.
    #[error("{0}")]
    InvalidValue(String),
    /// An attempt to change what the client may not change (`id`, `meta`, `groups`).
    #[error("{0}")]
    Mutability(String),
    /// Another resource of the directory already has this `userName` or `displayName`.
    #[error("{0}")]
    Uniqueness(String),
    /// `If-Match` names another version than the resource's.
    #[error("the resource was changed since the version in If-Match")]
    PreconditionFailed,
}

pub type ScimResult<T> = Result<T, ScimError>;
