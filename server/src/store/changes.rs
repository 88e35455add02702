//! A generation number of the database's contents, for caches of what it holds.
//!
//! Every committed write moves it on in this process at once. On PostgreSQL, triggers on the
//! tables caches read from send a `NOTIFY` inside the writing transaction (delivered when, and
//! only if, it commits; whoever wrote), and a `LISTEN` connection each process keeps hears the
//! other processes' writes. A cache stamps an entry with the generation it saw *before* reading the
//! database, and serves it only while the generation is unchanged.
//!
//! Other processes' notifications are taken in on every [`Changes::current`] call (a
//! non-blocking read of the listening socket), so a change committed elsewhere counts from
//! the first request after it arrives. While the listening connection is down, changes made
//! elsewhere can't be heard: `current` answers `None` and caches must not serve.
//!
//! On SQLite, a connection of its own asks `PRAGMA data_version`, which moves whenever
//! another connection (of any process) committed: an in-process read of the WAL index.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::BigInt;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};

const CHANNEL: &str = "orgraph_changes";
/// How often a lost listening connection is re-established, and idle notifications drained.
const LISTENER_TICK: Duration = Duration::from_millis(500);

pub struct Changes {
    generation: AtomicU64,
    /// PostgreSQL only: the connection listening to other processes.
    listener: Option<Arc<Mutex<Option<PgConnection>>>>,
    /// This process's mark on its notifications (its own writes already counted).
    tag: String,
    /// SQLite only: a connection asking for the data version, and the last one seen.
    data_version: Option<Mutex<(SqliteConnection, i64)>>,
}

#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

impl Changes {
    /// Changes to the SQLite database at `path`, by any connection of any process. Without
    /// a connection of its own, nothing is cached.
    pub fn watching(path: &str) -> Arc<Self> {
        let watcher = SqliteConnection::establish(path).ok().and_then(|mut conn| {
            let version = data_version(&mut conn)?;
            Some(Mutex::new((conn, version)))
        });
        if watcher.is_none() {
            tracing::warn!(
                "the SQLite change watcher could not open the database; caches stay off"
            );
        }
        Arc::new(Self {
            generation: AtomicU64::new(0),
            listener: None,
            tag: String::new(),
            data_version: watcher,
        })
    }

    /// Changes of every process on the PostgreSQL database at `url`; a thread keeps the
    /// listening connection up.
    pub fn listening(url: &str) -> Arc<Self> {
        let slot = Arc::new(Mutex::new(listen(url)));
        let changes = Arc::new(Self {
            generation: AtomicU64::new(0),
            listener: Some(slot.clone()),
            tag: uuid::Uuid::new_v4().simple().to_string(),
            data_version: None,
        });
        let weak = Arc::downgrade(&changes);
        let url = url.to_owned();
        let spawned = std::thread::Builder::new()
            .name("orgraph-changes".into())
            .spawn(move || loop {
                std::thread::sleep(LISTENER_TICK);
                let Some(changes) = weak.upgrade() else {
                    return;
                };
                let down = slot.lock().map(|conn| conn.is_none()).unwrap_or(true);
                if down {
                    if let Some(conn) = listen(&url) {
                        if let Ok(mut guard) = slot.lock() {
                            *guard = Some(conn);
                        }
                        // Whatever happened while deaf counts as a change.
                        changes.generation.fetch_add(1, Ordering::SeqCst);
                    }
                } else {
                    let _ = changes.current();
                }
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "the change listener could not start; caches stay off");
        }
        changes
    }

    /// The generation now, other processes' notifications taken in; `None` while they
    /// can't be heard.
    pub fn current(&self) -> Option<u64> {
        if let Some(watcher) = &self.data_version {
            let mut watcher = watcher.lock().ok()?;
            let (conn, seen) = &mut *watcher;
            let now = data_version(conn)?;
            if now != *seen {
                *seen = now;
                self.generation.fetch_add(1, Ordering::SeqCst);
            }
        }
        if let Some(listener) = &self.listener {
            let mut slot = listener.lock().ok()?;
            let conn = slot.as_mut()?;
            let mut heard = false;
            let mut lost = false;
            for notification in conn.notifications_iter() {
                match notification {
                    Ok(n) if n.payload == self.tag => {}
                    Ok(_) => heard = true,
                    Err(error) => {
                        tracing::warn!(%error, "the change listener lost its connection");
                        lost = true;
                        break;
                    }
                }
            }
            if lost {
                *slot = None;
                return None;
            }
            if heard {
                self.generation.fetch_add(1, Ordering::SeqCst);
            }
        }
        Some(self.generation.load(Ordering::SeqCst))
    }

    /// This process's mark, which its connections give their writes' notifications
    /// (`orgraph.process`): its own are counted already.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Counts a write this process committed.
    pub fn committed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

fn data_version(conn: &mut SqliteConnection) -> Option<i64> {
    diesel::sql_query("PRAGMA data_version")
        .get_result::<DataVersion>(conn)
        .ok()
        .map(|v| v.data_version)
}

fn listen(url: &str) -> Option<PgConnection> {
    let mut conn = match PgConnection::establish(url) {
        Ok(conn) => conn,
        Err(error) => {
            tracing::warn!(%error, "the change listener could not connect");
            return None;
        }
    };
    match conn.batch_execute(&format!("LISTEN {CHANNEL}")) {
        Ok(()) => Some(conn),
        Err(error) => {
            tracing::warn!(%error, "the change listener could not listen");
            None
        }
    }
}
