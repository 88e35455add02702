//! Directory provisioning over SCIM (issue 16): 10,000 users and then one group with all
//! 10,000 as members, pushed through `/scim/v2` of the real server the way an identity
//! provider does it, on SQLite and on PostgreSQL.
//!
//! ```text
//! cargo bench -p orgraph-server --bench scim
//! cargo bench -p orgraph-server --bench scim -- --backend sqlite --users 10000 --clients 4
//! # options: --backend sqlite|postgres|both (default both) --users N (10000)
//! #          --clients N (4) --batch N (members per group PATCH, 100)
//! #          --lookup with|without|both (the GET before each create; default both)
//! #          --workers N (server workers; default one per core)
//! #          --keep (keep the databases, print their URLs and the SCIM tokens)
//! #          --analyze-after N (PostgreSQL: ANALYZE once N users exist; default never)
//! ```
//!
//! Each run (one backend, with or without the lookup) starts `orgraph serve` on a fresh
//! database, creates an organization with an all-users onboarding rule (EMPLOYEE: every
//! create also onboards a member, the realistic and heavier path) and a SCIM token, then:
//!
//! 1. **users**: `--clients` threads, one keep-alive connection each, take the next index and
//!    send what Entra ID sends for one user: `GET /Users?filter=userName eq "…"` (expects
//!    none; left out with `--lookup without`), then `POST /Users` with Entra's body (core and
//!    enterprise schemas, userName, name, a work email, active, externalId);
//! 2. **group**: the lookup Entra sends first (`GET /Groups?excludedAttributes=members&filter=
//!    displayName eq "…"`), `POST /Groups` without members, then `PATCH` adding the members,
//!    `--batch` per request (`op: "Add", path: "members"`), from `--clients` threads at once
//!    (they serialize on the server);
//! 3. **checks**: `GET /Users?count=1` answers `totalResults` = N, `GET /Groups/{id}` lists
//!    N members, and GraphQL counts N ACTIVE members of the organization;
//! 4. **statements**: one more lookup, create and 100-member PATCH run in-process through
//!    `Services` with a statement counter on the same database (the server idle), so that the
//!    report tells how many SQL statements each request costs.
//!
//! Targets: the whole run ≤ 30 s per backend; users created per second ≥ 25 (Entra ID's
//! floor for an endpoint), aim 500.
//!
//! PostgreSQL plans the first statements on the fresh tables without statistics, and keeps
//! doing so until something runs `ANALYZE` (autovacuum at most once a minute; on a server
//! with autovacuum off, never). `--analyze-after N` runs `ANALYZE` once, from the benchmark,
//! when N users exist: the same run with statistics, to tell the plans apart from the rest.
//! Needs PostgreSQL at `ORGRAPH_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) unless `--backend sqlite`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{json, Value};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use orgraph::auth::{TokenKeys, DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use orgraph::domain::organization::TreeLimits;
use orgraph::domain::scim::filter::{conditions, parse_filter, Listed};
use orgraph::domain::scim::patch::parse_operations;
use orgraph::domain::scim::resource::normalize;
use orgraph::domain::scim::schema::USER_RESOURCE;
use orgraph::service::Services;
use orgraph::store::{DatabaseUrl, StatementCounter, Store};
use support::server::{agent, Server};
use support::{
    human, load_average, read_flags, BackendArg, BenchResult, FreshDatabase, Machine, Samples,
};

const USAGE: &str = "usage: scim [--backend sqlite|postgres|both (default both)] \
[--users N (default 10000)] [--clients N (concurrent provider connections, default 4)] \
[--batch N (members per group PATCH, default 100)] \
[--lookup with|without|both (GET filter before each create, default both)] \
[--workers N (server workers, default one per core)] [--keep (keep the databases)] \
[--analyze-after N (PostgreSQL: ANALYZE the database once, when N users exist)]";

const SECRET: &str = "orgraph-bench-secret-orgraph-bench-secret";
const ADMIN: &str = "it@bench.test";
const SCIM_JSON: &str = "application/scim+json; charset=utf-8";
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const GROUP_NAME: &str = "All staff";
const TARGET_TOTAL: Duration = Duration::from_secs(30);
const FLOOR_RATE: f64 = 25.0;
const AIM_RATE: f64 = 500.0;

