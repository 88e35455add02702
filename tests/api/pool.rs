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
