//! What the service supports, for providers that ask (RFC 7644 §4): the service provider
//! configuration, the resource types and the schemas, all from `domain::scim::schema`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::base_url;
use super::errors::{error_response, CONTENT_TYPE};
use crate::domain::scim::patch::MAX_OPERATIONS;
use crate::domain::scim::schema::{self, Schema};
use crate::service::directory::MAX_RESULTS;

fn scim_json(body: Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(body.to_string())
}

pub async fn service_provider_config(req: HttpRequest) -> HttpResponse {
    let base = base_url(&req);
    scim_json(json!({
        "schemas": [schema::SERVICE_PROVIDER_CONFIG_URN],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "SCIM token",
            "description": "A token from createScimToken, sent as `Authorization: Bearer <token>`.",
            "primary": true,
        }],
        "x-orgraphMaxPatchOperations": MAX_OPERATIONS,
        "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig") },
    }))
}

fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": [schema::RESOURCE_TYPE_URN],
            "id": "User", "name": "User", "endpoint": "/Users",
            "description": "A user of the organization's directory",
            "schema": schema::USER_URN,
            "schemaExtensions": [{ "schema": schema::ENTERPRISE_USER_URN, "required": false }],
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User") },
        }),
        json!({
            "schemas": [schema::RESOURCE_TYPE_URN],
            "id": "Group", "name": "Group", "endpoint": "/Groups",
            "description": "A group of the organization's directory",
            "schema": schema::GROUP_URN,
            "schemaExtensions": [],
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group") },
        }),
    ]
}

fn list(resources: Vec<Value>) -> HttpResponse {
    scim_json(json!({
        "schemas": [schema::LIST_RESPONSE_URN],
        "totalResults": resources.len(),
        "itemsPerPage": resources.len(),
        "startIndex": 1,
        "Resources": resources,
    }))
}

pub async fn all_resource_types(req: HttpRequest) -> HttpResponse {
    list(resource_types(&base_url(&req)))
}

pub async fn one_resource_type(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    resource_types(&base_url(&req))
        .into_iter()
        .find(|r| {
            r["id"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(&name))
        })
        .map_or_else(
            || {
                error_response(
                    actix_web::http::StatusCode::NOT_FOUND,
                    None,
                    "no such resource type",
                )
            },
            scim_json,
        )
}

const SCHEMAS: [Schema; 3] = [schema::USER, schema::ENTERPRISE_USER, schema::GROUP];

pub async fn all_schemas(req: HttpRequest) -> HttpResponse {
    let base = base_url(&req);
    list(
        SCHEMAS
            .iter()
            .map(|s| schema::schema_resource(s, &format!("{base}/Schemas/{}", s.id)))
            .collect(),
    )
}

pub async fn one_schema(req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let base = base_url(&req);
    SCHEMAS
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(&id))
        .map_or_else(
            || {
                error_response(
                    actix_web::http::StatusCode::NOT_FOUND,
                    None,
                    "no such schema",
                )
            },
            |s| {
                scim_json(schema::schema_resource(
                    s,
                    &format!("{base}/Schemas/{}", s.id),
                ))
            },
        )
}
