//! The SDK's one error: a code a program can branch on and a message for people.

use serde_json::json;

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

    /// As the JavaScript side receives it (it builds an `OrgraphError` from this).
    pub fn to_json(&self) -> String {
        json!({ "code": self.code, "message": self.message }).to_string()
    }
}

pub type SdkResult<T> = Result<T, SdkError>;
