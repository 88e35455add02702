//! Automatic persisted queries (issue 17): one repeated 2 KB operation, in requests per
//! second, sent whole every time against sent as its hash, on SQLite, in the same run.
//!
//! ```text
//! cargo bench -p orgraph-server --bench apq
//! cargo bench -p orgraph-server --bench apq -- --seconds 5 --rounds 5 --clients 4 --workers 2
//! ```
//!
//! Starts the real `orgraph serve` (the release binary cargo builds with this benchmark) on a
//! fresh SQLite database, builds a small network over GraphQL as its owner (a root with 20
//! sub-organizations, 3 of them with 3 children each, a few settings and a lock), and then
//! sends [`DOCUMENT`] (a named operation of about 2 KB with variables, fragments and a
//! directive) two ways:
//!
//! - **plain**: `{ query, variables, operationName }` on every request;
//! - **APQ**: the hash alone, `{ variables, operationName, extensions: { persistedQuery:
//!   { version: 1, sha256Hash } } }`, after the document was registered once (the hash alone
//!   first, answered `PersistedQueryNotFound`, then hash and query, as Apollo Client does).
//!
//! Both run from `--clients` threads with one keep-alive connection each, for `--seconds`
//! per round, in `--rounds` rounds; within a round one mode follows the other, and which goes
//! first alternates (plain, APQ; APQ, plain; …), so that drifts of the machine hit both
//! alike. Every answer must be HTTP 200 and equal the answer of the first plain request
//! (checked before measuring to be data without errors), so both modes do the same work:
//! the same bytes, or the same JSON with an object's fields in another order (async-graphql
//! 7 writes them in the order their resolvers finish, which varies from one request to the
//! next: nearly every answer under load). The answers are checked after each round, so
//! that reading them does not take the cores while the server is measured. Each round also
//! reads the CPU time the server process and this one used (`/proc/<pid>/stat`), per
//! request.
//!
//! Then, in-process and without a database, what the hash saves: the same document with
//! its two root fields under `@skip(if: true)` (validated whole, nothing resolved) executed
//! through the server's schemas (`orgraph::graphql::schemas_without_data`: the same limits,
//! checks and document cache), as a plain request and as a persisted one resolved through
//! `PersistedQueries`, and parsing the document alone.
//!
//! No target beyond showing the difference.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::Request;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use orgraph::auth::{TokenKeys, DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use orgraph::graphql::persisted_queries::{Lookup, PersistedQueries};
use support::load::{post, round, Caller, Expected};
use support::server::{agent, Server};
use support::{
    human, load_average, median, ms, BackendArg, BenchResult, FreshDatabase, LoadArgs, Machine,
    Samples,
};

const USAGE: &str = "usage: apq [--seconds S (per round and mode, default 5)] [--rounds N \
(default 5)] [--clients N (concurrent keep-alive clients, default 4)] [--workers N (server \
workers, default 2)]";

const SECRET: &str = "orgraph-bench-secret-orgraph-bench-secret";
const OWNER: &str = "owner@bench.test";
const OPERATION: &str = "OrganizationOverview";
const CHILDREN: usize = 20;
/// Children of the first few sub-organizations.
const GRANDCHILDREN: usize = 3;
const WITH_GRANDCHILDREN: usize = 3;
/// Requests of each mode before the first round, not recorded.
const WARM_UP: usize = 200;
/// Runs of each in-process measure.
const IN_PROCESS: usize = 5_000;

