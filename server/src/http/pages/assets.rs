//! The pages' static files, embedded in the binary and served under
//! `/graphql/assets/<hash>/<name>`: the hash is the file's own (the first 16 hex digits of its
//! SHA-256), so a changed file gets a new URL and every URL can be cached forever.
//!
//! Third-party files are vendored, pinned, with their licenses, in `server/assets/graphiql/`
//! (its README says how to refresh them); Orgraph's own live next to this module.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "/graphql/assets";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! vendored {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../../assets/graphiql/", $name)),
        }
    };
}

const ASSETS: &[Asset] = &[
    vendored!("react.production.min.js", JAVASCRIPT),
    vendored!("react-dom.production.min.js", JAVASCRIPT),
    vendored!("graphiql.min.js", JAVASCRIPT),
    vendored!("graphiql.min.css", CSS),
    Asset {
        name: "graphiql.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("graphiql.js"),
    },
    Asset {
        name: "orgraph.css",
        content_type: CSS,
        bytes: include_bytes!("orgraph.css"),
    },
];

/// Each asset's content hash, in the order of `ASSETS`.
static HASHES: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            Sha256::digest(asset.bytes)
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect()
});

/// The URL of an embedded asset; `None` for a name that isn't one (a bug caught by the tests:
/// the page would reference a missing file).
pub fn url(name: &str) -> Option<String> {
    ASSETS
        .iter()
        .zip(HASHES.iter())
        .find(|(asset, _)| asset.name == name)
        .map(|(_, hash)| format!("{PREFIX}/{hash}/{name}"))
}

pub async fn serve(path: web::Path<(String, String)>) -> HttpResponse {
    let (hash, name) = path.into_inner();
    let found = ASSETS
        .iter()
        .zip(HASHES.iter())
        .find(|(asset, asset_hash)| asset.name == name && **asset_hash == hash);
    match found {
        Some((asset, _)) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(asset.bytes),
        // An unknown name, or an old hash: never cache an answer under a URL that may later
        // name a real file.
        None => HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
    }
}
