//! The cost of a request grows with the depth of the query, not with the number of objects it
//! returns: the same query over 10 times more organizations runs the same number of SQL
//! statements (counted by the server, reported with `x-orgraph-debug: statements`).

use serde_json::{json, Value};

use crate::harness::ops::id;
use crate::harness::{Backend, TestServer};
use crate::on_both_backends;

/// Four nesting levels of organizations below `top`, each with its parent, children (with their
/// count), contract account and effective settings (with their sources).
const QUERY: &str = r#"
query Budget($id: ID!) {
  organization(id: $id) {
    id
    children(first: 10) {
      totalCount
      edges { node {
        id name parent { id }
        contractAccount { id }
        effectiveSettings { key value sources { id } lockedBy { id } }
        children(first: 100) {
          totalCount
          edges { node {
            id name depth
            parent { id name }
            root { id }
            contractAccount { id plan }
            effectiveSettings { key value strategy sources { id } lockedBy { id } }
            children(first: 1) { totalCount edges { node { id } } }
          } }
        }
      } }
    }
  }
}"#;

/// The statements the query above runs, whatever the data. Each level of organizations asks
/// each loader once: organizations by id (1), by path (1), contract accounts (1), chain
/// settings with their holders (2), children pages (1) and counts (1). So: authentication
/// (the caller's user and grants, when not cached: measured after a warm-up) 0; the top organization 1; its children
/// page and count 2; the middle level 6 (parent 1, account 1, settings 2, children 2); the
/// bottom level 7 (parent 1, root 1, account 1, settings 2, children 2). At most 7 per level
/// of organizations, plus 3. (A level's two settings statements run in the batch of the
/// `children` page that listed it, which brings their chains; the count is the same.)
const BUDGET: usize = 16;

on_both_backends!(
    statement_count_is_independent_of_the_number_of_organizations,
    one_organization_with_its_parent_costs_two_statements_for_a_cached_caller,
);

/// The hot path's query: authentication and the caller's grants come from the cache, so
/// what is left is the organization (routing and row in one statement) and its parent.
fn one_organization_with_its_parent_costs_two_statements_for_a_cached_caller(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let hq = id(&server.add_organization(&token, "HQ"));
    let region = id(&server.add_sub(&token, &hq, "EMEA"));
    let query = json!({
        "query": "query($id: ID!) { organization(id: $id) { name depth parent { name } } }",
        "variables": { "id": region },
    });
    let count = || {
        let reply = server.post_json_with_headers(
            Some(&token),
            &query,
            &[("x-orgraph-debug", "statements")],
        );
        assert_eq!(reply.ok()["organization"]["parent"]["name"], "HQ");
        reply.body["extensions"]["statements"]
            .as_u64()
            .expect("the statement count is reported")
    };
    // The first reads the caller again (the writes above retired the cached one).
    let first = count();
    assert!(first > 2, "{first}");
    assert_eq!(count(), 2, "organization, parent");
    assert_eq!(count(), 2, "organization, parent");
}

/// A chain from the root down to depth 8, then `mids` organizations at depth 9 with
/// `leaves_per_mid` children each at depth 10; settings along the way.
fn build(server: &TestServer, token: &str, mids: usize, leaves_per_mid: usize) -> String {
    let mut parent = id(&server.add_organization(token, "Root"));
    let root = parent.clone();
    for depth in 1..=8 {
        parent = id(&server.add_sub(token, &parent, &format!("Level {depth}")));
        if depth % 3 == 0 {
            set(
                server,
                token,
                &parent,
                "timeGrid",
                json!({ "slotMinutes": 10 * depth }),
            );
        }
    }
    set(
        server,
        token,
        &root,
        "branding",
        json!({ "displayName": "Root" }),
    );
    lock(server, token, &root, "branding");
    let top = parent;
    let ids: Vec<String> = (0..mids)
        .map(|m| id(&server.add_sub(token, &top, &format!("Mid {m}"))))
        .collect();
    std::thread::scope(|scope| {
        for (m, mid) in ids.iter().enumerate() {
            scope.spawn(move || {
                set(
                    server,
                    token,
                    mid,
                    "publicHolidays",
                    json!([{ "date": "2026-12-25", "name": format!("Holiday {m}") }]),
                );
                for l in 0..leaves_per_mid {
                    let leaf = id(&server.add_sub(token, mid, &format!("Leaf {l}")));
                    if l % 7 == 0 {
                        set(server, token, &leaf, "x-flag", json!(l));
                    }
                }
            });
        }
    });
    top
}

fn set(server: &TestServer, token: &str, org: &str, key: &str, value: Value) {
    server
        .gql(
            Some(token),
            "mutation($input: SetSettingInput!) { setSetting(input: $input) { setting { key } } }",
            json!({ "input": { "organizationId": org, "key": key, "value": value } }),
        )
        .ok();
}

fn lock(server: &TestServer, token: &str, org: &str, key: &str) {
    server
        .gql(
            Some(token),
            "mutation($input: SettingKeyInput!) { lockSetting(input: $input) { changed } }",
            json!({ "input": { "organizationId": org, "key": key } }),
        )
        .ok();
}

/// Runs the budget query; returns (statements, organizations at the bottom level).
fn measure(server: &TestServer, token: &str, top: &str) -> (usize, usize) {
    let reply = server.post_json_with_headers(
        Some(token),
        &json!({ "query": QUERY, "variables": { "id": top } }),
        &[("x-orgraph-debug", "statements")],
    );
    let data = reply.ok();
    let leaves: usize = data["organization"]["children"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|mid| mid["node"]["children"]["edges"].as_array().unwrap().len())
        .sum();
    let statements = reply.body["extensions"]["statements"]
        .as_u64()
        .expect("the statement count is reported") as usize;
    (statements, leaves)
}

fn statement_count_is_independent_of_the_number_of_organizations(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let small = build(&server, &token, 10, 10);
    let large = build(&server, &token, 10, 100);

    // The caller is read once after the writes above, then comes from the cache.
    measure(&server, &token, &small);
    let (small_statements, small_leaves) = measure(&server, &token, &small);
    let (large_statements, large_leaves) = measure(&server, &token, &large);
    assert_eq!(small_leaves, 100);
    assert_eq!(large_leaves, 1000);
    assert_eq!(
        large_statements, BUDGET,
        "statements for 1,000 organizations"
    );
    assert_eq!(
        small_statements, large_statements,
        "100 and 1,000 organizations must cost the same number of statements"
    );
}
