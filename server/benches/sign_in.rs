//! What authenticating costs (issue 13): `{ viewer { email } }` in requests per second with
//! an HS256 token (the baseline), an RS256 token verified with a real OpenID Connect
//! provider's published keys, and a browser session cookie (with its CSRF token). Rounds of
//! each run in turn, several times, so that drifts of the machine hit all three alike.
//!
//! ```text
//! cargo bench -p orgraph-server --bench sign_in -- --seconds 3 --rounds 5 --clients 4
//! ```
//!
//! Needs Node and `npm ci` in `tests/oidc` (the provider, `tests/oidc/provider.mjs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{json, Value};

use orgraph::auth::{TokenKeys, DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use support::server::{agent, Server};
use support::{load_average, median, BenchResult, LoadArgs, Machine};

const USAGE: &str = "usage: sign_in [--seconds S (per round, default 3)] [--rounds N (default 5)] \
[--clients N (concurrent keep-alive clients, default 4)] [--workers N (server workers, default 2)]";

const QUERY: &str = "{ viewer { email } }";
const SECRET: &str = "orgraph-bench-secret-orgraph-bench-secret";

/// How one request authenticates: its headers.
#[derive(Clone)]
struct Credentials {
    label: &'static str,
    endpoint: String,
    headers: Vec<(String, String)>,
}

fn main() -> BenchResult<()> {
    let args = LoadArgs::read(
        USAGE,
        LoadArgs {
            seconds: 3,
            rounds: 5,
            clients: 4,
            workers: 2,
        },
    )?;
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_orgraph"));
    let scratch = tempfile::tempdir()?;
    let machine = Machine::detect();
    println!(
        "machine: {}; load average at start {}",
        machine.describe(),
        load_average()
    );

    // The provider, and a server that verifies its tokens.
    let provider = Provider::start(scratch.path().join("keys"))?;
    let oidc_server = Server::start_with(
        &binary,
        &format!("sqlite://{}", scratch.path().join("oidc.db").display()),
        &[("ORGRAPH_LOG", "warn")],
        &["--oidc-issuer", &provider.issuer],
        Some(args.workers),
        scratch.path(),
    )?;
    // A server with a secret (HS256) and the development sign-in (sessions).
    let key_server = Server::start_with(
        &binary,
        &format!("sqlite://{}", scratch.path().join("keys.db").display()),
        &[("ORGRAPH_JWT_SECRET", SECRET), ("ORGRAPH_LOG", "warn")],
        &["--dev-sign-in"],
        Some(args.workers),
        scratch.path(),
    )?;

    let hs256 = TokenKeys::hs256(SECRET.as_bytes(), DEFAULT_ISSUER, DEFAULT_AUDIENCE)
        .issue_user_token(
            "ada@example.com",
            None,
            Utc::now(),
            chrono::Duration::hours(2),
        )?;
    let rs256 = provider.token("rs-email")?;
    let (cookie, csrf) = session(&key_server.base)?;
    let credentials = [
        Credentials {
            label: "HS256 bearer token",
            endpoint: format!("{}/graphql", key_server.base),
            headers: vec![("authorization".into(), format!("Bearer {hs256}"))],
        },
        Credentials {
            label: "RS256 token from the provider (JWKS)",
            endpoint: format!("{}/graphql", oidc_server.base),
            headers: vec![("authorization".into(), format!("Bearer {rs256}"))],
        },
        Credentials {
            label: "session cookie + CSRF token",
            endpoint: format!("{}/graphql", key_server.base),
            headers: vec![
                ("cookie".into(), format!("orgraph-session={cookie}")),
                ("x-csrf-token".into(), csrf),
            ],
        },
    ];
    for c in &credentials {
        let answer = request(&agent(), c)?;
        assert!(
            answer.to_lowercase().contains("@example.com"),
            "{}: {answer}",
            c.label
        );
    }

    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); credentials.len()];
    for round in 0..args.rounds {
        for (i, c) in credentials.iter().enumerate() {
            let rate = throughput(c, args.clients, Duration::from_secs(args.seconds))?;
            println!("round {round}: {:<40} {rate:>8.0} requests/s", c.label);
            rates[i].push(rate);
        }
    }
    let baseline = median(&rates[0]);
    println!(
        "\n| Authentication | requests/s (median of {} rounds of {} s, {} clients, {} workers) | vs. HS256 | target |\n|---|---|---|---|",
        args.rounds, args.seconds, args.clients, args.workers
    );
    for (c, r) in credentials.iter().zip(&rates) {
        let m = median(r);
        println!(
            "| {} | {m:.0} | {:+.1} % | within 10 % of HS256 |",
            c.label,
            (m / baseline - 1.0) * 100.0
        );
    }
    println!("load average at end {}", load_average());
    Ok(())
}

