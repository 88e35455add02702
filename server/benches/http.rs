//! HTTP benchmark for settings (issue 3) and permissions and members (issue 4): seeds one
//! network into a fresh database, starts the real `orgraph serve` (the release binary that
//! `cargo bench` builds next to this benchmark) on a free loopback port, and measures GraphQL
//! requests over one keep-alive HTTP connection, as a client sees them (see BENCHMARKS.md).
//!
//! ```text
//! cargo bench -p orgraph-server --bench http -- --backend sqlite --organizations 1000000
//! cargo bench -p orgraph-server --bench http -- --backend postgres --organizations 1000000 \
//!     --json target/bench-http-pg.json --markdown target/bench-http-pg.md
//! ```
//!
//! SQLite uses a file in a temporary directory; PostgreSQL a database
//! `orgraph_bench_<random>` created on the server of `ORGRAPH_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped at the end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::server::{agent, Server};
use support::{load_average, read_flags, BackendArg, BenchResult, FreshDatabase, Machine, Samples};

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::{json, Value};

use orgraph::auth::{TokenKeys, DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use orgraph::domain::ids::{MemberId, NetworkId, OrganizationId};
use orgraph::domain::members::{Member, MemberStatus, OnboardingSource};
use orgraph::domain::organization::{Organization, TreeLimits};
use orgraph::service::seed::{SeedOptions, SeedReport};
use orgraph::service::Services;
use orgraph::store::organizations as orgs;
use orgraph::store::{members, users, DatabaseUrl, Store};

/// The owner `orgraph seed` uses: OPS_ADMIN of the root.
const OWNER: &str = "seed@orgraph.local";
/// Members are created in transactions of this many rows.
const MEMBERS_PER_TRANSACTION: usize = 1_000;
/// The page size of `Organization.members` (the maximum).
const MEMBER_PAGE: usize = 100;

#[derive(Debug)]
struct Args {
    backend: BackendArg,
    organizations: u64,
    max_depth: i32,
    fanout: u32,
    iterations: usize,
    batch_iterations: usize,
    members: usize,
    other_members: usize,
    member_walks: usize,
    breakdown: bool,
    workers: Option<u32>,
    server: Option<PathBuf>,
    compare: Option<PathBuf>,
    json: Option<PathBuf>,
    markdown: Option<PathBuf>,
    keep: bool,
}

const USAGE: &str = "usage: http [--backend sqlite|postgres] [--organizations N] [--max-depth D] \
[--fanout F] [--iterations N (single requests, default 2000)] [--batch-iterations N (1,000-item \
requests, default 100)] [--members N (of the listed organization, default 10000)] \
[--other-members N (spread over the depth-3 organizations, default 40000)] [--member-walks N \
(default 10)] [--no-breakdown (skip the diagnostic variants)] [--workers N (server HTTP workers; default: the server's, one per core)] [--server PATH (orgraph \
binary; default: the one cargo built for this bench)] [--compare PATH (another orgraph binary: \
figures (2) and (2b) again, alternating one request to each server)] [--json FILE] [--markdown FILE] \
[--keep (leave the database behind)]";

impl Args {
    fn parse() -> BenchResult<Self> {
        let mut args = Self {
            backend: BackendArg::Sqlite,
            organizations: 1_000_000,
            max_depth: 20,
            fanout: 10,
            iterations: 2_000,
            batch_iterations: 100,
            members: 10_000,
            other_members: 40_000,
            member_walks: 10,
            breakdown: true,
            workers: None,
            server: None,
            compare: None,
            json: None,
            markdown: None,
            keep: false,
        };
        let mut switched: Vec<String> = Vec::new();
        read_flags(
            USAGE,
            &["--keep", "--no-breakdown"],
            |flag| switched.push(flag.to_owned()),
            |flag, value| {
                match flag {
                    "--backend" => args.backend = BackendArg::parse(&value, USAGE)?,
                    "--organizations" => args.organizations = value.replace('_', "").parse()?,
                    "--max-depth" => args.max_depth = value.parse()?,
                    "--fanout" => args.fanout = value.parse()?,
                    "--iterations" => args.iterations = value.replace('_', "").parse()?,
                    "--batch-iterations" => args.batch_iterations = value.parse()?,
                    "--members" => args.members = value.replace('_', "").parse()?,
                    "--other-members" => args.other_members = value.replace('_', "").parse()?,
                    "--member-walks" => args.member_walks = value.parse()?,
                    "--workers" => args.workers = Some(value.parse()?),
                    "--server" => args.server = Some(PathBuf::from(value)),
                    "--compare" => args.compare = Some(PathBuf::from(value)),
                    "--json" => args.json = Some(PathBuf::from(value)),
                    "--markdown" => args.markdown = Some(PathBuf::from(value)),
                    other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
                }
                Ok(())
            },
        )?;
        args.keep = switched.iter().any(|s| s == "--keep");
        args.breakdown = !switched.iter().any(|s| s == "--no-breakdown");
        Ok(args)
    }
}

impl FreshDatabase {
    /// Where the server's log goes: next to the SQLite file, else the system's temp dir.
    fn scratch_dir(&self) -> PathBuf {
        match self {
            Self::Sqlite { dir: Some(dir), .. } => dir.path().to_path_buf(),
            _ => std::env::temp_dir(),
        }
    }
}

/// The `orgraph serve` process, killed when dropped.
/// A GraphQL client bound to one server, one token and one connection.
struct Client {
    agent: ureq::Agent,
    endpoint: String,
    authorization: String,
}

/// A GraphQL answer: its data, and what it cost the server.
struct Answer {
    data: Value,
    statements: Option<u64>,
    bytes: usize,
}

impl Client {
    /// Posts one operation; fails on an HTTP error or any GraphQL error.
    fn post(&self, query: &str, variables: &Value, count_statements: bool) -> BenchResult<Answer> {
        let (status, text) = self.send(query, variables, count_statements)?;
        let mut body: Value = serde_json::from_str(&text)
            .map_err(|e| format!("HTTP {status}, not JSON ({e}): {text:.500}"))?;
        if status != 200 || body.get("errors").is_some() {
            return Err(format!("HTTP {status}: {:.2000}", body.to_string()).into());
        }
        Ok(Answer {
            statements: body["extensions"]["statements"].as_u64(),
            data: body["data"].take(),
            bytes: text.len(),
        })
    }

    /// Posts one operation for a timed run: the answer is read to its last byte but not
    /// parsed (parsing 800 KB into a `serde_json::Value` took the client milliseconds, which
    /// are no part of the server's latency). Each figure's probe (`post`) checked the whole
    /// answer; here an HTTP error or a GraphQL error still fails the run (the server writes
    /// `errors` first, so an answer with errors starts with it).
    fn timed(&self, query: &str, variables: &Value) -> BenchResult<usize> {
        let (status, text) = self.send(query, variables, false)?;
        if status != 200 || !text.starts_with("{\"data\"") {
            return Err(format!("HTTP {status}: {text:.2000}").into());
        }
        Ok(text.len())
    }

    /// The HTTP status and body of one operation.
    fn send(
        &self,
        query: &str,
        variables: &Value,
        count_statements: bool,
    ) -> BenchResult<(u16, String)> {
        let body = serde_json::to_vec(&json!({ "query": query, "variables": variables }))?;
        let mut request = self
            .agent
            .post(&self.endpoint)
            .header("content-type", "application/json")
            .header("authorization", &self.authorization);
        if count_statements {
            request = request.header("x-orgraph-debug", "statements");
        }
        let mut response = request.send(&body[..])?;
        // At most 10 MB (ureq's default limit); asking for a larger limit made every read
        // cost milliseconds more.
        let text = response.body_mut().read_to_string()?;
        Ok((response.status().as_u16(), text))
    }

    fn data(&self, query: &str, variables: &Value) -> BenchResult<Value> {
        Ok(self.post(query, variables, false)?.data)
    }
}

/// The `orgraph` binary: `--server`, else the one cargo built with this benchmark (cargo
/// builds a package's binaries for its benchmarks and tells where, like for integration
/// tests), else `target/release/orgraph` of the workspace.
fn server_binary(args: &Args) -> PathBuf {
    if let Some(path) = &args.server {
        return path.clone();
    }
    let built = PathBuf::from(env!("CARGO_BIN_EXE_orgraph"));
    if built.exists() {
        return built;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/orgraph")
}

/// A figure of the report.
struct Figure {
    issue: u8,
    what: String,
    result: String,
    target: String,
    met: Option<bool>,
}

/// Pairs of the existence-oracle figure (8).
const ORACLE_PAIRS: usize = 300;

const ORGANIZATION_NAME: &str = "query($id: ID!) { organization(id: $id) { name } }";

const EFFECTIVE_SETTINGS: &str = "query Effective($id: ID!) {
  organization(id: $id) {
    effectiveSettings { key value strategy sources { id } lockedBy { id } }
  }
}";

/// Four levels of `children` below a depth-2 organization: 10 × 10 × 10 organizations at
/// depths 3–5, and the first child (a leaf at depth 6) of each of the 1,000 at depth 5.
/// Complexity about 14,300 (limit 50,000); depth 16 (the limit).
const LEAF_SETTINGS: &str = "query Leaves($id: ID!) {
  organization(id: $id) {
    children(first: 10) { edges { node {
      children(first: 10) { edges { node {
        children(first: 10) { edges { node {
          children(first: 1) { edges { node {
            id
            effectiveSettings { key value strategy sources { id } lockedBy { id } }
          } } }
        } } }
      } } }
    } } }
  }
}";

