//! Orgraph as an Apollo Federation v2 subgraph: the SDL a gateway fetches (`_service`), and
//! entities (`_entities`) resolved through the request's loaders with the caller's rights.
//! Composition with another subgraph and a real gateway are tested in Node
//! (`tests/federation/`).

use std::process::Command;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::harness::ops::id;
use crate::harness::{mint_token, Backend, TestDatabase, TestServer};
use crate::on_both_backends;

const ENTITIES: &str = r#"
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Organization { id name depth parent { id } contractAccount { id } }
    ... on ContractAccount { id name }
    ... on User { id email }
    ... on Member { id status user { email } }
  }
}"#;

/// The statements `ENTITIES` runs for any number of `Organization` representations, for a
/// caller already in the cache: the organizations (1: each id's route joined to its row), the
/// parents (1, the same way) and the contract accounts (1); never one per representation.
const ENTITY_STATEMENTS: u64 = 3;

fn representations(typename: &str, ids: &[String]) -> Value {
    ids.iter()
        .map(|id| json!({ "__typename": typename, "id": id }))
        .collect()
}

fn entities(server: &TestServer, token: Option<&str>, representations: Value) -> (Value, u64) {
    let reply = server.post_json_with_headers(
        token,
        &json!({ "query": ENTITIES, "variables": { "representations": representations } }),
        &[("x-orgraph-debug", "statements")],
    );
    let statements = reply.body["extensions"]["statements"]
        .as_u64()
        .expect("the statement count is reported");
    (reply.ok()["_entities"].clone(), statements)
}

fn ids_of(list: &Value) -> Vec<Option<String>> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|entity| entity["id"].as_str().map(str::to_owned))
        .collect()
}

on_both_backends!(
    service_sdl_is_federation_v2_with_keyed_entities,
    entities_of_a_thousand_organizations_cost_constant_statements,
    entities_the_caller_may_not_see_resolve_to_null,
    malformed_representations_resolve_to_null,
);

fn service_sdl_is_federation_v2_with_keyed_entities(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let reply = server.gql(Some(&token), "{ _service { sdl } }", json!({}));
    let sdl = reply.ok()["_service"]["sdl"]
        .as_str()
        .expect("sdl")
        .to_owned();

    assert!(
        sdl.contains("extend schema @link(")
            && sdl.contains("url: \"https://specs.apollo.dev/federation/v2."),
        "Federation v2 is linked: {sdl}"
    );
    for entity in ["Organization", "ContractAccount", "Member"] {
        assert!(
            sdl.contains(&format!(
                "type {entity} implements Node @key(fields: \"id\") {{"
            )),
            "{entity} is an entity keyed by id"
        );
    }
    assert!(
        sdl.contains("type User @key(fields: \"id\") {"),
        "User is an entity keyed by id"
    );
    assert!(sdl.contains("type PageInfo @shareable {"));
    // The roots carry the names composition looks for (a subgraph SDL has no schema block).
    assert!(sdl.contains("type Query {") && sdl.contains("type Mutation {"));
    assert!(!sdl.contains("type QueryRoot") && !sdl.contains("_entities"));
    // What a gateway fetches is the checked-in schema.graphql.
    assert_eq!(
        sdl,
        orgraph::graphql::export_sdl(&orgraph::graphql::schema_without_data())
    );

    let anonymous = server.gql(None, "{ _service { sdl } }", json!({}));
    assert!(
        anonymous.body["data"]["_service"]["sdl"].is_string(),
        "the SDL is public (a gateway composes before any user calls): {}",
        anonymous.body
    );
}

/// 1,000 organizations in one network, built by `orgraph seed` (owner `seed@orgraph.local`).
fn seeded(backend: Backend) -> (TestServer, String, Vec<String>) {
    let db = Arc::new(TestDatabase::create(backend));
    let output = Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .args(["seed", "--organizations", "1000"])
        .env("DATABASE_URL", db.url())
        .env("ORGRAPH_LOG", "warn")
        .output()
        .expect("run orgraph seed");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("seed report");
    let root = report["rootId"].as_str().expect("rootId").to_owned();
    let server = TestServer::start_with(db, &[]);
    let token = mint_token("seed@orgraph.local");
    let mut ids = vec![root.clone()];
    ids.extend(server.descendants(&token, &root).iter().map(id));
    assert_eq!(ids.len(), 1000);
    (server, token, ids)
}

