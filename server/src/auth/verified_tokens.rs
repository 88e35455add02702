//! Provider access tokens already verified, remembered until they expire.
//!
//! A client sends the same access token on every request for its lifetime, and checking an
//! RS256 signature costs more than the rest of authenticating a request. The text of a token
//! fixes its signature, so a token that verified once verifies again as long as the key that
//! signed it is still trusted (the caller checks that on every hit) and its own validity
//! window holds (checked here on every hit). Keyed by the SHA-256 of the token: the cache
//! holds no token that could be replayed from a memory dump.

use std::collections::HashMap;
use std::sync::RwLock;

use sha2::{Digest, Sha256};

use crate::domain::user::ExternalIdentity;

/// A verified token: who it names, which key signed it, and when it may be used (Unix
/// seconds, the verifier's leeway included).
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub identity: ExternalIdentity,
    pub key_id: String,
    pub usable_from: u64,
    pub usable_until: u64,
}

pub struct VerifiedTokens {
    entries: RwLock<HashMap<[u8; 32], VerifiedToken>>,
    capacity: usize,
}

impl VerifiedTokens {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            capacity,
        }
    }

    /// The token's verification, if it was verified and may still be used at `now`.
    pub fn get(&self, token: &str, now: u64) -> Option<VerifiedToken> {
        let entries = self.entries.read().ok()?;
        entries
            .get(&digest(token))
            .filter(|found| found.usable_from <= now && now <= found.usable_until)
            .cloned()
    }

    /// Remembers a verified token. When full, expired entries go first; if none had expired,
    /// everything goes (the next requests verify again; memory stays bounded).
    pub fn insert(&self, token: &str, verified: VerifiedToken, now: u64) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if entries.len() >= self.capacity {
            entries.retain(|_, entry| now <= entry.usable_until);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(digest(token), verified);
    }

    /// Forgets every token (the key set changed).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.read().map_or(0, |entries| entries.len())
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(from: u64, until: u64) -> VerifiedToken {
        VerifiedToken {
            identity: ExternalIdentity {
                issuer: "https://idp.example".into(),
                subject: "ada".into(),
                email: None,
                email_verified: false,
                name: None,
            },
            key_id: "k1".into(),
            usable_from: from,
            usable_until: until,
        }
    }

    #[test]
    fn a_token_is_known_only_inside_its_window_and_only_by_its_exact_text() {
        let tokens = VerifiedTokens::new(10);
        tokens.insert("a.b.c", verified(100, 200), 150);
        assert!(tokens.get("a.b.c", 99).is_none());
        assert_eq!(
            tokens.get("a.b.c", 100).map(|t| t.key_id),
            Some("k1".into())
        );
        assert!(tokens.get("a.b.c", 200).is_some());
        assert!(tokens.get("a.b.c", 201).is_none());
        assert!(tokens.get("a.b.C", 150).is_none());
        assert!(tokens.get("a.b.c ", 150).is_none());
        tokens.clear();
        assert!(tokens.get("a.b.c", 150).is_none());
    }

    #[test]
    fn memory_stays_bounded() {
        let tokens = VerifiedTokens::new(3);
        tokens.insert("expired", verified(0, 10), 5);
        tokens.insert("one", verified(0, 1_000), 5);
        tokens.insert("two", verified(0, 1_000), 5);
        // full: the expired one goes
        tokens.insert("three", verified(0, 1_000), 100);
        assert_eq!(tokens.len(), 3);
        assert!(tokens.get("one", 100).is_some());
        // full of live ones: all go, the new one stays
        tokens.insert("four", verified(0, 1_000), 100);
        assert_eq!(tokens.len(), 1);
        assert!(tokens.get("four", 100).is_some());
        assert!(tokens.get("one", 100).is_none());
    }
}
