//! The SDK's one error: a code a program can branch on and a message for people.

use alloc::borrow::ToOwned;
use alloc::string::String;

/// Codes the SDK raises itself, besides the server's GraphQL and OAuth codes.
pub mod code {
    /// The `state` of a callback is not the one the flow started with (a forged or crossed
    /// callback, RFC 6749 §10.12).
    pub const STATE_MISMATCH: &str = "STATE_MISMATCH";
    /// The callback's `iss` is not the expected issuer (mix-up attack, RFC 9207).
    pub const ISSUER_MISMATCH: &str = "ISSUER_MISMATCH";
    /// The server's answer is not what the protocol says it must be.
    pub const INVALID_RESPONSE: &str = "INVALID_RESPONSE";
    /// An HTTP answer that is neither a success nor an error of the protocol.
    pub const HTTP_ERROR: &str = "HTTP_ERROR";
    /// The caller passed something the SDK cannot use.
    pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkError {
    pub code: String,
    pub message: String,
}

impl SdkError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(code::INVALID_ARGUMENT, message)
    }

    pub fn invalid_response(message: impl Into<String>) -> Self {
        Self::new(code::INVALID_RESPONSE, message)
    }
}

pub type SdkResult<T> = Result<T, SdkError>;

/// A JSON object of `fields`, in order (what `json!` would build, without pulling serde's
/// serializer into the WebAssembly module).
pub fn object<'a>(
    fields: impl IntoIterator<Item = (&'a str, serde_json::Value)>,
) -> serde_json::Value {
    serde_json::Value::Object(
        fields
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    )
}
