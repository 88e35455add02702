//! Checks made directly on the database, behind the server's back.

use std::collections::{BTreeMap, HashMap};

use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::TestDatabase;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Rows per table, to prove a refused request wrote nothing.
pub fn row_counts(db: &TestDatabase) -> BTreeMap<&'static str, i64> {
    count_rows(
        db,
        &[
            "users",
            "contract_accounts",
            "networks",
            "organizations",
            "organization_networks",
            "grants",
        ],
    )
}

/// Rows of every table, the audit log included: a refused update, which adds no row of its
/// own, would still add an audit event.
pub fn all_row_counts(db: &TestDatabase) -> BTreeMap<&'static str, i64> {
    let mut counts = row_counts(db);
    counts.extend(count_rows(
        db,
        &[
            "settings",
            "setting_locks",
            "members",
            "custom_roles",
            "applications",
            "application_identities",
            "integrations",
            "integration_networks",
            "audit_events",
            "account_audit_events",
        ],
    ));
    counts
}

pub fn count_rows(db: &TestDatabase, tables: &[&'static str]) -> BTreeMap<&'static str, i64> {
    let store = db.connect();
    let mut conn = store.read_connection().expect("connection");
    tables
        .iter()
        .copied()
        .map(|table| {
            let rows: Vec<Count> = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .load(&mut *conn)
                .expect("count rows");
            (table, rows.first().map_or(0, |c| c.n))
        })
        .collect()
}

#[derive(QueryableByName, Debug)]
struct Node {
    #[diesel(sql_type = Text)]
    network_id: String,
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Nullable<Text>)]
    parent_id: Option<String>,
    #[diesel(sql_type = Text)]
    path: String,
    #[diesel(sql_type = Integer)]
    depth: i32,
    #[diesel(sql_type = Text)]
    contract_account_id: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    sets_contract_account: bool,
}

/// Every network is one tree: one root, every other node's parent in the same network, paths
/// and depths consistent with the parents (so no cycle), every node routed to its network,
/// and marked as setting its contract account exactly where it differs from its parent's.
/// Returns the number of organizations checked.
pub fn assert_tree_invariants(db: &TestDatabase) -> usize {
    let store = db.connect();
    let mut conn = store.read_connection().expect("connection");
    let nodes: Vec<Node> = diesel::sql_query(
        "SELECT network_id, id, seq, parent_id, path, depth, contract_account_id, \
             sets_contract_account FROM organizations",
    )
    .load(&mut *conn)
    .expect("load organizations");
    #[derive(QueryableByName)]
    struct Route {
        #[diesel(sql_type = Text)]
        id: String,
        #[diesel(sql_type = Text)]
        network_id: String,
    }
    let routes: Vec<Route> = diesel::sql_query("SELECT id, network_id FROM organization_networks")
        .load(&mut *conn)
        .expect("load routes");
    let routes: HashMap<String, String> =
        routes.into_iter().map(|r| (r.id, r.network_id)).collect();
    assert_eq!(
        routes.len(),
        nodes.len(),
        "one routing row per organization"
    );

    let by_key: HashMap<(&str, &str), &Node> = nodes
        .iter()
        .map(|n| ((n.network_id.as_str(), n.id.as_str()), n))
        .collect();
    let mut roots: BTreeMap<&str, usize> = BTreeMap::new();
    let mut paths = std::collections::HashSet::new();
    for node in &nodes {
        assert_eq!(
            routes.get(&node.id),
            Some(&node.network_id),
            "route of {}",
            node.id
        );
        assert!(
            paths.insert((node.network_id.as_str(), node.path.as_str())),
            "duplicate path {}",
            node.path
        );
        let own = orgraph::domain::tree_path::segment(node.seq);
        assert!(
            node.path.ends_with(&own),
            "path {} must end with {own}",
            node.path
        );
        match &node.parent_id {
            None => {
                *roots.entry(&node.network_id).or_default() += 1;
                assert_eq!(node.depth, 0, "root depth");
                assert_eq!(node.path, own, "root path");
                assert!(node.sets_contract_account, "a root sets its account");
            }
            Some(parent_id) => {
                let parent = by_key
                    .get(&(node.network_id.as_str(), parent_id.as_str()))
                    .unwrap_or_else(|| panic!("orphan {} (parent {parent_id} missing)", node.id));
                assert_eq!(node.depth, parent.depth + 1, "depth of {}", node.id);
                assert_eq!(
                    node.path,
                    format!("{}{own}", parent.path),
                    "path of {}",
                    node.id
                );
                assert_eq!(
                    node.sets_contract_account,
                    node.contract_account_id != parent.contract_account_id,
                    "sets_contract_account of {}",
                    node.id
                );
            }
        }
    }
    drop(conn);
    assert_routes_match(db);
    let networks: std::collections::BTreeSet<&str> =
        nodes.iter().map(|n| n.network_id.as_str()).collect();
    for network in networks {
        assert_eq!(
            roots.get(network),
            Some(&1),
            "network {network} must have exactly one root"
        );
    }
    nodes.len()
}

/// The routing tables (id → network) and their tables, other than organizations'.
const ROUTED: [(&str, &str); 5] = [
    ("member_networks", "members"),
    ("custom_role_networks", "custom_roles"),
    ("integration_networks", "integrations"),
    ("application_identities", "applications"),
    ("authorization_networks", "authorizations"),
];

/// Every routed row has its routing row, naming its network, and every routing row its row:
/// routing rows keep no foreign key (docs/SCALING.md), so the service alone keeps them true.
pub fn assert_routes_match(db: &TestDatabase) {
    let store = db.connect();
    let mut conn = store.read_connection().expect("connection");
    for (routing, table) in ROUTED {
        for (from, to) in [(routing, table), (table, routing)] {
            let rows: Vec<Count> = diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM {from} AS a WHERE NOT EXISTS \
                 (SELECT 1 FROM {to} AS b WHERE b.id = a.id AND b.network_id = a.network_id)"
            ))
            .load(&mut *conn)
            .expect("compare routes");
            assert_eq!(
                rows.first().map_or(0, |c| c.n),
                0,
                "rows of {from} without their row in {to}"
            );
        }
    }
}