struct Args {
    backends: Vec<BackendArg>,
    users: usize,
    clients: usize,
    batch: usize,
    lookups: Vec<bool>,
    workers: Option<u32>,
    keep: bool,
    analyze_after: Option<usize>,
}

impl Args {
    fn read() -> BenchResult<Self> {
        let mut args = Self {
            backends: vec![BackendArg::Sqlite, BackendArg::Postgres],
            users: 10_000,
            clients: 4,
            batch: 100,
            lookups: vec![true, false],
            workers: None,
            keep: false,
            analyze_after: None,
        };
        let mut keep = false;
        read_flags(
            USAGE,
            &["--keep"],
            |_| keep = true,
            |flag, value| {
                match flag {
                    "--backend" => {
                        args.backends = match value.as_str() {
                            "both" => vec![BackendArg::Sqlite, BackendArg::Postgres],
                            one => vec![BackendArg::parse(one, USAGE)?],
                        }
                    }
                    "--users" => args.users = value.parse()?,
                    "--clients" => args.clients = value.parse::<usize>()?.max(1),
                    "--batch" => args.batch = value.parse::<usize>()?.max(1),
                    "--lookup" => {
                        args.lookups = match value.as_str() {
                            "both" => vec![true, false],
                            "with" => vec![true],
                            "without" => vec![false],
                            other => {
                                return Err(format!("unknown --lookup {other}\n{USAGE}").into())
                            }
                        }
                    }
                    "--workers" => args.workers = Some(value.parse()?),
                    "--analyze-after" => args.analyze_after = Some(value.parse()?),
                    other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
                }
                Ok(())
            },
        )?;
        args.keep = keep;
        Ok(args)
    }
}

fn main() -> BenchResult<()> {
    let args = Args::read()?;
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_orgraph"));
    println!(
        "machine: {}; load average at start {}",
        Machine::detect().describe(),
        load_average()
    );
    println!(
        "{} users, {} clients, {} members per PATCH, server workers: {}",
        args.users,
        args.clients,
        args.batch,
        args.workers
            .map_or_else(|| "one per core".to_owned(), |w| w.to_string())
    );
    if let Some(n) = args.analyze_after {
        println!("PostgreSQL: ANALYZE once {n} users exist (a stand-in for autovacuum)");
    }
    let mut reports = Vec::new();
    for &backend in &args.backends {
        for &lookup in &args.lookups {
            let report = run(&binary, &args, backend, lookup)?;
            report.print();
            reports.push(report);
        }
    }
    println!("\n| Backend | GET before create | users | users/s (first 10 % · last 10 %) | create p50 · p99 | lookup p50 · p99 | group ({} PATCHes) | PATCH p50 · p99 | total | ≤ 30 s | ≥ 25/s · 500/s |", args.users.div_ceil(args.batch));
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for report in &reports {
        println!("{}", report.row());
    }
    println!("\nstatements per request (in-process, the same database afterwards):");
    for report in &reports {
        println!(
            "  {} {}: {}",
            report.backend,
            report.mode(),
            report.statements
        );
    }
    println!("load average at end {}", load_average());
    Ok(())
}

fn backend_name(backend: BackendArg) -> &'static str {
    match backend {
        BackendArg::Sqlite => "SQLite",
        BackendArg::Postgres => "PostgreSQL",
    }
}

struct Report {
    backend: &'static str,
    lookup: bool,
    users: usize,
    users_time: Duration,
    first_rate: f64,
    last_rate: f64,
    creates: Samples,
    lookups: Samples,
    group_time: Duration,
    patches: Samples,
    read_group: Duration,
    total: Duration,
    statements: String,
}

