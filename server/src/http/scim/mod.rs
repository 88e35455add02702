//! SCIM 2.0 (RFC 7644) at `/scim/v2`, for an organization's identity provider: its token
//! decides the organization. Requests and answers are `application/scim+json` (plain
//! `application/json` is accepted too); errors are RFC 7644 §3.12 bodies (`errors.rs`).
//!
//! - `/Users`, `/Users/{id}` — list (filter, startIndex, count), create, get, PUT, PATCH, DELETE;
//! - `/Groups`, `/Groups/{id}` — the same; PATCH is answered 204, as Entra ID expects;
//! - `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` — discovery, without a token.

mod discovery;
mod errors;
mod groups;
mod users;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde_json::Value;

use crate::auth::DirectoryCaller;
use crate::domain::scim::filter::{conditions, parse_filter, Condition, Listed};
use crate::domain::scim::resource::Projection;
use crate::domain::scim::ScimError;
use crate::service::directory::MAX_RESULTS;
use crate::service::ApiError;

use super::auth::bearer_token;
use super::AppState;
use errors::{error_response, Refusal, CONTENT_TYPE};

/// The largest request body: a group PATCH adding a few thousand members.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/scim/v2")
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route(
                "/ServiceProviderConfig",
                web::get().to(discovery::service_provider_config),
            )
            .route(
                "/ResourceTypes",
                web::get().to(discovery::all_resource_types),
            )
            .route(
                "/ResourceTypes/{name}",
                web::get().to(discovery::one_resource_type),
            )
            .route("/Schemas", web::get().to(discovery::all_schemas))
            .route("/Schemas/{id}", web::get().to(discovery::one_schema))
            .route("/Users", web::get().to(users::list))
            .route("/Users", web::post().to(users::create))
            .route("/Users/{id}", web::get().to(users::get))
            .route("/Users/{id}", web::put().to(users::replace))
            .route("/Users/{id}", web::patch().to(users::patch))
            .route("/Users/{id}", web::delete().to(users::delete))
            .route("/Groups", web::get().to(groups::list))
            .route("/Groups", web::post().to(groups::create))
            .route("/Groups/{id}", web::get().to(groups::get))
            .route("/Groups/{id}", web::put().to(groups::replace))
            .route("/Groups/{id}", web::patch().to(groups::patch))
            .route("/Groups/{id}", web::delete().to(groups::delete))
            .default_service(web::to(|| async {
                error_response(
                    actix_web::http::StatusCode::NOT_FOUND,
                    None,
                    "no such endpoint",
                )
            })),
    );
}

/// The directory calling: a live SCIM token, else a SCIM 401.
pub struct Directory(pub DirectoryCaller);

impl FromRequest for Directory {
    type Error = Refusal;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).ok().flatten();
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Err(ApiError::Unauthenticated.into());
            };
            match state.services.directory_caller(&token).await? {
                Some(caller) => Ok(Self(caller)),
                None => Err(ApiError::Unauthenticated.into()),
            }
        })
    }
}

/// The service's base URL for `meta.location`: the deployment's public URL (the issuer),
/// as `createScimToken` gives it, never what a request's Host header claims.
pub fn base_url(req: &HttpRequest) -> String {
    match req.app_data::<web::Data<AppState>>() {
        Some(state) => format!("{}/scim/v2", state.connect.issuer()),
        None => "/scim/v2".to_owned(),
    }
}

/// A request body as JSON: SCIM's media type or plain JSON (else 415), and JSON (else
/// `invalidSyntax`).
fn json_body(req: &HttpRequest, body: &[u8]) -> Result<Value, Refusal> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match media.as_deref() {
        None | Some(CONTENT_TYPE) | Some("application/json") => {}
        Some(_) => return Err(Refusal::UnsupportedMediaType),
    }
    serde_json::from_slice(body)
        .map_err(|_| ScimError::InvalidSyntax("the body is not valid JSON".into()).into())
}

