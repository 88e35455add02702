//! Fresh databases: a temporary SQLite file, or a PostgreSQL database created for the test and
//! dropped after it.

use std::path::{Path, PathBuf};

use diesel::{Connection, PgConnection, RunQueryDsl};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDatabase {
    backend: Backend,
    url: String,
    dir: tempfile::TempDir,
    pg_name: Option<String>,
}

/// Where the tests find PostgreSQL: `ORGRAPH_TEST_DATABASE_URL` (an admin connection that may
/// create databases), else the local server of these machines. `scripts/test` starts a
/// throwaway cluster and sets the variable when no server answers.
pub fn postgres_admin_url() -> String {
    std::env::var("ORGRAPH_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn with_database(admin: &str, name: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

fn admin_connection() -> PgConnection {
    let url = postgres_admin_url();
    PgConnection::establish(&url).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL tests need a server: none answered at {url} ({e}). Run the tests with \
             scripts/test (it starts a throwaway cluster when PostgreSQL is installed) or set \
             ORGRAPH_TEST_DATABASE_URL to a server where this user may CREATE DATABASE."
        )
    })
}

impl TestDatabase {
    pub fn create(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let path = dir.path().join("orgraph.db");
                Self {
                    backend,
                    url: format!("sqlite://{}", path.display()),
                    dir,
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let name = format!("orgraph_test_{}", uuid::Uuid::new_v4().simple());
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin_connection())
                    .expect("CREATE DATABASE");
                Self {
                    backend,
                    url: with_database(&postgres_admin_url(), &name),
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn scratch_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn sqlite_path(&self) -> Option<PathBuf> {
        (self.backend == Backend::Sqlite).then(|| self.dir.path().join("orgraph.db"))
    }

    /// A direct connection, for counting rows and checking invariants behind the server's back.
    pub fn connect(&self) -> orgraph::store::Store {
        orgraph::store::Store::connect(&orgraph::store::DatabaseUrl::parse(&self.url), 2)
            .expect("connect to the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin_connection());
        }
    }
}
