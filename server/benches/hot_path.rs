//! The request hot path (issue 18): what authenticating a request costs, in requests per
//! second, on SQLite or PostgreSQL, everything in the same run.
//!
//! ```text
//! cargo bench -p orgraph-server --bench hot_path -- --backend postgres
//! cargo bench -p orgraph-server --bench hot_path -- --backend sqlite --seconds 5 --rounds 5 --clients 4 --workers 2
//! ```
//!
//! Starts the real `orgraph serve` (the release binary cargo builds with this benchmark) on a
//! fresh database, creates a network of two organizations (HQ and a region under it) as its
//! owner, and sends three requests:
//!
//! - `{ __typename }` without a token (no authentication, no database);
//! - `{ __typename }` with the owner's token (a verified token mapped to its principal);
//! - one organization by id with its name, depth and parent's name, with the token.
//!
//! Each from `--clients` threads with one keep-alive connection each, for `--seconds` per
//! round, in `--rounds` rounds; the order of the three rotates from round to round so that
//! drifts of the machine hit all alike. Every answer must be HTTP 200 and equal the first
//! one. Each line also gives the server's CPU time per request and the statements the
//! request ran (`x-orgraph-debug: statements`).
//!
//! Target (issue 18): the authenticated `{ __typename }` at ≥ 80 % of the anonymous one's
//! requests per second.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::{json, Value};

