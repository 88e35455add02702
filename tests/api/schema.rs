//! The checked-in `schema.graphql` is what the server serves, and migrations go both ways.

use orgraph::graphql::{export_sdl, schema_without_data};

use serde_json::json;

use crate::harness::invariants::assert_tree_invariants;
use crate::harness::ops::id;
use crate::harness::{row_counts, Backend, TestDatabase, TestServer};
use crate::on_both_backends;

#[test]
fn schema_graphql_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let current = export_sdl(&schema_without_data());
    assert!(
        checked_in == current,
        "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`"
    );
}

on_both_backends!(migrations_go_up_down_and_up_again);

fn migrations_go_up_down_and_up_again(backend: Backend) {
    let db = TestDatabase::create(backend);
    let store = db.connect();
    store.run_migrations().expect("up");
    assert_eq!(row_counts(&db)["organizations"], 0);
    store.revert_all_migrations().expect("down");
    let tables_left = std::panic::catch_unwind(|| row_counts(&db));
    assert!(tables_left.is_err(), "every table is gone after reverting");
    store.run_migrations().expect("up again");
    assert_eq!(row_counts(&db)["grants"], 0);
}

on_both_backends!(contract_account_marks_are_computed_for_existing_organizations);

/// The migration that marks where an organization sets its contract account computes the
/// marks of organizations that already exist (the tree invariants check every mark).
fn contract_account_marks_are_computed_for_existing_organizations(backend: Backend) {
    let server = TestServer::start(backend);
    let ada = server.token("ada@acme.example");
    let hq = id(&server.add_organization(&ada, "HQ"));
    let emea = id(&server.add_sub(&ada, &hq, "EMEA"));
    server.add_sub(&ada, &emea, "Paris");
    let reply = server.gql(
        Some(&ada),
        "mutation($input: CreateContractAccountInput!) { createContractAccount(input: $input) { contractAccount { id } } }",
        json!({ "input": { "name": "Berlin", "billingEmail": "berlin@acme.example" } }),
    );
    let berlin_account = reply.ok()["createContractAccount"]["contractAccount"]["id"].clone();
    let reply = server.gql(
        Some(&ada),
        "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "parentId": emea, "name": "Berlin", "contractAccountId": berlin_account } }),
    );
    let berlin = id(&reply.ok()["addSubOrganization"]["organization"]);
    server.add_sub(&ada, &berlin, "Mitte");
    let db = server.db.clone();
    drop(server);

    let store = db.connect();
    // Back to before the marks (three migrations came after them), and up again.
    for _ in 0..4 {
        store.revert_last_migration().expect("down");
    }
    store.run_migrations().expect("up again");
    assert_eq!(assert_tree_invariants(&db), 5);
}

on_both_backends!(distribution_keys_keep_existing_rows);