/// [`LEAF_SETTINGS`] with another selection on the leaves (for the breakdown).
fn leaf_query(selection: &str) -> String {
    LEAF_SETTINGS.replace(
        "effectiveSettings { key value strategy sources { id } lockedBy { id } }",
        selection,
    )
}

const CHECK_PERMISSIONS: &str = "query Checks($checks: [PermissionCheckInput!]!) {
  checkPermissions(checks: $checks) { allowed }
}";

/// The 1,000 leaves again, named by id through federation's `_entities` (one level, no
/// `children` walk), with the same selection as [`LEAF_SETTINGS`].
const ENTITY_SETTINGS: &str = "query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Organization {
    id
    effectiveSettings { key value strategy sources { id } lockedBy { id } }
  } }
}";

const CAN: &str = "query Can($id: ID!) {
  can(organizationId: $id, permission: \"settings:manage\")
}";

const MEMBER_PAGE_QUERY: &str = "query Members($id: ID!, $after: String) {
  organization(id: $id) {
    members(first: 100, after: $after) {
      edges { cursor node { id status user { id email } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}";

/// One document with a `can` field per organization, the ids as variables (`$o0`, `$o1`, …)
/// so that 1,000 of them stay under the 64 KiB document limit.
fn aliased_can(ids: &[String]) -> (String, Value) {
    let mut declarations = String::from("$p: String!");
    let mut fields = String::new();
    let mut variables = serde_json::Map::new();
    variables.insert("p".into(), json!("settings:manage"));
    for (i, id) in ids.iter().enumerate() {
        let _ = write!(declarations, ",$o{i}:ID!");
        let _ = write!(fields, " c{i}:can(organizationId:$o{i},permission:$p)");
        variables.insert(format!("o{i}"), json!(id));
    }
    (
        format!("query Can({declarations}){{{fields} }}"),
        Value::Object(variables),
    )
}

/// The same shape with `organization(id:) { id }` fields (for the breakdown).
fn aliased_organizations(ids: &[String]) -> (String, Value) {
    let mut declarations = Vec::with_capacity(ids.len());
    let mut fields = String::new();
    let mut variables = serde_json::Map::new();
    for (i, id) in ids.iter().enumerate() {
        declarations.push(format!("$o{i}:ID!"));
        let _ = write!(fields, " c{i}:organization(id:$o{i}){{id}}");
        variables.insert(format!("o{i}"), json!(id));
    }
    (
        format!("query Orgs({}){{{fields} }}", declarations.join(",")),
        Value::Object(variables),
    )
}

/// Diagnostic variants of a figure: same server, fewer runs, no target.
struct Breakdown {
    rows: Vec<(String, Samples, Option<u64>)>,
}

impl Breakdown {
    fn run(
        &mut self,
        client: &Client,
        label: &str,
        iterations: usize,
        query: &str,
        variables: &Value,
    ) -> BenchResult<()> {
        let probe = client.post(query, variables, true)?;
        let samples = Samples::measure(iterations, || client.timed(query, variables))?;
        println!(
            "    · {label} ({} statements, {} bytes): {}",
            probe.statements.map_or("?".into(), |n| n.to_string()),
            probe.bytes,
            samples.summary()
        );
        self.rows
            .push((label.to_owned(), samples, probe.statements));
        Ok(())
    }

    fn json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|(label, samples, statements)| {
                    json!({ "what": label, "statements": statements, "latency": samples.json() })
                })
                .collect(),
        )
    }
}

