//! SIGKILL under write load (SQLite): after a restart the file is intact, the network is still
//! one tree, and every write the server acknowledged is there.

use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::sql_types::{Nullable, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::harness::ops::{assert_listing_is_a_tree, id, payload_parent_is_or_stale};
use crate::harness::{assert_tree_invariants, Backend, TestDatabase, TestServer};

/// Kill, restart, check; this many times.
const KILLS: usize = 3;
/// Write load before each kill.
const LOAD: Duration = Duration::from_millis(1500);
const WRITERS: usize = 3;

const ADD_SUB: &str = "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id depth isRoot parent { id } } } }";
const MOVE: &str = "mutation($input: MoveOrganizationInput!) { moveOrganization(input: $input) { organization { id depth isRoot parent { id } } } }";

/// What one writer knows of the organizations it created: only it moves them, so after an
/// acknowledged (or refused) request their parent is known, until a request of its is cut
/// off by the kill (it may or may not have committed).
#[derive(Default)]
struct Writer {
    /// Acknowledged creations, in order.
    created: Vec<String>,
    /// Parent of each, `None` when the last move of it was cut off.
    parent: HashMap<String, Option<String>>,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    created: usize,
    moved: usize,
    refused: usize,
    /// Requests sent before the kill that got no answer.
    cut_off: usize,
    /// Payloads with `parent: null` (see `payload_parent_is_or_stale`).
    stale_parents: usize,
}

/// Adds and moves organizations until the server dies under it.
fn write_until_killed(
    server: &TestServer,
    token: &str,
    label: &str,
    seed: u64,
    writer: &mut Writer,
    targets: &Mutex<Vec<String>>,
    killed: &AtomicBool,
) -> Tally {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut tally = Tally::default();
    for n in 0.. {
        let target = {
            let targets = targets.lock().unwrap();
            targets[rng.random_range(0..targets.len())].clone()
        };
        let moving = (!writer.created.is_empty() && rng.random_bool(0.4))
            .then(|| writer.created[rng.random_range(0..writer.created.len())].clone());
        let sent_before_kill = !killed.load(Ordering::SeqCst);
        let result = match &moving {
            Some(org) => server.try_gql(
                Some(token),
                MOVE,
                json!({ "input": { "id": org, "newParentId": target } }),
            ),
            None => server.try_gql(
                Some(token),
                ADD_SUB,
                json!({ "input": { "parentId": target, "name": format!("{label}-{n}") } }),
            ),
        };
        let reply = match result {
            Ok(reply) => reply,
            Err(error) => {
                assert!(
                    killed.load(Ordering::SeqCst),
                    "transport error before the kill: {error}\n{}",
                    server.log_text()
                );
                if let Some(org) = moving {
                    writer.parent.insert(org, None);
                }
                tally.cut_off += usize::from(sent_before_kill);
                return tally;
            }
        };
        assert_eq!(reply.status, 200, "{}", reply.body);
        match (reply.code(), moving) {
            (None, None) => {
                let org = &reply.ok()["addSubOrganization"]["organization"];
                tally.stale_parents += usize::from(payload_parent_is_or_stale(org, &target));
                let created = id(org);
                writer.created.push(created.clone());
                writer.parent.insert(created.clone(), Some(target));
                targets.lock().unwrap().push(created);
                tally.created += 1;
            }
            (None, Some(org)) => {
                let moved = &reply.ok()["moveOrganization"]["organization"];
                assert_eq!(id(moved), org);
                tally.stale_parents += usize::from(payload_parent_is_or_stale(moved, &target));
                writer.parent.insert(org, Some(target));
                tally.moved += 1;
            }
            // Too deep (either), or under itself or a descendant (moves): nothing changed.
            (Some("LIMIT_EXCEEDED"), _) | (Some("BAD_USER_INPUT" | "CONFLICT"), Some(_)) => {
                tally.refused += 1;
            }
            (Some(_), moving) => panic!(
                "{} under {target}: {}",
                moving.as_deref().unwrap_or("new organization"),
                reply.body
            ),
        }
    }
    unreachable!()
}

#[derive(QueryableByName)]
struct IntegrityCheck {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Nullable<Text>)]
    parent_id: Option<String>,
}