/// The migration that keys every network's rows by network moves what exists: contract
/// accounts' events to their own table, authorizations into their routing table, token
/// families' authorization network filled in.
fn distribution_keys_keep_existing_rows(backend: Backend) {
    use diesel::RunQueryDsl;
    let db = TestDatabase::create(backend);
    let store = db.connect();
    store.run_migrations().expect("up");
    store
        .revert_last_migration()
        .expect("down to before the keys");
    let mut conn = store.read_connection().expect("connection");
    for statement in [
        "INSERT INTO users (id, email, email_key, created_at) \
         VALUES ('u1', 'ada@example.com', 'ada@example.com', '2026-12-01 10:00:00')",
        "INSERT INTO audit_events (id, network_id, organization_id, actor_user_id, action, occurred_at) \
         VALUES ('e1', NULL, NULL, 'u1', 'createContractAccount', '2026-12-01 10:00:00'), \
                ('e2', 'n1', 'o1', 'u1', 'addOrganization', '2026-12-01 10:00:01')",
        "INSERT INTO authorizations (id, application_network_id, application_id, network_id, \
             organization_id, scopes, include_sub_organizations, granted_by, created_at, updated_at) \
         VALUES ('a1', 'n2', 'app1', 'n1', 'o1', 'organization:read', FALSE, 'u1', \
             '2026-12-01 10:00:00', '2026-12-01 10:00:00')",
        "INSERT INTO oauth_token_families (id, authorization_id, scopes, created_at) \
         VALUES ('f1', 'a1', 'organization:read', '2026-12-01 10:00:00')",
    ] {
        diesel::sql_query(statement)
            .execute(&mut *conn)
            .expect(statement);
    }
    drop(conn);
    store.run_migrations().expect("up again");

    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Pair {
        #[diesel(sql_type = diesel::sql_types::Text)]
        a: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        b: String,
    }
    let mut conn = store.read_connection().expect("connection");
    let mut read = |sql: &str| -> Vec<Pair> { diesel::sql_query(sql).load(&mut *conn).expect(sql) };
    assert_eq!(
        read("SELECT id AS a, action AS b FROM account_audit_events"),
        [Pair {
            a: "e1".into(),
            b: "createContractAccount".into()
        }]
    );
    assert_eq!(
        read("SELECT id AS a, network_id AS b FROM audit_events"),
        [Pair {
            a: "e2".into(),
            b: "n1".into()
        }]
    );
    assert_eq!(
        read("SELECT id AS a, network_id AS b FROM authorization_networks"),
        [Pair {
            a: "a1".into(),
            b: "n1".into()
        }]
    );
    assert_eq!(
        read("SELECT id AS a, authorization_network_id AS b FROM oauth_token_families"),
        [Pair {
            a: "f1".into(),
            b: "n1".into()
        }]
    );
}

on_both_backends!(migrate_command_prepares_an_empty_database);

fn migrate_command_prepares_an_empty_database(backend: Backend) {
    let db = TestDatabase::create(backend);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .arg("migrate")
        .env("DATABASE_URL", db.url())
        .env("ORGRAPH_LOG", "warn")
        .output()
        .expect("run orgraph migrate");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let counts = row_counts(&db);
    assert_eq!(counts.len(), 6);
    assert!(counts.values().all(|n| *n == 0));
}

/// Every field of `Query` and `Mutation` has its row in docs/PERMISSIONS.md.
#[test]
fn every_operation_is_in_the_permission_table() {
    let table = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/PERMISSIONS.md"
    ))
    .expect("docs/PERMISSIONS.md");
    let sdl = export_sdl(&schema_without_data());
    let mut missing = Vec::new();
    for root in ["Query", "Mutation"] {
        for field in fields_of(&sdl, root) {
            if field.starts_with('_') {
                continue; // federation's own fields
            }
            if !table.contains(&format!("| `{root}.{field}` |")) {
                missing.push(format!("{root}.{field}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "add to docs/PERMISSIONS.md: {missing:?}"
    );
}

/// Field names of `type NAME { … }` in an SDL (descriptions skipped).
fn fields_of(sdl: &str, name: &str) -> Vec<String> {
    let start = sdl
        .find(&format!("\ntype {name} "))
        .or_else(|| sdl.find(&format!("\ntype {name}{{")))
        .unwrap_or_else(|| panic!("type {name} in the SDL"));
    let body = &sdl[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    let mut fields = Vec::new();
    let mut in_description = false;
    for line in body.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("\"\"\"") {
            let closes_here = trimmed.len() > 3 && trimmed.ends_with("\"\"\"");
            if !closes_here {
                in_description = !in_description;
            }
            continue;
        }
        if in_description || trimmed.is_empty() || trimmed.starts_with('"') {
            continue;
        }
        // Only top-level field lines (one tab), not wrapped arguments.
        if line.starts_with('\t') && !line.starts_with("\t\t") {
            let name: String = trimmed
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                fields.push(name);
            }
        }
    }
    fields
}