fn entities_of_a_thousand_organizations_cost_constant_statements(backend: Backend) {
    let (server, token, ids) = seeded(backend);
    let ids: Vec<String> = ids.into_iter().rev().collect();

    let (found, thousand) = entities(&server, Some(&token), representations("Organization", &ids));
    let wanted: Vec<Option<String>> = ids.iter().cloned().map(Some).collect();
    assert_eq!(ids_of(&found), wanted, "every representation, in order");
    let list = found.as_array().unwrap();
    assert!(list.iter().all(|o| o["__typename"] == "Organization"));
    assert!(list.iter().all(|o| o["contractAccount"]["id"].is_string()));
    assert_eq!(list.iter().filter(|o| o["parent"].is_null()).count(), 1);

    let (found, ten) = entities(
        &server,
        Some(&token),
        representations("Organization", &ids[..10]),
    );
    assert_eq!(ids_of(&found).len(), 10);
    assert_eq!(
        thousand, ENTITY_STATEMENTS,
        "statements for 1,000 representations"
    );
    assert_eq!(
        ten, thousand,
        "10 and 1,000 representations cost the same number of statements"
    );
}

fn entities_the_caller_may_not_see_resolve_to_null(backend: Backend) {
    let server = TestServer::start(backend);
    let ada = server.token("ada@example.com");
    let bob = server.token("bob@example.com");
    let viewer = |token: &str| {
        server.gql(Some(token), "{ viewer { id } }", json!({})).ok()["viewer"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (ada_id, bob_id) = (viewer(&ada), viewer(&bob));
    let ada_root = server.add_organization(&ada, "Ada HQ");
    let ada_branch = id(&server.add_sub(&ada, &id(&ada_root), "Branch"));
    let gone = id(&server.add_sub(&ada, &id(&ada_root), "Gone"));
    server.try_delete(&ada, &gone).ok();
    let bob_root = server.add_organization(&bob, "Bob HQ");
    let account = |org: &Value| org["contractAccount"]["id"].as_str().unwrap().to_owned();

    let asked = json!([
        { "__typename": "Organization", "id": ada_branch },
        { "__typename": "Organization", "id": id(&bob_root) },
        { "__typename": "Organization", "id": gone },
        { "__typename": "Organization", "id": uuid::Uuid::new_v4().to_string() },
        { "__typename": "Organization", "id": "not-a-uuid" },
        { "__typename": "ContractAccount", "id": account(&ada_root) },
        { "__typename": "ContractAccount", "id": account(&bob_root) },
        { "__typename": "User", "id": ada_id },
        { "__typename": "User", "id": bob_id },
    ]);
    let (found, _) = entities(&server, Some(&ada), asked.clone());
    assert_eq!(
        ids_of(&found),
        vec![
            Some(ada_branch.clone()),
            None, // another network: as if it didn't exist
            None, // deleted
            None, // unknown
            None, // malformed
            Some(account(&ada_root)),
            None, // another user's account
            Some(ada_id.clone()),
            None, // another user
        ]
    );
    assert_eq!(found[0]["name"], "Branch");
    assert_eq!(found[7]["email"], "ada@example.com");

    // Bob sees the mirror image, and nothing of Ada's.
    let (found, _) = entities(&server, Some(&bob), asked.clone());
    let seen: Vec<usize> = ids_of(&found)
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.as_ref().map(|_| i))
        .collect();
    assert_eq!(seen, vec![1, 6, 8]);

    // Members, and the users behind them: seen with members:read where they are members.
    let invite = |token: &str, org: &str, email: &str| -> String {
        server
            .gql(
                Some(token),
                "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { id } } }",
                json!({ "input": { "organizationId": org, "email": email } }),
            )
            .ok()["inviteMember"]["member"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let carol_at_ada = invite(&ada, &ada_branch, "carol@example.com");
    let dave_at_bob = invite(&bob, &id(&bob_root), "dave@example.com");
    let carol = server.token("carol@example.com");
    let carol_id = viewer(&carol);
    let dave_id = viewer(&server.token("dave@example.com"));
    let people = json!([
        { "__typename": "Member", "id": carol_at_ada },
        { "__typename": "Member", "id": dave_at_bob },
        { "__typename": "Member", "id": uuid::Uuid::new_v4().to_string() },
        { "__typename": "User", "id": carol_id },
        { "__typename": "User", "id": dave_id },
    ]);
    let (found, _) = entities(&server, Some(&ada), people.clone());
    assert_eq!(
        ids_of(&found),
        vec![
            Some(carol_at_ada.clone()),
            None,                   // a member in another network
            None,                   // unknown
            Some(carol_id.clone()), // a member where Ada holds members:read
            None,                   // Bob's member: nothing of Ada's
        ]
    );
    assert_eq!(found[0]["user"]["email"], "carol@example.com");
    assert_eq!(found[3]["email"], "carol@example.com");
    // Carol herself holds no members:read: her own member is hidden, her own user not.
    let (found, _) = entities(&server, Some(&carol), people.clone());
    assert_eq!(
        ids_of(&found),
        vec![None, None, None, Some(carol_id.clone()), None]
    );

    // No token: an error, no data.
    let reply = server.gql(None, ENTITIES, json!({ "representations": asked }));
    assert_eq!(reply.code(), Some("UNAUTHENTICATED"), "{}", reply.body);
    assert!(reply.body["data"]["_entities"].is_null());
}

/// A representation `_entities` cannot resolve — unknown or missing `__typename`, missing
/// `id`, an `id` of the wrong type or not a UUID, not an object at all — is a `null` entry,
/// without an error, and the good representations around it still resolve.
fn malformed_representations_resolve_to_null(backend: Backend) {
    let server = TestServer::start(backend);
    let ada = server.token("ada@example.com");
    let ada_id = server.gql(Some(&ada), "{ viewer { id } }", json!({})).ok()["viewer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let root = server.add_organization(&ada, "Ada HQ");
    let account = root["contractAccount"]["id"].as_str().unwrap().to_owned();
    let root = id(&root);

    #[rustfmt::skip]
    let asked = [
        (json!({ "__typename": "Organization", "id": root }), Some(root.clone())),
        (json!({ "__typename": "Nonexistent", "id": root }), None),
        (json!({ "__typename": "Organization" }), None),
        (json!({ "__typename": "ContractAccount", "id": account }), Some(account.clone())),
        (json!({ "__typename": "Organization", "id": true }), None),
        (json!({ "__typename": "Organization", "id": { "nested": root } }), None),
        (json!({ "__typename": "Organization", "id": [root] }), None),
        (json!({ "__typename": "Organization", "id": null }), None),
        (json!({ "__typename": "Organization", "id": 42 }), None),
        (json!({ "__typename": "Organization", "id": "not-a-uuid" }), None),
        (json!({ "__typename": "User", "id": "" }), None),
        (json!({ "id": root }), None),
        (json!({ "__typename": 7, "id": root }), None),
        (json!({ "__typename": null, "id": root }), None),
        (json!("Organization"), None),
        (json!([{ "__typename": "Organization", "id": root }]), None),
        (json!({}), None),
        (json!({ "__typename": "Query", "id": root }), None),
        (json!({ "__typename": "PageInfo", "id": root }), None),
        (json!({ "__typename": "User", "id": ada_id }), Some(ada_id.clone())),
    ];
    let representations: Value = asked.iter().map(|(r, _)| r.clone()).collect();
    let wanted: Vec<Option<String>> = asked.iter().map(|(_, id)| id.clone()).collect();
    let (found, _) = entities(&server, Some(&ada), representations);
    assert_eq!(ids_of(&found), wanted, "{found}");
    let list = found.as_array().unwrap();
    for (entity, (representation, expected)) in list.iter().zip(&asked) {
        if expected.is_none() {
            assert!(entity.is_null(), "{representation} resolved to {entity}");
        }
    }
    assert_eq!(found[0]["name"], "Ada HQ");

    // Each bad representation alone is a list of one null, not an error.
    for (representation, expected) in &asked {
        if expected.is_some() {
            continue;
        }
        let (found, _) = entities(&server, Some(&ada), json!([representation]));
        assert_eq!(found, json!([null]), "{representation}");
    }

    // Without a token it is still an error, bad representations or not.
    for representations in [
        json!([{ "__typename": "Nonexistent", "id": root }]),
        json!([{}]),
    ] {
        let reply = server.gql(
            None,
            ENTITIES,
            json!({ "representations": representations }),
        );
        assert_eq!(reply.code(), Some("UNAUTHENTICATED"), "{}", reply.body);
        assert!(reply.body["data"]["_entities"].is_null());
    }
}