/// A SCIM resource answer, with its ETag.
fn resource_response(
    status: actix_web::http::StatusCode,
    body: Value,
    location: Option<&str>,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.content_type(CONTENT_TYPE);
    if let Some(version) = body.pointer("/meta/version").and_then(Value::as_str) {
        response.insert_header((header::ETAG, version.to_owned()));
    }
    if let Some(location) = location {
        response.insert_header((header::LOCATION, location.to_owned()));
    }
    response.body(body.to_string())
}

/// A created resource: 201 with its `Location` (its `meta.location`).
fn created(body: Value) -> HttpResponse {
    let location = body
        .pointer("/meta/location")
        .and_then(Value::as_str)
        .map(str::to_owned);
    resource_response(
        actix_web::http::StatusCode::CREATED,
        body,
        location.as_deref(),
    )
}

fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A list request's parameters (RFC 7644 §3.4.2): `filter`, `startIndex`, `count`,
/// `attributes`, `excludedAttributes`.
struct ListQuery {
    conditions: Vec<Condition>,
    start_index: i64,
    count: i64,
    projection: Projection,
}

fn list_query(req: &HttpRequest, listed: Listed) -> Result<ListQuery, ScimError> {
    let mut filter = None;
    let mut start_index = 1;
    let mut count = MAX_RESULTS;
    let (mut attributes, mut excluded) = (None, None);
    let number = |name: &str, raw: &str| -> Result<i64, ScimError> {
        raw.trim()
            .parse::<i64>()
            .map_err(|_| ScimError::InvalidValue(format!("{name} must be an integer")))
    };
    for (key, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match key.to_ascii_lowercase().as_str() {
            "filter" => filter = Some(value.into_owned()),
            // Below 1 is taken as 1; a negative count as 0 (RFC 7644 §3.4.2.4).
            "startindex" => start_index = number("startIndex", &value)?.max(1),
            "count" => count = number("count", &value)?.clamp(0, MAX_RESULTS),
            "attributes" => attributes = Some(value.into_owned()),
            "excludedattributes" => excluded = Some(value.into_owned()),
            _ => {}
        }
    }
    let conditions = match filter {
        Some(text) => parse_filter(&text).and_then(|f| conditions(&f, listed))?,
        None => Vec::new(),
    };
    Ok(ListQuery {
        conditions,
        start_index,
        count,
        projection: Projection::parse(attributes.as_deref(), excluded.as_deref()),
    })
}

fn projection(req: &HttpRequest) -> Projection {
    let (mut attributes, mut excluded) = (None, None);
    for (key, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match key.to_ascii_lowercase().as_str() {
            "attributes" => attributes = Some(value.into_owned()),
            "excludedattributes" => excluded = Some(value.into_owned()),
            _ => {}
        }
    }
    Projection::parse(attributes.as_deref(), excluded.as_deref())
}

fn list_response(resources: Vec<Value>, total: i64, start_index: i64) -> HttpResponse {
    let body = serde_json::json!({
        "schemas": [crate::domain::scim::schema::LIST_RESPONSE_URN],
        "totalResults": total,
        "itemsPerPage": resources.len(),
        "startIndex": start_index,
        "Resources": resources,
    });
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(body.to_string())
}

/// Applies a projection to a rendered resource.
fn project(mut resource: Value, projection: &Projection) -> Value {
    if let Value::Object(fields) = &mut resource {
        projection.apply(fields);
    }
    resource
}

/// A POST or PUT body, checked and normalized against the resource's schemas.
fn resource_body(
    req: &HttpRequest,
    body: &[u8],
    resource: crate::domain::scim::schema::ResourceSchemas,
) -> Result<serde_json::Map<String, Value>, Refusal> {
    Ok(crate::domain::scim::resource::normalize(
        resource,
        &json_body(req, body)?,
    )?)
}

/// A PATCH body's operations.
fn patch_body(
    req: &HttpRequest,
    body: &[u8],
) -> Result<Vec<crate::domain::scim::patch::Operation>, Refusal> {
    Ok(crate::domain::scim::patch::parse_operations(&json_body(
        req, body,
    )?)?)
}