impl Report {
    fn mode(&self) -> &'static str {
        if self.lookup {
            "with the GET before each create"
        } else {
            "without the GET"
        }
    }

    fn rate(&self) -> f64 {
        self.users as f64 / self.users_time.as_secs_f64()
    }

    fn print(&self) {
        println!(
            "\n{} {}: users {:.1} s ({:.0}/s; first 10 % {:.0}/s, last 10 % {:.0}/s), group {:.1} s, total {:.1} s",
            self.backend,
            self.mode(),
            self.users_time.as_secs_f64(),
            self.rate(),
            self.first_rate,
            self.last_rate,
            self.group_time.as_secs_f64(),
            self.total.as_secs_f64()
        );
        println!("  POST /Users    {}", self.creates.summary());
        if self.lookup {
            println!("  GET filter     {}", self.lookups.summary());
        }
        println!("  PATCH /Groups  {}", self.patches.summary());
        println!(
            "  GET /Groups/{{id}} with {} members: {}",
            self.users,
            human(self.read_group)
        );
        println!("  statements: {}", self.statements);
    }

    fn row(&self) -> String {
        let met = |ok: bool| if ok { "met" } else { "missed" };
        format!(
            "| {} | {} | {:.1} s | {:.0} ({:.0} · {:.0}) | {} | {} | {:.1} s | {} | {:.1} s | {} | {} · {} |",
            self.backend,
            if self.lookup { "yes" } else { "no" },
            self.users_time.as_secs_f64(),
            self.rate(),
            self.first_rate,
            self.last_rate,
            self.creates.short(),
            if self.lookup {
                self.lookups.short()
            } else {
                "—".to_owned()
            },
            self.group_time.as_secs_f64(),
            self.patches.short(),
            self.total.as_secs_f64(),
            met(self.total <= TARGET_TOTAL),
            met(self.rate() >= FLOOR_RATE),
            met(self.rate() >= AIM_RATE),
        )
    }
}

/// One SCIM answer: status and body text.
struct Answer {
    status: u16,
    text: String,
}

impl Answer {
    fn json(&self) -> Result<Value, String> {
        serde_json::from_str(&self.text).map_err(|e| format!("{e}: {}", self.text))
    }
}

/// A provider's connection to `/scim/v2`.
#[derive(Clone)]
struct Scim {
    agent: ureq::Agent,
    base: String,
    authorization: String,
}

impl Scim {
    fn new(server: &str, token: &str) -> Self {
        Self {
            agent: agent(),
            base: format!("{server}/scim/v2"),
            authorization: format!("Bearer {token}"),
        }
    }

    /// The same credentials on a connection of its own.
    fn connection(&self) -> Self {
        Self {
            agent: agent(),
            ..self.clone()
        }
    }

    fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Answer, String> {
        let url = format!("{}{path}", self.base);
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("authorization", &self.authorization)
            .header("accept", "application/scim+json")
            .header("content-type", SCIM_JSON)
            .body(bytes)
            .map_err(|e| e.to_string())?;
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{method} {path}: {e}"))?;
        Ok(Answer { status, text })
    }

    /// `method path` answered `status`, else an error with the answer.
    fn expect(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        status: u16,
    ) -> Result<Answer, String> {
        let answer = self.send(method, path, body)?;
        if answer.status != status {
            return Err(format!(
                "{method} {path}: expected {status}, got {}: {}",
                answer.status, answer.text
            ));
        }
        Ok(answer)
    }
}

/// `?filter=attribute eq "value"` as Entra ID encodes it (`+` for spaces).
fn filter(attribute: &str, value: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("filter", &format!("{attribute} eq \"{value}\""))
        .finish()
}

fn user_name(i: usize) -> String {
    format!("user{i}@bench.test")
}

/// What Entra ID posts to create a user (its tutorial's body, with the enterprise extension).
fn entra_user(i: usize) -> Value {
    let user_name = user_name(i);
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "externalId": format!("{:08x}-0000-4000-8000-{i:012}", 0xbe7c_0000_u32),
        "userName": user_name,
        "active": true,
        "displayName": format!("Given{i} Family{i}"),
        "emails": [{ "primary": true, "type": "work", "value": user_name }],
        "meta": { "resourceType": "User" },
        "name": {
            "formatted": format!("Given{i} Family{i}"),
            "familyName": format!("Family{i}"),
            "givenName": format!("Given{i}"),
        },
        "roles": [],
        ENTERPRISE_SCHEMA: { "department": format!("Department {}", i % 50) },
    })
}

