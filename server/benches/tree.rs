//! Tree benchmark at scale: seeds one network into a fresh database and measures the figures
//! of the performance requirements (see BENCHMARKS.md).
//!
//! ```text
//! cargo bench -p orgraph-server --bench tree -- --backend sqlite --organizations 1000000
//! cargo bench -p orgraph-server --bench tree -- --backend postgres --organizations 1000000 \
//!     --json target/bench-pg.json --markdown target/bench-pg.md
//! ```
//!
//! SQLite uses a file in a temporary directory; PostgreSQL a database
//! `orgraph_bench_<random>` created on the server of `ORGRAPH_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped at the end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{
    human, load_average, read_flags, BackendArg, BenchResult, FreshDatabase, Machine, Samples,
};

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{json, Value};

use orgraph::auth::Principal;
use orgraph::domain::ids::{NetworkId, OrganizationId};
use orgraph::domain::organization::{Organization, TreeLimits};
use orgraph::service::organizations::NewOrganization;
use orgraph::service::seed::{SeedOptions, SeedReport};
use orgraph::service::Services;
use orgraph::store::organizations::{self as orgs, Listing};
use orgraph::store::{users, DatabaseUrl, DbConnection, Store};

const OWNER: &str = "bench-owner@orgraph.test";

#[derive(Debug)]
struct Args {
    backend: BackendArg,
    organizations: u64,
    max_depth: i32,
    fanout: u32,
    ancestor_iterations: usize,
    subtree_iterations: usize,
    moves: usize,
    json: Option<PathBuf>,
    markdown: Option<PathBuf>,
    keep: bool,
}

const USAGE: &str = "usage: tree [--backend sqlite|postgres] [--organizations N] [--max-depth D] \
[--fanout F] [--ancestor-iterations N] [--subtree-iterations N] [--moves N] [--json FILE] \
[--markdown FILE] [--keep (leave the database behind)]";

impl Args {
    fn parse() -> BenchResult<Self> {
        let mut args = Self {
            backend: BackendArg::Sqlite,
            organizations: 1_000_000,
            max_depth: 20,
            fanout: 10,
            ancestor_iterations: 2_000,
            subtree_iterations: 50,
            moves: 3,
            json: None,
            markdown: None,
            keep: false,
        };
        let mut switched: Vec<String> = Vec::new();
        read_flags(
            USAGE,
            &["--keep"],
            |flag| switched.push(flag.to_owned()),
            |flag, value| {
                match flag {
                    "--backend" => args.backend = BackendArg::parse(&value, USAGE)?,
                    "--organizations" => args.organizations = value.replace('_', "").parse()?,
                    "--max-depth" => args.max_depth = value.parse()?,
                    "--fanout" => args.fanout = value.parse()?,
                    "--ancestor-iterations" => args.ancestor_iterations = value.parse()?,
                    "--subtree-iterations" => args.subtree_iterations = value.parse()?,
                    "--moves" => args.moves = value.parse()?,
                    "--json" => args.json = Some(PathBuf::from(value)),
                    "--markdown" => args.markdown = Some(PathBuf::from(value)),
                    other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
                }
                Ok(())
            },
        )?;
        args.keep = switched.iter().any(|s| s == "--keep");
        Ok(args)
    }
}

impl FreshDatabase {
    /// Bytes on disk (SQLite: the file and its WAL).
    fn size(&self, conn: &mut DbConnection) -> Option<u64> {
        match self {
            Self::Sqlite {
                url: DatabaseUrl::Sqlite(path),
                ..
            } => {
                let mut wal = path.clone().into_os_string();
                wal.push("-wal");
                let file = std::fs::metadata(path).ok()?.len();
                Some(file + std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0))
            }
            Self::Postgres { .. } => {
                #[derive(diesel::QueryableByName)]
                struct Size {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    bytes: i64,
                }
                use diesel::RunQueryDsl;
                let size: Size =
                    diesel::sql_query("SELECT pg_database_size(current_database()) AS bytes")
                        .get_result(conn)
                        .ok()?;
                u64::try_from(size.bytes).ok()
            }
            Self::Sqlite { .. } => None,
        }
    }
}

/// The subtree whose size (itself included) is closest to `target`, among `candidates`.
fn closest_subtree(
    conn: &mut DbConnection,
    network: NetworkId,
    candidates: &[Organization],
    target: i64,
) -> BenchResult<(Organization, i64)> {
    let mut best: Option<(Organization, i64)> = None;
    for candidate in candidates {
        let size = orgs::count_descendants(conn, network, &candidate.path, None, false)? + 1;
        if best
            .as_ref()
            .is_none_or(|(_, b)| (size - target).abs() < (b - target).abs())
        {
            best = Some((candidate.clone(), size));
        }
    }
    best.ok_or_else(|| "no candidate subtree".into())
}

fn children(
    conn: &mut DbConnection,
    network: NetworkId,
    parent: OrganizationId,
) -> BenchResult<Vec<Organization>> {
    let listing = Listing {
        include_deleted: false,
        limit: 1_000,
    };
    Ok(orgraph::store::children::children_pages(
        conn,
        network,
        &[parent],
        None,
        &listing,
    )?)
}

