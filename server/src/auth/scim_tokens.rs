//! SCIM bearer tokens: `orgraph_scim_<network><token id>_<secret>`. The ids let a request
//! find its token's row in its own network with one indexed lookup (the network is the
//! distribution key); only the SHA-256 of the whole token is stored.

use uuid::Uuid;

use super::secrets::{random_secret, secret_hash};
use crate::domain::ids::{NetworkId, ScimTokenId};

pub const PREFIX: &str = "orgraph_scim_";

/// A new token's text, for `network` and `id`.
pub fn issue(network: NetworkId, id: ScimTokenId) -> String {
    format!(
        "{PREFIX}{}{}_{}",
        network.0.simple(),
        id.0.simple(),
        random_secret()
    )
}

/// Whether a bearer token is a SCIM token (and so is refused anywhere but `/scim/v2`).
pub fn looks_like_one(token: &str) -> bool {
    token.starts_with(PREFIX)
}

/// The network and token id a token names, with the hash to look it up by; `None` for
/// text that is not a SCIM token.
pub fn parse(token: &str) -> Option<(NetworkId, ScimTokenId, String)> {
    let rest = token.strip_prefix(PREFIX)?;
    let (ids, secret) = rest.split_once('_')?;
    if ids.len() != 64 || secret.len() < 32 || !ids.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let network = Uuid::try_parse(&ids[..32]).ok()?;
    let id = Uuid::try_parse(&ids[32..]).ok()?;
    Some((NetworkId(network), ScimTokenId(id), secret_hash(token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_parse_back() {
        let (network, id) = (NetworkId::new_random(), ScimTokenId::new_random());
        let token = issue(network, id);
        let (n, i, hash) = parse(&token).expect("parses");
        assert_eq!((n, i), (network, id));
        assert_eq!(hash, secret_hash(&token));
        assert!(looks_like_one(&token));
        assert!(parse("orgraph_scim_short_x").is_none());
        assert!(parse(&token.replace("orgraph_scim_", "orgraph_scam_")).is_none());
    }
}
