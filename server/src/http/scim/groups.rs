//! `/scim/v2/Groups`. PATCH answers 204 with no body: what Entra ID expects, and Okta
//! accepts.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::errors::Refusal;
use super::{
    base_url, created, if_match, list_query, list_response, patch_body, project, projection,
    resource_body, resource_response, Directory,
};
use crate::domain::directory::entity_tag;
use crate::domain::scim::filter::Listed;
use crate::domain::scim::schema::GROUP_RESOURCE;
use crate::http::AppState;
use crate::service::directory::GroupView;

type Answer = Result<HttpResponse, Refusal>;

fn render(req: &HttpRequest, view: &GroupView) -> serde_json::Value {
    let location = format!("{}/Groups/{}", base_url(req), view.group.id);
    view.group.resource(&location, view.members.as_deref())
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
) -> Answer {
    let query = list_query(&req, Listed::Groups)?;
    // `excludedAttributes=members` (what Entra ID asks): the members are not even read.
    let with_members = !query.projection.excludes("members");
    let (groups, total) = state
        .services
        .scim_groups(
            caller,
            query.conditions,
            query.start_index,
            query.count,
            with_members,
        )
        .await?;
    let resources = groups
        .iter()
        .map(|g| project(render(&req, g), &query.projection))
        .collect();
    Ok(list_response(resources, total, query.start_index))
}

pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    id: web::Path<String>,
) -> Answer {
    let projection = projection(&req);
    let view = state
        .services
        .scim_group(caller, &id, !projection.excludes("members"))
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        project(render(&req, &view), &projection),
        None,
    ))
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    body: web::Bytes,
) -> Answer {
    let attributes = resource_body(&req, &body, GROUP_RESOURCE)?;
    let view = state
        .services
        .scim_create_group(caller, attributes, Utc::now())
        .await?;
    Ok(created(render(&req, &view)))
}

pub async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    id: web::Path<String>,
    body: web::Bytes,
) -> Answer {
    let attributes = resource_body(&req, &body, GROUP_RESOURCE)?;
    let view = state
        .services
        .scim_replace_group(caller, &id, attributes, if_match(&req), Utc::now())
        .await?;
    Ok(resource_response(StatusCode::OK, render(&req, &view), None))
}

pub async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    id: web::Path<String>,
    body: web::Bytes,
) -> Answer {
    let operations = patch_body(&req, &body)?;
    let view = state
        .services
        .scim_patch_group(caller, &id, operations, if_match(&req), Utc::now())
        .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::ETAG, entity_tag(view.group.version)))
        .finish())
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    id: web::Path<String>,
) -> Answer {
    state
        .services
        .scim_delete_group(caller, &id, if_match(&req), Utc::now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