fn find(conn: &mut DbConnection, id: OrganizationId) -> BenchResult<Organization> {
    orgs::find(conn, id)?.ok_or_else(|| format!("organization {id} not found").into())
}

struct Figure {
    what: String,
    result: String,
    target: String,
    met: Option<bool>,
}

fn main() -> BenchResult<()> {
    let args = Args::parse()?;
    let machine = Machine::detect();
    let backend = match args.backend {
        BackendArg::Sqlite => "sqlite",
        BackendArg::Postgres => "postgres",
    };
    println!(
        "orgraph tree benchmark: {backend}, {} organizations, depth {}, fanout {}",
        args.organizations, args.max_depth, args.fanout
    );
    println!("machine: {}", machine.describe());
    let load_at_start = load_average();
    println!(
        "load average at start: {load_at_start} (other work on the machine skews the figures)"
    );

    let database = FreshDatabase::create(args.backend, args.keep)?;
    let store = Store::connect(database.url(), 4)?;
    store.run_migrations()?;
    let services = Services::new(store.clone(), TreeLimits::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut figures: Vec<Figure> = Vec::new();
    let mut report_json = serde_json::Map::new();

    // Seeding.
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
    let rate = seed.organizations as f64 / seed_time.as_secs_f64();
    println!(
        "seed: {} organizations in {:.1} s ({rate:.0}/s), deepest at depth {}",
        seed.organizations,
        seed_time.as_secs_f64(),
        seed.deepest_depth
    );
    figures.push(Figure {
        what: format!(
            "Seed {} organizations (`seed_network_blocking`)",
            seed.organizations
        ),
        result: format!("{:.1} s ({rate:.0} rows/s)", seed_time.as_secs_f64()),
        target: "≤ 120 s (SQLite)".into(),
        met: (args.backend == BackendArg::Sqlite).then_some(seed_time <= Duration::from_secs(120)),
    });
    report_json.insert(
        "seed".into(),
        json!({ "organizations": seed.organizations, "seconds": seed_time.as_secs_f64(), "deepest_depth": seed.deepest_depth }),
    );

    let network = seed.network_id;
    let mut conn = store.read_connection()?;
    if let Some(bytes) = database.size(&mut conn) {
        println!("database size: {:.0} MiB", bytes as f64 / 1024.0 / 1024.0);
        report_json.insert("database_bytes".into(), json!(bytes));
    }

    // (a) Ancestors of the deepest organization: one indexed IN lookup.
    let deepest = find(&mut conn, seed.deepest_id)?;
    let expected = usize::try_from(deepest.depth)?;
    let ancestors = Samples::measure(args.ancestor_iterations, || {
        let found = orgs::by_paths(&mut conn, network, &deepest.path.ancestors())?;
        assert_eq!(found.len(), expected);
        Ok(found)
    })?;
    println!(
        "(a) ancestors of the deepest organization (depth {}): {}",
        deepest.depth,
        ancestors.summary()
    );
    figures.push(Figure {
        what: format!(
            "Ancestors of the deepest organization (depth {}, store layer)",
            deepest.depth
        ),
        result: format!(
            "p50 {} · p99 {}",
            human(ancestors.percentile(50.0)),
            human(ancestors.percentile(99.0))
        ),
        target: "p99 ≤ 1 ms".into(),
        met: Some(ancestors.percentile(99.0) <= Duration::from_millis(1)),
    });
    report_json.insert("ancestors".into(), ancestors.json());

    // The ~100,000 and ~10,000 subtrees, found by counting.
    let depth1 = children(&mut conn, network, seed.root_id)?;
    let (large, large_size) = closest_subtree(&mut conn, network, &depth1, 100_000)?;
    let depth2 = children(&mut conn, network, large.id)?;
    let (medium, medium_size) = closest_subtree(&mut conn, network, &depth2, 10_000)?;
    println!(
        "subtrees: {} ({large_size} organizations), {} ({medium_size})",
        large.name, medium.name
    );

    // (b) Reading the ~10,000 subtree: one range scan, every row converted to a domain value.
    let subtree = Samples::measure(args.subtree_iterations, || {
        let rows = orgs::subtree(&mut conn, network, &medium.path, true)?;
        assert_eq!(rows.len() as i64, medium_size);
        Ok(rows)
    })?;
    println!(
        "(b) read the {medium_size}-organization subtree: {}",
        subtree.summary()
    );
    let first_page = Samples::measure(args.ancestor_iterations / 2, || {
        let listing = Listing {
            include_deleted: false,
            limit: 100,
        };
        Ok(orgs::descendants_page(
            &mut conn,
            network,
            &medium.path,
            None,
            None,
            &listing,
        )?)
    })?;
    println!(
        "    first page (100) of its descendants: {}",
        first_page.summary()
    );
    figures.push(Figure {
        what: format!("Read a {medium_size}-organization subtree (all rows, store layer)"),
        result: format!(
            "p50 {} · p99 {}",
            human(subtree.percentile(50.0)),
            human(subtree.percentile(99.0))
        ),
        target: "—".into(),
        met: None,
    });
    figures.push(Figure {
        what: "First page (100) of that subtree's descendants".into(),
        result: format!(
            "p50 {} · p99 {}",
            human(first_page.percentile(50.0)),
            human(first_page.percentile(99.0))
        ),
        target: "—".into(),
        met: None,
    });
    report_json.insert(
        "subtree_read".into(),
        json!({ "organizations": medium_size, "latency": subtree.json() }),
    );
    report_json.insert("subtree_first_page".into(), first_page.json());
    drop(conn);

    // (c) Moving the ~100,000 subtree under a sibling, back, and so on: one transaction each.
    let owner = {
        let mut conn = store.read_connection()?;
        users::find_by_email(&mut conn, OWNER)?.ok_or("owner not found")?
    };
    let principal = Principal::User(owner);
    let sibling = depth1
        .iter()
        .find(|o| o.id != large.id)
        .ok_or("the root needs two children to benchmark a move")?
        .clone();
    let mut moves = Vec::new();
    for i in 0..args.moves {
        let to = if i % 2 == 0 { sibling.id } else { seed.root_id };
        let start = Instant::now();
        let moved =
            runtime.block_on(services.move_organization(&principal, large.id, to, Utc::now()))?;
        let took = start.elapsed();
        println!(
            "(c) move {large_size} organizations under {to}: {} (now at depth {})",
            human(took),
            moved.depth
        );
        moves.push(took);
    }
    if !moves.is_empty() {
        let worst = moves.iter().max().copied().unwrap_or_default();
        let list: Vec<String> = moves.iter().map(|d| human(*d)).collect();
        figures.push(Figure {
            what: format!("Move a {large_size}-organization subtree (`moveOrganization` service)"),
            result: format!(
                "{} (worst of {}: {})",
                human(worst),
                moves.len(),
                list.join(", ")
            ),
            target: "≤ 2 s".into(),
            met: Some(worst <= Duration::from_secs(2)),
        });
        report_json.insert(
            "move".into(),
            json!({ "organizations": large_size, "seconds": moves.iter().map(Duration::as_secs_f64).collect::<Vec<_>>() }),
        );
    }

    // (d) A new root above the whole network: every row moves one level down.
    let start = Instant::now();
    let new_root = runtime.block_on(services.add_root_organization(
        &principal,
        seed.root_id,
        NewOrganization {
            name: "Benchmark root".into(),
            kind: None,
            contract_account_id: None,
        },
        Utc::now(),
    ))?;
    let add_root = start.elapsed();
    println!(
        "(d) add a root above {} organizations: {}",
        seed.organizations,
        human(add_root)
    );
    figures.push(Figure {
        what: format!(
            "Add a root above the {}-organization network (`addRootOrganization`)",
            seed.organizations
        ),
        result: human(add_root),
        target: "—".into(),
        met: None,
    });
    report_json.insert(
        "add_root".into(),
        json!({ "organizations": seed.organizations, "seconds": add_root.as_secs_f64() }),
    );

    // The ancestors again, now that the tree has been restructured.
    let mut conn = store.read_connection()?;
    let deepest = find(&mut conn, seed.deepest_id)?;
    let expected = usize::try_from(deepest.depth)?;
    let after = Samples::measure(args.ancestor_iterations, || {
        let found = orgs::by_paths(&mut conn, network, &deepest.path.ancestors())?;
        assert_eq!(found.len(), expected);
        assert_eq!(found.first().map(|o| o.id), Some(new_root.id));
        Ok(found)
    })?;
    println!(
        "    ancestors again after the moves (depth {}): {}",
        deepest.depth,
        after.summary()
    );
    report_json.insert("ancestors_after_restructuring".into(), after.json());
    drop(conn);

    // Report.
    let command = format!(
        "`cargo bench -p orgraph-server --bench tree -- --backend {backend} --organizations {}`",
        args.organizations
    );
    let mut markdown =
        String::from("| What | Command | Machine | Result | Target |\n|---|---|---|---|---|\n");
    for figure in &figures {
        let verdict = match figure.met {
            Some(true) => " ✅ met",
            Some(false) => " ❌ missed",
            None => "",
        };
        markdown.push_str(&format!(
            "| {} ({backend}) | {command} | {} | {} | {}{verdict} |\n",
            figure.what,
            machine.describe(),
            figure.result,
            figure.target
        ));
    }
    println!("load average at end: {}\n\n{markdown}", load_average());
    if let Some(path) = &args.markdown {
        std::fs::write(path, &markdown)?;
    }
    if let Some(path) = &args.json {
        let document = json!({
            "backend": backend,
            "organizations": args.organizations,
            "max_depth": args.max_depth,
            "fanout": args.fanout,
            "machine": {
                "cores": machine.cores,
                "cpu": machine.cpu,
                "memory_gib": machine.memory_gib,
                "load_average_at_start": load_at_start,
                "load_average_at_end": load_average(),
            },
            "results": Value::Object(report_json),
        });
        std::fs::write(path, serde_json::to_string_pretty(&document)?)?;
    }

    drop(services);
    drop(store);
    drop(database);
    Ok(())
}