use orgraph::auth::{TokenKeys, DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use support::load::{round, Caller, Expected};
use support::server::{agent, Server};
use support::{
    load_average, median, read_flags, BackendArg, BenchResult, FreshDatabase, Machine, Samples,
};

const USAGE: &str = "usage: hot_path [--backend sqlite|postgres (default sqlite)] [--seconds S \
(per round and request, default 5)] [--rounds N (default 5)] [--clients N (concurrent \
keep-alive clients, default 4)] [--workers N (server workers, default 2)] [--server PATH (another \
orgraph binary, e.g. an earlier build, instead of this one)]";

const SECRET: &str = "orgraph-bench-secret-orgraph-bench-secret";
const OWNER: &str = "owner@bench.test";
/// Requests of each kind before the first round, not recorded.
const WARM_UP: usize = 200;

struct Args {
    backend: BackendArg,
    seconds: u64,
    rounds: usize,
    clients: usize,
    workers: u32,
    server: Option<std::path::PathBuf>,
}

fn args() -> BenchResult<Args> {
    let mut args = Args {
        backend: BackendArg::Sqlite,
        seconds: 5,
        rounds: 5,
        clients: 4,
        workers: 2,
        server: None,
    };
    read_flags(
        USAGE,
        &[],
        |_| {},
        |flag, value| {
            match flag {
                "--backend" => args.backend = BackendArg::parse(&value, USAGE)?,
                "--seconds" => args.seconds = value.parse()?,
                "--rounds" => args.rounds = value.parse()?,
                "--clients" => args.clients = value.parse()?,
                "--workers" => args.workers = value.parse()?,
                "--server" => args.server = Some(value.into()),
                other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
            }
            Ok(())
        },
    )?;
    Ok(args)
}

/// One kind of request: its body, and whether it carries the token.
struct Kind {
    label: &'static str,
    body: Arc<Vec<u8>>,
    authorization: String,
}

fn main() -> BenchResult<()> {
    let args = args()?;
    let machine = Machine::detect();
    println!(
        "machine: {}; backend {:?}; load average at start {}; {} (UTC)",
        machine.describe(),
        args.backend,
        load_average(),
        Utc::now().format("%Y-%m-%d %H:%M")
    );
    let scratch = tempfile::tempdir()?;
    // A private copy: the target directory may be shared with other builds.
    let binary = scratch.path().join("orgraph");
    let source = args
        .server
        .clone()
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_orgraph").into());
    println!("server: {}", source.display());
    std::fs::copy(&source, &binary)?;
    let database = FreshDatabase::create(args.backend, false)?;
    let server = Server::start(
        &binary,
        &database.server_url(),
        SECRET,
        Some(args.workers),
        scratch.path(),
    )?;
    let token = TokenKeys::hs256(SECRET.as_bytes(), DEFAULT_ISSUER, DEFAULT_AUDIENCE)
        .issue_user_token(OWNER, None, Utc::now(), chrono::Duration::hours(6))?;
    let endpoint = format!("{}/graphql", server.base);
    let bearer = format!("Bearer {token}");

    let owner = Caller {
        agent: agent(),
        endpoint: endpoint.clone(),
        authorization: bearer.clone(),
    };
    let hq = owner.data(
        "mutation { addOrganization(input: { name: \"HQ\" }) { organization { id } } }",
        json!({}),
    )?["addOrganization"]["organization"]["id"]
        .clone();
    let region = owner.data(
        "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "parentId": hq, "name": "EMEA" } }),
    )?["addSubOrganization"]["organization"]["id"]
        .clone();

    let typename = json!({ "query": "{ __typename }" })
        .to_string()
        .into_bytes();
    let one_organization = json!({
        "query": "query($id: ID!) { organization(id: $id) { name depth parent { name } } }",
        "variables": { "id": region },
    })
    .to_string()
    .into_bytes();
    let kinds = [
        Kind {
            label: "{ __typename }, no token",
            body: Arc::new(typename.clone()),
            authorization: String::new(),
        },
        Kind {
            label: "{ __typename }, token",
            body: Arc::new(typename),
            authorization: bearer.clone(),
        },
        Kind {
            label: "one organization, token",
            body: Arc::new(one_organization),
            authorization: bearer.clone(),
        },
    ];

    // Each kind's expected answer and statements, then the warm-up.
    let mut expected = Vec::new();
    for kind in &kinds {
        let caller = Caller {
            agent: agent(),
            endpoint: endpoint.clone(),
            authorization: kind.authorization.clone(),
        };
        let (status, text) = caller.send(&kind.body, &[])?;
        let json: Value = serde_json::from_str(&text)?;
        if status != 200 || json.get("errors").is_some() {
            return Err(format!("{}: HTTP {status}: {text:.1000}", kind.label).into());
        }
        for _ in 0..WARM_UP {
            caller.send(&kind.body, &[])?;
        }
        let (_, counted) = caller.send(&kind.body, &[("x-orgraph-debug", "statements")])?;
        let counted: Value = serde_json::from_str(&counted)?;
        println!(
            "{}: {} statements once warm",
            kind.label, counted["extensions"]["statements"]
        );
        expected.push(Expected { text, json });
    }

    let length = Duration::from_secs(args.seconds);
    let server_pid = server.pid().to_string();
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); kinds.len()];
    let mut latencies: Vec<Vec<Duration>> = vec![Vec::new(); kinds.len()];
    let mut server_cpu: Vec<Vec<f64>> = vec![Vec::new(); kinds.len()];
    for r in 0..args.rounds {
        for k in 0..kinds.len() {
            let i = (r + k) % kinds.len();
            let kind = &kinds[i];
            let done = round(
                &server_pid,
                &endpoint,
                &kind.authorization,
                &kind.body,
                &expected[i],
                args.clients,
                length,
            )?;
            println!(
                "round {r}: {:<28} {:>6.0} requests/s (server CPU {:.0} µs per request) [load {}]",
                kind.label,
                done.rate,
                done.server_cpu_per_request * 1e6,
                load_average()
            );
            rates[i].push(done.rate);
            server_cpu[i].push(done.server_cpu_per_request);
            latencies[i].extend(done.latencies);
        }
    }

    println!(
        "\n| request | requests/s (median of {} rounds) | p50 / p99 | server CPU per request |",
        args.rounds
    );
    println!("|---|---|---|---|");
    for (i, kind) in kinds.iter().enumerate() {
        let samples = Samples::from(std::mem::take(&mut latencies[i]));
        println!(
            "| {} | {:.0} ({}) | {} | {:.0} µs |",
            kind.label,
            median(&rates[i]),
            rates[i]
                .iter()
                .map(|r| format!("{r:.0}"))
                .collect::<Vec<_>>()
                .join(", "),
            samples.short(),
            median(&server_cpu[i]) * 1e6
        );
    }
    let ratio = median(&rates[1]) / median(&rates[0]);
    println!(
        "\nauthenticated / anonymous `{{ __typename }}`: {:.0} % (target ≥ 80 %: {})",
        ratio * 100.0,
        if ratio >= 0.8 { "met" } else { "missed" }
    );
    Ok(())
}
