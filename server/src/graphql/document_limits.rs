//! The bound on what checking a document may cost, applied before async-graphql checks it.
//!
//! The HTTP layer applies it to every operation (a single request, each operation of a
//! batch, GET and POST) before running it: it counts the document from its text
//! ([`document_scan`](super::document_scan)), or, where that scan cannot follow the text, on
//! the parsed document ([`document_cost`](super::document_cost); async-graphql then reuses
//! that parse), and refuses it with `LIMIT_EXCEEDED` before the parse (when it can), the
//! recursion-depth check, validation and the complexity and depth walks, which all expand
//! fragment spreads and take time exponential in the length of a document built for it.

use orgraph_rules::ErrorCode;

use async_graphql::{ErrorExtensionValues, Request, ServerError, ServerResult};

use super::document_cost::{self, Refusal};
use super::document_scan::{self, Scan};
use super::MAX_DOCUMENT_COST;

/// Refuses a document over [`MAX_DOCUMENT_COST`]; may parse it (the parse is kept).
pub fn check(request: &mut Request) -> ServerResult<()> {
    match document_scan::scan(&request.query, MAX_DOCUMENT_COST) {
        Scan::Counted(_) => {}
        Scan::Refused(refusal) => return Err(refused(refusal)),
        // A syntax error is left to async-graphql, which reports it as it always did.
        Scan::Unsure => {
            if let Ok(document) = request.parsed_query() {
                document_cost::check(document, MAX_DOCUMENT_COST).map_err(refused)?;
            }
        }
    }
    Ok(())
}

fn refused(refusal: Refusal) -> ServerError {
    let code = match refusal {
        // Not too large: invalid (validation would say so, after expanding it forever).
        Refusal::FragmentCycle { .. } => ErrorCode::BadUserInput.as_str(),
        Refusal::TooLarge { .. } | Refusal::TooManyArguments { .. } => {
            ErrorCode::LimitExceeded.as_str()
        }
    };
    let mut error = ServerError::new(refusal.to_string(), None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}