/// Members of `organizations` (round robin), straight into the store, with new users
/// `member-<n>@bench.orgraph.test` for n in `numbers`.
fn insert_members(
    store: &Store,
    network: NetworkId,
    organizations: &[OrganizationId],
    numbers: std::ops::Range<usize>,
) -> BenchResult<()> {
    let now = Utc::now();
    let numbers: Vec<usize> = numbers.collect();
    for batch in numbers.chunks(MEMBERS_PER_TRANSACTION) {
        store.write_blocking(|conn| {
            for &n in batch {
                let user = users::find_or_create(
                    conn,
                    &format!("member-{n:07}@bench.orgraph.test"),
                    None,
                    now,
                )?;
                members::insert(
                    conn,
                    &Member {
                        id: MemberId::new_random(),
                        network_id: network,
                        organization_id: organizations[n % organizations.len()],
                        user_id: user.id,
                        status: MemberStatus::Active,
                        onboarding_source: OnboardingSource::Manual,
                        external_id: None,
                        calendar_integration_id: None,
                        created_at: now,
                        updated_at: now,
                        suspended_by_directory: false,
                    },
                )?;
            }
            Ok::<_, orgraph::service::ApiError>(())
        })?;
    }
    Ok(())
}

/// The leaves of a [`LEAF_SETTINGS`] answer, each with its effective settings.
fn leaves(answer: &Value) -> Vec<&Value> {
    let mut level: Vec<&Value> = vec![&answer["organization"]];
    for _ in 0..4 {
        level = level
            .into_iter()
            .flat_map(|org| {
                org["children"]["edges"]
                    .as_array()
                    .map(|edges| edges.iter().map(|e| &e["node"]).collect::<Vec<_>>())
                    .unwrap_or_default()
            })
            .collect();
    }
    level
}

