//! The one harness every cross-component test uses: a real `orgraph` process on a free
//! loopback port, against a fresh database of either backend.

#![allow(dead_code)]

pub mod browser;
mod database;
pub mod invariants;
pub mod oauth;
pub mod oidc;
pub mod ops;
pub mod scim;

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub use database::{Backend, TestDatabase};
pub use invariants::{all_row_counts, assert_tree_invariants, row_counts};

/// Shared by every test server, so tokens minted here are accepted.
pub const JWT_SECRET: &str = "orgraph-tests-secret-orgraph-tests-secret";

/// Runs `$case(Backend)` once on SQLite and once on PostgreSQL, as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[test]
                fn sqlite() {
                    super::$case($crate::harness::Backend::Sqlite);
                }
                #[test]
                fn postgres() {
                    super::$case($crate::harness::Backend::Postgres);
                }
            }
        )*
    };
}

pub struct TestServer {
    child: Child,
    pub base: String,
    pub db: Arc<TestDatabase>,
    args: Vec<String>,
    log: PathBuf,
}

/// A GraphQL answer with its HTTP status.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// The data, after checking there were no errors.
    pub fn ok(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        &self.body["data"]
    }

    /// The `extensions.code` of the first error.
    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    pub fn expect_code(&self, code: &str) -> &Self {
        assert_eq!(
            self.code(),
            Some(code),
            "expected {code}, got {}",
            self.body
        );
        self
    }

    pub fn message(&self) -> &str {
        self.body["errors"][0]["message"].as_str().unwrap_or("")
    }
}

impl TestServer {
    pub fn start(backend: Backend) -> Self {
        Self::start_with(Arc::new(TestDatabase::create(backend)), &[])
    }

    /// Starts a server on `db` with extra command-line arguments.
    pub fn start_with(db: Arc<TestDatabase>, extra_args: &[&str]) -> Self {
        Self::start_at(db, free_port(), extra_args)
    }

    /// [`Self::start_with`] on a given port (for a provider that must know the server's
    /// callback before the server starts).
    pub fn start_at(db: Arc<TestDatabase>, port: u16, extra_args: &[&str]) -> Self {
        let args: Vec<String> = extra_args.iter().map(|s| (*s).to_owned()).collect();
        let base = format!("http://127.0.0.1:{port}");
        let log = db.scratch_dir().join(format!("server-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("server log file");
        let child = Command::new(env!("CARGO_BIN_EXE_orgraph"))
            .arg("serve")
            .args(&args)
            .env("DATABASE_URL", db.url())
            .env("ORGRAPH_BIND", format!("127.0.0.1:{port}"))
            .env("ORGRAPH_JWT_SECRET", JWT_SECRET)
            .env("ORGRAPH_WORKERS", "2")
            .env("ORGRAPH_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start orgraph");
        let mut server = Self {
            child,
            base,
            db,
            args,
            log,
        };
        server.wait_until_healthy();
        server
    }

    /// Another server process on the same database (a second stateless instance).
    pub fn sibling(&self, extra_args: &[&str]) -> Self {
        Self::start_with(self.db.clone(), extra_args)
    }

    fn wait_until_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("orgraph exited with {status}: {}", self.log_text());
            }
            if let Ok(response) = agent().get(&format!("{}/healthz", self.base)).call() {
                if response.status() == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("orgraph did not become healthy: {}", self.log_text());
    }

    pub fn log_text(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    /// SIGKILL, no goodbye.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the process and starts a new one on the same database and arguments.
    pub fn restart(&mut self) {
        self.kill();
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        *self = Self::start_with(self.db.clone(), &args);
    }

    pub fn token(&self, email: &str) -> String {
        mint_token(email)
    }

    pub fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Reply {
        self.post_json(
            token,
            &json!({ "query": query, "variables": variables }),
            None,
        )
    }

    /// POSTs any JSON body, optionally with an `Accept` header.
    pub fn post_json(&self, token: Option<&str>, body: &Value, accept: Option<&str>) -> Reply {
        self.post_raw(token, body.to_string().into_bytes(), accept)
    }

    pub fn post_raw(&self, token: Option<&str>, body: Vec<u8>, accept: Option<&str>) -> Reply {
        match accept {
            Some(accept) => self.post_raw_with_headers(token, body, &[("accept", accept)]),
            None => self.post_raw_with_headers(token, body, &[]),
        }
    }

    /// POSTs a JSON body with extra request headers.
    pub fn post_json_with_headers(
        &self,
        token: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.post_raw_with_headers(token, body.to_string().into_bytes(), headers)
    }

    pub fn post_raw_with_headers(
        &self,
        token: Option<&str>,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = agent()
            .post(&format!("{}/graphql", self.base))
            .header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", &format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.send(&body[..]).expect("POST /graphql");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body }
    }

    pub fn get(&self, path_and_query: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
        let mut request = agent().get(&format!("{}{}", self.base, path_and_query));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.call().expect("GET");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, content_type, text)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn mint_token(email: &str) -> String {
    orgraph::auth::TokenKeys::hs256(
        JWT_SECRET.as_bytes(),
        orgraph::auth::DEFAULT_ISSUER,
        orgraph::auth::DEFAULT_AUDIENCE,
    )
    .issue_user_token(email, None, chrono::Utc::now(), chrono::Duration::hours(1))
    .expect("sign token")
}

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits (up to 2 s) until `check` holds: for what another process learns of by PostgreSQL's
/// `NOTIFY` (a write in another server process, or straight into the database), which
/// arrives within milliseconds but not before the writer's answer does.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while !check() {
        assert!(Instant::now() < deadline, "not within 2 s: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}
