//! Structural changes at the same moment, from several threads and (on PostgreSQL) several
//! stateless server processes sharing one database (SPEC §1): the tree stays one consistent
//! tree, and whatever is refused is refused as bad input or a limit, never as an internal error.

use std::collections::{BTreeMap, HashMap};
use std::process::Command;
use std::sync::Barrier;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::harness::ops::{assert_listing_is_a_tree, id, payload_parent_is_or_stale};
use crate::harness::{assert_tree_invariants, Backend, Reply, TestServer};

/// Rounds of "A under B" against "B under A".
const CONFLICT_ROUNDS: usize = 30;
/// Organizations in the network of the random moves.
const SEEDED: usize = 1_000;
/// Threads sending random moves, and moves each sends.
const MOVERS: usize = 4;
const MOVES_PER_MOVER: usize = 100;
/// The default depth limit of the server (SPEC §1).
const DEPTH_LIMIT: i32 = 32;

fn parent_of(server: &TestServer, token: &str, org: &str) -> String {
    let reply = server.organization(token, org);
    reply.ok()["organization"]["parent"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{org} has no parent: {}", reply.body))
        .to_owned()
}

fn succeeded(reply: &Reply) -> bool {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body.get("errors").is_none()
}

/// Two servers, one PostgreSQL: "move A under B" on one and "move B under A" on the other,
/// sent together. Serialized, the first wins and the second would close a cycle, so exactly
/// one succeeds and the other is BAD_USER_INPUT; both succeeding would leave a cycle.
#[test]
fn opposite_moves_on_two_servers_never_make_a_cycle() {
    let first = TestServer::start(Backend::Postgres);
    let second = first.sibling(&[]);
    let token = first.token("conflicts@example.com");
    let root = id(&first.add_organization(&token, "Root"));
    let a = id(&first.add_sub(&token, &root, "A"));
    let b = id(&first.add_sub(&token, &root, "B"));
    let mut below = Vec::new();
    for (top, label) in [(&a, "A"), (&b, "B")] {
        let one = id(&first.add_sub(&token, top, &format!("{label}1")));
        let two = id(&first.add_sub(&token, top, &format!("{label}2")));
        let deep = id(&first.add_sub(&token, &one, &format!("{label}1a")));
        below.extend([(one.clone(), top.clone()), (two, top.clone()), (deep, one)]);
    }
    assert_eq!(assert_tree_invariants(&first.db), 9);

    let barrier = Barrier::new(2);
    let mut wins = [0_usize; 2];
    for round in 0..CONFLICT_ROUNDS {
        let (a_under_b, b_under_a) = std::thread::scope(|s| {
            let one = s.spawn(|| {
                barrier.wait();
                first.try_move(&token, &a, &b)
            });
            let two = s.spawn(|| {
                barrier.wait();
                second.try_move(&token, &b, &a)
            });
            (one.join().unwrap(), two.join().unwrap())
        });
        let a_won = succeeded(&a_under_b);
        let outcomes = [
            (&a_under_b, &a, &b, a_won),
            (&b_under_a, &b, &a, succeeded(&b_under_a)),
        ];
        let winners = outcomes.iter().filter(|o| o.3).count();
        assert_eq!(
            winners, 1,
            "round {round}: exactly one of the opposite moves must succeed\n\
             A under B: {}\nB under A: {}",
            a_under_b.body, b_under_a.body
        );
        for (i, (reply, moved, under, ok)) in outcomes.into_iter().enumerate() {
            if ok {
                wins[i] += 1;
                let org = &reply.ok()["moveOrganization"]["organization"];
                assert_eq!(id(org), **moved, "round {round}: {}", reply.body);
                assert_eq!(org["parent"]["id"].as_str(), Some(under.as_str()));
                assert_eq!(org["depth"], 2, "round {round}: {}", reply.body);
            } else {
                reply.expect_code("BAD_USER_INPUT");
            }
        }
        let (moved, under) = if a_won { (&a, &b) } else { (&b, &a) };
        // Both processes see the winner's move, and only it.
        for server in [&first, &second] {
            assert_eq!(&parent_of(server, &token, moved), under, "round {round}");
            assert_eq!(&parent_of(server, &token, under), &root, "round {round}");
        }
        assert_eq!(assert_tree_invariants(&first.db), 9, "round {round}");

        let back = second.try_move(&token, moved, &root);
        assert_eq!(
            back.ok()["moveOrganization"]["organization"]["depth"],
            1,
            "round {round}"
        );
    }
    // The subtrees came along every time and are back where they started.
    let listing = first.descendants(&token, &root);
    let parents = assert_listing_is_a_tree(&root, 0, &listing);
    assert_eq!(parents.len(), 8);
    assert_eq!(parents[&a], root);
    assert_eq!(parents[&b], root);
    for (org, parent) in &below {
        assert_eq!(parents.get(org), Some(parent), "parent of {org}");
    }
    eprintln!(
        "{CONFLICT_ROUNDS} rounds: A under B won {}, B under A won {}",
        wins[0], wins[1]
    );
}

/// What `orgraph seed` reports on stdout.
struct Seeded {
    root: String,
    owner: String,
}

fn seed(server: &TestServer, organizations: usize) -> Seeded {
    let output = Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .args(["seed", "--organizations", &organizations.to_string()])
        .env("DATABASE_URL", server.db.url())
        .env("ORGRAPH_LOG", "warn")
        .output()
        .expect("run orgraph seed");
    assert!(
        output.status.success(),
        "orgraph seed failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("seed report (JSON)");
    assert_eq!(report["organizations"], organizations, "{report}");
    Seeded {
        root: report["rootId"].as_str().expect("rootId").to_owned(),
        owner: report["ownerEmail"]
            .as_str()
            .expect("ownerEmail")
            .to_owned(),
    }
}

/// Random moves (random organization under random organization) from several threads, on
/// two server processes on PostgreSQL and one on SQLite, in a network of 1,000. Every answer
/// is a success or a refusal; afterwards the network is still one tree of 1,000.
fn random_moves_keep_one_tree(backend: Backend) {
    let first = TestServer::start(backend);
    let second = (backend == Backend::Postgres).then(|| first.sibling(&[]));
    let servers: Vec<&TestServer> = std::iter::once(&first).chain(second.as_ref()).collect();
    let seeded = seed(&first, SEEDED);
    let token = first.token(&seeded.owner);
    let root = seeded.root;
    let listing = first.descendants(&token, &root);
    assert_listing_is_a_tree(&root, 0, &listing);
    let ids: Vec<String> = listing.iter().map(id).collect();
    let hot: Vec<String> = listing
        .iter()
        .filter(|node| node["depth"].as_i64() == Some(1))
        .map(id)
        .collect();
    assert_eq!(ids.len(), SEEDED - 1);

    let started = Instant::now();
    let base_seed: u64 = rand::random();
    // Outcomes by name: "ok", "stale parent" (see `payload_parent_is_or_stale`), error codes.
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    std::thread::scope(|s| {
        let movers: Vec<_> = (0..MOVERS)
            .map(|mover| {
                let (servers, ids, hot, token, root) = (&servers, &ids, &hot, &token, &root);
                s.spawn(move || {
                    let seed = base_seed.wrapping_add(mover as u64);
                    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
                    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
                    for n in 0..MOVES_PER_MOVER {
                        let server = servers[(mover + n) % servers.len()];
                        // Half of the picks among the tops of the big subtrees, which end up
                        // above each other: moves that would close a cycle or go too deep.
                        let mut pick = || {
                            if rng.random_bool(0.5) {
                                &hot[rng.random_range(0..hot.len())]
                            } else {
                                &ids[rng.random_range(0..ids.len())]
                            }
                        };
                        let org = pick();
                        // Now and then back under the root; never the root itself as the
                        // mover (always refused, and not interesting).
                        let under = if n % 20 == 0 { root } else { pick() };
                        let reply = server.try_move(token, org, under);
                        assert_eq!(reply.status, 200, "{}", reply.body);
                        let outcome = match reply.code() {
                            None => {
                                let moved = &reply.ok()["moveOrganization"]["organization"];
                                assert_eq!(&id(moved), org, "{}", reply.body);
                                if payload_parent_is_or_stale(moved, under) {
                                    *outcomes.entry("stale parent".to_owned()).or_default() += 1;
                                }
                                "ok".to_owned()
                            }
                            Some(code @ ("BAD_USER_INPUT" | "LIMIT_EXCEEDED" | "CONFLICT")) => {
                                code.to_owned()
                            }
                            Some(_) => panic!(
                                "move {org} under {under} (seed {seed}, move {n}): {}",
                                reply.body
                            ),
                        };
                        *outcomes.entry(outcome).or_default() += 1;
                    }
                    outcomes
                })
            })
            .collect();
        for mover in movers {
            for (outcome, n) in mover.join().unwrap() {
                *outcomes.entry(outcome).or_default() += n;
            }
        }
    });
    let elapsed = started.elapsed();
    let successes = outcomes.get("ok").copied().unwrap_or(0);
    // Most random moves are legal: a run refusing nearly all of them would not have tested
    // concurrent moves.
    assert!(
        successes >= MOVERS * MOVES_PER_MOVER / 4,
        "only {successes} moves succeeded: {outcomes:?}"
    );

    // In the database: one network, one tree, all 1,000 there, within the depth limit.
    assert_eq!(assert_tree_invariants(&first.db), SEEDED);
    let (stored, deepest) = stored_tree(&first);
    assert!(deepest <= DEPTH_LIMIT, "depth {deepest} is over the limit");
    // Through the API, on every process: the same 999 descendants, a tree in tree order,
    // each under the parent the database has.
    for server in &servers {
        assert_eq!(server.descendant_count(&token, &root), SEEDED as i64 - 1);
        let listing = server.descendants(&token, &root);
        let parents = assert_listing_is_a_tree(&root, 0, &listing);
        assert_eq!(parents, stored);
        for org in &ids {
            assert!(parents.contains_key(org), "{org} is missing");
        }
    }
    eprintln!(
        "{backend:?}: {} random moves from {MOVERS} threads on {} server(s) in {elapsed:?}: \
         {outcomes:?} (seed {base_seed})",
        MOVERS * MOVES_PER_MOVER,
        servers.len(),
    );
}

crate::on_both_backends!(random_moves_keep_one_tree);

/// Parent of every non-root organization and the deepest depth, read from the database.
fn stored_tree(server: &TestServer) -> (HashMap<String, String>, i32) {
    use diesel::sql_types::{Integer, Nullable, Text};
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        id: String,
        #[diesel(sql_type = Nullable<Text>)]
        parent_id: Option<String>,
        #[diesel(sql_type = Integer)]
        depth: i32,
    }
    let store = server.db.connect();
    let mut conn = store.read_connection().expect("connection");
    let rows: Vec<Row> = diesel::sql_query("SELECT id, parent_id, depth FROM organizations")
        .load(&mut *conn)
        .expect("organizations");
    let deepest = rows.iter().map(|r| r.depth).max().unwrap_or(0);
    let parents = rows
        .into_iter()
        .filter_map(|r| Some((r.id, r.parent_id?)))
        .collect();
    (parents, deepest)
}
