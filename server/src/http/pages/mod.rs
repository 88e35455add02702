//! Orgraph's HTML pages (today GraphiQL; later the sign-in and consent pages), the static
//! assets they load, and the security headers every HTML response carries.
//!
//! Nothing here loads from another host: the pages' scripts and styles are embedded in the
//! binary (`assets`) and the Content-Security-Policy allows only this origin.

mod assets;
mod graphiql;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{Compress, Next};
use actix_web::{web, HttpResponse};

pub use assets::url as asset_url;
pub use graphiql::{escape, graphiql_page, PageSession};

/// The policy of every HTML page.
///
/// - `font-src data:`: GraphiQL's stylesheet embeds its fonts as `data:` URLs.
/// - `img-src data:`: the page names an empty `data:` favicon so that the browser asks for no
///   `/favicon.ico` (GraphiQL's own icons are inline SVG elements).
/// - No `'unsafe-inline'` or `'unsafe-eval'`: GraphiQL 4's UMD build runs and styles itself
///   without them (it sets styles through the DOM, which style-src does not govern); the
///   browser test fails on any CSP violation in the console.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    script-src 'self'; \
    style-src 'self'; \
    font-src 'self' data:; \
    img-src 'self' data:; \
    connect-src 'self'; \
    object-src 'none'; \
    frame-ancestors 'none'; \
    base-uri 'none'; \
    form-action 'self'";

/// A page of Orgraph's own (sign-in, consent, errors): plain HTML with the shared
/// stylesheet. `body` is trusted markup; every value in it must already be escaped.
pub fn document(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    let stylesheet = asset_url("orgraph.css")
        .map(|url| format!("<link rel=\"stylesheet\" href=\"{}\">", escape(&url)))
        .unwrap_or_default();
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title} · Orgraph</title>\n<link rel=\"icon\" href=\"data:,\">\n{stylesheet}\n\
             </head>\n<body class=\"orgraph-page\">\n<main>\n{body}\n</main>\n</body>\n</html>\n",
            title = escape(title),
        ))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(assets::PREFIX)
            .wrap(Compress::default())
            .route("/{hash}/{name}", web::get().to(assets::serve)),
    );
}

/// Adds the security headers to every HTML response, whichever route made it (so a page
/// added later cannot forget them); `X-Content-Type-Options` goes on every response.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if is_html {
        // A page may set a policy of its own (the consent page's form leads to the client).
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
        }
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    Ok(response)
}
