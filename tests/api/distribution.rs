//! SPEC §1 names the network as the distribution key. Co-located distributed tables (Citus)
//! need every primary key and unique constraint of a network-scoped table to include
//! `network_id`, and every foreign key between two of them to include it too. This test reads
//! PostgreSQL's catalog after all migrations and fails when a table breaks that, or when a
//! table without `network_id` is not declared global (a reference table or a routing table;
//! docs/SCALING.md distributes each).

use std::collections::BTreeSet;

use diesel::sql_types::{Bool, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::harness::{Backend, TestDatabase};

/// Tables without `network_id`: copied to every node.
const GLOBAL: &[&str] = &[
    "users",
    "user_identities",
    "sessions",
    "sign_in_attempts",
    "contract_accounts",
    "networks",
    "oauth_signing_keys",
    "oauth_token_families",
    "oauth_codes",
    "oauth_refresh_tokens",
    "account_audit_events",
];

/// Tables that route an id to its network: global by nature.
const ROUTING: &[&str] = &[
    "organization_networks",
    "member_networks",
    "custom_role_networks",
    "integration_networks",
    "application_identities",
    "authorization_networks",
];

#[derive(QueryableByName)]
struct Table {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    has_network: bool,
}

/// A key, a unique index or a foreign key: its table, definition, whether its columns include
/// `network_id`, and (foreign keys) the table it references.
#[derive(QueryableByName)]
struct Rule {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    definition: String,
    #[diesel(sql_type = Bool)]
    with_network: bool,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    referenced: Option<String>,
}

const TABLES: &str = "SELECT c.relname AS name, EXISTS (SELECT 1 FROM pg_attribute a \
    WHERE a.attrelid = c.oid AND a.attname = 'network_id' AND NOT a.attisdropped) AS has_network \
    FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace \
    AND c.relname <> '__diesel_schema_migrations'";

/// Constraints (primary keys, unique constraints, foreign keys) and unique indexes that back
/// no constraint.
const RULES: &str = "SELECT c.relname AS table_name, pg_get_constraintdef(k.oid) AS definition, \
    EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid \
        AND a.attnum = ANY (k.conkey) AND a.attname = 'network_id') AS with_network, \
    r.relname AS referenced \
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
    LEFT JOIN pg_class r ON r.oid = k.confrelid \
    WHERE k.contype IN ('p', 'u', 'f') AND c.relnamespace = 'public'::regnamespace \
    UNION ALL \
    SELECT c.relname, pg_get_indexdef(i.indexrelid), \
    EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid \
        AND a.attnum = ANY (i.indkey::int2[]) AND a.attname = 'network_id'), NULL \
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
    WHERE i.indisunique AND c.relnamespace = 'public'::regnamespace \
    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)";

#[test]
fn network_scoped_tables_can_be_distributed_by_network() {
    let db = TestDatabase::create(Backend::Postgres);
    let store = db.connect();
    store.run_migrations().expect("migrations");
    let mut conn = store.read_connection().expect("connection");
    let tables: Vec<Table> = diesel::sql_query(TABLES).load(&mut *conn).expect("tables");
    let rules: Vec<Rule> = diesel::sql_query(RULES).load(&mut *conn).expect("rules");

    let global: BTreeSet<&str> = GLOBAL.iter().chain(ROUTING).copied().collect();
    let scoped: BTreeSet<&str> = tables
        .iter()
        .filter(|t| t.has_network && !ROUTING.contains(&t.name.as_str()))
        .map(|t| t.name.as_str())
        .collect();
    let undeclared: Vec<&str> = tables
        .iter()
        .filter(|t| !t.has_network && !global.contains(t.name.as_str()))
        .map(|t| t.name.as_str())
        .collect();
    assert!(
        undeclared.is_empty(),
        "tables without network_id must be declared global (a reference table) here and in \
         docs/SCALING.md: {undeclared:?}"
    );

    let mut broken: BTreeSet<String> = BTreeSet::new();
    for rule in &rules {
        let table = rule.table_name.as_str();
        let breaks = match &rule.referenced {
            // A foreign key of a distributed table to another one must include the key; one
            // of a global table must not reach a distributed one.
            Some(target) => {
                let to_scoped = scoped.contains(target.as_str());
                (scoped.contains(table) && to_scoped && !rule.with_network)
                    || (global.contains(table) && to_scoped)
            }
            None => scoped.contains(table) && !rule.with_network,
        };
        if breaks {
            broken.insert(format!("{table}: {}", rule.definition));
        }
    }
    assert!(
        broken.is_empty(),
        "these keep a network's rows from living together: include network_id \
         (docs/SCALING.md): {broken:#?}"
    );
}
