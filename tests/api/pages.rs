//! Orgraph's HTML pages (GraphiQL): served from the binary, every URL they reference on this
//! origin and answered with the right type, under a strict Content-Security-Policy. A page
//! touches no database, so one backend is enough. The same page in a real browser, offline:
//! tests/browser.

use crate::harness::ops::RawReply;
use crate::harness::{Backend, TestServer};

/// Public CDNs that served async-graphql's stock GraphiQL page (and the usual others).
const CDN_HOSTS: &[&str] = &[
    "unpkg.com",
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "esm.sh",
    "fonts.googleapis.com",
];

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn page(server: &TestServer, accept: &str) -> RawReply {
    let page = server.http("/graphql", &[("accept", accept)], None);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.content_type().starts_with("text/html"),
        "content-type {}",
        page.content_type()
    );
    page
}

/// Every `src="…"` and `href="…"` value of an HTML text.
fn referenced_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            let value = &rest[start + attribute.len()..];
            let end = value.find('"').expect("unterminated attribute");
            urls.push(value[..end].to_owned());
            rest = &value[end..];
        }
    }
    urls
}

fn assert_security_headers(reply: &RawReply) {
    let csp = reply
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no Content-Security-Policy: {:?}", reply.headers));
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for wanted in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(directives.contains(&wanted), "{wanted:?} missing in {csp}");
    }
    for refused in ["unsafe-inline", "unsafe-eval", "*", "http:", "https:"] {
        assert!(
            !directives
                .iter()
                .flat_map(|d| d.split_whitespace())
                .any(|source| source.trim_matches('\'') == refused),
            "{refused} allowed by {csp}"
        );
    }
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
}

fn assert_no_cdn(what: &str, text: &str) {
    for host in CDN_HOSTS {
        assert!(!text.contains(host), "{what} names {host}");
    }
}

#[test]
fn graphiql_page_is_self_contained_under_its_csp() {
    let server = TestServer::start(Backend::Sqlite);

    for accept in ["text/html", BROWSER_ACCEPT] {
        assert_security_headers(&page(&server, accept));
    }
    let page = page(&server, "text/html");
    assert!(page.text.contains("<title>Orgraph GraphiQL</title>"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(
        !page.text.contains("http://") && !page.text.contains("https://"),
        "the page names an absolute URL:\n{}",
        page.text
    );
    assert!(
        !page.text.contains("<script>") && !page.text.contains("style="),
        "inline script or style (the CSP refuses them):\n{}",
        page.text
    );
    assert_no_cdn("the page", &page.text);

    let urls = referenced_urls(&page.text);
    for vendored in [
        "/react.production.min.js",
        "/react-dom.production.min.js",
        "/graphiql.min.js",
        "/graphiql.min.css",
        "/graphiql.js",
    ] {
        assert!(
            urls.iter().any(|url| url.ends_with(vendored)),
            "the page does not load {vendored}: {urls:?}"
        );
    }
    for url in &urls {
        if url.starts_with("data:") {
            continue;
        }
        assert!(
            url.starts_with('/') && !url.starts_with("//"),
            "not a same-origin path: {url}"
        );
        let asset = server.http(url, &[], None);
        assert_eq!(asset.status, 200, "{url}");
        let wanted = if url.ends_with(".js") {
            "text/javascript"
        } else if url.ends_with(".css") {
            "text/css"
        } else {
            panic!("an asset of unexpected type: {url}")
        };
        assert!(
            asset.content_type().starts_with(wanted),
            "{url}: content-type {}",
            asset.content_type()
        );
        assert_eq!(asset.header("x-content-type-options"), Some("nosniff"));
        let cache = asset.header("cache-control").unwrap_or_default();
        assert!(
            cache.contains("immutable") && cache.contains("max-age=31536000"),
            "{url}: cache-control {cache}"
        );
        assert!(!asset.text.is_empty(), "{url} is empty");
        assert_no_cdn(url, &asset.text);
    }
}

#[test]
fn graphiql_assets_are_versioned_and_compressed() {
    let server = TestServer::start(Backend::Sqlite);
    let page = page(&server, "text/html");
    let script = referenced_urls(&page.text)
        .into_iter()
        .find(|url| url.ends_with("/graphiql.min.js"))
        .expect("the page loads graphiql.min.js");

    // `/graphql/assets/<hash>/<name>`: another hash is not this file (never cached).
    let (prefix, name) = script.rsplit_once('/').unwrap();
    let (base, hash) = prefix.rsplit_once('/').unwrap();
    assert_eq!(base, "/graphql/assets");
    assert_eq!(hash.len(), 16, "{script}");
    for missing in [
        format!("{base}/0000000000000000/{name}"),
        format!("{base}/{hash}/nothing.js"),
        format!("{base}/{name}"),
    ] {
        let reply = server.http(&missing, &[], None);
        assert_eq!(reply.status, 404, "{missing}");
        assert_ne!(
            reply.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{missing}"
        );
    }

    let gzipped = server.http(&script, &[("accept-encoding", "gzip")], None);
    assert_eq!(gzipped.status, 200);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert!(gzipped.content_type().starts_with("text/javascript"));
}