/// Requests per second of `clients` keep-alive clients sending the query for `length`.
fn throughput(credentials: &Credentials, clients: usize, length: Duration) -> BenchResult<f64> {
    let deadline = Instant::now() + length;
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let c = credentials.clone();
            std::thread::spawn(move || -> Result<u64, String> {
                let agent = agent();
                let mut done = 0;
                while Instant::now() < deadline {
                    request(&agent, &c).map_err(|e| e.to_string())?;
                    done += 1;
                }
                Ok(done)
            })
        })
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.join().map_err(|_| "a client panicked")??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

fn request(agent: &ureq::Agent, c: &Credentials) -> BenchResult<String> {
    let mut request = agent
        .post(&c.endpoint)
        .header("content-type", "application/json");
    for (name, value) in &c.headers {
        request = request.header(name, value);
    }
    let mut response = request.send(json!({ "query": QUERY }).to_string().as_bytes())?;
    let text = response.body_mut().read_to_string()?;
    if response.status() != 200 || !text.starts_with("{\"data\"") {
        return Err(format!("{}: HTTP {}: {text}", c.label, response.status()).into());
    }
    Ok(text)
}

/// Signs in with the development form; returns the session secret and the CSRF token.
fn session(base: &str) -> BenchResult<(String, String)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let mut form = agent.get(&format!("{base}/auth/login")).call()?;
    let form_cookie = cookie_value(&form, "orgraph-form").ok_or("no form cookie")?;
    let html = form.body_mut().read_to_string()?;
    let token = between(&html, "name=\"form_token\" value=\"", "\"").ok_or("no form token")?;
    let signed_in = agent
        .post(&format!("{base}/auth/login"))
        .header("cookie", &format!("orgraph-form={form_cookie}"))
        .send_form([
            ("email", "ada@example.com"),
            ("return_to", "/graphql"),
            ("form_token", token.as_str()),
        ])?;
    let secret = cookie_value(&signed_in, "orgraph-session").ok_or("no session cookie")?;
    let mut page = agent
        .get(&format!("{base}/graphql"))
        .header("accept", "text/html")
        .header("cookie", &format!("orgraph-session={secret}"))
        .call()?;
    let html = page.body_mut().read_to_string()?;
    let csrf =
        between(&html, "name=\"orgraph-csrf-token\" content=\"", "\"").ok_or("no CSRF token")?;
    Ok((secret, csrf))
}

fn cookie_value(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|h| {
            let pair = h.to_str().ok()?.split(';').next()?;
            let (n, v) = pair.split_once('=')?;
            (n.trim() == name).then(|| v.trim().to_owned())
        })
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    text[from..].split(end).next().map(str::to_owned)
}

/// `tests/oidc/provider.mjs` on a free port.
struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    fn start(key_dir: PathBuf) -> BenchResult<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/oidc/provider.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .args(["--port", &port.to_string(), "--key-dir"])
            .arg(&key_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start node {script}: {e} (npm ci in tests/oidc)"))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
        if !line.starts_with("ready ") {
            return Err(format!("the provider did not start: {line:?}").into());
        }
        Ok(Self {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
        })
    }

    fn token(&self, client: &str) -> BenchResult<String> {
        let mut response = agent().post(&format!("{}/token", self.issuer)).send_form([
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", client),
        ])?;
        let body: Value = response.body_mut().read_json()?;
        Ok(body["access_token"]
            .as_str()
            .ok_or("no access token")?
            .to_owned())
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
