use serde_json::{json, Value};

/// A GraphQL-shaped error body for failures before execution (auth, size, parsing).
pub fn graphql_error_body(message: &str, code: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}
