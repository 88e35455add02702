//! Persistence: the only module that speaks SQL.
//!
//! Store functions take a connection and return [`QueryResult`]; the caller (the service layer)
//! owns the transaction. [`Store`] hands out connections on a blocking thread so that r2d2 and
//! diesel never block the async executor.

pub mod applications;
pub mod audit;
pub mod authorizations;
mod changes;
pub mod children;
pub mod contract_accounts;
mod database_url;
pub mod directory;
pub mod grants;
pub mod integrations;
pub mod members;
mod migrations;
pub mod models;
pub mod networks;
pub mod nodes;
pub mod onboarding;
pub mod organizations;
mod pool;
mod raw_sql;
pub mod roles;
pub mod schema;
pub mod sessions;
pub mod settings;
mod sql_lists;
mod timestamps;
pub mod users;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

pub use changes::Changes;
pub use database_url::DatabaseUrl;
pub use diesel::result::QueryResult;
pub use pool::{PooledDb, StatementCounter};

use pool::{DbPool, Manager, TrackedConnection};

/// One connection type for both backends; store code matches on it only where SQL differs.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations: {0}")]
    Migration(String),
    #[error("blocking task failed: {0}")]
    Join(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Connection pools. SQLite has a single writer, so writes go through a pool of one connection
/// (no lock-upgrade races between connections); PostgreSQL uses one pool for both.
#[derive(Clone)]
pub struct Store {
    read: DbPool,
    write: DbPool,
    backend: Backend,
    statements: Option<StatementCounter>,
    changes: Arc<Changes>,
    /// Directory writes this process made (see [`Store::directory_written`]).
    directory_writes: Arc<AtomicUsize>,
}

/// Marks a PostgreSQL connection's writes as this process's (see `Changes::tag`).
#[derive(Debug)]
struct ProcessMark(String);

impl CustomizeConnection<TrackedConnection, diesel::r2d2::Error> for ProcessMark {
    fn on_acquire(&self, conn: &mut TrackedConnection) -> Result<(), diesel::r2d2::Error> {
        // The mark is hexadecimal (a UUID's simple form): nothing to quote.
        conn.batch_execute(&format!("SET orgraph.process = '{}'", self.0))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<TrackedConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut TrackedConnection) -> Result<(), diesel::r2d2::Error> {
        // WAL lets readers run beside the writer; synchronous=FULL makes an acknowledged
        // commit durable even across power loss, not only a killed process. mmap: every
        // connection reads the file through the one OS page cache instead of copying pages
        // into its own cache with a read() each (loading 1,000 organizations by id touches
        // ~1,000 scattered pages of a 1 GB file; see BENCHMARKS.md); SQLite caps it at 2 GB.
        conn.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
             PRAGMA busy_timeout = 10000; PRAGMA cache_size = -65536; \
             PRAGMA mmap_size = 2147418112;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl Store {
    /// Opens the pools. A SQLite file is created if missing.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Self, StoreError> {
        let timeout = Duration::from_secs(30);
        match url {
            DatabaseUrl::Postgres(pg) => {
                let changes = Changes::listening(pg);
                let pool = Pool::builder()
                    .max_size(pool_size)
                    .connection_timeout(timeout)
                    .test_on_check_out(false)
                    .connection_customizer(Box::new(ProcessMark(changes.tag().to_owned())))
                    .build(Manager::new(pg.as_str()))?;
                Ok(Self {
                    read: pool.clone(),
                    write: pool,
                    backend: Backend::Postgres,
                    statements: None,
                    changes,
                    directory_writes: Arc::default(),
                })
            }
            DatabaseUrl::Sqlite(path) => {
                let manager = || Manager::new(path.to_string_lossy());
                let write = Pool::builder()
                    .max_size(1)
                    .connection_timeout(timeout)
                    .test_on_check_out(false)
                    .connection_customizer(Box::new(SqlitePragmas))
                    .build(manager())?;
                let read = Pool::builder()
                    .max_size(pool_size)
                    .connection_timeout(timeout)
                    .test_on_check_out(false)
                    .connection_customizer(Box::new(SqlitePragmas))
                    .build(manager())?;
                Ok(Self {
                    read,
                    write,
                    backend: Backend::Sqlite,
                    statements: None,
                    changes: Changes::watching(&path.to_string_lossy()),
                    directory_writes: Arc::default(),
                })
            }
        }
    }

    /// The same pools, counting every statement into `counter`.
    pub fn counting(&self, counter: StatementCounter) -> Self {
        Self {
            statements: Some(counter),
            ..self.clone()
        }
    }

    /// Counts one directory write; true when the directory tables' planner statistics are
    /// due for a refresh. Identity providers grow these tables by thousands of rows in
    /// minutes, faster than autovacuum's cadence, and PostgreSQL then plans their lookups
    /// from empty-table statistics (scans that grow with the directory). Refreshed at the
    /// 128th, 256th, 512th, … write: a few times, whatever the size.
    pub fn directory_written(&self) -> bool {
        let n = self.directory_writes.fetch_add(1, Ordering::Relaxed) + 1;
        n >= 128 && n.is_power_of_two()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn run_migrations(&self) -> Result<(), StoreError> {
        migrations::run_pending(&mut *self.check_out(&self.write)?)
    }

    pub fn revert_all_migrations(&self) -> Result<(), StoreError> {
        migrations::revert_all(&mut *self.check_out(&self.write)?)
    }

    /// Reverts the newest migration (tests run it again over existing data).
    pub fn revert_last_migration(&self) -> Result<(), StoreError> {
        migrations::revert_last(&mut *self.check_out(&self.write)?)
    }

    /// A connection of `pool`, counting into this store's counter (if any).
    fn check_out(&self, pool: &DbPool) -> Result<PooledDb, StoreError> {
        Ok(PooledDb::check_out(pool, self.statements.as_ref())?)
    }

    /// Answers whether the database responds (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| conn.batch_execute("SELECT 1").map_err(StoreError::from))
            .await
    }

    /// Runs `f` on a read connection, off the async executor.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        run_blocking(move || {
            let mut pooled = store.check_out(&store.read)?;
            f(&mut pooled)
        })
        .await
    }

    /// Runs `f` in one transaction on a write connection, off the async executor.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        let store = self.clone();
        run_blocking(move || store.write_blocking(f)).await
    }

    /// [`Store::write`] for callers that are already on a blocking thread (CLI commands).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<StoreError> + From<diesel::result::Error>,
    {
        let mut pooled = self.check_out(&self.write)?;
        let result = pooled.transaction(f);
        if result.is_ok() {
            self.changes.committed();
        }
        result
    }

    /// [`Store::write`] for a write no cache needs to hear of (a session's last activity,
    /// which the session check reads fresh whenever it matters; PostgreSQL's triggers let it
    /// pass too).
    pub async fn write_quietly<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        let store = self.clone();
        run_blocking(move || {
            let mut pooled = store.check_out(&store.write)?;
            pooled.transaction(f)
        })
        .await
    }

    /// The generation of the database's contents (see [`Changes`]).
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// A read connection for callers already on a blocking thread (CLI, benchmarks).
    pub fn read_connection(&self) -> Result<PooledDb, StoreError> {
        self.check_out(&self.read)
    }
}

async fn run_blocking<T, E, F>(f: F) -> Result<T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(join) => Err(StoreError::Join(join.to_string()).into()),
    }
}
