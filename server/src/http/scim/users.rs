//! `/scim/v2/Users`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::errors::{api_error, scim_error};
use super::{
    base_url, if_match, list_query, list_response, patch_body, project, projection, resource_body,
    resource_response, Directory,
};
use crate::domain::scim::filter::Listed;
use crate::domain::scim::schema::USER_RESOURCE;
use crate::http::AppState;
use crate::service::directory::UserView;

fn render(req: &HttpRequest, view: &UserView) -> serde_json::Value {
    let location = format!("{}/Users/{}", base_url(req), view.user.id);
    view.user.resource(&location, &view.groups)
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Directory(caller): Directory,
) -> HttpResponse {
    let query = match list_query(&req, Listed::Users) {
        Ok(query) => query,
        Err(error) => return scim_error(&error),
    };
    match state
        .services
        .scim_users(caller, query.conditions, query.start_index, query.count)
        .await
    {
        Ok((users, total)) => list_response(
            users
                .iter()
                .map(|u| project(render(&req, u), &query.projection))
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
    match state.services.scim_user(caller, &id).await {
        Ok(view) => resource_response(
            StatusCode::OK,
            project(render(&req, &view), &projection(&req)),
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
    let attributes = match resource_body(&req, &body, USER_RESOURCE) {
        Ok(attributes) => attributes,
        Err(refusal) => return refusal.response(),
    };
    match state
        .services
        .scim_create_user(caller, attributes, Utc::now())
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
    let attributes = match resource_body(&req, &body, USER_RESOURCE) {
        Ok(attributes) => attributes,
        Err(refusal) => return refusal.response(),
    };
    match state
        .services
        .scim_replace_user(caller, &id, attributes, if_match(&req), Utc::now())
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
        .scim_patch_user(caller, &id, operations, if_match(&req), Utc::now())
        .await
    {
        Ok(view) => resource_response(StatusCode::OK, render(&req, &view), None),
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
        .scim_delete_user(caller, &id, if_match(&req), Utc::now())
        .await
    {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(error) => api_error(&error),
    }
}