/// What a console showing one organization with its sub-organizations and settings might
/// ask: 2,028 bytes.
const DOCUMENT: &str = r"query OrganizationOverview(
  $id: ID!
  $childrenFirst: Int!
  $grandchildrenFirst: Int = 5
  $settingKeys: [String!]
  $withGrants: Boolean! = true
) {
  viewer {
    id
    email
    name
  }
  organization(id: $id) {
    ...OrganizationCore
    contractAccount {
      id
      name
      plan
    }
    root {
      ...OrganizationRef
    }
    ancestors {
      ...OrganizationRef
    }
    settings {
      ...SettingFields
    }
    settingLocks {
      key
      createdAt
    }
    effectiveSettings(keys: $settingKeys) {
      ...EffectiveSettingFields
    }
    roles {
      id
      name
      builtIn
      permissions
    }
    grants @include(if: $withGrants) {
      ...GrantFields
    }
    children(first: $childrenFirst) {
      totalCount
      pageInfo {
        ...PageFields
      }
      edges {
        cursor
        node {
          ...OrganizationCore
          parent {
            ...OrganizationRef
          }
          settings {
            ...SettingFields
          }
          effectiveSettings(keys: $settingKeys) {
            ...EffectiveSettingFields
          }
          children(first: $grandchildrenFirst) {
            totalCount
            edges {
              node {
                ...OrganizationRef
              }
            }
          }
        }
      }
    }
  }
}

fragment OrganizationRef on Organization {
  id
  name
  kind
  depth
}

fragment OrganizationCore on Organization {
  ...OrganizationRef
  networkId
  isRoot
  createdAt
  updatedAt
  deletedAt
}

fragment SettingFields on Setting {
  key
  value
  inherit
  updatedAt
}

fragment EffectiveSettingFields on EffectiveSetting {
  key
  value
  strategy
  locked
  sources {
    ...OrganizationRef
  }
  lockedBy {
    ...OrganizationRef
  }
}

fragment GrantFields on Grant {
  id
  role
  customRoleId
  applicationId
  createdAt
  user {
    id
    email
  }
  organization {
    ...OrganizationRef
  }
}

fragment PageFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}
";

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// One way of sending the operation: the body every request of the mode posts.
struct Mode {
    label: &'static str,
    body: Arc<Vec<u8>>,
}

