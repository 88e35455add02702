//! Cross-origin access for the endpoints browser apps on other origins call: `/graphql`
//! and OAuth's token, revocation, introspection, metadata and keys.
//!
//! Any origin, never credentials: a cross-origin request carries a bearer token it was
//! given, not the person's session cookie (browsers withhold cookies, and refuse to expose
//! a credentialed answer, when the allowed origin is `*`). Sessions stay same-origin.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpResponse;

fn allow_any_origin(headers: &mut HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
}

/// Marks a response readable from any origin.
pub fn cors(mut response: HttpResponse) -> HttpResponse {
    allow_any_origin(response.headers_mut());
    response
}

/// The same, as middleware for a whole resource.
pub async fn any_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    allow_any_origin(response.headers_mut());
    Ok(response)
}

/// The answer to a preflight: the methods and headers a bearer-token client sends.
pub async fn preflight() -> HttpResponse {
    cors(
        HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "authorization, content-type, dpop",
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .finish(),
    )
}