/// `PRAGMA integrity_check` on the file itself, and every foreign key satisfied.
fn assert_file_intact(db: &TestDatabase) -> HashMap<String, Option<String>> {
    let path = db.sqlite_path().expect("a SQLite database");
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open the file");
    let check: Vec<IntegrityCheck> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .expect("integrity_check");
    let check: Vec<&str> = check.iter().map(|r| r.integrity_check.as_str()).collect();
    assert_eq!(check, ["ok"], "PRAGMA integrity_check");
    let broken: Vec<Row> = diesel::sql_query(
        "SELECT \"table\" AS id, NULL AS parent_id FROM pragma_foreign_key_check()",
    )
    .load(&mut conn)
    .expect("foreign_key_check");
    assert!(
        broken.is_empty(),
        "foreign keys broken in {:?}",
        broken.iter().map(|r| &r.id).collect::<Vec<_>>()
    );
    let rows: Vec<Row> =
        diesel::sql_query("SELECT id, parent_id FROM organizations WHERE deleted_at IS NULL")
            .load(&mut conn)
            .expect("organizations");
    rows.into_iter().map(|r| (r.id, r.parent_id)).collect()
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let mut server = TestServer::start(Backend::Sqlite);
    let token = server.token("crash@example.com");
    let root = id(&server.add_organization(&token, "Crash root"));
    let targets = Mutex::new(vec![root.clone()]);
    let mut writers: Vec<Writer> = (0..WRITERS).map(|_| Writer::default()).collect();
    let mut total = Tally::default();
    let base_seed: u64 = rand::random();
    let started = Instant::now();

    for round in 0..KILLS {
        let killed = AtomicBool::new(false);
        let before: Vec<usize> = writers.iter().map(|w| w.created.len()).collect();
        let pid = server.pid();
        let tallies: Vec<Tally> = std::thread::scope(|s| {
            let handles: Vec<_> = writers
                .iter_mut()
                .enumerate()
                .map(|(w, writer)| {
                    let (server, token, targets, killed) = (&server, &token, &targets, &killed);
                    let seed = base_seed.wrapping_add((round * WRITERS + w) as u64);
                    s.spawn(move || {
                        let label = format!("r{round}w{w}");
                        write_until_killed(server, token, &label, seed, writer, targets, killed)
                    })
                })
                .collect();
            std::thread::sleep(LOAD);
            killed.store(true, Ordering::SeqCst);
            let status = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status()
                .expect("run kill");
            assert!(status.success(), "kill -KILL {pid}");
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for tally in &tallies {
            total.created += tally.created;
            total.moved += tally.moved;
            total.refused += tally.refused;
            total.cut_off += tally.cut_off;
            total.stale_parents += tally.stale_parents;
        }
        assert!(
            tallies.iter().map(|t| t.created).sum::<usize>() > 0,
            "round {round}: no organization was created before the kill"
        );

        // The file as the kill left it, then a new process on it.
        assert_file_intact(&server.db);
        server.restart();
        let in_db = assert_file_intact(&server.db);
        let count = assert_tree_invariants(&server.db);
        assert_eq!(
            count,
            in_db.len(),
            "round {round}: every organization is live"
        );

        let listing = server.descendants(&token, &root);
        let through_api = assert_listing_is_a_tree(&root, 0, &listing);
        assert_eq!(through_api.len() + 1, count, "round {round}");
        let acknowledged: usize = writers.iter().map(|w| w.created.len()).sum();
        // The root and every acknowledged creation, plus those cut off by a kill that had
        // committed (at most one per writer and kill).
        let cut_off_at_most = WRITERS * (round + 1);
        assert!(
            (1 + acknowledged..=1 + acknowledged + cut_off_at_most).contains(&count),
            "round {round}: {count} organizations for {acknowledged} acknowledged creations"
        );
        for (writer, before) in writers.iter().zip(before) {
            for org in &writer.created {
                let expected = &writer.parent[org];
                let stored = in_db
                    .get(org)
                    .unwrap_or_else(|| panic!("round {round}: acknowledged {org} was lost"));
                let listed = through_api
                    .get(org)
                    .unwrap_or_else(|| panic!("round {round}: {org} missing from the API"));
                if let Some(parent) = expected {
                    assert_eq!(
                        stored.as_ref(),
                        Some(parent),
                        "round {round}: parent of {org}"
                    );
                    assert_eq!(listed, parent, "round {round}: parent of {org} (API)");
                }
            }
            // The ones created in this round, one by one.
            for org in &writer.created[before..] {
                let reply = server.organization(&token, org);
                assert_eq!(id(&reply.ok()["organization"]), *org);
            }
        }
    }
    assert!(total.cut_off > 0, "no request was in flight at any kill");
    eprintln!(
        "{KILLS} kills after {LOAD:?} of load each, {:?} in all: {} created, {} moved, \
         {} refused, {} cut off by the kill, {} payloads with a stale null parent \
         (seed {base_seed})",
        started.elapsed(),
        total.created,
        total.moved,
        total.refused,
        total.cut_off,
        total.stale_parents
    );
}