fn main() -> BenchResult<()> {
    let args = LoadArgs::read(
        USAGE,
        LoadArgs {
            seconds: 5,
            rounds: 5,
            clients: 4,
            workers: 2,
        },
    )?;
    assert!(
        (2_000..=2_200).contains(&DOCUMENT.len()),
        "the document should be about 2 KB, not {} bytes",
        DOCUMENT.len()
    );
    let machine = Machine::detect();
    let load_at_start = load_average();
    println!(
        "machine: {}; load average at start {load_at_start}; {} (UTC)",
        machine.describe(),
        Utc::now().format("%Y-%m-%d %H:%M")
    );
    let scratch = tempfile::tempdir()?;
    // A private copy: the target directory may be shared with other builds, which would
    // replace the binary cargo built for this benchmark under the running server.
    let binary = scratch.path().join("orgraph");
    std::fs::copy(env!("CARGO_BIN_EXE_orgraph"), &binary)?;

    let database = FreshDatabase::create(BackendArg::Sqlite, false)?;
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
    let authorization = format!("Bearer {token}");
    let owner = Caller {
        agent: agent(),
        endpoint: endpoint.clone(),
        authorization: authorization.clone(),
    };
    let root = seed(&owner)?;

    // `withGrants` is sent although it defaults to true: async-graphql 7.2 evaluates
    // `@include(if: $v)` with the request's variables only, without the operation's
    // defaults, and drops the field when `$v` is left out (async-graphql PR #1827).
    let variables = json!({
        "id": root,
        "childrenFirst": CHILDREN,
        "settingKeys": ["branding", "x-crm.region", "x-crm.tier"],
        "withGrants": true,
    });
    let hash = sha256_hex(DOCUMENT);
    let plain_body =
        json!({ "query": DOCUMENT, "variables": variables, "operationName": OPERATION })
            .to_string()
            .into_bytes();
    let apq_body = json!({
        "variables": variables,
        "operationName": OPERATION,
        "extensions": persisted(&hash),
    })
    .to_string()
    .into_bytes();
    let register_body = json!({
        "query": DOCUMENT,
        "variables": variables,
        "operationName": OPERATION,
        "extensions": persisted(&hash),
    })
    .to_string()
    .into_bytes();

    // The plain answer: data, no errors, the whole network in it.
    let (status, expected) = owner.send(&plain_body, &[])?;
    let answer: Value = serde_json::from_str(&expected)?;
    if status != 200 || answer.get("errors").is_some() || !answer["data"].is_object() {
        return Err(format!("the plain request failed: HTTP {status}: {expected:.3000}").into());
    }
    let organization = &answer["data"]["organization"];
    assert_eq!(organization["children"]["totalCount"], json!(CHILDREN));
    assert_eq!(
        organization["children"]["edges"].as_array().map(Vec::len),
        Some(CHILDREN)
    );
    assert_eq!(
        organization["grants"][0]["role"],
        json!("OPS_ADMIN"),
        "{organization}"
    );
    assert_eq!(
        organization["settingLocks"][0]["key"],
        json!("branding"),
        "{organization}"
    );
    let (_, counted) = owner.send(&plain_body, &[("x-orgraph-debug", "statements")])?;
    let statements: Value = serde_json::from_str(&counted)?;
    let statements = statements["extensions"]["statements"].clone();

    // The persisted query, as Apollo Client meets it: unknown, registered, then by hash.
    let (status, text) = owner.send(&apq_body, &[])?;
    let unknown: Value = serde_json::from_str(&text)?;
    if status != 200 || unknown["errors"][0]["message"] != json!("PersistedQueryNotFound") {
        return Err(format!("an unknown hash: HTTP {status}: {text:.1000}").into());
    }
    let expected = Expected {
        text: expected,
        json: answer,
    };
    for (what, body) in [("registering", &register_body), ("by hash", &apq_body)] {
        let (status, text) = owner.send(body, &[])?;
        if status != 200 {
            return Err(format!("{what}: HTTP {status}: {text:.2000}").into());
        }
        expected.check(&text).map_err(|e| format!("{what}: {e}"))?;
    }
    println!(
        "document {} bytes (sha256 {hash}); answer {} bytes, {} SQL statements; request body: plain {} bytes, APQ {} bytes",
        DOCUMENT.len(),
        expected.text.len(),
        statements,
        plain_body.len(),
        apq_body.len()
    );

    let modes = [
        Mode {
            label: "plain (query + variables)",
            body: Arc::new(plain_body),
        },
        Mode {
            label: "APQ (hash + variables)",
            body: Arc::new(apq_body),
        },
    ];
    let agent = agent();
    for mode in &modes {
        for _ in 0..WARM_UP {
            let text = post(&agent, &endpoint, &authorization, &mode.body)?;
            expected
                .check(&text)
                .map_err(|e| format!("{}: {e}", mode.label))?;
        }
    }
    drop(agent);

    let length = Duration::from_secs(args.seconds);
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); modes.len()];
    let mut latencies: Vec<Vec<Duration>> = vec![Vec::new(); modes.len()];
    let mut reordered = vec![0_usize; modes.len()];
    let mut server_cpu: Vec<Vec<f64>> = vec![Vec::new(); modes.len()];
    let mut client_cpu: Vec<Vec<f64>> = vec![Vec::new(); modes.len()];
    let server_pid = server.pid().to_string();
    for r in 0..args.rounds {
        let order: Vec<usize> = if r % 2 == 0 { vec![0, 1] } else { vec![1, 0] };
        for i in order {
            let mode = &modes[i];
            let done = round(
                &server_pid,
                &endpoint,
                &authorization,
                &mode.body,
                &expected,
                args.clients,
                length,
            )?;
            println!(
                "round {r}: {:<26} {:>5.0} requests/s ({} requests; CPU per request: server {:.0} µs, clients {:.0} µs; {} answers in another field order, {} distinct) [load {}]",
                mode.label,
                done.rate,
                done.latencies.len(),
                done.server_cpu_per_request * 1e6,
                done.client_cpu_per_request * 1e6,
                done.reordered,
                done.distinct,
                load_average()
            );
            rates[i].push(done.rate);
            server_cpu[i].push(done.server_cpu_per_request * 1e6);
            client_cpu[i].push(done.client_cpu_per_request * 1e6);
            reordered[i] += done.reordered;
            latencies[i].extend(done.latencies);
        }
    }
    // The answers stayed the answer of the plain request to the end (checked on every one).
    let (status, text) = owner.send(&modes[1].body, &[])?;
    assert_eq!(status, 200, "after the rounds: {text:.1000}");
    expected
        .check(&text)
        .map_err(|e| format!("after the rounds: {e}"))?;

    let plain_rate = median(&rates[0]);
    println!(
        "\n| Mode | request body | requests/s (median of {} rounds of {} s, {} clients, {} workers) | each round | p50 | p99 | vs. plain | server CPU per request (median) | clients' CPU per request | answers in another field order |\n|---|---|---|---|---|---|---|---|---|---|",
        args.rounds, args.seconds, args.clients, args.workers
    );
    for (i, mode) in modes.iter().enumerate() {
        let samples = Samples::from(latencies[i].clone());
        let rate = median(&rates[i]);
        println!(
            "| {} | {} B | {rate:.0} | {} | {:.3} ms | {:.3} ms | {} | {:.0} µs | {:.0} µs | {} of {} |",
            mode.label,
            mode.body.len(),
            rates[i]
                .iter()
                .map(|r| format!("{r:.0}"))
                .collect::<Vec<_>>()
                .join(", "),
            ms(samples.p50()),
            ms(samples.p99()),
            if i == 0 {
                "—".to_owned()
            } else {
                format!("×{:.3} ({:+.1} %)", rate / plain_rate, (rate / plain_rate - 1.0) * 100.0)
            },
            median(&server_cpu[i]),
            median(&client_cpu[i]),
            reordered[i],
            latencies[i].len()
        );
    }
    let apq_rate = median(&rates[1]);
    let plain_samples = Samples::from(latencies[0].clone());
    let apq_samples = Samples::from(latencies[1].clone());
    println!(
        "\n| What | Command | Machine | Result | Target |\n|---|---|---|---|---|\n| #17 a repeated {}-byte operation, plain vs. APQ (hash + variables), SQLite, {} clients | `cargo bench -p orgraph-server --bench apq -- --seconds {} --rounds {} --clients {} --workers {}` | {} | plain {plain_rate:.0} requests/s (p50 {} · p99 {}), APQ {apq_rate:.0} requests/s (p50 {} · p99 {}): ×{:.3} | none beyond showing the difference |",
        DOCUMENT.len(),
        args.clients,
        args.seconds,
        args.rounds,
        args.clients,
        args.workers,
        machine.describe(),
        human(plain_samples.p50()),
        human(plain_samples.p99()),
        human(apq_samples.p50()),
        human(apq_samples.p99()),
        apq_rate / plain_rate,
    );
    drop(server);
    drop(database);

    in_process(&variables)?;
    println!("load average at end {}", load_average());
    Ok(())
}

