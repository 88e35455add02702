//! Connection pools without a round trip per check-out.
//!
//! r2d2's default runs `SELECT 1` on every check-out (`test_on_check_out`) to weed out
//! connections the database closed: one extra round trip per request on PostgreSQL. Instead,
//! a connection is checked only when it comes back from a long rest (a restart or an idle
//! timeout happens during rests), and one that lost its server while in use is marked by the
//! statement that noticed, and dropped when it is handed back. Every statement, the check
//! included, is counted into the request's [`StatementCounter`] when there is one.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::r2d2::{ConnectionManager, ManageConnection, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::Connection;

use super::DbConnection;

/// How long a connection may rest in the pool before it is checked on check-out.
const REST_BEFORE_CHECK: Duration = Duration::from_secs(15);

/// Counts the SQL statements run on behalf of one request (a cost budget the tests assert,
/// and a number the request log shows): every round trip, authentication included.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicUsize>);

impl StatementCounter {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// A pooled connection, with what the pool needs to know about its health.
pub struct TrackedConnection {
    conn: DbConnection,
    handed_back_at: Instant,
    /// Set by a statement that found the server gone.
    lost: Arc<AtomicBool>,
}

impl Deref for TrackedConnection {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for TrackedConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// [`ConnectionManager`] that never pings on check-out (see the module).
#[derive(Debug)]
pub struct Manager(ConnectionManager<DbConnection>);

impl Manager {
    pub fn new(url: impl Into<String>) -> Self {
        Self(ConnectionManager::new(url))
    }
}

impl ManageConnection for Manager {
    type Connection = TrackedConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<TrackedConnection, Self::Error> {
        Ok(TrackedConnection {
            conn: self.0.connect()?,
            handed_back_at: Instant::now(),
            lost: Arc::default(),
        })
    }

    /// Not called: pools are built with `test_on_check_out(false)`.
    fn is_valid(&self, tracked: &mut TrackedConnection) -> Result<(), Self::Error> {
        self.0.is_valid(&mut tracked.conn)
    }

    /// Called when a connection is handed back: a lost one is dropped.
    fn has_broken(&self, tracked: &mut TrackedConnection) -> bool {
        tracked.handed_back_at = Instant::now();
        tracked.lost.load(Ordering::Relaxed) || self.0.has_broken(&mut tracked.conn)
    }
}

pub type DbPool = diesel::r2d2::Pool<Manager>;

/// A connection checked out of a pool.
pub struct PooledDb(PooledConnection<Manager>);

impl Deref for PooledDb {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.0.conn
    }
}

impl DerefMut for PooledDb {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.0.conn
    }
}

impl PooledDb {
    /// Checks a connection out of `pool`, counting into `counter`; one that rested long is
    /// checked first (one `SELECT 1`, counted) and replaced when its server is gone.
    pub fn check_out(
        pool: &DbPool,
        counter: Option<&StatementCounter>,
    ) -> Result<Self, diesel::r2d2::PoolError> {
        // Each failed check drops a connection, so the pool's size bounds the attempts.
        for _ in 0..pool.max_size() {
            let mut pooled = PooledDb(pool.get()?);
            pooled.watch(counter);
            if pooled.0.handed_back_at.elapsed() < REST_BEFORE_CHECK
                || pooled.0.conn.batch_execute("SELECT 1").is_ok()
            {
                return Ok(pooled);
            }
            // Lost while resting: dropped when handed back here.
            pooled.0.lost.store(true, Ordering::Relaxed);
        }
        let mut pooled = PooledDb(pool.get()?);
        pooled.watch(counter);
        Ok(pooled)
    }

    /// Counts this connection's statements into `counter` from now on (none: not counted),
    /// and watches them for a lost server.
    fn watch(&mut self, counter: Option<&StatementCounter>) {
        let watch = Watch {
            counter: counter.cloned(),
            lost: self.0.lost.clone(),
        };
        self.0.conn.set_instrumentation(watch);
    }
}

/// The instrumentation of a checked-out connection.
struct Watch {
    counter: Option<StatementCounter>,
    lost: Arc<AtomicBool>,
}

impl Instrumentation for Watch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                if let Some(counter) = &self.counter {
                    counter.0.fetch_add(1, Ordering::Relaxed);
                }
            }
            InstrumentationEvent::FinishQuery {
                error: Some(error), ..
            } if means_server_gone(error) => self.lost.store(true, Ordering::Relaxed),
            _ => {}
        }
    }
}

fn means_server_gone(error: &DieselError) -> bool {
    matches!(
        error,
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        ) | DieselError::BrokenTransactionManager
    )
}
