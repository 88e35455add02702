//! The single mapping from [`ApiError`] to a GraphQL error with `extensions.code`.

use async_graphql::ErrorExtensions;

use crate::service::ApiError;

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        if let ApiError::Internal(cause) = &error {
            tracing::error!(error = %cause, "internal error");
        }
        let code = error.code();
        async_graphql::Error::new(error.to_string()).extend_with(|_, e| e.set("code", code))
    }
}

/// Parses an `ID` argument, naming the argument when it is malformed.
pub fn parse_id<T: std::str::FromStr>(field: &str, id: &async_graphql::ID) -> Result<T, ApiError> {
    id.as_str()
        .parse::<T>()
        .map_err(|_| ApiError::bad_input(field, "is not a valid id"))
}