/// What the hash saves, in-process: the document's two root fields skipped (validated,
/// not resolved) through the server's schema, plain and persisted; parsing alone.
fn in_process(variables: &Value) -> BenchResult<()> {
    let skipped = DOCUMENT
        .replacen("  viewer {", "  viewer @skip(if: true) {", 1)
        .replacen(
            "  organization(id: $id) {",
            "  organization(id: $id) @skip(if: true) {",
            1,
        );
    assert_eq!(skipped.len(), DOCUMENT.len() + 2 * " @skip(if: true)".len());
    let hash = sha256_hex(&skipped);
    let plain_body =
        json!({ "query": skipped, "variables": variables, "operationName": OPERATION }).to_string();
    let register_body = json!({
        "query": skipped,
        "variables": variables,
        "operationName": OPERATION,
        "extensions": persisted(&hash),
    })
    .to_string();
    let apq_body = json!({
        "variables": variables,
        "operationName": OPERATION,
        "extensions": persisted(&hash),
    })
    .to_string();

    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let schema = orgraph::graphql::schemas_without_data();
    let cache = PersistedQueries::default();
    // As the server takes a request: read from the body, resolved, executed.
    let run = |body: &str| -> BenchResult<async_graphql::Response> {
        let mut request: Request = serde_json::from_str(body)?;
        if matches!(cache.resolve(&mut request)?, Lookup::NotFound) {
            return Err("the persisted query is not registered".into());
        }
        Ok(runtime.block_on(schema.execute(request)))
    };
    for body in [&plain_body, &register_body, &apq_body] {
        let response = run(body)?;
        // Every root field skipped: no fields, which async-graphql answers as null.
        if !response.errors.is_empty() || response.data != async_graphql::Value::Null {
            return Err(format!("in-process: {:?} {:?}", response.errors, response.data).into());
        }
    }
    let parse = Samples::measure(IN_PROCESS, || {
        async_graphql::parser::parse_query(DOCUMENT)?;
        Ok(())
    })?;
    let plain = Samples::measure(IN_PROCESS, || run(&plain_body))?;
    let apq = Samples::measure(IN_PROCESS, || run(&apq_body))?;
    let trivial_body = json!({ "query": "{ __typename }" }).to_string();
    let trivial = Samples::measure(IN_PROCESS, || run(&trivial_body))?;
    println!(
        "\nin-process, no database ({IN_PROCESS} runs each; the root fields under @skip(if: true), validated but not resolved):"
    );
    println!(
        "  parse_query of the {}-byte document   {}",
        DOCUMENT.len(),
        parse.summary()
    );
    println!(
        "  plain request (scan, parse, validate) {}",
        plain.summary()
    );
    println!("  APQ request (hash, cached validation) {}", apq.summary());
    println!(
        "  `{{ __typename }}` for scale           {}",
        trivial.summary()
    );
    println!(
        "  saved by the hash: {:.1} µs per request (p50 difference)",
        (plain.p50().as_secs_f64() - apq.p50().as_secs_f64()) * 1e6
    );
    Ok(())
}

