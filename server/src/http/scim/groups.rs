//! `/scim/v2/Groups`. PATCH answers 204 with no body: what Entra ID expects, and Okta
//! accepts.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::errors::{api_error, scim_error};
use super::{
    base_url, if_match, list_query, list_response, patch_body, project, projection, resource_body,
    resource_response, Directory,
};
use crate::domain::scim::filter::Listed;
use crate::domain::scim::schema::GROUP_RESOURCE;
use crate::http::AppState;
use crate::service::directory::GroupView;

fn render(req: &HttpRequest, view: &GroupView) -> serde_json::Value {
    let location = format!("{}/Groups/{}", base_url(req), view.group.id);
    view.group.resource(&location, view.members.as_deref())
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
) -> HttpResponse {
    let query = match list_query(&req, Listed::Groups) {
        Ok(query) => query,
        Err(error) => return scim_error(&error),
    };
    let with_members = !query.projection.excludes("members");
    match state
        .services
        .scim_groups(
            caller,
            query.conditions,
            query.start_index,
            query.count,
            with_members,
        )
        .await
    {
        Ok((groups, total)) => list_response(
            groups
                .iter()
                .map(|g| project(render(&req, g), &query.projection))
                .collect(),
            total,
            query.start_index,
        ),
        Err(error) => api_error(&error),
    }
}

pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    id: web::Path<String>,
) -> HttpResponse {
    let projection = projection(&req);
    match state
        .services
        .scim_group(caller, &id, !projection.excludes("members"))
        .await
    {
        Ok(view) => resource_response(
            StatusCode::OK,
            project(render(&req, &view), &projection),
            None,
        ),
        Err(error) => api_error(&error),
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    body: web::Bytes,
) -> HttpResponse {
    let attributes = match resource_body(&req, &body, GROUP_RESOURCE) {
        Ok(attributes) => attributes,
        Err(refusal) => return refusal.response(),
    };
    match state
        .services
        .scim_create_group(caller, attributes, Utc::now())
        .await
    {
        Ok(view) => {
            let body = render(&req, &view);
            let location = body
                .pointer("/meta/location")
                .and_then(|l| l.as_str())
                .map(str::to_owned);
            resource_response(StatusCode::CREATED, body, location.as_deref())
        }
        Err(error) => api_error(&error),
    }
}

pub async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let attributes = match resource_body(&req, &body, GROUP_RESOURCE) {
        Ok(attributes) => attributes,
        Err(refusal) => return refusal.response(),
    };
    match state
        .services
        .scim_replace_group(caller, &id, attributes, if_match(&req), Utc::now())
        .await
    {
        Ok(view) => resource_response(StatusCode::OK, render(&req, &view), None),
        Err(error) => api_error(&error),
    }
}

pub async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let operations = match patch_body(&req, &body) {
        Ok(operations) => operations,
        Err(refusal) => return refusal.response(),
    };
    match state
        .services
        .scim_patch_group(caller, &id, operations, if_match(&req), Utc::now())
        .await
    {
        Ok(view) => HttpResponse::NoContent()
            .insert_header((
                actix_web::http::header::ETAG,
                crate::domain::directory::entity_tag(view.group.version),
            ))
            .finish(),
        Err(error) => api_error(&error),
    }
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    id: web::Path<String>,
) -> HttpResponse {
    match state
        .services
        .scim_delete_group(caller, &id, if_match(&req), Utc::now())
        .await
    {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(error) => api_error(&error),
    }
}
