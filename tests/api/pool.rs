//! Connections are not pinged on every check-out (that was a round trip per request); one
//! the database closed is dropped by the statement that finds it gone, so the server recovers
//! on its own after the database ends its sessions (a restart, a failover, an idle timeout).

use diesel::RunQueryDsl;
use serde_json::json;

use crate::harness::ops::id;
use crate::harness::{Backend, TestServer};

const POOL_SIZE: usize = 4;

#[test]
fn connections_the_database_closed_are_replaced() {
    let server = TestServer::start_with(
        std::sync::Arc::new(crate::harness::TestDatabase::create(Backend::Postgres)),
        &["--pool-size", "4"],
    );
    let token = server.token("ada@example.com");
    let hq = id(&server.add_organization(&token, "HQ"));
    let read = || {
        server
            .gql(
                Some(&token),
                "query($id: ID!) { organization(id: $id) { name } }",
                json!({ "id": hq }),
            )
            .code()
            .is_none()
    };
    // Every pooled connection in use at least once.
    std::thread::scope(|scope| {
        for _ in 0..POOL_SIZE * 2 {
            scope.spawn(|| assert!(read()));
        }
    });

    let ended: Vec<Terminated> = server
        .db
        .connect()
        .write_blocking::<_, orgraph::service::ApiError, _>(|conn| {
            Ok(diesel::sql_query(
                "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .load(conn)?)
        })
        .expect("end the server's sessions");
    assert!(ended.len() >= 2, "the server's connections were found");

    // Each lost connection fails at most the one request that finds it gone.
    let failures = (0..POOL_SIZE * 3).take_while(|_| !read()).count();
    assert!(failures <= POOL_SIZE, "{failures} requests failed");
    for _ in 0..20 {
        assert!(read(), "the server answers again");
    }
}

#[derive(diesel::QueryableByName)]
struct Terminated {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    #[allow(dead_code)]
    ended: bool,
}

/// While a process can't hear other processes' writes, its caches must not serve: the lost
/// listening connection makes `Changes::current` answer `None` until it is back, and the
/// reconnection counts as a change (whatever was written meanwhile went unheard).
#[test]
fn a_deaf_change_listener_turns_the_caches_off_until_it_hears_again() {
    let db = crate::harness::TestDatabase::create(Backend::Postgres);
    let store = db.connect();
    store.run_migrations().expect("migrate");
    let changes = orgraph::store::Changes::listening(db.url());
    let before = changes.current().expect("listening");

    // Every listening session of the database: this one's, and the store's own.
    let ended: Vec<Terminated> = store
        .write_blocking::<_, orgraph::service::ApiError, _>(|conn| {
            Ok(diesel::sql_query(
                "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity \
                 WHERE datname = current_database() AND query LIKE 'LISTEN%'",
            )
            .load(conn)?)
        })
        .expect("end the listening sessions");
    assert!(ended.len() >= 2, "the listening sessions were found");

    // Found gone by the next look (or by the listener thread, which then reconnects).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut deaf = false;
    let after = loop {
        match changes.current() {
            None => deaf = true,
            Some(generation) if deaf || generation != before => break generation,
            Some(_) => {}
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the listener neither went deaf nor came back"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert!(
        after > before,
        "hearing again counts as a change ({before} → {after})"
    );
}
