//! GraphQL over HTTP: POST and GET at `/graphql`, GraphiQL for browsers.
//!
//! Written here rather than with async-graphql-actix-web's stock extractor and responder so
//! that the response type is negotiated from `Accept` (`application/json` answers 200 for
//! every GraphQL result; `application/graphql-response+json` gets 4xx for request errors), and
//! so that oversized or malformed requests get GraphQL-shaped errors with a code.

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use async_graphql::{ErrorExtensionValues, Request, Value};
use futures_util::StreamExt;
use orgraph_rules::ErrorCode;

use crate::graphql::batches;
use crate::graphql::loaders::Loaders;
use crate::graphql::persisted_queries::{self, Lookup};
use crate::graphql::shared_answers::{write_json, SharedAnswers};
use crate::service::access::Access;

use super::auth::Authenticated;
use super::errors::graphql_error_body;
use super::pages;
use super::{sign_in, AppState};

mod negotiation;
mod request;

use negotiation::{is_json_body, negotiate, Format};
use request::{check_batch, check_each, parse_body, parse_query_string, Refusal};
pub use request::{MAX_BODY_BYTES, MAX_DOCUMENT_BYTES};

/// Responses serialized larger than this are freed on a blocking thread, after the answer
/// is handed over: freeing the ~30,000 values of a 1,000-organization response took
/// milliseconds of the request.
const FREE_ASIDE_BYTES: usize = 64 * 1024;

/// Send `x-orgraph-debug: statements` to get the number of SQL statements a request ran in
/// the response's `extensions.statements`.
const DEBUG_HEADER: &str = "x-orgraph-debug";

fn wants_statement_count(headers: &HeaderMap) -> bool {
    headers
        .get(DEBUG_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|part| part.trim() == "statements"))
}

fn reject(format: Format, status: StatusCode, message: &str, code: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(format.content_type())
        .json(graphql_error_body(message, code))
}

fn refuse(format: Format, refusal: Refusal) -> HttpResponse {
    let mut response = reject(format, refusal.status, &refusal.message, refusal.code);
    if let Some(allow) = refusal.allow {
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static(allow));
    }
    response
}

/// 406 for a client that accepts neither response type (answered in plain JSON, which it
/// may still read).
fn not_acceptable() -> HttpResponse {
    reject(
        Format::Json,
        StatusCode::NOT_ACCEPTABLE,
        "the response is application/graphql-response+json or application/json; Accept allows neither",
        ErrorCode::BadUserInput.as_str(),
    )
}

pub async fn graphql_post(
    req: HttpRequest,
    mut body: web::Payload,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> HttpResponse {
    let Some(format) = negotiate(req.headers()) else {
        return not_acceptable();
    };
    if !is_json_body(req.headers()) {
        return reject(
            format,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a GraphQL request is sent as Content-Type: application/json (UTF-8)",
            ErrorCode::BadUserInput.as_str(),
        );
    }
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
    let (requests, batch) = match parse_body(&bytes) {
        Ok(parsed) => parsed,
        Err(refusal) => return refuse(format, refusal),
    };
    let debug = wants_statement_count(req.headers());
    execute(requests, batch, format, &state, auth, false, debug).await
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
    let Some(format) = negotiate(req.headers()) else {
        return not_acceptable();
    };
    match parse_query_string(req.query_string()) {
        Ok(request) => {
            let debug = wants_statement_count(req.headers());
            execute(vec![request], false, format, &state, auth, true, debug).await
        }
        Err(refusal) => refuse(format, refusal),
    }
}

/// GraphiQL for a browser: signed in, it calls the API with its session (and CSRF token);
/// where people can sign in, an anonymous browser is sent to do so first.
async fn graphiql(req: &HttpRequest, state: &AppState) -> HttpResponse {
    match sign_in::browser_session(req, state, &state.services).await {
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

/// Gives every error without a code the one its message implies.
fn with_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let extensions = error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        if extensions.get("code").is_none() {
            extensions.set("code", code_for_unclassified(&error.message));
        }
    }
    response
}

/// An operation to run, or its answer already (a persisted query not found).
enum Prepared {
    Run(Request),
    Answered(async_graphql::Response),
}

/// Runs the operations once every one of them passed the checks: `batch` answers an array.
async fn execute(
    requests: Vec<Request>,
    batch: bool,
    format: Format,
    state: &AppState,
    auth: Authenticated,
    read_only: bool,
    report_statements: bool,
) -> HttpResponse {
    if let Err(refusal) = check_batch(requests.len()) {
        return refuse(format, refusal);
    }
    // Persisted queries first: a hash alone stands for its document in the checks below.
    let mut prepared = Vec::with_capacity(requests.len());
    for mut request in requests {
        match state.persisted_queries.resolve(&mut request) {
            Ok(Lookup::NotFound) => prepared.push(Prepared::Answered(
                async_graphql::Response::from_errors(vec![persisted_queries::not_found()]),
            )),
            Ok(Lookup::Run) => prepared.push(Prepared::Run(request)),
            Err(error) => {
                return reject(
                    format,
                    StatusCode::BAD_REQUEST,
                    &error.to_string(),
                    ErrorCode::BadUserInput.as_str(),
                )
            }
        }
    }
    let to_run: Vec<&Request> = prepared
        .iter()
        .filter_map(|p| match p {
            Prepared::Run(request) => Some(request),
            Prepared::Answered(_) => None,
        })
        .collect();
    if let Err(refusal) = check_each(&to_run, read_only) {
        return refuse(format, refusal);
    }
    let mut responses = Vec::with_capacity(prepared.len());
    // The first operation counts on from authentication's statements; a batch's others
    // count their own.
    let mut authentication_statements = Some(auth.1.clone());
    for request in prepared {
        let request = match request {
            Prepared::Run(request) => request,
            Prepared::Answered(response) => {
                responses.push(response);
                continue;
            }
        };
        let statements = authentication_statements.take().unwrap_or_default();
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
        let mut response = batches::drive(state.schemas.execute(request)).await;
        tracing::debug!(statements = statements.get(), "graphql operation");
        if report_statements {
            response
                .extensions
                .insert("statements".to_owned(), Value::from(statements.get()));
        }
        responses.push(with_codes(response));
    }
    // A request error is the status of a single request; a batch's entries answer each for
    // itself, and the array is 200.
    // `PersistedQueryNotFound` stays 200: Apollo Client turns persisted queries off for good
    // after a 400, when the next request with the query would register it.
    let status = match responses.as_slice() {
        [only]
            if !batch
                && format == Format::GraphqlResponse
                && is_request_error(only)
                && !persisted_queries::is_not_found(only) =>
        {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::OK,
    };
    let bodies: Vec<ResponseBody<'_>> = responses.iter().map(ResponseBody::of).collect();
    // Serialized straight from the executor's values: a response of 1,000 organizations
    // holds some 30,000 of them, and a detour through `serde_json::Value` doubled the cost.
    let json = match bodies.as_slice() {
        [only] if !batch => write_json(only),
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
            .content_type(format.content_type())
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