/// The network: a root, [`CHILDREN`] sub-organizations, [`GRANDCHILDREN`] below each of the
/// first [`WITH_GRANDCHILDREN`], settings on the root and on every fourth child, and the
/// root's lock on `branding`. Returns the root's id.
fn seed(owner: &Caller) -> BenchResult<String> {
    let id = |data: &Value, field: &str| -> BenchResult<String> {
        data[field]["organization"]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{field}: no id in {data}").into())
    };
    let add_sub = "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id } } }";
    let set =
        "mutation($input: SetSettingInput!) { setSetting(input: $input) { setting { key } } }";
    let root = id(
        &owner.data(
            "mutation { addOrganization(input: { name: \"Bench Holding\" }) { organization { id } } }",
            json!({}),
        )?,
        "addOrganization",
    )?;
    for (key, value) in [
        ("branding", json!({ "displayName": "Bench Holding" })),
        ("x-crm.region", json!("eu-west")),
        ("x-crm.tier", json!({ "name": "gold", "seats": 250 })),
    ] {
        owner.data(
            set,
            json!({ "input": { "organizationId": root, "key": key, "value": value } }),
        )?;
    }
    owner.data(
        "mutation($input: SettingKeyInput!) { lockSetting(input: $input) { changed } }",
        json!({ "input": { "organizationId": root, "key": "branding" } }),
    )?;
    for c in 0..CHILDREN {
        let child = id(
            &owner.data(
                add_sub,
                json!({ "input": { "parentId": root, "name": format!("Region {c:02}") } }),
            )?,
            "addSubOrganization",
        )?;
        if c % 4 == 0 {
            owner.data(
                set,
                json!({ "input": { "organizationId": child, "key": "x-crm.region", "value": format!("region-{c}") } }),
            )?;
        }
        if c < WITH_GRANDCHILDREN {
            for g in 0..GRANDCHILDREN {
                owner.data(
                    add_sub,
                    json!({ "input": { "parentId": child, "name": format!("Site {c:02}.{g}") } }),
                )?;
            }
        }
    }
    Ok(root)
}
