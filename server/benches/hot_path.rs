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
use support::load::{Caller, Tally, Target};
use support::server::{agent, Server};
use support::{load_average, BackendArg, BenchResult, FreshDatabase, LoadArgs, Machine};

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
    server: Option<std::path::PathBuf>,
    load: LoadArgs,
}

fn args() -> BenchResult<Args> {
    let (mut backend, mut server) = (BackendArg::Sqlite, None);
    let load = LoadArgs::read_with(
        USAGE,
        LoadArgs {
            seconds: 5,
            rounds: 5,
            clients: 4,
            workers: 2,
        },
        |flag, value| {
            match flag {
                "--backend" => backend = BackendArg::parse(&value, USAGE)?,
                "--server" => server = Some(value.into()),
                other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
            }
            Ok(())
        },
    )?;
    Ok(Args {
        backend,
        server,
        load,
    })
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
        Some(args.load.workers),
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
    let server_pid = server.pid().to_string();
    let target = |label: &str, body: &[u8], authorization: &str| Target {
        label: label.to_owned(),
        endpoint: endpoint.clone(),
        server_pid: server_pid.clone(),
        authorization: authorization.to_owned(),
        body: Arc::new(body.to_vec()),
    };
    let targets = [
        target("{ __typename }, no token", &typename, ""),
        target("{ __typename }, token", &typename, &bearer),
        target("one organization, token", &one_organization, &bearer),
    ];

    // Each request's expected answer and statements, after the warm-up.
    let mut expected = Vec::new();
    for target in &targets {
        expected.push(target.first_answer(WARM_UP)?);
        let (_, counted) = target
            .caller()
            .send(&target.body, &[("x-orgraph-debug", "statements")])?;
        let counted: Value = serde_json::from_str(&counted)?;
        println!(
            "{}: {} statements once warm",
            target.label, counted["extensions"]["statements"]
        );
    }

    let length = Duration::from_secs(args.load.seconds);
    let mut tallies: Vec<Tally> = targets.iter().map(|_| Tally::default()).collect();
    for r in 0..args.load.rounds {
        for k in 0..targets.len() {
            let i = (r + k) % targets.len();
            let done = targets[i].round(&expected[i], args.load.clients, length)?;
            println!("round {r}: {:<28} {}", targets[i].label, done.summary());
            tallies[i].add(done);
        }
    }

    println!(
        "\n| request | requests/s (median of {} rounds) | p50 / p99 | server CPU per request |",
        args.load.rounds
    );
    println!("|---|---|---|---|");
    for (target, tally) in targets.iter().zip(&tallies) {
        println!(
            "| {} | {:.0} ({}) | {} | {:.0} µs |",
            target.label,
            tally.median_rate(),
            tally.rates(),
            tally.latencies().short(),
            tally.median_server_cpu() * 1e6
        );
    }
    let ratio = tallies[1].median_rate() / tallies[0].median_rate();
    println!(
        "\nauthenticated / anonymous `{{ __typename }}`: {:.0} % (target ≥ 80 %: {})",
        ratio * 100.0,
        if ratio >= 0.8 { "met" } else { "missed" }
    );
    Ok(())
}
