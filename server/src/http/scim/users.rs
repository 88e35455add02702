//! `/scim/v2/Users`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::errors::Refusal;
use super::{
    base_url, created, if_match, list_query, list_response, patch_body, project, projection,
    resource_body, resource_response, Directory,
};
use crate::domain::scim::filter::Listed;
use crate::domain::scim::schema::USER_RESOURCE;
use crate::http::AppState;
use crate::service::directory::UserView;

type Answer = Result<HttpResponse, Refusal>;

fn render(req: &HttpRequest, view: &UserView) -> serde_json::Value {
    let location = format!("{}/Users/{}", base_url(req), view.user.id);
    view.user.resource(&location, &view.groups)
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
) -> Answer {
    let query = list_query(&req, Listed::Users)?;
    let (users, total) = state
        .services
        .scim_users(caller, query.conditions, query.start_index, query.count)
        .await?;
    let resources = users
        .iter()
        .map(|u| project(render(&req, u), &query.projection))
        .collect();
    Ok(list_response(resources, total, query.start_index))
}

pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    id: web::Path<String>,
) -> Answer {
    let view = state.services.scim_user(caller, &id).await?;
    Ok(resource_response(
        StatusCode::OK,
        project(render(&req, &view), &projection(&req)),
        None,
    ))
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    body: web::Bytes,
) -> Answer {
    let attributes = resource_body(&req, &body, USER_RESOURCE)?;
    let view = state
        .services
        .scim_create_user(caller, attributes, Utc::now())
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
    let attributes = resource_body(&req, &body, USER_RESOURCE)?;
    let view = state
        .services
        .scim_replace_user(caller, &id, attributes, if_match(&req), Utc::now())
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
        .scim_patch_user(caller, &id, operations, if_match(&req), Utc::now())
        .await?;
    Ok(resource_response(StatusCode::OK, render(&req, &view), None))
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
    id: web::Path<String>,
) -> Answer {
    state
        .services
        .scim_delete_user(caller, &id, if_match(&req), Utc::now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
