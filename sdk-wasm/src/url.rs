//! The little URL handling Connect needs: query strings in, query strings out.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{SdkError, SdkResult};

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_component(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xF)] as char);
        }
    }
}

/// `base` with `pairs` added to its query (keeping a query it already has, RFC 6749 §3.1).
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = base.to_owned();
    let mut separator = if base.contains('?') { '&' } else { '?' };
    if base.ends_with('?') || base.ends_with('&') {
        separator = '\0';
    }
    for (name, value) in pairs {
        if separator != '\0' {
            url.push(separator);
        }
        separator = '&';
        encode_component(&mut url, name);
        url.push('=');
        encode_component(&mut url, value);
    }
    url
}

/// The decoded query parameters of `url` (the part between `?` and `#`), in order.
pub fn query_pairs(url: &str) -> SdkResult<Vec<(String, String)>> {
    let without_fragment = url.split('#').next().unwrap_or_default();
    let Some((_, query)) = without_fragment.split_once('?') else {
        return Ok(Vec::new());
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode_component(name)?, decode_component(value)?))
        })
        .collect()
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space).
fn decode_component(text: &str) -> SdkResult<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| core::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        SdkError::invalid_argument("the URL has a malformed %-escape")
                    })?;
                out.push(hex);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| SdkError::invalid_argument("the URL is not UTF-8"))
}

/// Whether `url` is an absolute http(s) URL (what redirect URIs and issuers must be).
pub fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty() && !r.starts_with('/') && !url.chars().any(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let url = with_query(
            "https://as.example/authorize",
            &[
                ("scope", "organization:read members:read"),
                ("redirect_uri", "http://127.0.0.1:9/cb?x=1&y"),
            ],
        );
        assert_eq!(
            url,
            "https://as.example/authorize?scope=organization%3Aread%20members%3Aread&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb%3Fx%3D1%26y"
        );
        let pairs = query_pairs(&url).unwrap();
        assert_eq!(pairs[0].1, "organization:read members:read");
        assert_eq!(pairs[1].1, "http://127.0.0.1:9/cb?x=1&y");
    }

    #[test]
    fn existing_queries_and_fragments() {
        assert_eq!(
            with_query("https://a/x?t=1", &[("b", "2")]),
            "https://a/x?t=1&b=2"
        );
        assert_eq!(with_query("https://a/x?", &[("b", "2")]), "https://a/x?b=2");
        let pairs = query_pairs("https://c/cb?code=a+b%2B&state=s#code=evil").unwrap();
        assert_eq!(
            pairs,
            vec![("code".into(), "a b+".into()), ("state".into(), "s".into())]
        );
        assert!(query_pairs("https://c/cb?code=%zz").is_err());
        assert!(query_pairs("https://c/cb?code=%ff").is_err());
    }

    #[test]
    fn http_urls() {
        assert!(is_http_url("http://127.0.0.1:8080"));
        assert!(is_http_url("https://orgraph.example"));
        assert!(!is_http_url("ftp://x"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https:///path"));
        assert!(!is_http_url("https://a b"));
    }
}