fn add_members(ids: &[String]) -> Value {
    let members: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "$ref": null, "value": id }))
        .collect();
    json!({
        "schemas": [PATCH_SCHEMA],
        "Operations": [{ "op": "Add", "path": "members", "value": members }],
    })
}

/// GraphQL as the organization's administrator.
struct Admin {
    agent: ureq::Agent,
    endpoint: String,
    authorization: String,
}

impl Admin {
    fn data(&self, query: &str, variables: Value) -> BenchResult<Value> {
        let mut response = self
            .agent
            .post(&self.endpoint)
            .header("authorization", &self.authorization)
            .send_json(json!({ "query": query, "variables": variables }))?;
        let body: Value = response.body_mut().read_json()?;
        if body.get("errors").is_some() {
            return Err(format!("{query}: {body}").into());
        }
        Ok(body["data"].clone())
    }
}

/// What one provider connection did in the users phase.
#[derive(Default)]
struct UsersDone {
    ids: Vec<(usize, String)>,
    creates: Vec<Duration>,
    lookups: Vec<Duration>,
    /// When each create was answered, from the start of the phase.
    finished: Vec<Duration>,
}

fn run(binary: &Path, args: &Args, backend: BackendArg, lookup: bool) -> BenchResult<Report> {
    let name = backend_name(backend);
    println!(
        "\n== {name}, {} the GET before each create (load average {})",
        if lookup { "with" } else { "without" },
        load_average()
    );
    let database = FreshDatabase::create(backend, args.keep)?;
    let scratch = tempfile::tempdir()?;
    let server = Server::start(
        binary,
        &database.server_url(),
        SECRET,
        args.workers,
        scratch.path(),
    )?;
    let token = TokenKeys::hs256(SECRET.as_bytes(), DEFAULT_ISSUER, DEFAULT_AUDIENCE)
        .issue_user_token(ADMIN, None, Utc::now(), chrono::Duration::hours(6))?;
    let admin = Admin {
        agent: agent(),
        endpoint: format!("{}/graphql", server.base),
        authorization: format!("Bearer {token}"),
    };
    let organization = admin.data(
        "mutation { addOrganization(input: { name: \"Contoso\" }) { organization { id } } }",
        json!({}),
    )?["addOrganization"]["organization"]["id"]
        .as_str()
        .ok_or("no organization id")?
        .to_owned();
    admin.data(
        "mutation($input: CreateOnboardingRuleInput!) { createOnboardingRule(input: $input) { onboardingRule { id } } }",
        json!({ "input": { "organizationId": organization, "role": "EMPLOYEE" } }),
    )?;
    let scim_token = admin.data(
        "mutation($input: CreateScimTokenInput!) { createScimToken(input: $input) { token } }",
        json!({ "input": { "organizationId": organization, "description": "Entra ID (bench)" } }),
    )?["createScimToken"]["token"]
        .as_str()
        .ok_or("no SCIM token")?
        .to_owned();
    if args.keep {
        println!("organization {organization}, SCIM token {scim_token}");
    }
    let scim = Scim::new(&server.base, &scim_token);

    // 1. Users.
    let started = Instant::now();
    let provisioned = Arc::new(AtomicUsize::new(0));
    let analyzer = match (database.url(), args.analyze_after) {
        (DatabaseUrl::Postgres(url), Some(after)) => {
            let (url, provisioned) = (url.clone(), Arc::clone(&provisioned));
            let users = args.users;
            Some(std::thread::spawn(
                move || -> Result<Option<Duration>, String> {
                    while provisioned.load(Ordering::Relaxed) < after.min(users) {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    let began = Instant::now();
                    diesel::pg::PgConnection::establish(&url)
                        .map_err(|e| e.to_string())?
                        .batch_execute("ANALYZE")
                        .map_err(|e| e.to_string())?;
                    Ok(Some(began.elapsed()))
                },
            ))
        }
        _ => None,
    };
    let next = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..args.clients)
        .map(|_| {
            let scim = scim.connection();
            let (next, provisioned) = (Arc::clone(&next), Arc::clone(&provisioned));
            let users = args.users;
            std::thread::spawn(move || -> Result<UsersDone, String> {
                let mut done = UsersDone::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= users {
                        return Ok(done);
                    }
                    if lookup {
                        let sent = Instant::now();
                        let path = format!("/Users?{}", filter("userName", &user_name(i)));
                        let found = scim.expect("GET", &path, None, 200)?.json()?;
                        done.lookups.push(sent.elapsed());
                        if found["totalResults"] != 0 {
                            return Err(format!("{path} found {found}"));
                        }
                    }
                    let sent = Instant::now();
                    let created = scim
                        .expect("POST", "/Users", Some(&entra_user(i)), 201)?
                        .json()?;
                    done.creates.push(sent.elapsed());
                    done.finished.push(started.elapsed());
                    provisioned.fetch_add(1, Ordering::Relaxed);
                    let id = created["id"]
                        .as_str()
                        .ok_or_else(|| format!("no id in {created}"))?;
                    done.ids.push((i, id.to_owned()));
                }
            })
        })
        .collect();
    let mut all = UsersDone::default();
    for handle in handles {
        let done = handle.join().map_err(|_| "a client panicked")??;
        all.ids.extend(done.ids);
        all.creates.extend(done.creates);
        all.lookups.extend(done.lookups);
        all.finished.extend(done.finished);
    }
    let users_time = started.elapsed();
    if let Some(analyzer) = analyzer {
        if let Some(took) = analyzer.join().map_err(|_| "the analyzer panicked")?? {
            println!(
                "ANALYZE after {} users took {}",
                args.analyze_after.unwrap_or_default(),
                human(took)
            );
        }
    }
    all.ids.sort();
    all.finished.sort();
    let ids: Vec<String> = all.ids.into_iter().map(|(_, id)| id).collect();
    let (first_rate, last_rate) = window_rates(&all.finished);
    println!(
        "users: {} in {:.1} s ({:.0}/s)",
        ids.len(),
        users_time.as_secs_f64(),
        ids.len() as f64 / users_time.as_secs_f64()
    );

    // 2. The group, then its members in batches.
    let group_started = Instant::now();
    let path = format!(
        "/Groups?excludedAttributes=members&{}",
        filter("displayName", GROUP_NAME)
    );
    let found = scim.expect("GET", &path, None, 200)?.json()?;
    if found["totalResults"] != 0 {
        return Err(format!("{path} found {found}").into());
    }
    let group = scim
        .expect(
            "POST",
            "/Groups",
            Some(&json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                "externalId": "be7c0000-0000-4000-8000-000000000000",
                "displayName": GROUP_NAME,
                "meta": { "resourceType": "Group" },
            })),
            201,
        )?
        .json()?["id"]
        .as_str()
        .ok_or("no group id")?
        .to_owned();
    let batches: Arc<Vec<Vec<String>>> =
        Arc::new(ids.chunks(args.batch).map(<[String]>::to_vec).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..args.clients)
        .map(|_| {
            let scim = scim.connection();
            let (next, batches) = (Arc::clone(&next), Arc::clone(&batches));
            let path = format!("/Groups/{group}");
            std::thread::spawn(move || -> Result<Vec<Duration>, String> {
                let mut latencies = Vec::new();
                loop {
                    let Some(batch) = batches.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        return Ok(latencies);
                    };
                    let sent = Instant::now();
                    scim.expect("PATCH", &path, Some(&add_members(batch)), 204)?;
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut patches = Vec::new();
    for handle in handles {
        patches.extend(handle.join().map_err(|_| "a client panicked")??);
    }
    let group_time = group_started.elapsed();
    let total = started.elapsed();
    println!(
        "group: {} PATCHes in {:.1} s",
        patches.len(),
        group_time.as_secs_f64()
    );

    // 3. Checks.
    let listed = scim.expect("GET", "/Users?count=1", None, 200)?.json()?;
    if listed["totalResults"] != args.users {
        return Err(format!(
            "GET /Users?count=1: totalResults {}, expected {}",
            listed["totalResults"], args.users
        )
        .into());
    }
    let read = Instant::now();
    let full = scim
        .expect("GET", &format!("/Groups/{group}"), None, 200)?
        .json()?;
    let read_group = read.elapsed();
    let members = full["members"].as_array().map_or(0, Vec::len);
    if members != args.users {
        return Err(format!("the group has {members} members, expected {}", args.users).into());
    }
    let counted = admin.data(
        "query($id: ID!) { organization(id: $id) {
            active: members(status: ACTIVE, first: 1) { totalCount }
            all: members(first: 1) { totalCount } } }",
        json!({ "id": organization }),
    )?;
    let active = &counted["organization"]["active"]["totalCount"];
    let every = &counted["organization"]["all"]["totalCount"];
    if *active != args.users || *every != args.users {
        return Err(format!(
            "GraphQL: {active} ACTIVE members of {every}, expected {}",
            args.users
        )
        .into());
    }
    println!(
        "checks: totalResults {}, group members {members}, ACTIVE members {active} — ok",
        listed["totalResults"]
    );

    // 4. Statements per request, in-process on the same database.
    let statements = count_statements(&database, &scim_token, &group)?;
    drop(server);

    Ok(Report {
        backend: name,
        lookup,
        users: args.users,
        users_time,
        first_rate,
        last_rate,
        creates: Samples::from(all.creates),
        lookups: Samples::from(all.lookups),
        group_time,
        patches: Samples::from(patches),
        read_group,
        total,
        statements,
    })
}

/// Creations per second over the first and the last tenth of them (sorted finish times).
fn window_rates(finished: &[Duration]) -> (f64, f64) {
    let n = finished.len();
    let tenth = (n / 10).max(1);
    if n < 2 {
        return (0.0, 0.0);
    }
    let rate = |from: Duration, to: Duration, count: usize| {
        count as f64 / (to.saturating_sub(from)).as_secs_f64().max(1e-9)
    };
    (
        rate(Duration::ZERO, finished[tenth - 1], tenth),
        rate(finished[n - tenth - 1], finished[n - 1], tenth),
    )
}

/// One lookup, one create and one PATCH adding 100 new members, run through `Services`
/// with a statement counter (as `x-orgraph-debug: statements` does for GraphQL), timed.
fn count_statements(database: &FreshDatabase, token: &str, group: &str) -> BenchResult<String> {
    let store = Store::connect(database.url(), 2)?;
    let services = Services::new(store, TreeLimits::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let caller = runtime
        .block_on(services.directory_caller(token))?
        .ok_or("the SCIM token is not live")?;
    let measure = |what: &str, run: &dyn Fn(&Services) -> BenchResult<()>| -> BenchResult<String> {
        let counter = StatementCounter::default();
        let counted = services.counting(counter.clone());
        let started = Instant::now();
        run(&counted)?;
        Ok(format!(
            "{what} {} ({})",
            counter.get(),
            human(started.elapsed())
        ))
    };
    let probe = |i: usize| {
        let mut body = entra_user(i);
        let name = format!("probe{i}@bench.test");
        body["userName"] = json!(name);
        body["emails"][0]["value"] = json!(name);
        body
    };
    let lookup = measure("GET filter", &|services| {
        let parsed = parse_filter("userName eq \"probe0@bench.test\"")?;
        let conditions = conditions(&parsed, Listed::Users)?;
        runtime.block_on(services.scim_users(caller.clone(), conditions, 1, 200))?;
        Ok(())
    })?;
    let create = measure("POST /Users", &|services| {
        let attributes = normalize(USER_RESOURCE, &probe(0))?;
        runtime.block_on(services.scim_create_user(caller.clone(), attributes, Utc::now()))?;
        Ok(())
    })?;
    let mut new = Vec::new();
    for i in 1..=100 {
        let attributes = normalize(USER_RESOURCE, &probe(i))?;
        let view =
            runtime.block_on(services.scim_create_user(caller.clone(), attributes, Utc::now()))?;
        new.push(view.user.id.to_string());
    }
    let patch = measure("PATCH /Groups (+100 members)", &|services| {
        let operations = parse_operations(&add_members(&new))?;
        runtime.block_on(services.scim_patch_group(
            caller.clone(),
            group,
            operations,
            None,
            Utc::now(),
        ))?;
        Ok(())
    })?;
    Ok(format!("{lookup}; {create}; {patch}"))
}
