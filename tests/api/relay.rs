//! Relay's Global Object Identification: `node(id:)` and `nodes(ids:)` find every kind of
//! object clients refetch, under the rule of the field that lists it; an object the caller
//! may not see is `null`, exactly as one that doesn't exist.

use serde_json::{json, Value};

use crate::harness::ops::id;
use crate::harness::{Backend, TestServer};
use crate::on_both_backends;

on_both_backends!(
    node_finds_each_kind_and_hides_what_the_caller_may_not_see,
    nodes_answer_in_order_in_one_level_of_statements,
);

const NODE: &str = "query($id: ID!) { node(id: $id) {
    __typename id
    ... on Organization { name }
    ... on Member { status user { email } }
    ... on Application { name }
    ... on Integration { displayName }
    ... on Role { name builtIn }
    ... on ContractAccount { name }
} }";

/// One object of each kind in Ada's network, and their ids.
struct Objects {
    organization: String,
    member: String,
    application: String,
    integration: String,
    role: String,
    account: String,
    deleted: String,
}

fn build(server: &TestServer, ada: &str) -> Objects {
    let root = server.add_organization(ada, "Ada HQ");
    let mixed = server
        .gql(
            Some(ada),
            "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id } } }",
            json!({ "input": { "parentId": id(&root), "name": "Labs", "kind": "MIXED" } }),
        )
        .ok()["addSubOrganization"]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let field = |query: &str, input: Value, path: &[&str]| -> String {
        let reply = server.gql(Some(ada), query, json!({ "input": input }));
        let mut value = reply.ok().clone();
        for key in path {
            value = value[*key].clone();
        }
        value.as_str().unwrap().to_owned()
    };
    let member = field(
        "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { id } } }",
        json!({ "organizationId": mixed, "email": "carol@example.com" }),
        &["inviteMember", "member", "id"],
    );
    let application = field(
        "mutation($input: CreateApplicationInput!) { createApplication(input: $input) { application { id } } }",
        json!({ "organizationId": mixed, "name": "Scheduler", "environment": "DEVELOPMENT", "redirectUris": ["https://app.example/cb"], "allowedScopes": ["organization:read"] }),
        &["createApplication", "application", "id"],
    );
    let integration = field(
        "mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }",
        json!({ "organizationId": mixed, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": "Calendars", "configuration": {} }),
        &["createIntegration", "integration", "id"],
    );
    let role = field(
        "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }",
        json!({ "organizationId": mixed, "name": "Auditor", "permissions": ["organization:read", "audit:read"] }),
        &["createRole", "role", "id"],
    );
    let deleted = id(&server.add_sub(ada, &id(&root), "Gone"));
    server.try_delete(ada, &deleted).ok();
    Objects {
        organization: mixed,
        member,
        application,
        integration,
        role,
        account: root["contractAccount"]["id"].as_str().unwrap().to_owned(),
        deleted,
    }
}

fn node(server: &TestServer, token: &str, id: &str) -> Value {
    server.gql(Some(token), NODE, json!({ "id": id })).ok()["node"].clone()
}

fn node_finds_each_kind_and_hides_what_the_caller_may_not_see(backend: Backend) {
    let server = TestServer::start(backend);
    let ada = server.token("ada@example.com");
    let o = build(&server, &ada);

    for (id, typename, field, value) in [
        (&o.organization, "Organization", "name", json!("Labs")),
        (&o.member, "Member", "status", json!("INVITED")),
        (&o.application, "Application", "name", json!("Scheduler")),
        (
            &o.integration,
            "Integration",
            "displayName",
            json!("Calendars"),
        ),
        (&o.role, "Role", "name", json!("Auditor")),
        (&o.account, "ContractAccount", "name", json!("Ada HQ")),
    ] {
        let found = node(&server, &ada, id);
        assert_eq!(found["__typename"], typename, "{found}");
        assert_eq!(found["id"], id.as_str(), "{found}");
        assert_eq!(found[field], value, "{typename}: {found}");
    }
    let built_in = node(&server, &ada, "EMPLOYEE");
    assert_eq!(
        built_in,
        json!({ "__typename": "Role", "id": "EMPLOYEE", "name": "EMPLOYEE", "builtIn": true })
    );

    // Nonexistent, malformed and deleted: null, without an error.
    for id in [
        uuid::Uuid::new_v4().to_string(),
        "not-an-id".to_owned(),
        o.deleted.clone(),
    ] {
        assert_eq!(node(&server, &ada, &id), Value::Null, "{id}");
    }

    // Bob, a stranger: every one of Ada's objects is null, like the unknown id.
    let bob = server.token("bob@example.com");
    server.add_organization(&bob, "Bob HQ");
    for id in [
        &o.organization,
        &o.member,
        &o.application,
        &o.integration,
        &o.role,
        &o.account,
    ] {
        assert_eq!(node(&server, &bob, id), Value::Null, "Bob saw {id}");
    }
    // Nor can he name Ada's member by its id in a mutation: NOT_FOUND, as for an unknown id.
    let before = crate::harness::invariants::all_row_counts(&server.db);
    for member in [o.member.clone(), uuid::Uuid::new_v4().to_string()] {
        let reply = server.gql(
            Some(&bob),
            "mutation($input: RemoveMemberInput!) { removeMember(input: $input) { member { id } } }",
            json!({ "input": { "memberId": member } }),
        );
        assert_eq!(reply.code(), Some("NOT_FOUND"), "{}", reply.body);
        assert_eq!(reply.message(), "not found", "{}", reply.body);
    }
    assert_eq!(
        crate::harness::invariants::all_row_counts(&server.db),
        before
    );

    // Eve holds organization:read on Labs and nothing else: she sees the organization and its
    // integrations (listed with organization:read), not its members, roles or applications.
    let viewer_role = server
        .gql(
            Some(&ada),
            "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }",
            json!({ "input": { "organizationId": o.organization, "name": "Looker", "permissions": ["organization:read"] } }),
        )
        .ok()["createRole"]["role"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .gql(
            Some(&ada),
            "mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }",
            json!({ "input": { "organizationId": o.organization, "email": "eve@example.com", "role": viewer_role } }),
        )
        .ok();
    let eve = server.token("eve@example.com");
    assert_eq!(node(&server, &eve, &o.organization)["name"], "Labs");
    assert_eq!(
        node(&server, &eve, &o.integration)["displayName"],
        "Calendars"
    );
    for id in [&o.member, &o.role, &o.application, &o.account] {
        assert_eq!(node(&server, &eve, id), Value::Null, "Eve saw {id}");
    }

    // Without a token: unauthenticated.
    let reply = server.gql(None, NODE, json!({ "id": o.organization }));
    assert_eq!(reply.code(), Some("UNAUTHENTICATED"), "{}", reply.body);
}

fn nodes_answer_in_order_in_one_level_of_statements(backend: Backend) {
    let server = TestServer::start(backend);
    let ada = server.token("ada@example.com");
    let o = build(&server, &ada);
    let unknown = uuid::Uuid::new_v4().to_string();
    let ids = [
        o.integration.as_str(),
        unknown.as_str(),
        o.organization.as_str(),
        o.member.as_str(),
        "OPS_ADMIN",
        o.role.as_str(),
        o.account.as_str(),
        o.application.as_str(),
    ];
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";
    let reply = server.post_json_with_headers(
        Some(&ada),
        &json!({ "query": query, "variables": { "ids": ids } }),
        &[("x-orgraph-debug", "statements")],
    );
    let found: Vec<Option<String>> = reply.ok()["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().map(str::to_owned))
        .collect();
    let expected: Vec<Option<String>> = ids
        .iter()
        .map(|id| (*id != unknown).then(|| (*id).to_owned()))
        .collect();
    assert_eq!(found, expected);
    // One routing statement for all ids, then each kind's loaders, whatever their number.
    let statements = reply.body["extensions"]["statements"].as_u64().unwrap();
    let twice: Vec<&str> = ids.iter().chain(ids.iter()).copied().collect();
    let reply = server.post_json_with_headers(
        Some(&ada),
        &json!({ "query": query, "variables": { "ids": twice } }),
        &[("x-orgraph-debug", "statements")],
    );
    assert_eq!(reply.ok()["nodes"].as_array().unwrap().len(), 16);
    let statements_twice = reply.body["extensions"]["statements"].as_u64().unwrap();
    // Loaders batch whatever is waiting at once, so the count varies a little with timing,
    // never with the number of ids (one statement per id and loader would be 30 or more).
    for count in [statements, statements_twice] {
        assert!(count <= 20, "{count} statements for nodes(ids:) of 6 kinds");
    }

    // More than 100 ids: refused.
    let many: Vec<String> = (0..101).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let reply = server.gql(Some(&ada), query, json!({ "ids": many }));
    assert_eq!(reply.code(), Some("LIMIT_EXCEEDED"), "{}", reply.body);
}
