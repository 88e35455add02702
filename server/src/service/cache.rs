//! What every request reads before its own work, kept while the database is unchanged: who a
//! token or a session names, and a person's grants. An entry is served only while
//! `store::Changes` is at the generation seen before it was read, so any committed write (in
//! any process sharing the database) retires every entry: a suspended member, a revoked grant,
//! authorization or session bite on the very next request. Entries also expire after
//! [`TIME_TO_LIVE`], and the cache empties itself when it reaches [`CAPACITY`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::auth::ApplicationCaller;
use crate::domain::ids::{TokenFamilyId, UserId};
use crate::domain::session::Session;
use crate::domain::user::User;
use crate::store::Changes;

use super::access::GrantsByNetwork;

const CAPACITY: usize = 10_000;
const TIME_TO_LIVE: Duration = Duration::from_secs(60);

/// What is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A person named by a verified token's email.
    Email(String),
    /// A person named by a verified token of an identity provider.
    Identity { issuer: String, subject: String },
    /// An application's access token: its family, client and scopes.
    AccessToken {
        family: TokenFamilyId,
        client_id: String,
        scope: String,
    },
    /// A browser session, by the hash of its secret.
    Session(String),
    /// A person's grants, placed in their trees.
    Grants(UserId),
}

#[derive(Debug, Clone)]
pub enum Cached {
    User(User),
    Application(ApplicationCaller),
    Session(Session, User),
    Grants(Arc<GrantsByNetwork>),
}

struct Entry {
    value: Cached,
    generation: u64,
    stored_at: Instant,
}

#[derive(Default)]
pub struct ReadCache {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl ReadCache {
    /// The generation to stamp a read with, taken *before* reading; `None`: don't cache.
    pub fn stamp(changes: &Changes) -> Option<u64> {
        changes.current()
    }

    /// The entry for `key`, if read at the current generation and not too old.
    pub fn get(&self, changes: &Changes, key: &Key) -> Option<Cached> {
        let generation = changes.current()?;
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|e| e.generation == generation && e.stored_at.elapsed() < TIME_TO_LIVE)
            .map(|e| e.value.clone())
    }

    /// Keeps what was read at `generation` (from [`ReadCache::stamp`]).
    pub fn put(&self, key: Key, value: Cached, generation: Option<u64>) {
        let Some(generation) = generation else {
            return;
        };
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                value,
                generation,
                stored_at: Instant::now(),
            },
        );
    }
}
