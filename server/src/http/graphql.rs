//! GraphQL over HTTP: POST and GET at `/graphql`, GraphiQL for browsers.
//!
//! Written here rather than with async-graphql-actix-web's stock extractor and responder so
//! that the response type is negotiated from `Accept` (`application/json` answers 200 for
//! every GraphQL result; `application/graphql-response+json` gets 4xx for request errors), and
//! so that oversized or malformed requests get GraphQL-shaped errors with a code.

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, ErrorExtensionValues, Request, Value};
use futures_util::StreamExt;
use orgraph_rules::ErrorCode;

use crate::graphql::batches;
use crate::graphql::loaders::Loaders;
use crate::graphql::shared_answers::{write_json, SharedAnswers};
use crate::service::access::Access;
use crate::store::StatementCounter;

use super::auth::Authenticated;
use super::errors::graphql_error_body;
use super::pages;
use super::{sign_in, AppState};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest query document accepted (bounded separately: parsing cost grows with it).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Most operations in one batch.
pub const MAX_BATCH: usize = 20;
/// Responses serialized larger than this are freed on a blocking thread, after the answer
/// is handed over: freeing the ~30,000 values of a 1,000-organization response took
/// milliseconds of the request.
const FREE_ASIDE_BYTES: usize = 64 * 1024;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Send `x-orgraph-debug: statements` to get the number of SQL statements a request ran in
/// the response's `extensions.statements`.
const DEBUG_HEADER: &str = "x-orgraph-debug";

fn wants_statement_count(headers: &HeaderMap) -> bool {
    headers
        .get(DEBUG_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|part| part.trim() == "statements"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `application/json`: every GraphQL result is 200.
    Json,
    /// `application/graphql-response+json`: request errors are 4xx.
    GraphqlResponse,
}

/// `application/graphql-response+json` when the client accepts it; otherwise (no `Accept`,
/// `*/*`, `application/json`) the legacy `application/json`.
fn negotiate(headers: &HeaderMap) -> Format {
    let accepts_graphql_response = headers
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|accept| accept.contains(GRAPHQL_RESPONSE_JSON));
    if accepts_graphql_response {
        Format::GraphqlResponse
    } else {
        Format::Json
    }
}

fn content_type(format: Format) -> &'static str {
    match format {
        Format::Json => "application/json",
        Format::GraphqlResponse => GRAPHQL_RESPONSE_JSON,
    }
}

fn reject(format: Format, status: StatusCode, message: &str, code: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(content_type(format))
        .json(graphql_error_body(message, code))
}

pub async fn graphql_post(
    req: HttpRequest,
    mut body: web::Payload,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> HttpResponse {
    let format = negotiate(req.headers());
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let Ok(chunk) = chunk else {
            return reject(
                format,
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
                ErrorCode::BadUserInput.as_str(),
            );
        };
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return reject(
                format,
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
                ErrorCode::LimitExceeded.as_str(),
            );
        }
        bytes.extend_from_slice(&chunk);
    }
    let batch: BatchRequest = match serde_json::from_slice(&bytes) {
        // serde reads a JSON array as the fields of one request, so `[]` would pass for a
        // request with an empty query: an array must be a batch of request objects.
        Ok(BatchRequest::Single(_)) if starts_with_array(&bytes) => {
            return reject(
                format,
                StatusCode::BAD_REQUEST,
                &format!("a batch is an array of 1 to {MAX_BATCH} request objects"),
                ErrorCode::BadUserInput.as_str(),
            )
        }
        Ok(batch) => batch,
        Err(error) => {
            return reject(
                format,
                StatusCode::BAD_REQUEST,
                &format!("the body is not a GraphQL request: {error}"),
                ErrorCode::BadUserInput.as_str(),
            )
        }
    };
    let debug = wants_statement_count(req.headers());
    execute(batch, format, &state, auth, false, debug).await
}

pub async fn graphql_get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !req.query_string().contains("query=") {
        return graphiql(&req, &state).await;
    }
    let auth = match Authenticated::extract(&req).await {
        Ok(auth) => auth,
        Err(rejection) => return rejection.error_response(),
    };
    let format = negotiate(req.headers());
    match parse_get_request(req.query_string()) {
        Ok(request) => {
            let debug = wants_statement_count(req.headers());
            execute(
                BatchRequest::Single(request),
                format,
                &state,
                auth,
                true,
                debug,
            )
            .await
        }
        Err(error) => reject(
            format,
            StatusCode::BAD_REQUEST,
            &error.to_string(),
            ErrorCode::BadUserInput.as_str(),
        ),
    }
}

