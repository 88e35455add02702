//! Authentication and the caller's grants are served from a cache while the database is
//! unchanged, so they cost no statement on the hot path; and whatever takes rights away bites
//! on the very next request in the process that wrote it, and in another server process on
//! the same database as soon as PostgreSQL's notification (or SQLite's data version) reaches
//! it: a revoked grant, a suspended member, a revoked application authorization, an ended
//! session.

use serde_json::{json, Value};

use crate::harness::ops::id;
use crate::harness::{eventually, Backend, Reply, TestServer};
use crate::on_both_backends;
use crate::sessions::{dev_server, dev_sign_in, SESSION};

on_both_backends!(
    a_cached_caller_costs_no_statement,
    a_revoked_grant_bites_in_another_process,
    a_suspended_member_loses_access_in_another_process,
    a_revoked_authorization_bites_in_another_process,
    an_ended_session_bites_in_another_process,
);

const READ: &str = "query($id: ID!) { organization(id: $id) { name } }";

/// The statements a request ran, as the server reports them.
fn statements(reply: &Reply) -> u64 {
    reply.body["extensions"]["statements"]
        .as_u64()
        .expect("the statement count is reported")
}

fn counted(server: &TestServer, token: &str, query: &str, variables: Value) -> Reply {
    server.post_json_with_headers(
        Some(token),
        &json!({ "query": query, "variables": variables }),
        &[("x-orgraph-debug", "statements")],
    )
}

/// Reads `org` as `token` twice on `server`: the second answer comes from the cache.
fn reads(server: &TestServer, token: &str, org: &str) -> bool {
    let mut seen = false;
    for _ in 0..2 {
        let reply = server.gql(Some(token), READ, json!({ "id": org }));
        seen = match reply.code() {
            None => true,
            Some("NOT_FOUND") => false,
            Some(other) => panic!("unexpected {other}: {}", reply.message()),
        };
    }
    seen
}

fn a_cached_caller_costs_no_statement(backend: Backend) {
    let server = TestServer::start(backend);
    let ada = server.token("ada@acme.example");
    let hq = id(&server.add_organization(&ada, "HQ"));
    // First sight reads the user and the grants; then neither.
    let first = counted(&server, &ada, READ, json!({ "id": hq }));
    first.ok();
    let again = counted(&server, &ada, READ, json!({ "id": hq }));
    assert_eq!(again.ok()["organization"]["name"], "HQ");
    assert!(
        statements(&again) < statements(&first),
        "cached: {} then {}",
        statements(&first),
        statements(&again)
    );
    let typename = counted(&server, &ada, "{ __typename }", json!({}));
    assert_eq!(statements(&typename), 0, "{:?}", typename.body);
    // Any write retires what was cached: the user is read again.
    server.add_sub(&ada, &hq, "EMEA");
    let after_write = counted(&server, &ada, "{ __typename }", json!({}));
    assert!(statements(&after_write) >= 1, "{:?}", after_write.body);
}

/// Two server processes on one database; the owner of HQ gives Bob `EMPLOYEE` there through
/// `mutation` (its `input` completed with HQ, Bob and the role) on the first, and Bob reads
/// HQ on the second (from its cache the second time).
struct TwoProcesses {
    first: TestServer,
    second: TestServer,
    owner: String,
    hq: String,
    bob: String,
}

fn two_processes(backend: Backend, mutation: &str) -> (TwoProcesses, Value) {
    let first = TestServer::start(backend);
    let second = first.sibling(&[]);
    let owner = first.token("owner@acme.example");
    let hq = id(&first.add_organization(&owner, "HQ"));
    let reply = first.gql(
        Some(&owner),
        mutation,
        json!({ "input": { "organizationId": hq, "email": "bob@acme.example", "role": "EMPLOYEE" } }),
    );
    let data = reply.ok().clone();
    let bob = first.token("bob@acme.example");
    assert!(reads(&second, &bob, &hq));
    let world = TwoProcesses {
        first,
        second,
        owner,
        hq,
        bob,
    };
    (world, data)
}

