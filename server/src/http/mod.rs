//! HTTP routes: GraphQL, GraphiQL (with its assets), sign-in, Organization Connect (OAuth),
//! SCIM and health.

mod auth;
mod cors;
mod errors;
mod graphql;
mod health;
mod oauth;
mod pages;
mod request_log;
mod scim;
pub mod sign_in;

use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

use crate::auth::TokenVerifier;
use crate::graphql::Schemas;
use crate::service::Services;

pub use graphql::{MAX_BODY_BYTES, MAX_DOCUMENT_BYTES};

/// Shared by every worker.
pub struct AppState {
    pub schemas: Schemas,
    pub services: Services,
    pub tokens: TokenVerifier,
    pub sign_in: sign_in::SignIn,
    /// The key Organization Connect access tokens are signed and checked with.
    pub connect: std::sync::Arc<crate::auth::connect_keys::ConnectKeys>,
    /// Documents registered by automatic persisted queries, shared by the workers.
    pub persisted_queries: crate::graphql::persisted_queries::PersistedQueries,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .wrap(from_fn(cors::any_origin))
            .route(web::post().to(graphql::graphql_post))
            .route(web::get().to(graphql::graphql_get))
            .route(web::method(actix_web::http::Method::OPTIONS).to(cors::preflight)),
    )
    .configure(pages::routes)
    .configure(sign_in::routes)
    .configure(oauth::routes)
    .configure(scim::routes)
    .route("/healthz", web::get().to(health::healthz))
    .route(
        "/",
        web::get().to(|| async {
            actix_web::HttpResponse::TemporaryRedirect()
                .insert_header(("Location", "/graphql"))
                .finish()
        }),
    );
}

/// Serves until the process is stopped.
pub async fn serve(state: AppState, bind: &str, workers: usize) -> std::io::Result<()> {
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(from_fn(pages::security_headers))
            .wrap(from_fn(request_log::log_request))
            .configure(routes)
    })
    .workers(workers)
    .bind(bind)?;
    for addr in server.addrs() {
        tracing::info!("listening on http://{addr} (GraphiQL at http://{addr}/graphql)");
    }
    server.run().await
}