/// GraphiQL for a browser: signed in, it calls the API with its session (and CSRF token);
/// where people can sign in, an anonymous browser is sent to do so first.
async fn graphiql(req: &HttpRequest, state: &AppState) -> HttpResponse {
    match sign_in::browser_session(req, state).await {
        Some((user, csrf_token)) => pages::graphiql_page(&pages::PageSession {
            csrf_token: Some(csrf_token),
            signed_in_as: user.email.or(user.name).or(Some(user.id.to_string())),
        }),
        None if state.sign_in.available() => HttpResponse::Found()
            .insert_header((header::LOCATION, "/auth/login?return_to=%2Fgraphql"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        None => pages::graphiql_page(&pages::PageSession::default()),
    }
}

async fn execute(
    batch: BatchRequest,
    format: Format,
    state: &AppState,
    auth: Authenticated,
    read_only: bool,
    report_statements: bool,
) -> HttpResponse {
    let requests = match batch {
        BatchRequest::Single(request) => vec![request],
        BatchRequest::Batch(requests) => requests,
    };
    if requests.is_empty() || requests.len() > MAX_BATCH {
        return reject(
            format,
            StatusCode::BAD_REQUEST,
            &format!("a batch holds 1 to {MAX_BATCH} operations"),
            if requests.is_empty() {
                ErrorCode::BadUserInput.as_str()
            } else {
                ErrorCode::LimitExceeded.as_str()
            },
        );
    }
    let single = requests.len() == 1;
    let mut responses = Vec::with_capacity(requests.len());
    for request in requests {
        if request.query.len() > MAX_DOCUMENT_BYTES {
            return reject(
                format,
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the query document is larger than {MAX_DOCUMENT_BYTES} bytes"),
                ErrorCode::LimitExceeded.as_str(),
            );
        }
        if request.query.trim().is_empty() {
            return reject(
                format,
                StatusCode::BAD_REQUEST,
                "the request has no query",
                ErrorCode::BadUserInput.as_str(),
            );
        }
        if read_only && is_mutation(&request) {
            return HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, "POST"))
                .content_type(content_type(format))
                .json(graphql_error_body(
                    "mutations must be sent with POST",
                    ErrorCode::BadUserInput.as_str(),
                ));
        }
        let statements = StatementCounter::default();
        let services = state.services.counting(statements.clone());
        let request = request
            .data(Loaders::new(&services))
            .data(Access::new(services.clone(), auth.0.clone()))
            .data(SharedAnswers::default())
            .data(crate::graphql::context::ScimBaseUrl(format!(
                "{}/scim/v2",
                state.connect.issuer()
            )))
            .data(services);
        // The loaders' batches start whenever the execution waits (see graphql::batches).
        let mut response = batches::drive(state.schema.execute(request)).await;
        tracing::debug!(statements = statements.get(), "graphql operation");
        if report_statements {
            response
                .extensions
                .insert("statements".to_owned(), Value::from(statements.get()));
        }
        for error in &mut response.errors {
            let extensions = error
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default);
            if extensions.get("code").is_none() {
                extensions.set("code", code_for_unclassified(&error.message));
            }
        }
        responses.push(response);
    }
    let status = if format == Format::GraphqlResponse && responses.iter().any(is_request_error) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let bodies: Vec<ResponseBody<'_>> = responses.iter().map(ResponseBody::of).collect();
    // Serialized straight from the executor's values: a response of 1,000 organizations
    // holds some 30,000 of them, and a detour through `serde_json::Value` doubled the cost.
    let json = match bodies.as_slice() {
        [only] if single => write_json(only),
        all => write_json(all),
    };
    drop(bodies);
    if json
        .as_ref()
        .is_ok_and(|json| json.len() > FREE_ASIDE_BYTES)
    {
        tokio::task::spawn_blocking(move || drop(responses));
    }
    match json {
        Ok(json) => HttpResponse::build(status)
            .content_type(content_type(format))
            .body(json),
        Err(error) => {
            tracing::error!(%error, "a GraphQL response could not be serialized");
            reject(
                format,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                ErrorCode::Internal.as_str(),
            )
        }
    }
}

/// The JSON of one result: errors first (GraphQL spec §7.1); a request error has no `data`
/// entry at all (§7.1.2).
#[derive(serde::Serialize)]
struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, Value>,
}

impl<'a> ResponseBody<'a> {
    fn of(response: &'a async_graphql::Response) -> Self {
        Self {
            errors: &response.errors,
            data: (!is_request_error(response)).then_some(&response.data),
            extensions: &response.extensions,
        }
    }
}

/// An error raised before execution (syntax, validation, limits): no data at all. Execution
/// errors carry the path of their field, and a result whose every root field failed still
/// executed (its `data` is null, yet it is not a request error).
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// A GET request's parameters. async-graphql's parser reads the operation name from
/// `operation_name`; GraphQL over HTTP names it `operationName`, so that is read here too.
fn parse_get_request(query_string: &str) -> Result<Request, async_graphql::ParseRequestError> {
    #[derive(serde::Deserialize)]
    struct OperationName {
        #[serde(rename = "operationName")]
        operation_name: Option<String>,
    }
    let mut request = async_graphql::http::parse_query_string(query_string)?;
    if request.operation_name.is_none() {
        request.operation_name = web::Query::<OperationName>::from_query(query_string)
            .ok()
            .and_then(|params| params.into_inner().operation_name);
    }
    Ok(request)
}

fn starts_with_array(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// Errors raised by async-graphql itself (parsing, validation, limits) carry no code.
fn code_for_unclassified(message: &str) -> &'static str {
    let message = message.to_ascii_lowercase();
    if message.contains("too deep")
        || message.contains("too complex")
        || message.contains("recursive")
    {
        ErrorCode::LimitExceeded.as_str()
    } else {
        ErrorCode::BadUserInput.as_str()
    }
}

fn is_mutation(request: &Request) -> bool {
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