fn a_revoked_grant_bites_in_another_process(backend: Backend) {
    let (w, data) = two_processes(
        backend,
        "mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }",
    );
    let TwoProcesses {
        first,
        second,
        owner,
        hq,
        bob,
    } = &w;
    let grant = data["grantRole"]["grant"]["id"].clone();

    first
        .gql(
            Some(owner.as_str()),
            "mutation($input: RevokeGrantInput!) { revokeGrant(input: $input) { revokedGrantId } }",
            json!({ "input": { "organizationId": hq, "grantId": grant } }),
        )
        .ok();
    assert!(!reads(first, bob, hq), "at once where it was revoked");
    eventually("the revoked grant bites", || !reads(second, bob, hq));
}

fn a_suspended_member_loses_access_in_another_process(backend: Backend) {
    let (w, data) = two_processes(
        backend,
        "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { id } } }",
    );
    let TwoProcesses {
        first,
        second,
        owner,
        hq,
        bob,
    } = &w;
    let member = data["inviteMember"]["member"]["id"].clone();

    let suspend = |status: &str| {
        first
            .gql(
                Some(owner.as_str()),
                "mutation($input: UpdateMemberStatusInput!) { updateMemberStatus(input: $input) { member { status } } }",
                json!({ "input": { "memberId": member, "status": status } }),
            )
            .ok()["updateMemberStatus"]["member"]["status"]
            .clone()
    };
    assert_eq!(suspend("SUSPENDED"), "SUSPENDED");
    assert!(!reads(first, bob, hq), "at once where it was suspended");
    eventually("the suspension bites", || !reads(second, bob, hq));
    assert_eq!(suspend("ACTIVE"), "ACTIVE");
    eventually("the reinstatement counts", || reads(second, bob, hq));
}

fn a_revoked_authorization_bites_in_another_process(backend: Backend) {
    // Both processes issue and accept tokens as one public address, as behind a balancer.
    let shared = ["--public-url", "http://127.0.0.1:9"];
    let first = TestServer::start_with(
        std::sync::Arc::new(crate::harness::TestDatabase::create(backend)),
        &shared,
    );
    let second = first.sibling(&shared);
    let app = first.create_application("integrator@tools.example", &["organization:read"]);
    let admin = first.token("admin@customer.example");
    let customer = id(&first.add_organization(&admin, "Customer"));
    let tokens = first.authorize(&admin, &app, &customer, &["organization:read"], false);
    let access = tokens["access_token"].as_str().expect("access token");
    assert!(reads(&second, access, &customer));

    let reply = first.gql(
        Some(&admin),
        "query($id: ID!) { organization(id: $id) { authorizations { id } } }",
        json!({ "id": customer }),
    );
    let authorization = reply.ok()["organization"]["authorizations"][0]["id"].clone();
    first
        .gql(
            Some(&admin),
            "mutation($id: ID!) { revokeAuthorization(input: { id: $id }) { authorization { revokedAt } } }",
            json!({ "id": authorization }),
        )
        .ok();
    let refused = |server: &TestServer| {
        server
            .gql(Some(access), READ, json!({ "id": customer }))
            .status
            == 401
    };
    assert!(refused(&first), "at once where it was revoked");
    eventually("the revoked authorization bites", || refused(&second));
}

fn an_ended_session_bites_in_another_process(backend: Backend) {
    let first = dev_server(backend);
    let second = first.sibling(&["--dev-sign-in"]);
    let (mut browser, csrf) = dev_sign_in(&first, "ada@acme.example");
    let secret = browser.cookie(SESSION).expect("session").to_owned();
    let mut elsewhere = crate::harness::browser::Browser::new(&second.base);
    elsewhere.set_cookie(SESSION, &secret);
    for _ in 0..2 {
        let page = elsewhere.graphql("{ viewer { email } }", Some(&csrf));
        assert_eq!(page.status, 200, "{}", page.body);
    }

    let out = browser.post("/auth/logout", None, &[("x-csrf-token", &csrf)]);
    assert_eq!(out.status, 204);
    eventually("the ended session bites", || {
        elsewhere
            .graphql("{ viewer { email } }", Some(&csrf))
            .status
            == 401
    });
}
