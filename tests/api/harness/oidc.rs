//! A real OpenID Connect provider for the tests: the npm package `oidc-provider`, configured
//! in `tests/oidc/provider.mjs` (its clients, keys and test endpoints are described there).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::{agent, free_port};

pub struct Provider {
    child: Child,
    pub port: u16,
    pub issuer: String,
    key_dir: PathBuf,
    redirect_uri: Option<String>,
}

impl Provider {
    /// A provider on a free port whose keys live in `key_dir`; `keys` lists them, the first
    /// of each type signing (see `provider.mjs`).
    pub fn start(key_dir: PathBuf, keys: &str) -> Self {
        Self::start_on(free_port(), key_dir, keys, None)
    }

    /// A provider that also signs people in to Orgraph (client `orgraph`), redirecting back
    /// to `redirect_uri`.
    pub fn start_with_redirect(key_dir: PathBuf, keys: &str, redirect_uri: &str) -> Self {
        Self::start_on(free_port(), key_dir, keys, Some(redirect_uri.to_owned()))
    }

    fn start_on(port: u16, key_dir: PathBuf, keys: &str, redirect_uri: Option<String>) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/oidc/provider.mjs");
        let mut command = Command::new("node");
        command
            .arg(script)
            .args(["--port", &port.to_string(), "--keys", keys, "--key-dir"])
            .arg(&key_dir);
        if let Some(uri) = &redirect_uri {
            command.args(["--redirect-uri", uri]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node tests/oidc/provider.mjs (run `npm ci` in tests/oidc)");
        let stdout = child.stdout.take().expect("provider stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("provider says ready");
        assert!(
            line.starts_with("ready "),
            "provider did not start: {line:?}"
        );
        Self {
            child,
            port,
            issuer: format!("http://127.0.0.1:{port}"),
            key_dir,
            redirect_uri,
        }
    }

    /// The same issuer restarted with another key list: a key rotation.
    pub fn rotate(&mut self, keys: &str) {
        self.stop();
        *self = Self::start_on(
            self.port,
            self.key_dir.clone(),
            keys,
            self.redirect_uri.clone(),
        );
    }

    /// An access token for one of the provider's clients (client_credentials).
    pub fn token(&self, client: &str) -> String {
        let mut response = agent()
            .post(&format!("{}/token", self.issuer))
            .send_form([
                ("grant_type", "client_credentials"),
                ("client_id", client),
                ("client_secret", client),
            ])
            .expect("token request");
        let body: Value = response.body_mut().read_json().expect("token response");
        body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token: {body}"))
            .to_owned()
    }

    /// How many times the key set was fetched from this provider process.
    pub fn key_set_fetches(&self) -> u64 {
        let mut response = agent()
            .get(&format!("{}/test/stats", self.issuer))
            .call()
            .expect("stats");
        let body: Value = response.body_mut().read_json().expect("stats json");
        body["jwks"].as_u64().expect("jwks count")
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.stop();
    }
}
