use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{DbConnection, StoreError};

const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

/// Several server processes may start at once against one PostgreSQL: an advisory lock makes
/// them migrate one after the other.
const MIGRATION_LOCK: &str = "SELECT pg_advisory_lock(7242001)";
const MIGRATION_UNLOCK: &str = "SELECT pg_advisory_unlock(7242001)";

pub(super) fn run_pending(conn: &mut DbConnection) -> Result<(), StoreError> {
    match conn {
        DbConnection::Pg(pg) => {
            pg.batch_execute(MIGRATION_LOCK)?;
            let result = pg.run_pending_migrations(POSTGRES).map(|_| ());
            pg.batch_execute(MIGRATION_UNLOCK)?;
            result.map_err(|e| StoreError::Migration(e.to_string()))
        }
        DbConnection::Sqlite(sqlite) => sqlite
            .run_pending_migrations(SQLITE)
            .map(|_| ())
            .map_err(|e| StoreError::Migration(e.to_string())),
    }
}

pub(super) fn revert_all(conn: &mut DbConnection) -> Result<(), StoreError> {
    let result = match conn {
        DbConnection::Pg(pg) => pg.revert_all_migrations(POSTGRES).map(|_| ()),
        DbConnection::Sqlite(sqlite) => sqlite.revert_all_migrations(SQLITE).map(|_| ()),
    };
    result.map_err(|e| StoreError::Migration(e.to_string()))
}

pub(super) fn revert_last(conn: &mut DbConnection) -> Result<(), StoreError> {
    let result = match conn {
        DbConnection::Pg(pg) => pg.revert_last_migration(POSTGRES).map(|_| ()),
        DbConnection::Sqlite(sqlite) => sqlite.revert_last_migration(SQLITE).map(|_| ()),
    };
    result.map_err(|e| StoreError::Migration(e.to_string()))
}
