//! The GraphiQL page: GraphiQL 4 (UMD) on React 18, all served from the binary, mounted by
//! Orgraph's own `graphiql.js` (no inline script), which sends what the headers pane holds.

use actix_web::http::header;
use actix_web::HttpResponse;

use super::assets;

const TEMPLATE: &str = include_str!("graphiql.html");

/// What a signed-in browser session passes to the page (without one, the caller pastes a
/// bearer token into the headers pane). `graphiql.js` reads both from `<meta>` tags: it sends
/// the CSRF token as `x-csrf-token` with every request, and shows who is signed in with a
/// sign-out button.
#[derive(Debug, Default)]
pub struct PageSession {
    pub csrf_token: Option<String>,
    pub signed_in_as: Option<String>,
}

pub fn graphiql_page(session: &PageSession) -> HttpResponse {
    match render(session) {
        Some(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            // The page will carry a session's CSRF token: never stored by a cache.
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html),
        None => {
            tracing::error!("the GraphiQL page references an asset that is not embedded");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The page, with `{{asset:NAME}}` replaced by the asset's URL and `{{session}}` by the
/// session's `<meta>` tags; `None` if the template names an asset that isn't embedded.
fn render(session: &PageSession) -> Option<String> {
    let mut html = String::with_capacity(TEMPLATE.len() + 512);
    let mut rest = TEMPLATE;
    while let Some(start) = rest.find("{{") {
        html.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}")?;
        let marker = &after[..end];
        if let Some(name) = marker.strip_prefix("asset:") {
            html.push_str(&escape(&assets::url(name)?));
        } else if marker == "session" {
            html.push_str(&session_meta(session));
        } else {
            return None;
        }
        rest = &after[end + 2..];
    }
    html.push_str(rest);
    Some(html)
}

fn session_meta(session: &PageSession) -> String {
    let mut tags = String::new();
    for (name, value) in [
        ("orgraph-csrf-token", &session.csrf_token),
        ("orgraph-signed-in-as", &session.signed_in_as),
    ] {
        if let Some(value) = value {
            tags.push_str(&format!(
                "<meta name=\"{name}\" content=\"{}\">\n    ",
                escape(value)
            ));
        }
    }
    tags
}

/// Escapes text for an HTML attribute value or element content.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_embedded_and_the_session_is_escaped() {
        let html = render(&PageSession {
            csrf_token: Some("a\"b".to_owned()),
            signed_in_as: Some("<ada@example.com>".to_owned()),
        })
        .unwrap();
        assert!(html.contains("content=\"a&quot;b\""), "{html}");
        assert!(
            html.contains("content=\"&lt;ada@example.com&gt;\""),
            "{html}"
        );
        assert!(!html.contains("{{"), "{html}");
        assert!(!render(&PageSession::default())
            .unwrap()
            .contains("orgraph-csrf-token"));
    }
}
