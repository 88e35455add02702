//! The checked-in `schema.graphql` is what the server serves, and migrations go both ways.

use orgraph::graphql::{export_sdl, schema_without_data};

use crate::harness::{row_counts, Backend, TestDatabase};
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
