//! The statements a request's loaders run stay prepared: their text depends on their shape,
//! not on how many ids they look up, so a connection prepares each once (diesel reports a
//! statement it adds to a connection's cache) and then reuses it for any number of ids.

use std::sync::{Arc, Mutex};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::Connection;
use orgraph::domain::ids::{NetworkId, OrganizationId};
use orgraph::domain::tree_path::TreePath;
use orgraph::store::organizations::Listing;
use orgraph::store::{children, organizations, settings, DbConnection};
use serde_json::json;

use crate::harness::ops::id;
use crate::harness::{Backend, TestServer};
use crate::on_both_backends;

on_both_backends!(loader_statements_are_prepared_once_for_any_number_of_ids);

/// The statements newly added to the connection's cache, and all statements started.
#[derive(Default)]
struct Seen {
    cached: Vec<String>,
    started: usize,
}

struct Recorder(Arc<Mutex<Seen>>);

impl Instrumentation for Recorder {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        let mut seen = self.0.lock().unwrap();
        match event {
            InstrumentationEvent::CacheQuery { sql, .. } => seen.cached.push(sql.to_owned()),
            InstrumentationEvent::StartQuery { .. } => seen.started += 1,
            _ => {}
        }
    }
}

fn loader_statements_are_prepared_once_for_any_number_of_ids(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("owner@example.com");
    let root = server.add_organization(&token, "Root");
    let network: NetworkId = root["networkId"].as_str().unwrap().parse().unwrap();
    let root_id: OrganizationId = id(&root).parse().unwrap();
    let branches: Vec<OrganizationId> = (0..3)
        .map(|n| {
            id(&server.add_sub(&token, &id(&root), &format!("Branch {n}")))
                .parse()
                .unwrap()
        })
        .collect();
    server
        .gql(
            Some(&token),
            "mutation($input: SetSettingInput!) { setSetting(input: $input) { setting { key } } }",
            json!({ "input": { "organizationId": root["id"], "key": "timeGrid",
                               "value": { "slotMinutes": 15 } } }),
        )
        .ok();

    let store = server.db.connect();
    let mut conn = store.read_connection().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    conn.set_instrumentation(Recorder(seen.clone()));
    let paths_of = |conn: &mut DbConnection, ids: &[OrganizationId]| -> Vec<TreePath> {
        organizations::in_network(conn, network, ids)
            .unwrap()
            .into_iter()
            .map(|o| o.path)
            .collect()
    };

    // Each loader statement, first with one id, then with several.
    let page = Listing {
        include_deleted: false,
        limit: 10,
    };
    let run = |conn: &mut DbConnection, ids: &[OrganizationId]| {
        let found = organizations::find_many(conn, ids).unwrap();
        assert_eq!(found.len(), ids.len());
        let pages = children::children_pages(conn, network, ids, None, &page).unwrap();
        let counts = children::count_children_of(conn, network, ids, false).unwrap();
        let paths = paths_of(conn, ids);
        let chains = settings::on_paths(conn, network, &paths).unwrap();
        let by_path = organizations::by_paths(conn, network, &paths).unwrap();
        assert_eq!(by_path.len(), ids.len());
        let own = settings::of_organizations(conn, network, ids).unwrap();
        assert_eq!(own.len(), chains.definitions.len(), "only the root defines");
        let own_locks = settings::locks_of_organizations(conn, network, ids).unwrap();
        assert!(own_locks.is_empty());
        (pages.len(), counts, chains.definitions.len())
    };
    let (pages, counts, definitions) = run(&mut conn, &[root_id]);
    assert_eq!(pages, 3, "the root's children");
    assert_eq!(counts, vec![(root_id, 3)]);
    assert_eq!(definitions, 1, "the root's own timeGrid");
    let first = std::mem::take(&mut *seen.lock().unwrap());
    // find_many, children_pages, count_children_of, in_network, on_paths (2), by_paths,
    // own settings and locks.
    assert_eq!(
        first.started, 9,
        "statements of the first round: {:?}",
        first.cached
    );
    assert_eq!(
        first.cached.len(),
        9,
        "every distinct statement is cached once: {:#?}",
        first.cached
    );

    let mut more = branches.clone();
    more.push(root_id);
    let (pages, counts, definitions) = run(&mut conn, &more);
    assert_eq!(pages, 3, "only the root has children");
    assert_eq!(counts.len(), 1, "{counts:?}");
    assert_eq!(definitions, 1, "one definition, on the root");
    let again = std::mem::take(&mut *seen.lock().unwrap());
    assert_eq!(again.started, 9);
    assert!(
        again.cached.is_empty(),
        "four ids instead of one prepared new statements: {:#?}",
        again.cached
    );
}
