//! Organization Connect (issue 14), two figures:
//!
//! 1. Refresh-token grants per second and their p99 at `/oauth/token`, on SQLite and on
//!    PostgreSQL, side by side in the same run with the npm `oidc-provider` doing the same
//!    grant (rotation on, client_secret_basic, scope `offline_access` so that it signs no ID
//!    token, as Orgraph doesn't; `tests/oidc/refresh-peer.mjs`). Every client follows its own
//!    chain: each grant spends the refresh token the previous one returned.
//! 2. One GraphQL read with an application's access token against the same read with a
//!    person's HS256 token (target: within 10 %).
//!
//! Rounds of each run in turn, so that drifts of the machine hit all alike.
//!
//! ```text
//! cargo bench -p orgraph-server --bench connect -- --seconds 3 --rounds 3 --clients 4
//! ```
//!
//! Needs Node, `npm ci` in `tests/oidc`, and PostgreSQL (`ORGRAPH_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use serde_json::{json, Value};

use orgraph::auth::{TokenKeys, DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use support::server::{agent, Server};
use support::{
    load_average, median, ms, BackendArg, BenchResult, FreshDatabase, LoadArgs, Machine, Samples,
};

const USAGE: &str = "usage: connect [--seconds S (per round, default 3)] [--rounds N (default 3)] \
[--clients N (concurrent keep-alive clients, default 4)] [--workers N (server workers, default 2)]";

const SECRET: &str = "orgraph-bench-secret-orgraph-bench-secret";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// A token endpoint and the chains of refresh tokens its clients follow.
struct RefreshTarget {
    label: String,
    endpoint: String,
    basic: String,
    chains: Vec<String>,
}

fn main() -> BenchResult<()> {
    let args = LoadArgs::read(
        USAGE,
        LoadArgs {
            seconds: 3,
            rounds: 3,
            clients: 4,
            workers: 2,
        },
    )?;
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_orgraph"));
    let scratch = tempfile::tempdir()?;
    println!(
        "machine: {}; load average at start {}",
        Machine::detect().describe(),
        load_average()
    );

    let sqlite_db = FreshDatabase::create(BackendArg::Sqlite, false)?;
    let postgres_db = FreshDatabase::create(BackendArg::Postgres, false)?;
    let mut servers = Vec::new();
    for (label, db) in [("SQLite", &sqlite_db), ("PostgreSQL", &postgres_db)] {
        let server = Server::start_with(
            &binary,
            &db.server_url(),
            &[("ORGRAPH_JWT_SECRET", SECRET)],
            &[],
            Some(args.workers),
            scratch.path(),
        )?;
        let setup = Setup::create(&server.base, args.clients)?;
        servers.push((label, server, setup));
    }
    let peer = Peer::start(args.clients)?;

    let mut targets: Vec<RefreshTarget> = servers
        .iter()
        .map(|(label, server, setup)| RefreshTarget {
            label: format!("Orgraph on {label}"),
            endpoint: format!("{}/oauth/token", server.base),
            basic: basic(&setup.client_id, &setup.client_secret),
            chains: setup.refresh_tokens.clone(),
        })
        .collect();
    targets.push(RefreshTarget {
        label: "oidc-provider (npm)".into(),
        endpoint: peer.token_endpoint.clone(),
        basic: basic(&peer.client_id, &peer.client_secret),
        chains: peer.refresh_tokens.clone(),
    });

    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); targets.len()];
    let mut latencies: Vec<Vec<Duration>> = vec![Vec::new(); targets.len()];
    for round in 0..args.rounds {
        for (i, target) in targets.iter_mut().enumerate() {
            let (rate, samples) = refresh_throughput(target, Duration::from_secs(args.seconds))?;
            println!("round {round}: {:<28} {rate:>8.0} grants/s", target.label);
            rates[i].push(rate);
            latencies[i].extend(samples);
        }
    }
    println!(
        "\n| Refresh-token grant | grants/s (median of {} rounds of {} s, {} clients, {} workers) | p50 | p99 | target |\n|---|---|---|---|---|",
        args.rounds, args.seconds, args.clients, args.workers
    );
    for (i, target) in targets.iter().enumerate() {
        let samples = Samples::from(latencies[i].clone());
        println!(
            "| {} | {:.0} | {:.2} ms | {:.2} ms | ahead of oidc-provider |",
            target.label,
            median(&rates[i]),
            ms(samples.p50()),
            ms(samples.p99())
        );
    }

    // A read with an application's token against the same read with a person's.
    let (_, server, setup) = &servers[0];
    let read = json!({
        "query": "query($id: ID!) { organization(id: $id) { name } }",
        "variables": { "id": setup.customer },
    })
    .to_string();
    let callers = [
        ("person's HS256 token", setup.admin_token.clone()),
        ("application's access token", setup.access_token.clone()),
    ];
    let endpoint = format!("{}/graphql", server.base);
    let mut read_rates: Vec<Vec<f64>> = vec![Vec::new(); callers.len()];
    for round in 0..args.rounds {
        for (i, (label, token)) in callers.iter().enumerate() {
            let rate = read_throughput(
                &endpoint,
                token,
                &read,
                args.clients,
                Duration::from_secs(args.seconds),
            )?;
            println!("round {round}: {label:<28} {rate:>8.0} requests/s");
            read_rates[i].push(rate);
        }
    }
    let baseline = median(&read_rates[0]);
    println!(
        "\n| `organization(id:) {{ name }}` on SQLite | requests/s (median of {} rounds) | vs. the person's token | target |\n|---|---|---|---|",
        args.rounds
    );
    for ((label, _), rates) in callers.iter().zip(&read_rates) {
        let m = median(rates);
        println!(
            "| {label} | {m:.0} | {:+.1} % | within 10 % |",
            (m / baseline - 1.0) * 100.0
        );
    }
    println!("load average at end {}", load_average());
    Ok(())
}

