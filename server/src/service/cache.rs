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
    /// The entry for `key` if it was read at the current generation and is not too old, and
    /// the generation to stamp a fresh read with (taken now, *before* that read; `None`: the
    /// database's changes can't be heard, so nothing is served or kept).
    pub fn lookup(&self, changes: &Changes, key: &Key) -> (Option<Cached>, Option<u64>) {
        self.lookup_at(changes, key, Instant::now())
    }

    fn lookup_at(
        &self,
        changes: &Changes,
        key: &Key,
        now: Instant,
    ) -> (Option<Cached>, Option<u64>) {
        let Some(generation) = changes.current() else {
            return (None, None);
        };
        let cached = self.entries.lock().ok().and_then(|entries| {
            entries
                .get(key)
                .filter(|e| {
                    e.generation == generation
                        && now.saturating_duration_since(e.stored_at) < TIME_TO_LIVE
                })
                .map(|e| e.value.clone())
        });
        (cached, Some(generation))
    }

    /// Keeps what was read at `generation` (from [`ReadCache::lookup`]).
    pub fn put(&self, key: Key, value: Cached, generation: Option<u64>) {
        self.put_at(key, value, generation, Instant::now());
    }

    fn put_at(&self, key: Key, value: Cached, generation: Option<u64>, now: Instant) {
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
                stored_at: now,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: u128) -> Cached {
        Cached::User(User {
            id: UserId(uuid::Uuid::from_u128(n)),
            email: Some(format!("{n}@example.com")),
            name: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
        })
    }

    fn served(cache: &ReadCache, changes: &Changes, key: &Key, at: Instant) -> bool {
        cache.lookup_at(changes, key, at).0.is_some()
    }

    fn get(cache: &ReadCache, changes: &Changes, key: &Key) -> Option<Cached> {
        cache.lookup(changes, key).0
    }

    fn watching() -> (tempfile::TempDir, Arc<Changes>) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("cache.sqlite3").display().to_string();
        let changes = Changes::watching(&path);
        assert!(changes.current().is_some(), "the watcher opened {path}");
        (dir, changes)
    }

    #[test]
    fn an_entry_is_served_while_the_database_is_unchanged_and_younger_than_its_time_to_live() {
        let (_dir, changes) = watching();
        let cache = ReadCache::default();
        let key = Key::Email("ada@example.com".into());
        let now = Instant::now();
        cache.put_at(key.clone(), user(1), cache.lookup(&changes, &key).1, now);
        assert!(served(&cache, &changes, &key, now));
        assert!(served(
            &cache,
            &changes,
            &key,
            now + TIME_TO_LIVE - Duration::from_millis(1)
        ));
        assert!(
            !served(&cache, &changes, &key, now + TIME_TO_LIVE),
            "expired"
        );

        changes.committed();
        assert!(!served(&cache, &changes, &key, now), "a write retires it");
    }

    #[test]
    fn nothing_is_kept_without_a_generation() {
        let (_dir, changes) = watching();
        let cache = ReadCache::default();
        let key = Key::Email("ada@example.com".into());
        cache.put(key.clone(), user(1), None);
        assert!(get(&cache, &changes, &key).is_none());
    }

    #[test]
    fn a_full_cache_starts_over() {
        let (_dir, changes) = watching();
        let cache = ReadCache::default();
        let stamp = changes.current();
        for n in 0..CAPACITY {
            cache.put(
                Key::Email(format!("{n}@example.com")),
                user(n as u128),
                stamp,
            );
        }
        let first = Key::Email("0@example.com".into());
        assert!(get(&cache, &changes, &first).is_some());
        cache.put(Key::Email("one-more@example.com".into()), user(0), stamp);
        assert!(
            get(&cache, &changes, &first).is_none(),
            "emptied at capacity"
        );
        assert!(get(&cache, &changes, &Key::Email("one-more@example.com".into())).is_some());
    }
}
