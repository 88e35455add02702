//! What a GraphQL-over-HTTP exchange is written in: the request body's media type (only
//! `application/json` in UTF-8 is read) and the response's, chosen from `Accept`.

use actix_web::http::header::{self, HeaderMap};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `application/json`: every GraphQL result is 200.
    Json,
    /// `application/graphql-response+json`: request errors are 4xx.
    GraphqlResponse,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        }
    }
}

/// The format of the response: the acceptable one the client prefers (`q`), the one it
/// names over one a wildcard lets through, `application/graphql-response+json` when it names
/// both alike, and `application/json` for no `Accept` or a bare wildcard (what clients before
/// the specification expect). `None` when the client accepts neither: 406.
pub fn negotiate(headers: &HeaderMap) -> Option<Format> {
    let ranges: Vec<MediaRange> = headers
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(MediaRange::parse)
        .collect();
    if ranges.is_empty() {
        return Some(Format::Json);
    }
    let graphql_response = preference(&ranges, GRAPHQL_RESPONSE_JSON);
    let json = preference(&ranges, JSON);
    match (graphql_response, json) {
        (None, None) => None,
        (Some(_), None) => Some(Format::GraphqlResponse),
        (None, Some(_)) => Some(Format::Json),
        (Some(g), Some(j)) if g > j => Some(Format::GraphqlResponse),
        (Some(g), Some(j)) if g < j => Some(Format::Json),
        (Some(g), Some(_)) if g.specificity == Specificity::Exact => Some(Format::GraphqlResponse),
        _ => Some(Format::Json),
    }
}

/// Whether a request body of this `Content-Type` is one the server reads: `application/json`
/// (any case), in UTF-8 when a charset is named.
pub fn is_json_body(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case(JSON) {
        return false;
    }
    parts.all(|parameter| match parameter.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Specificity {
    Any,
    Type,
    Exact,
}

/// How much the client wants one media type: the `q` of the most specific range that
/// matches it (RFC 9110 §12.5.1), in thousandths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Preference {
    quality: u16,
    specificity: Specificity,
}

struct MediaRange {
    kind: String,
    subtype: String,
    quality: u16,
}

impl MediaRange {
    fn parse(raw: &str) -> Option<Self> {
        let mut parts = raw.split(';');
        let (kind, subtype) = parts.next()?.trim().split_once('/')?;
        let mut quality = 1000;
        for parameter in parts {
            if let Some((name, value)) = parameter.split_once('=') {
                if name.trim().eq_ignore_ascii_case("q") {
                    quality = parse_quality(value.trim())?;
                }
            }
        }
        Some(Self {
            kind: kind.trim().to_ascii_lowercase(),
            subtype: subtype.trim().to_ascii_lowercase(),
            quality,
        })
    }

    fn specificity_for(&self, kind: &str, subtype: &str) -> Option<Specificity> {
        match (self.kind.as_str(), self.subtype.as_str()) {
            ("*", "*") => Some(Specificity::Any),
            (k, "*") if k == kind => Some(Specificity::Type),
            (k, s) if k == kind && s == subtype => Some(Specificity::Exact),
            _ => None,
        }
    }
}

/// `q` as thousandths: `0`, `0.5`, `1`, `1.000`; anything else makes the range unreadable.
fn parse_quality(raw: &str) -> Option<u16> {
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The client's preference for `media_type`; `None` when no range admits it or the most
/// specific one that does says `q=0`.
fn preference(ranges: &[MediaRange], media_type: &str) -> Option<Preference> {
    let (kind, subtype) = media_type.split_once('/')?;
    let best = ranges
        .iter()
        .filter_map(|range| {
            range
                .specificity_for(kind, subtype)
                .map(|specificity| Preference {
                    quality: range.quality,
                    specificity,
                })
        })
        .max_by_key(|p| (p.specificity, p.quality))?;
    (best.quality > 0).then_some(best)
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(name: &str, value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
        map
    }

    fn accept(value: &str) -> Option<Format> {
        negotiate(&headers("accept", value))
    }

    #[test]
    fn the_preferred_acceptable_format_wins() {
        use Format::{GraphqlResponse as G, Json as J};
        assert_eq!(negotiate(&HeaderMap::new()), Some(J));
        assert_eq!(accept("*/*"), Some(J));
        assert_eq!(accept("application/*"), Some(J));
        assert_eq!(accept("application/json"), Some(J));
        assert_eq!(accept("application/graphql-response+json"), Some(G));
        assert_eq!(accept("Application/GraphQL-Response+JSON"), Some(G));
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(G)
        );
        assert_eq!(
            accept("application/json, application/graphql-response+json"),
            Some(G)
        );
        assert_eq!(
            accept("application/json, application/graphql-response+json;q=0.5"),
            Some(J)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0, application/json"),
            Some(J)
        );
        assert_eq!(
            accept("application/graphql-response+json, */*;q=0.1"),
            Some(G)
        );
        assert_eq!(accept("text/html, */*;q=0.8"), Some(J));
        assert_eq!(accept("text/plain"), None);
        assert_eq!(accept("image/*"), None);
        assert_eq!(accept("application/json;q=0"), None);
        assert_eq!(accept("*/*;q=0"), None);
        // A range that can't be read is left out; no readable range is no Accept at all.
        assert_eq!(accept("application/json;q=2, text/plain"), None);
        assert_eq!(accept("nonsense"), Some(J));
    }

    #[test]
    fn only_json_in_utf8_is_read() {
        let content_type = |value: &str| is_json_body(&headers("content-type", value));
        assert!(content_type("application/json"));
        assert!(content_type("Application/JSON"));
        assert!(content_type("application/json; charset=utf-8"));
        assert!(content_type("application/json;charset=\"UTF-8\""));
        assert!(!content_type("application/json; charset=iso-8859-1"));
        assert!(!content_type("text/plain"));
        assert!(!content_type("application/x-www-form-urlencoded"));
        assert!(!content_type("application/graphql"));
        assert!(!content_type("application/jsonx"));
        assert!(!is_json_body(&HeaderMap::new()));
    }
}