fn basic(client_id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{client_id}:{secret}")))
}

/// Grants per second of one client per chain for `length`; each chain moves on to the
/// refresh token its last grant returned. Returns the rate and every grant's latency.
fn refresh_throughput(
    target: &mut RefreshTarget,
    length: Duration,
) -> BenchResult<(f64, Vec<Duration>)> {
    let deadline = Instant::now() + length;
    let started = Instant::now();
    let handles: Vec<_> = target
        .chains
        .iter()
        .cloned()
        .map(|mut token| {
            let endpoint = target.endpoint.clone();
            let basic = target.basic.clone();
            std::thread::spawn(move || -> Result<(String, Vec<Duration>), String> {
                let agent = agent();
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    let mut response = agent
                        .post(&endpoint)
                        .header("authorization", &basic)
                        .send_form([("grant_type", "refresh_token"), ("refresh_token", &token)])
                        .map_err(|e| e.to_string())?;
                    let body: Value = response.body_mut().read_json().map_err(|e| e.to_string())?;
                    latencies.push(sent.elapsed());
                    token = body["refresh_token"]
                        .as_str()
                        .ok_or_else(|| format!("{endpoint}: no refresh token in {body}"))?
                        .to_owned();
                }
                Ok((token, latencies))
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut chains = Vec::new();
    for handle in handles {
        let (token, latencies) = handle.join().map_err(|_| "a client panicked")??;
        chains.push(token);
        all.extend(latencies);
    }
    target.chains = chains;
    Ok((all.len() as f64 / started.elapsed().as_secs_f64(), all))
}

fn read_throughput(
    endpoint: &str,
    token: &str,
    body: &str,
    clients: usize,
    length: Duration,
) -> BenchResult<f64> {
    let deadline = Instant::now() + length;
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (endpoint, token, body) = (endpoint.to_owned(), token.to_owned(), body.to_owned());
            std::thread::spawn(move || -> Result<u64, String> {
                let agent = agent();
                let mut done = 0;
                while Instant::now() < deadline {
                    let mut response = agent
                        .post(&endpoint)
                        .header("content-type", "application/json")
                        .header("authorization", &format!("Bearer {token}"))
                        .send(body.as_bytes())
                        .map_err(|e| e.to_string())?;
                    let text = response
                        .body_mut()
                        .read_to_string()
                        .map_err(|e| e.to_string())?;
                    if !text.contains("\"name\"") {
                        return Err(format!("unexpected answer: {text}"));
                    }
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

/// An integrator's confidential application authorized on a customer's organization, with
/// one token family per client (each from its own code exchange).
struct Setup {
    client_id: String,
    client_secret: String,
    customer: String,
    admin_token: String,
    access_token: String,
    refresh_tokens: Vec<String>,
}

impl Setup {
    fn create(base: &str, families: usize) -> BenchResult<Self> {
        let keys = TokenKeys::hs256(SECRET.as_bytes(), DEFAULT_ISSUER, DEFAULT_AUDIENCE);
        let token = |email: &str| {
            keys.issue_user_token(email, None, Utc::now(), chrono::Duration::hours(4))
        };
        let integrator = token("dev@integrator.example")?;
        let admin_token = token("admin@customer.example")?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .build()
            .into();
        let gql = |token: &str, query: &str, variables: Value| -> BenchResult<Value> {
            let mut response = agent
                .post(&format!("{base}/graphql"))
                .header("authorization", &format!("Bearer {token}"))
                .send_json(json!({ "query": query, "variables": variables }))?;
            let body: Value = response.body_mut().read_json()?;
            if body.get("errors").is_some() {
                return Err(format!("{query}: {body}").into());
            }
            Ok(body["data"].clone())
        };
        let integrator_org = gql(
            &integrator,
            "mutation { addOrganization(input: { name: \"Integrator\", kind: INTEGRATOR }) { organization { id } } }",
            json!({}),
        )?["addOrganization"]["organization"]["id"]
            .as_str()
            .ok_or("no integrator id")?
            .to_owned();
        let app = gql(
            &integrator,
            "mutation($input: CreateApplicationInput!) { createApplication(input: $input) { clientSecret application { clientId } } }",
            json!({ "input": { "organizationId": integrator_org, "name": "Bench", "environment": "DEVELOPMENT",
                               "redirectUris": [REDIRECT], "allowedScopes": ["organization:read"] } }),
        )?;
        let client_id = app["createApplication"]["application"]["clientId"]
            .as_str()
            .ok_or("no client id")?
            .to_owned();
        let client_secret = app["createApplication"]["clientSecret"]
            .as_str()
            .ok_or("no client secret")?
            .to_owned();
        let customer = gql(
            &admin_token,
            "mutation { addOrganization(input: { name: \"Customer\" }) { organization { id } } }",
            json!({}),
        )?["addOrganization"]["organization"]["id"]
            .as_str()
            .ok_or("no customer id")?
            .to_owned();
        let mut refresh_tokens = Vec::new();
        let mut access_token = String::new();
        for _ in 0..families {
            let approved = agent
                .post(&format!("{base}/oauth/authorize"))
                .header("authorization", &format!("Bearer {admin_token}"))
                .send_form([
                    ("response_type", "code"),
                    ("client_id", client_id.as_str()),
                    ("redirect_uri", REDIRECT),
                    ("scope", "organization:read"),
                    ("state", "bench"),
                    ("decision", "approve"),
                    ("organization_id", customer.as_str()),
                ])?;
            let location = approved
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .ok_or("the consent gave no redirect")?;
            let code = url::Url::parse(location)?
                .query_pairs()
                .find(|(name, _)| name == "code")
                .map(|(_, code)| code.into_owned())
                .ok_or("no code")?;
            let mut exchanged = agent
                .post(&format!("{base}/oauth/token"))
                .header("authorization", &basic(&client_id, &client_secret))
                .send_form([
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", REDIRECT),
                ])?;
            let tokens: Value = exchanged.body_mut().read_json()?;
            refresh_tokens.push(
                tokens["refresh_token"]
                    .as_str()
                    .ok_or_else(|| format!("no refresh token: {tokens}"))?
                    .to_owned(),
            );
            access_token = tokens["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        Ok(Self {
            client_id,
            client_secret,
            customer,
            admin_token,
            access_token,
            refresh_tokens,
        })
    }
}

/// `tests/oidc/refresh-peer.mjs`: oidc-provider with refresh tokens minted for the clients.
struct Peer {
    child: Child,
    token_endpoint: String,
    client_id: String,
    client_secret: String,
    refresh_tokens: Vec<String>,
}

impl Peer {
    fn start(tokens: usize) -> BenchResult<Self> {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/oidc/refresh-peer.mjs");
        let mut child = Command::new("node")
            .arg(&script)
            .args(["--tokens", &tokens.to_string(), "--scope", "offline_access"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start node {}: {e}", script.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let announced: Value = serde_json::from_str(&line)
            .map_err(|e| format!("refresh-peer.mjs printed {line:?}: {e}"))?;
        let text = |key: &str| -> BenchResult<String> {
            Ok(announced[key]
                .as_str()
                .ok_or(format!("no {key}"))?
                .to_owned())
        };
        Ok(Self {
            token_endpoint: text("token_endpoint")?,
            client_id: text("client_id")?,
            client_secret: text("client_secret")?,
            refresh_tokens: announced["refresh_tokens"]
                .as_array()
                .ok_or("no refresh tokens")?
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            child,
        })
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
