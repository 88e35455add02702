//! Reading GraphQL requests from HTTP (a POST body, a GET query string) and the checks every
//! operation of a batch passes before any of them runs: a batch whose last entry is refused
//! must not have committed its first.

use actix_web::http::StatusCode;
use actix_web::web;
use async_graphql::parser::types::OperationType;
use async_graphql::Request;
use orgraph_rules::ErrorCode;
use serde_json::{Map, Value};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest query document accepted (bounded separately: parsing cost grows with it).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Most operations in one batch.
pub const MAX_BATCH: usize = 20;

/// Why a request is not run, answered before any of it executes.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
    pub code: &'static str,
    /// `Allow` for a 405.
    pub allow: Option<&'static str>,
}

impl Refusal {
    fn bad_input(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            code: ErrorCode::BadUserInput.as_str(),
            allow: None,
        }
    }

    fn too_large(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: message.into(),
            code: ErrorCode::LimitExceeded.as_str(),
            allow: None,
        }
    }
}

/// The requests a POST body holds: one request object, or a batch (an array of 1 to
/// [`MAX_BATCH`] request objects). `true` with a batch, whose answer is an array too.
pub fn parse_body(bytes: &[u8]) -> Result<(Vec<Request>, bool), Refusal> {
    let not_a_request = |error: serde_json::Error| {
        Refusal::bad_input(format!("the body is not a GraphQL request: {error}"))
    };
    if !starts_with_array(bytes) {
        let request: Request = serde_json::from_slice(bytes).map_err(not_a_request)?;
        return Ok((vec![request], false));
    }
    // serde reads a JSON array as the fields of one request object: each entry is read as
    // an object first, so that `[["{ a }"]]` is no batch.
    let entries: Vec<Map<String, Value>> = serde_json::from_slice(bytes).map_err(|_| {
        Refusal::bad_input(format!(
            "a batch is an array of 1 to {MAX_BATCH} request objects"
        ))
    })?;
    let requests = entries
        .into_iter()
        .map(|entry| serde_json::from_value(Value::Object(entry)).map_err(not_a_request))
        .collect::<Result<Vec<Request>, _>>()?;
    Ok((requests, true))
}

/// A GET request's parameters (GraphQL over HTTP §GET): `query`, `operationName`,
/// `variables` and `extensions` as JSON text; an empty parameter is an absent one.
pub fn parse_query_string(query_string: &str) -> Result<Request, Refusal> {
    #[derive(serde::Deserialize)]
    struct Parameters {
        query: Option<String>,
        #[serde(rename = "operationName")]
        operation_name: Option<String>,
        variables: Option<String>,
        extensions: Option<String>,
    }
    let parameters = web::Query::<Parameters>::from_query(query_string)
        .map_err(|error| Refusal::bad_input(format!("the query string is malformed: {error}")))?
        .into_inner();
    let present = |value: Option<String>| value.filter(|v| !v.is_empty());
    let mut request = Map::new();
    if let Some(query) = present(parameters.query) {
        request.insert("query".into(), Value::String(query));
    }
    if let Some(name) = present(parameters.operation_name) {
        request.insert("operationName".into(), Value::String(name));
    }
    for (name, raw) in [
        ("variables", parameters.variables),
        ("extensions", parameters.extensions),
    ] {
        if let Some(raw) = present(raw) {
            let value: Value = serde_json::from_str(&raw)
                .map_err(|error| Refusal::bad_input(format!("`{name}` is not JSON: {error}")))?;
            request.insert(name.into(), value);
        }
    }
    serde_json::from_value(Value::Object(request)).map_err(|error| {
        Refusal::bad_input(format!("the parameters are not a GraphQL request: {error}"))
    })
}

/// A batch holds 1 to [`MAX_BATCH`] operations.
pub fn check_batch(operations: usize) -> Result<(), Refusal> {
    let message = format!("a batch holds 1 to {MAX_BATCH} operations");
    match operations {
        0 => Err(Refusal::bad_input(message)),
        n if n > MAX_BATCH => Err(Refusal {
            status: StatusCode::BAD_REQUEST,
            ..Refusal::too_large(message)
        }),
        _ => Ok(()),
    }
}

/// The checks each operation passes before any of the batch runs: the document's size, a
/// query at all, and no mutation over GET.
pub fn check_each(requests: &[&Request], read_only: bool) -> Result<(), Refusal> {
    for request in requests {
        if request.query.len() > MAX_DOCUMENT_BYTES {
            return Err(Refusal::too_large(format!(
                "the query document is larger than {MAX_DOCUMENT_BYTES} bytes"
            )));
        }
        if request.query.trim().is_empty() {
            return Err(Refusal::bad_input("the request has no query"));
        }
        if read_only && is_mutation(request) {
            return Err(Refusal {
                status: StatusCode::METHOD_NOT_ALLOWED,
                allow: Some("POST"),
                ..Refusal::bad_input("mutations must be sent with POST")
            });
        }
    }
    Ok(())
}

fn starts_with_array(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// Whether the operation the request selects is a mutation (a document that does not parse
/// is left to the executor, which says why).
pub fn is_mutation(request: &Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    document.operations.iter().any(|(name, operation)| {
        let selected = match (&request.operation_name, name) {
            (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        };
        selected && operation.node.ty == OperationType::Mutation
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_get_parameters_are_absent_ones() {
        let request =
            parse_query_string("query=%7B__typename%7D&variables=&extensions=&operationName=")
                .unwrap();
        assert_eq!(request.query, "{__typename}");
        assert_eq!(request.operation_name, None);
        assert!(request.variables.is_empty());
        let request = parse_query_string(
            "query=query+Q(%24a%3AInt)%7B__typename%7D&operationName=Q&variables=%7B%22a%22%3A1%7D",
        )
        .unwrap();
        assert_eq!(request.operation_name.as_deref(), Some("Q"));
        assert_eq!(request.variables.len(), 1);
        assert!(parse_query_string("query=%7Ba%7D&variables=%5B7%5D").is_err());
        assert!(parse_query_string("query=%7Ba%7D&variables=%7B").is_err());
    }

    #[test]
    fn a_batch_is_an_array_of_request_objects() {
        let (requests, batch) = parse_body(br#"{"query":"{a}"}"#).unwrap();
        assert_eq!((requests.len(), batch), (1, false));
        let (requests, batch) = parse_body(br#" [{"query":"{a}"},{"query":"{b}"}]"#).unwrap();
        assert_eq!((requests.len(), batch), (2, true));
        assert!(parse_body(br#"[["{a}"]]"#).is_err());
        assert!(parse_body(br#"["{a}"]"#).is_err());
        assert!(parse_body(br#"{"query":42}"#).is_err());
        let (requests, _) = parse_body(b"[]").unwrap();
        assert!(requests.is_empty());
        assert!(check_batch(0).is_err());
        assert!(check_batch(MAX_BATCH).is_ok());
        assert!(check_batch(MAX_BATCH + 1).is_err());
    }
}