fn settings_keys(settings: &Value) -> Vec<String> {
    settings
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|s| s["key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// One request timed on two servers, alternating which goes first: slow drifts of the
/// machine (load, frequency) hit both alike, so small differences show.
struct Paired {
    this: Samples,
    other: Samples,
    median_difference_ms: f64,
}

impl Paired {
    fn measure(
        this: &Client,
        other: &Client,
        pairs: usize,
        query: &str,
        variables: &Value,
    ) -> BenchResult<Self> {
        let (mine, theirs) = (
            this.post(query, variables, false)?,
            other.post(query, variables, false)?,
        );
        if mine.data != theirs.data {
            return Err(
                "the two servers answer differently; a comparison would be meaningless".into(),
            );
        }
        let time = |client: &Client| -> BenchResult<Duration> {
            let start = Instant::now();
            client.timed(query, variables)?;
            Ok(start.elapsed())
        };
        Self::alternating(pairs, || time(this), || time(other))
    }

    /// Times `this` and `other` in `pairs` pairs, after 10 warm-up pairs, alternating which
    /// goes first.
    fn alternating(
        pairs: usize,
        mut this: impl FnMut() -> BenchResult<Duration>,
        mut other: impl FnMut() -> BenchResult<Duration>,
    ) -> BenchResult<Self> {
        for _ in 0..10 {
            this()?;
            other()?;
        }
        let (mut mine, mut theirs, mut differences) = (Vec::new(), Vec::new(), Vec::new());
        for pair in 0..pairs {
            let (a, b) = if pair % 2 == 0 {
                let a = this()?;
                (a, other()?)
            } else {
                let b = other()?;
                (this()?, b)
            };
            differences.push(millis(b) - millis(a));
            mine.push(a);
            theirs.push(b);
        }
        differences.sort_by(f64::total_cmp);
        Ok(Self {
            this: Samples::from(mine),
            other: Samples::from(theirs),
            median_difference_ms: differences.get(pairs / 2).copied().unwrap_or(0.0),
        })
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() -> BenchResult<()> {
    let args = Args::parse()?;
    let machine = Machine::detect();
    let backend = match args.backend {
        BackendArg::Sqlite => "sqlite",
        BackendArg::Postgres => "postgres",
    };
    let binary = server_binary(&args);
    println!(
        "orgraph HTTP benchmark: {backend}, {} organizations, depth {}, fanout {}, server {}",
        args.organizations,
        args.max_depth,
        args.fanout,
        binary.display()
    );
    println!("machine: {}", machine.describe());
    let load_at_start = load_average();
    println!(
        "load average at start: {load_at_start} (other work on the machine skews the figures)"
    );

    let database = FreshDatabase::create(args.backend, args.keep)?;
    let mut report_json = serde_json::Map::new();
    let mut figures: Vec<Figure> = Vec::new();

    // 1. Seed with the code behind `orgraph seed`, owner seed@orgraph.local.
    let (seed, chain, member_org) = {
        let store = Store::connect(database.url(), 4)?;
        store.run_migrations()?;
        let services = Services::new(store.clone(), TreeLimits::default());
        let options = SeedOptions {
            organizations: args.organizations,
            max_depth: args.max_depth,
            fanout: args.fanout,
            owner_email: OWNER.to_owned(),
        };
        let step = (args.organizations / 10).max(1);
        let started = Instant::now();
        let progress = |done: u64| {
            if done % step < orgraph::service::seed::ROWS_PER_TRANSACTION as u64
                || done == args.organizations
            {
                eprintln!(
                    "  seeded {done:>9} in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
        };
        let seed: SeedReport = services.seed_network_blocking(&options, &progress, Utc::now())?;
        let seed_time = started.elapsed();
        println!(
            "seed: {} organizations in {:.1} s, deepest at depth {}",
            seed.organizations,
            seed_time.as_secs_f64(),
            seed.deepest_depth
        );
        report_json.insert(
            "seed".into(),
            json!({ "organizations": seed.organizations, "seconds": seed_time.as_secs_f64(), "deepest_depth": seed.deepest_depth }),
        );

        // The chain root → deepest organization, by depth.
        let mut conn = store.read_connection()?;
        let deepest = orgs::find(&mut conn, seed.deepest_id)?.ok_or("deepest not found")?;
        let mut chain: Vec<Organization> =
            orgs::by_paths(&mut conn, seed.network_id, &deepest.path.ancestors())?;
        chain.sort_by_key(|o| o.depth);
        chain.push(deepest);
        drop(conn);

        // 2. Members of the deepest organization, and members elsewhere in the network (so
        //    that listing one organization's members has to skip others'), straight into the
        //    store: inviteMember would take one request and one audited transaction each.
        let member_org = seed.deepest_id;
        let started = Instant::now();
        insert_members(&store, seed.network_id, &[member_org], 0..args.members)?;
        let mut others: Vec<OrganizationId> = vec![seed.root_id];
        {
            let mut conn = store.read_connection()?;
            let listing = orgs::Listing {
                include_deleted: false,
                limit: 1_000,
            };
            for _ in 0..3 {
                let below = orgraph::store::children::children_pages(
                    &mut conn,
                    seed.network_id,
                    &others,
                    None,
                    &listing,
                )?;
                if below.is_empty() {
                    break;
                }
                others = below.into_iter().map(|o| o.id).collect();
            }
        }
        others.retain(|id| *id != member_org);
        insert_members(
            &store,
            seed.network_id,
            &others,
            args.members..args.members + args.other_members,
        )?;
        // Like the seed after its bulk load: fresh planner statistics on PostgreSQL (autovacuum
        // would get there within minutes). Without them the members page read all 10,000 rows
        // of the organization and sorted them, for every page.
        if let DatabaseUrl::Postgres(url) = database.url() {
            diesel::pg::PgConnection::establish(url)?.batch_execute("ANALYZE members, users")?;
        }
        println!(
            "members: {} of the depth-{} organization, {} more over {} other organizations, in {:.1} s",
            args.members,
            chain.last().map_or(0, |o| o.depth),
            args.other_members,
            others.len(),
            started.elapsed().as_secs_f64()
        );
        (seed, chain, member_org)
    };

    // 3. The real server, on the seeded database.
    let secret = format!("bench-{:032x}", rand::random::<u128>());
    let server = Server::start(
        &binary,
        &database.server_url(),
        &secret,
        args.workers,
        &database.scratch_dir(),
    )?;
    println!("server: {} (log {})", server.base, server.log.display());
    let token = TokenKeys::hs256(secret.as_bytes(), DEFAULT_ISSUER, DEFAULT_AUDIENCE)
        .issue_user_token(OWNER, None, Utc::now(), chrono::Duration::hours(6))?;
    let client = Client {
        agent: agent(),
        endpoint: format!("{}/graphql", server.base),
        authorization: format!("Bearer {token}"),
    };

    // 4. Settings along the chain, through the API.
    let at = |depth: usize| &chain[depth.min(chain.len() - 1)];
    let root = at(0);
    let deepest = at(chain.len() - 1);
    let holding = at(2);
    let set = |org: &Organization, key: &str, value: Value| -> BenchResult<()> {
        client.data(
            "mutation Set($input: SetSettingInput!) { setSetting(input: $input) { setting { key } } }",
            &json!({ "input": { "organizationId": org.id.to_string(), "key": key, "value": value } }),
        )?;
        Ok(())
    };
    set(
        root,
        "timeGrid",
        json!({ "slotMinutes": 30, "startTime": "08:00", "endTime": "18:00", "timeZone": "Europe/Berlin" }),
    )?;
    set(
        root,
        "branding",
        json!({ "displayName": "Seed network", "primaryColor": "#1a2b3c", "logoUrl": "https://example.com/logo.svg" }),
    )?;
    client.data(
        "mutation Lock($input: SettingKeyInput!) { lockSetting(input: $input) { changed } }",
        &json!({ "input": { "organizationId": root.id.to_string(), "key": "branding" } }),
    )?;
    set(holding, "timeGrid", json!({ "slotMinutes": 15 }))?;
    set(
        holding,
        "publicHolidays",
        json!([{ "date": "2026-01-01", "name": "New Year" }, { "date": "2026-12-25", "name": "Christmas" }]),
    )?;
    set(
        at(5),
        "publicHolidays",
        json!([{ "date": "2026-05-01", "name": "Labour Day" }, { "date": "2026-10-03", "name": "Unity Day" }]),
    )?;
    set(
        at(10),
        "publicHolidays",
        json!([{ "date": "2026-11-01", "name": "All Saints" }, { "date": "2026-12-25", "name": "Christmas" }]),
    )?;
    set(
        at(15),
        "workingHours",
        json!({
            "monday": [{ "start": "09:00", "end": "12:00" }, { "start": "13:00", "end": "17:00" }],
            "tuesday": [{ "start": "09:00", "end": "17:00" }],
            "wednesday": [{ "start": "09:00", "end": "17:00" }],
            "thursday": [{ "start": "09:00", "end": "17:00" }],
            "friday": [{ "start": "09:00", "end": "15:00" }]
        }),
    )?;
    set(
        deepest,
        "x-bench.crm",
        json!({ "region": "EMEA", "tier": 2, "tags": ["a", "b"] }),
    )?;

    let deepest_id = deepest.id.to_string();
    let probe = client.post(EFFECTIVE_SETTINGS, &json!({ "id": deepest_id }), true)?;
    let keys = settings_keys(&probe.data["organization"]["effectiveSettings"]);
    println!(
        "settings: root, depths 2, 5, 10, 15 and {}; the deepest organization has {} effective keys ({}); {} statements, {} bytes per request",
        deepest.depth,
        keys.len(),
        keys.join(", "),
        probe.statements.map_or("?".into(), |n| n.to_string()),
        probe.bytes
    );
    assert_eq!(keys.len(), 5, "{}", probe.data);

    // (1) Effective settings of the deepest organization.
    let load = load_average();
    let single = Samples::measure(args.iterations, || {
        client.timed(EFFECTIVE_SETTINGS, &json!({ "id": deepest_id }))
    })?;
    println!(
        "(1) effectiveSettings of the depth-{} organization: {} [load {load}]",
        deepest.depth,
        single.summary()
    );
    figures.push(Figure {
        issue: 3,
        what: format!(
            "`effectiveSettings` (5 keys, with `sources`, `lockedBy`) of the depth-{} organization, one request",
            deepest.depth
        ),
        result: single.short(),
        target: "p99 ≤ 2 ms".into(),
        met: (args.backend == BackendArg::Sqlite).then_some(single.p99() <= Duration::from_millis(2)),
    });
    let mut breakdown = Breakdown { rows: Vec::new() };
    let few = (args.iterations / 4).max(1);
    if args.breakdown {
        let deepest_vars = json!({ "id": deepest_id });
        breakdown.run(
            &client,
            "`{ __typename }` (HTTP, token, user)",
            few,
            "{ __typename }",
            &json!({}),
        )?;
        breakdown.run(
            &client,
            "`organization(id:) { id }` of the deepest",
            few,
            "query Org($id: ID!) { organization(id: $id) { id } }",
            &deepest_vars,
        )?;
        breakdown.run(
            &client,
            "`effectiveSetting(key: \"timeGrid\") { key value }` of the deepest",
            few,
            "query One($id: ID!) { organization(id: $id) { effectiveSetting(key: \"timeGrid\") { key value } } }",
            &deepest_vars,
        )?;
    }
    report_json.insert(
        "effective_settings_deepest".into(),
        json!({ "depth": deepest.depth, "keys": keys, "statements": probe.statements, "response_bytes": probe.bytes, "load_average": load, "latency": single.json() }),
    );

    // (2) Effective settings of 1,000 leaves in one request.
    let holding_id = holding.id.to_string();
    let probe = client.post(LEAF_SETTINGS, &json!({ "id": holding_id }), true)?;
    let found = leaves(&probe.data);
    let leaf_ids: Vec<String> = found
        .iter()
        .filter_map(|leaf| leaf["id"].as_str().map(str::to_owned))
        .collect();
    let folded: usize = found
        .iter()
        .map(|leaf| settings_keys(&leaf["effectiveSettings"]).len())
        .sum();
    println!(
        "leaves: {} organizations (depth {}) below the depth-2 organization of the chain, {folded} effective settings; {} statements, {} bytes per request",
        leaf_ids.len(),
        holding.depth + 4,
        probe.statements.map_or("?".into(), |n| n.to_string()),
        probe.bytes
    );
    let load = load_average();
    let batch = Samples::measure(args.batch_iterations, || {
        client.timed(LEAF_SETTINGS, &json!({ "id": holding_id }))
    })?;
    println!(
        "(2) effectiveSettings of {} leaves in one request: {} [load {load}]",
        leaf_ids.len(),
        batch.summary()
    );
    figures.push(Figure {
        issue: 3,
        what: format!(
            "`effectiveSettings` of {} leaf organizations (depth 6, {folded} values) in one request (nested `children`)",
            leaf_ids.len()
        ),
        result: batch.short(),
        target: "≤ 50 ms".into(),
        met: (args.backend == BackendArg::Sqlite).then_some(batch.p99() <= Duration::from_millis(50)),
    });
    let few_batches = (args.batch_iterations / 5).max(1);
    if args.breakdown {
        let holding_vars = json!({ "id": holding_id });
        for (label, selection) in [
            ("`id` only", ""),
            ("`effectiveSettings { key }`", "effectiveSettings { key }"),
            (
                "`effectiveSettings { key value }`",
                "effectiveSettings { key value }",
            ),
        ] {
            breakdown.run(
                &client,
                &format!("the same {} leaves, {label}", leaf_ids.len()),
                few_batches,
                &leaf_query(selection),
                &holding_vars,
            )?;
        }
    }
    let representations: Vec<Value> = leaf_ids
        .iter()
        .map(|id| json!({ "__typename": "Organization", "id": id }))
        .collect();
    let entity_variables = json!({ "representations": representations });
    let probe = client.post(ENTITY_SETTINGS, &entity_variables, true)?;
    let load = load_average();
    let by_id = Samples::measure(args.batch_iterations, || {
        client.timed(ENTITY_SETTINGS, &entity_variables)
    })?;
    println!(
        "(2b) the same {} leaves by id (`_entities`), same selection ({} statements, {} bytes): {} [load {load}]",
        leaf_ids.len(),
        probe.statements.map_or("?".into(), |n| n.to_string()),
        probe.bytes,
        by_id.summary()
    );
    figures.push(Figure {
        issue: 3,
        what: format!(
            "same {} leaves named by id (`_entities`, one level), same selection",
            leaf_ids.len()
        ),
        result: by_id.short(),
        target: "≤ 50 ms".into(),
        met: (args.backend == BackendArg::Sqlite)
            .then_some(by_id.p99() <= Duration::from_millis(50)),
    });
    report_json.insert(
        "effective_settings_leaves_by_id".into(),
        json!({ "organizations": leaf_ids.len(), "statements": probe.statements, "response_bytes": probe.bytes, "load_average": load, "latency": by_id.json() }),
    );
    // The same two requests, paired with another server binary on the same database.
    if let Some(other_binary) = &args.compare {
        let other_server = Server::start(
            other_binary,
            &database.server_url(),
            &secret,
            args.workers,
            &database.scratch_dir(),
        )?;
        let other = Client {
            agent: agent(),
            endpoint: format!("{}/graphql", other_server.base),
            authorization: client.authorization.clone(),
        };
        let mut compared = Vec::new();
        let leaf_variables = json!({ "id": holding_id });
        for (figure, query, variables) in [
            ("(2)", LEAF_SETTINGS, &leaf_variables),
            ("(2b)", ENTITY_SETTINGS, &entity_variables),
        ] {
            let pair = Paired::measure(&client, &other, args.batch_iterations, query, variables)?;
            println!(
                "{figure} paired with {}: this server p50 {:.1} ms, the other p50 {:.1} ms, median paired difference (other − this) {:+.1} ms over {} pairs",
                other_binary.display(),
                millis(pair.this.percentile(0.5)),
                millis(pair.other.percentile(0.5)),
                pair.median_difference_ms,
                args.batch_iterations,
            );
            compared.push(json!({ "figure": figure, "this": pair.this.json(), "other": pair.other.json(), "median_difference_ms": pair.median_difference_ms }));
        }
        report_json.insert(
            "paired".into(),
            json!({ "other": other_binary.display().to_string(), "figures": compared }),
        );
    }
    report_json.insert(
        "effective_settings_leaves".into(),
        json!({ "organizations": leaf_ids.len(), "values": folded, "statements": probe.statements, "response_bytes": probe.bytes, "load_average": load, "latency": batch.json() }),
    );

    // (3) One permission check on the deepest organization.
    let probe = client.post(CAN, &json!({ "id": deepest_id }), true)?;
    assert_eq!(probe.data["can"], json!(true), "{}", probe.data);
    let load = load_average();
    let can = Samples::measure(args.iterations, || {
        client.timed(CAN, &json!({ "id": deepest_id }))
    })?;
    println!(
        "(3) can(settings:manage) on the depth-{} organization ({} statements): {} [load {load}]",
        deepest.depth,
        probe.statements.map_or("?".into(), |n| n.to_string()),
        can.summary()
    );
    figures.push(Figure {
        issue: 4,
        what: format!(
            "`can(organizationId, \"settings:manage\")` on the depth-{} organization (OPS_ADMIN at the root), one request",
            deepest.depth
        ),
        result: can.short(),
        target: "p99 ≤ 1 ms".into(),
        met: Some(can.p99() <= Duration::from_millis(1)),
    });
    report_json.insert(
        "can_deepest".into(),
        json!({ "statements": probe.statements, "load_average": load, "latency": can.json() }),
    );

    // (4) 1,000 permission checks (aliased `can` fields) in one request.
    let (can_query, can_variables) = aliased_can(&leaf_ids);
    let probe = client.post(&can_query, &can_variables, true)?;
    let granted = probe.data.as_object().map_or(0, |fields| {
        fields.values().filter(|v| **v == json!(true)).count()
    });
    assert_eq!(granted, leaf_ids.len(), "every check should be granted");
    let load = load_average();
    let cans = Samples::measure(args.batch_iterations, || {
        client.timed(&can_query, &can_variables)
    })?;
    println!(
        "(4) {} aliased can() fields in one request ({} bytes of query, {} statements): {} [load {load}]",
        leaf_ids.len(),
        can_query.len(),
        probe.statements.map_or("?".into(), |n| n.to_string()),
        cans.summary()
    );
    figures.push(Figure {
        issue: 4,
        what: format!(
            "{} aliased `can` fields over {} different organizations, one request",
            leaf_ids.len(),
            leaf_ids.len()
        ),
        result: cans.short(),
        target: "≤ 20 ms (the same checks as one `checkPermissions` field: next row)".into(),
        met: Some(cans.p99() <= Duration::from_millis(20)),
    });

    // (4b) The same 1,000 checks as one `checkPermissions` list.
    let checks: Vec<Value> = leaf_ids
        .iter()
        .map(|id| json!({ "organizationId": id, "permission": "settings:manage" }))
        .collect();
    let bulk_variables = json!({ "checks": checks });
    let probe = client.post(CHECK_PERMISSIONS, &bulk_variables, true)?;
    let granted = probe.data["checkPermissions"].as_array().map_or(0, |a| {
        a.iter().filter(|c| c["allowed"] == json!(true)).count()
    });
    assert_eq!(granted, leaf_ids.len(), "every check should be granted");
    let load = load_average();
    let bulk = Samples::measure(args.batch_iterations, || {
        client.timed(CHECK_PERMISSIONS, &bulk_variables)
    })?;
    println!(
        "(4b) checkPermissions with {} checks in one request ({} statements): {} [load {load}]",
        leaf_ids.len(),
        probe.statements.map_or("?".into(), |n| n.to_string()),
        bulk.summary()
    );
    figures.push(Figure {
        issue: 4,
        what: format!(
            "`checkPermissions` with {} checks over {} different organizations, one request",
            leaf_ids.len(),
            leaf_ids.len()
        ),
        result: bulk.short(),
        target: "≤ 20 ms".into(),
        met: Some(bulk.p99() <= Duration::from_millis(20)),
    });
    report_json.insert(
        "check_permissions".into(),
        json!({ "checks": leaf_ids.len(), "statements": probe.statements, "load_average": load, "latency": bulk.json() }),
    );
    if args.breakdown {
        let (query, variables) = aliased_organizations(&leaf_ids);
        breakdown.run(
            &client,
            &format!(
                "{} aliased `organization(id:) {{ id }}` (same ids, same document shape)",
                leaf_ids.len()
            ),
            few_batches,
            &query,
            &variables,
        )?;
        let same: Vec<String> = vec![deepest_id.clone(); leaf_ids.len()];
        let (query, variables) = aliased_can(&same);
        breakdown.run(
            &client,
            &format!(
                "{} aliased `can` on one organization (the deepest)",
                leaf_ids.len()
            ),
            few_batches,
            &query,
            &variables,
        )?;
    }
    report_json.insert(
        "can_batch".into(),
        json!({ "checks": leaf_ids.len(), "query_bytes": can_query.len(), "statements": probe.statements, "load_average": load, "latency": cans.json() }),
    );

    // (5) 10,000 members, page by page; every walk after an unrecorded first one is timed.
    let member_org = member_org.to_string();
    let pages = args.members.div_ceil(MEMBER_PAGE);
    let mut per_page: Vec<Vec<Duration>> = vec![Vec::new(); pages];
    let mut statements: Vec<Option<u64>> = vec![None; pages];
    let load = load_average();
    for walk in 0..=args.member_walks {
        let mut after: Option<String> = None;
        let mut seen = 0;
        for (page, page_samples) in per_page.iter_mut().enumerate() {
            let variables = json!({ "id": member_org, "after": after });
            let start = Instant::now();
            let answer = client.post(MEMBER_PAGE_QUERY, &variables, walk == 0)?;
            let took = start.elapsed();
            let connection = &answer.data["organization"]["members"];
            seen += connection["edges"].as_array().map_or(0, Vec::len);
            after = connection["pageInfo"]["endCursor"]
                .as_str()
                .map(str::to_owned);
            let more = connection["pageInfo"]["hasNextPage"] == json!(true);
            assert_eq!(more, page + 1 < pages, "page {page}");
            if walk == 0 {
                statements[page] = answer.statements;
            } else {
                page_samples.push(took);
            }
        }
        assert_eq!(seen, args.members, "walk {walk}");
    }
    let edge = 10.min(pages);
    let first_pages = Samples::from(per_page[..edge].concat());
    let last_pages = Samples::from(per_page[pages - edge..].concat());
    let all_pages = Samples::from(per_page.concat());
    let walk_ms: Vec<f64> = (0..args.member_walks)
        .map(|w| per_page.iter().map(|p| p[w].as_secs_f64() * 1e3).sum())
        .collect();
    println!(
        "(5) {} members, {pages} pages of {MEMBER_PAGE}, {} walks ({} statements per page) [load {load}]\n    first {edge} pages: {}\n    last {edge} pages:  {}\n    every page:     {}\n    whole walks: {}",
        args.members,
        args.member_walks,
        statements
            .first()
            .copied()
            .flatten()
            .map_or("?".into(), |n| n.to_string()),
        first_pages.summary(),
        last_pages.summary(),
        all_pages.summary(),
        walk_ms
            .iter()
            .map(|m| format!("{m:.0} ms"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    figures.push(Figure {
        issue: 4,
        what: format!(
            "`members(first: 100, after:)` of an organization with {} members: pages 1–{edge}",
            args.members
        ),
        result: first_pages.short(),
        target: "steady per page".into(),
        met: None,
    });
    figures.push(Figure {
        issue: 4,
        what: format!("same: pages {}–{pages}", pages - edge + 1),
        result: last_pages.short(),
        target: "steady per page".into(),
        met: Some(
            last_pages.p50().as_secs_f64() <= 1.5 * first_pages.p50().as_secs_f64().max(1e-4),
        ),
    });
    report_json.insert(
        "member_pages".into(),
        json!({
            "members": args.members,
            "pages": pages,
            "walks": args.member_walks,
            "statements_per_page": statements,
            "load_average": load,
            "first_pages": first_pages.json(),
            "last_pages": last_pages.json(),
            "all_pages": all_pages.json(),
            "walk_ms": walk_ms,
        }),
    );

    // 8. Existence oracle (issue 12): an organization hidden from the caller and an id
    // that never existed, in interleaved pairs, by a caller with a network of their own.
    let stranger = TokenKeys::hs256(secret.as_bytes(), DEFAULT_ISSUER, DEFAULT_AUDIENCE)
        .issue_user_token(
            "stranger@bench.example",
            None,
            Utc::now(),
            chrono::Duration::hours(6),
        )?;
    let stranger = Client {
        agent: agent(),
        endpoint: format!("{}/graphql", server.base),
        authorization: format!("Bearer {stranger}"),
    };
    stranger.data(
        "mutation { addOrganization(input: { name: \"Elsewhere\" }) { organization { id } } }",
        &json!({}),
    )?;
    let not_found = |id: String| -> BenchResult<Duration> {
        let start = Instant::now();
        let (status, text) = stranger.send(ORGANIZATION_NAME, &json!({ "id": id }), false)?;
        let took = start.elapsed();
        if status != 200 || !text.contains("NOT_FOUND") {
            return Err(format!("expected NOT_FOUND, got HTTP {status}: {text:.500}").into());
        }
        Ok(took)
    };
    let oracle = Paired::alternating(
        ORACLE_PAIRS,
        || not_found(deepest_id.clone()),
        || not_found(uuid::Uuid::new_v4().to_string()),
    )?;
    println!(
        "(8) existence oracle, {ORACLE_PAIRS} interleaved pairs: hidden {}; nonexistent {}; median paired difference {:.3} ms",
        oracle.this.summary(),
        oracle.other.summary(),
        oracle.median_difference_ms
    );
    figures.push(Figure {
        issue: 12,
        what: format!(
            "`organization(id:)` NOT_FOUND, hidden organization vs. nonexistent id ({ORACLE_PAIRS} interleaved pairs)"
        ),
        result: format!(
            "medians {:.3} ms vs. {:.3} ms (paired difference {:+.3} ms)",
            millis(oracle.this.p50()),
            millis(oracle.other.p50()),
            oracle.median_difference_ms
        ),
        target: "no difference".into(),
        met: Some(oracle.median_difference_ms.abs() < 0.02),
    });
    report_json.insert(
        "existence_oracle".into(),
        json!({
            "pairs": ORACLE_PAIRS,
            "hidden": oracle.this.json(),
            "nonexistent": oracle.other.json(),
            "median_paired_difference_ms": oracle.median_difference_ms,
        }),
    );

    report_json.insert("breakdown".into(), breakdown.json());

    // Report.
    let command = format!(
        "`cargo bench -p orgraph-server --bench http -- --backend {backend} --organizations {}`",
        args.organizations
    );
    let mut markdown = String::from(
        "| Issue | What | Command | Machine | Result | Target |\n|---|---|---|---|---|---|\n",
    );
    for figure in &figures {
        let verdict = match figure.met {
            Some(true) => " — met",
            Some(false) => " — missed",
            None => "",
        };
        let _ = writeln!(
            markdown,
            "| #{} | {} ({backend}) | {command} | {} | {} | {}{verdict} |",
            figure.issue,
            figure.what,
            machine.describe(),
            figure.result,
            figure.target
        );
    }
    if !breakdown.rows.is_empty() {
        markdown.push_str("\n| Breakdown (diagnostic) | Statements | Result |\n|---|---|---|\n");
        for (label, samples, statements) in &breakdown.rows {
            let _ = writeln!(
                markdown,
                "| {label} | {} | {} |",
                statements.map_or("?".into(), |n| n.to_string()),
                samples.short()
            );
        }
    }
    let load_at_end = load_average();
    println!("load average at end: {load_at_end}\n\n{markdown}");
    if let Some(path) = &args.markdown {
        std::fs::write(path, &markdown)?;
    }
    if let Some(path) = &args.json {
        let document = json!({
            "backend": backend,
            "organizations": args.organizations,
            "max_depth": args.max_depth,
            "fanout": args.fanout,
            "network_id": seed.network_id.to_string(),
            "machine": {
                "cores": machine.cores,
                "cpu": machine.cpu,
                "memory_gib": machine.memory_gib,
                "load_average_at_start": load_at_start,
                "load_average_at_end": load_at_end,
            },
            "results": Value::Object(report_json),
        });
        std::fs::write(path, serde_json::to_string_pretty(&document)?)?;
    }

    drop(server);
    drop(database);
    Ok(())
}
