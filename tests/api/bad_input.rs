//! Bad input gets the right `extensions.code` and writes nothing: every refused request is
//! checked against row counts taken before it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::harness::ops::id;
use crate::harness::{all_row_counts, Backend, TestDatabase, TestServer};
use crate::on_both_backends;

on_both_backends!(
    refused_mutations_write_nothing,
    refused_queries,
    oversized_and_malformed_requests,
    names_at_the_limit_are_accepted,
    depth_limit_is_enforced,
);

const ADD_ORG: &str = "mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } } }";
const ADD_ROOT: &str = "mutation($input: AddRootOrganizationInput!) { addRootOrganization(input: $input) { organization { id } } }";
const ADD_SUB: &str = "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id name depth } } }";
const COPY: &str = "mutation($input: CopyOrganizationInput!) { copyOrganization(input: $input) { organization { id } } }";
const MOVE: &str = "mutation($input: MoveOrganizationInput!) { moveOrganization(input: $input) { organization { id } } }";
const DELETE: &str = "mutation($input: DeleteOrganizationInput!) { deleteOrganization(input: $input) { organization { id } } }";
const RESTORE: &str = "mutation($input: RestoreOrganizationInput!) { restoreOrganization(input: $input) { organization { id } } }";
const CREATE_ACCOUNT: &str = "mutation($input: CreateContractAccountInput!) { createContractAccount(input: $input) { contractAccount { id name billingEmail plan } } }";
const UPDATE_ACCOUNT: &str = "mutation($input: UpdateContractAccountInput!) { updateContractAccount(input: $input) { contractAccount { id } } }";
const DELETE_ACCOUNT: &str = "mutation($input: DeleteContractAccountInput!) { deleteContractAccount(input: $input) { deletedContractAccountId } }";

const BAD: &str = "BAD_USER_INPUT";
const NOT_FOUND: &str = "NOT_FOUND";
const CONFLICT: &str = "CONFLICT";
const LIMIT: &str = "LIMIT_EXCEEDED";

/// One refused request: what it shows, the document, its variables, the expected code.
pub(crate) type Case = (String, String, Value, &'static str);

pub(crate) fn case(what: &str, query: &str, variables: Value, code: &'static str) -> Case {
    (what.to_owned(), query.to_owned(), variables, code)
}

fn random_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn counts(server: &TestServer) -> BTreeMap<&'static str, i64> {
    all_row_counts(&server.db)
}

/// Sends every case; each must fail with its code, carry no payload and leave every table's
/// row count as it was. Reports all failing cases at once, by description.
pub(crate) fn assert_refused(server: &TestServer, token: &str, cases: &[Case]) {
    let mut before = counts(server);
    let mut failures = Vec::new();
    for (what, query, variables, code) in cases {
        let reply = server.gql(Some(token), query, variables.clone());
        if reply.code() != Some(*code) {
            failures.push(format!(
                "{what}: expected {code}, got HTTP {} {}",
                reply.status, reply.body
            ));
        } else if reply.status != 200 {
            failures.push(format!(
                "{what}: a GraphQL error answered as application/json must be HTTP 200, got {}",
                reply.status
            ));
        } else if query.starts_with("mutation") && !reply.data().is_null() {
            failures.push(format!(
                "{what}: a refused mutation must return no data, got {}",
                reply.body
            ));
        }
        let after = counts(server);
        if after != before {
            failures.push(format!("{what}: rows changed from {before:?} to {after:?}"));
            before = after;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
}

fn create_account(server: &TestServer, token: &str, name: &str) -> String {
    let reply = server.gql(
        Some(token),
        CREATE_ACCOUNT,
        json!({ "input": { "name": name, "billingEmail": "ap@example.com" } }),
    );
    reply.ok()["createContractAccount"]["contractAccount"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn refused_mutations_write_nothing(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("bad-input@example.com");

    // The fixture (the first request also creates the user row):
    // Acme ── Sales
    //      ├─ Engineering ── SALES
    //      ├─ Gone ── Gone child      (deleted together)
    //      └─ gone                    (added after Gone was deleted)
    // Other network (a second root)
    let root = server.add_organization(&token, "Acme");
    let root_id = id(&root);
    let root_account = root["contractAccount"]["id"].as_str().unwrap().to_owned();
    let sales = id(&server.add_sub(&token, &root_id, "Sales"));
    let engineering = id(&server.add_sub(&token, &root_id, "Engineering"));
    let engineering_sales = id(&server.add_sub(&token, &engineering, "SALES"));
    let gone = id(&server.add_sub(&token, &root_id, "Gone"));
    let gone_child = id(&server.add_sub(&token, &gone, "Gone child"));
    server.try_delete(&token, &gone).ok();
    server.add_sub(&token, &root_id, "gone");
    let other_root = id(&server.add_organization(&token, "Other network"));
    let spare_account = create_account(&server, &token, "Spare");

    let long = "a".repeat(201);
    let long_wide = "é".repeat(201);
    let unknown = random_id();

    #[rustfmt::skip]
    let cases = vec![
        // addOrganization
        case("addOrganization: empty name", ADD_ORG, json!({ "input": { "name": "" } }), BAD),
        case("addOrganization: whitespace-only name", ADD_ORG, json!({ "input": { "name": " \t\n " } }), BAD),
        case("addOrganization: 201-char name", ADD_ORG, json!({ "input": { "name": long } }), BAD),
        case("addOrganization: 201 two-byte chars", ADD_ORG, json!({ "input": { "name": long_wide } }), BAD),
        case("addOrganization: control character in name", ADD_ORG, json!({ "input": { "name": "a\u{7}b" } }), BAD),
        case("addOrganization: missing name", ADD_ORG, json!({ "input": {} }), BAD),
        case("addOrganization: null name", ADD_ORG, json!({ "input": { "name": null } }), BAD),
        case("addOrganization: unknown kind", ADD_ORG, json!({ "input": { "name": "X", "kind": "BOGUS" } }), BAD),
        case("addOrganization: malformed contractAccountId", ADD_ORG, json!({ "input": { "name": "X", "contractAccountId": "not-a-uuid" } }), BAD),
        // An account named in the input that the caller doesn't have is an invalid argument.
        case("addOrganization: unknown contractAccountId", ADD_ORG, json!({ "input": { "name": "X", "contractAccountId": unknown } }), BAD),
        // addRootOrganization
        case("addRootOrganization: target is not a root", ADD_ROOT, json!({ "input": { "rootId": sales, "name": "Holding" } }), BAD),
        case("addRootOrganization: malformed rootId", ADD_ROOT, json!({ "input": { "rootId": "not-a-uuid", "name": "Holding" } }), BAD),
        case("addRootOrganization: unknown rootId", ADD_ROOT, json!({ "input": { "rootId": unknown, "name": "Holding" } }), NOT_FOUND),
        case("addRootOrganization: empty name", ADD_ROOT, json!({ "input": { "rootId": root_id, "name": "" } }), BAD),
        case("addRootOrganization: whitespace-only name", ADD_ROOT, json!({ "input": { "rootId": root_id, "name": "   " } }), BAD),
        case("addRootOrganization: 201-char name", ADD_ROOT, json!({ "input": { "rootId": root_id, "name": long } }), BAD),
        case("addRootOrganization: malformed contractAccountId", ADD_ROOT, json!({ "input": { "rootId": root_id, "name": "Holding", "contractAccountId": "not-a-uuid" } }), BAD),
        case("addRootOrganization: deleted target", ADD_ROOT, json!({ "input": { "rootId": gone, "name": "Holding" } }), NOT_FOUND),
        // addSubOrganization
        case("addSubOrganization: empty name", ADD_SUB, json!({ "input": { "parentId": root_id, "name": "" } }), BAD),
        case("addSubOrganization: whitespace-only name", ADD_SUB, json!({ "input": { "parentId": root_id, "name": "    " } }), BAD),
        case("addSubOrganization: 201-char name", ADD_SUB, json!({ "input": { "parentId": root_id, "name": long } }), BAD),
        case("addSubOrganization: 201 two-byte chars", ADD_SUB, json!({ "input": { "parentId": root_id, "name": long_wide } }), BAD),
        case("addSubOrganization: 201 chars inside whitespace", ADD_SUB, json!({ "input": { "parentId": root_id, "name": format!("  {long}  ") } }), BAD),
        case("addSubOrganization: malformed parentId", ADD_SUB, json!({ "input": { "parentId": "not-a-uuid", "name": "X" } }), BAD),
        case("addSubOrganization: empty parentId", ADD_SUB, json!({ "input": { "parentId": "", "name": "X" } }), BAD),
        case("addSubOrganization: unknown parentId", ADD_SUB, json!({ "input": { "parentId": unknown, "name": "X" } }), NOT_FOUND),
        case("addSubOrganization: deleted parent", ADD_SUB, json!({ "input": { "parentId": gone, "name": "X" } }), NOT_FOUND),
        case("addSubOrganization: duplicate sibling name, other case and padding", ADD_SUB, json!({ "input": { "parentId": root_id, "name": " sales " } }), CONFLICT),
        case("addSubOrganization: duplicate sibling name, upper case", ADD_SUB, json!({ "input": { "parentId": root_id, "name": "SALES" } }), CONFLICT),
        case("addSubOrganization: duplicate of a live sibling added after a delete", ADD_SUB, json!({ "input": { "parentId": root_id, "name": "GONE" } }), CONFLICT),
        case("addSubOrganization: malformed contractAccountId", ADD_SUB, json!({ "input": { "parentId": root_id, "name": "X", "contractAccountId": "not-a-uuid" } }), BAD),
        case("addSubOrganization: unknown contractAccountId", ADD_SUB, json!({ "input": { "parentId": root_id, "name": "X", "contractAccountId": unknown } }), BAD),
        case("addSubOrganization: parentId of the wrong type", ADD_SUB, json!({ "input": { "parentId": true, "name": "X" } }), BAD),
        // copyOrganization
        case("copyOrganization: malformed sourceId", COPY, json!({ "input": { "sourceId": "not-a-uuid" } }), BAD),
        case("copyOrganization: unknown sourceId", COPY, json!({ "input": { "sourceId": unknown } }), NOT_FOUND),
        case("copyOrganization: deleted source", COPY, json!({ "input": { "sourceId": gone } }), NOT_FOUND),
        case("copyOrganization: malformed parentId", COPY, json!({ "input": { "sourceId": sales, "parentId": "not-a-uuid" } }), BAD),
        case("copyOrganization: unknown parentId", COPY, json!({ "input": { "sourceId": sales, "parentId": unknown, "name": "Copy" } }), NOT_FOUND),
        case("copyOrganization: empty name", COPY, json!({ "input": { "sourceId": sales, "name": "" } }), BAD),
        case("copyOrganization: whitespace-only name", COPY, json!({ "input": { "sourceId": sales, "name": "  " } }), BAD),
        case("copyOrganization: 201-char name", COPY, json!({ "input": { "sourceId": sales, "name": long } }), BAD),
        case("copyOrganization: next to the source under its own name", COPY, json!({ "input": { "sourceId": sales, "parentId": root_id } }), CONFLICT),
        case("copyOrganization: duplicate sibling name", COPY, json!({ "input": { "sourceId": sales, "parentId": root_id, "name": " engineering " } }), CONFLICT),
        case("copyOrganization: subtree with a duplicate name", COPY, json!({ "input": { "sourceId": engineering, "parentId": root_id, "includeSubOrganizations": true } }), CONFLICT),
        case("copyOrganization: malformed contractAccountId", COPY, json!({ "input": { "sourceId": sales, "contractAccountId": "not-a-uuid" } }), BAD),
        // moveOrganization
        case("moveOrganization: malformed id", MOVE, json!({ "input": { "id": "not-a-uuid", "newParentId": root_id } }), BAD),
        case("moveOrganization: malformed newParentId", MOVE, json!({ "input": { "id": sales, "newParentId": "not-a-uuid" } }), BAD),
        case("moveOrganization: unknown id", MOVE, json!({ "input": { "id": unknown, "newParentId": root_id } }), NOT_FOUND),
        case("moveOrganization: unknown newParentId", MOVE, json!({ "input": { "id": sales, "newParentId": unknown } }), NOT_FOUND),
        case("moveOrganization: deleted organization", MOVE, json!({ "input": { "id": gone_child, "newParentId": root_id } }), NOT_FOUND),
        case("moveOrganization: under a deleted parent", MOVE, json!({ "input": { "id": sales, "newParentId": gone } }), NOT_FOUND),
        case("moveOrganization: a root", MOVE, json!({ "input": { "id": root_id, "newParentId": sales } }), BAD),
        case("moveOrganization: under itself", MOVE, json!({ "input": { "id": engineering, "newParentId": engineering } }), BAD),
        case("moveOrganization: under its descendant", MOVE, json!({ "input": { "id": engineering, "newParentId": engineering_sales } }), BAD),
        case("moveOrganization: into another network", MOVE, json!({ "input": { "id": sales, "newParentId": other_root } }), BAD),
        case("moveOrganization: next to a sibling of the same name", MOVE, json!({ "input": { "id": engineering_sales, "newParentId": root_id } }), CONFLICT),
        // deleteOrganization
        case("deleteOrganization: malformed id", DELETE, json!({ "input": { "id": "not-a-uuid" } }), BAD),
        case("deleteOrganization: unknown id", DELETE, json!({ "input": { "id": unknown } }), NOT_FOUND),
        case("deleteOrganization: already deleted", DELETE, json!({ "input": { "id": gone } }), NOT_FOUND),
        case("deleteOrganization: missing id", DELETE, json!({ "input": {} }), BAD),
        // restoreOrganization
        case("restoreOrganization: malformed id", RESTORE, json!({ "input": { "id": "not-a-uuid" } }), BAD),
        case("restoreOrganization: unknown id", RESTORE, json!({ "input": { "id": unknown } }), NOT_FOUND),
        case("restoreOrganization: not deleted", RESTORE, json!({ "input": { "id": sales } }), BAD),
        case("restoreOrganization: parent still deleted", RESTORE, json!({ "input": { "id": gone_child } }), CONFLICT),
        case("restoreOrganization: name taken meanwhile", RESTORE, json!({ "input": { "id": gone } }), CONFLICT),
        // createContractAccount
        case("createContractAccount: empty name", CREATE_ACCOUNT, json!({ "input": { "name": "", "billingEmail": "ap@example.com" } }), BAD),
        case("createContractAccount: whitespace-only name", CREATE_ACCOUNT, json!({ "input": { "name": "  ", "billingEmail": "ap@example.com" } }), BAD),
        case("createContractAccount: 201-char name", CREATE_ACCOUNT, json!({ "input": { "name": long, "billingEmail": "ap@example.com" } }), BAD),
        case("createContractAccount: email without @", CREATE_ACCOUNT, json!({ "input": { "name": "A", "billingEmail": "not-an-email" } }), BAD),
        case("createContractAccount: email without a dotted domain", CREATE_ACCOUNT, json!({ "input": { "name": "A", "billingEmail": "a@b" } }), BAD),
        case("createContractAccount: email with a space", CREATE_ACCOUNT, json!({ "input": { "name": "A", "billingEmail": "a b@c.de" } }), BAD),
        case("createContractAccount: email with two @", CREATE_ACCOUNT, json!({ "input": { "name": "A", "billingEmail": "a@b@c.de" } }), BAD),
        case("createContractAccount: empty email", CREATE_ACCOUNT, json!({ "input": { "name": "A", "billingEmail": "" } }), BAD),
        case("createContractAccount: 255-char email", CREATE_ACCOUNT, json!({ "input": { "name": "A", "billingEmail": format!("{}@example.com", "a".repeat(243)) } }), BAD),
        case("createContractAccount: missing email", CREATE_ACCOUNT, json!({ "input": { "name": "A" } }), BAD),
        case("createContractAccount: plan with a space", CREATE_ACCOUNT, json!({ "input": { "name": "A", "billingEmail": "ap@example.com", "plan": "free plan" } }), BAD),
        case("createContractAccount: plan with punctuation", CREATE_ACCOUNT, json!({ "input": { "name": "A", "billingEmail": "ap@example.com", "plan": "gold!" } }), BAD),
        case("createContractAccount: empty plan", CREATE_ACCOUNT, json!({ "input": { "name": "A", "billingEmail": "ap@example.com", "plan": "" } }), BAD),
        case("createContractAccount: 65-char plan", CREATE_ACCOUNT, json!({ "input": { "name": "A", "billingEmail": "ap@example.com", "plan": "p".repeat(65) } }), BAD),
        // updateContractAccount
        case("updateContractAccount: malformed id", UPDATE_ACCOUNT, json!({ "input": { "id": "not-a-uuid", "name": "B" } }), BAD),
        case("updateContractAccount: unknown id", UPDATE_ACCOUNT, json!({ "input": { "id": unknown, "name": "B" } }), NOT_FOUND),
        case("updateContractAccount: empty name", UPDATE_ACCOUNT, json!({ "input": { "id": spare_account, "name": "" } }), BAD),
        case("updateContractAccount: 201-char name", UPDATE_ACCOUNT, json!({ "input": { "id": spare_account, "name": long } }), BAD),
        case("updateContractAccount: bad email", UPDATE_ACCOUNT, json!({ "input": { "id": spare_account, "billingEmail": "billing.example.com" } }), BAD),
        case("updateContractAccount: bad plan", UPDATE_ACCOUNT, json!({ "input": { "id": spare_account, "plan": "two words" } }), BAD),
        case("updateContractAccount: good name with a bad plan", UPDATE_ACCOUNT, json!({ "input": { "id": spare_account, "name": "Renamed", "plan": "two words" } }), BAD),
        // deleteContractAccount
        case("deleteContractAccount: malformed id", DELETE_ACCOUNT, json!({ "input": { "id": "not-a-uuid" } }), BAD),
        case("deleteContractAccount: unknown id", DELETE_ACCOUNT, json!({ "input": { "id": unknown } }), NOT_FOUND),
        case("deleteContractAccount: still in use", DELETE_ACCOUNT, json!({ "input": { "id": root_account } }), CONFLICT),
    ];
    assert_refused(&server, &token, &cases);

    // Nothing was half-applied: the tree and the accounts read as before.
    let mut names: Vec<String> = server.descendant_names(&token, &root_id);
    names.sort();
    assert_eq!(names, ["Engineering", "SALES", "Sales", "gone"]);
    let account = server.gql(
        Some(&token),
        "query($id: ID!) { contractAccount(id: $id) { name plan billingEmail } }",
        json!({ "id": spare_account }),
    );
    assert_eq!(
        account.ok()["contractAccount"],
        json!({ "name": "Spare", "plan": "standard", "billingEmail": "ap@example.com" })
    );
}

fn refused_queries(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("bad-queries@example.com");
    let root = id(&server.add_organization(&token, "Acme"));
    let child = id(&server.add_sub(&token, &root, "Child"));
    server.add_sub(&token, &child, "Grandchild");

    // Real cursors of one list, to offer them to another.
    let page = server.gql(
        Some(&token),
        "query($id: ID!) { organization(id: $id) { children(first: 1) { pageInfo { endCursor } } descendants(first: 1) { pageInfo { endCursor } } } }",
        json!({ "id": root }),
    );
    let children_cursor = page.ok()["organization"]["children"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let descendants_cursor = page.ok()["organization"]["descendants"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();

    const ORGS: &str =
        "query($first: Int, $after: String) { organizations(first: $first, after: $after) { edges { node { id } } } }";
    const CHILDREN: &str = "query($id: ID!, $first: Int, $after: String) { organization(id: $id) { children(first: $first, after: $after) { edges { node { id } } } } }";
    const DESCENDANTS: &str = "query($id: ID!, $first: Int, $after: String, $maxDepth: Int) { organization(id: $id) { descendants(first: $first, after: $after, maxDepth: $maxDepth) { edges { node { id } } } } }";
    const ACCOUNTS: &str = "query($first: Int, $after: String) { contractAccounts(first: $first, after: $after) { edges { node { id } } } }";
    const ORG: &str = "query($id: ID!) { organization(id: $id) { id } }";
    const FILTER: &str = "query($filter: OrganizationFilter) { organizations(filter: $filter) { edges { node { id } } } }";

    let deep = format!(
        "query($id: ID!) {{ organization(id: $id) {{ {}id{} }} }}",
        "parent { ".repeat(20),
        " }".repeat(20)
    );
    let nested_pages = "{ organizations(first: 100) { edges { node { children(first: 100) { edges { node { children(first: 100) { edges { node { id name } } } } } } } } } }";

    #[rustfmt::skip]
    let cases = vec![
        case("organizations: first 101", ORGS, json!({ "first": 101 }), LIMIT),
        case("organizations: first -1", ORGS, json!({ "first": -1 }), BAD),
        case("organizations: malformed after", ORGS, json!({ "after": "!!not a cursor!!" }), BAD),
        case("organizations: descendants cursor", ORGS, json!({ "after": descendants_cursor }), BAD),
        case("organizations: first not an Int", ORGS, json!({ "first": "ten" }), BAD),
        case("children: first 101", CHILDREN, json!({ "id": root, "first": 101 }), LIMIT),
        case("children: first -1", CHILDREN, json!({ "id": root, "first": -1 }), BAD),
        case("children: malformed after", CHILDREN, json!({ "id": root, "after": "x" }), BAD),
        case("children: descendants cursor", CHILDREN, json!({ "id": root, "after": descendants_cursor }), BAD),
        case("descendants: first 101", DESCENDANTS, json!({ "id": root, "first": 101 }), LIMIT),
        case("descendants: first -1", DESCENDANTS, json!({ "id": root, "first": -1 }), BAD),
        case("descendants: malformed after", DESCENDANTS, json!({ "id": root, "after": "%%%" }), BAD),
        case("descendants: children cursor", DESCENDANTS, json!({ "id": root, "after": children_cursor }), BAD),
        case("descendants: maxDepth 0", DESCENDANTS, json!({ "id": root, "maxDepth": 0 }), BAD),
        case("contractAccounts: first 101", ACCOUNTS, json!({ "first": 101 }), LIMIT),
        case("contractAccounts: first -1", ACCOUNTS, json!({ "first": -1 }), BAD),
        case("contractAccounts: malformed after", ACCOUNTS, json!({ "after": "////" }), BAD),
        case("organization: malformed id", ORG, json!({ "id": "not-a-uuid" }), BAD),
        case("organization: unknown id", ORG, json!({ "id": random_id() }), NOT_FOUND),
        case("organization: missing variable", ORG, json!({}), BAD),
        case("organization: id of the wrong type", ORG, json!({ "id": { "a": 1 } }), BAD),
        case("contractAccount: unknown id", "query($id: ID!) { contractAccount(id: $id) { id } }", json!({ "id": random_id() }), NOT_FOUND),
        case("organizations: 201-char name filter", FILTER, json!({ "filter": { "nameContains": "n".repeat(201) } }), BAD),
        case("organizations: malformed networkId filter", FILTER, json!({ "filter": { "networkId": "not-a-uuid" } }), BAD),
        case("organizations: malformed rootId filter", FILTER, json!({ "filter": { "rootId": "not-a-uuid" } }), BAD),
        case("organizations: unknown rootId filter", FILTER, json!({ "filter": { "rootId": random_id() } }), NOT_FOUND),
        case("organizations: unknown filter field", FILTER, json!({ "filter": { "color": "red" } }), BAD),
        case("unknown field", "{ viewer { email shoeSize } }", json!({}), BAD),
        case("unknown root field", "{ everything }", json!({}), BAD),
        case("syntax error", "{ viewer { email ", json!({}), BAD),
        case("wrong literal argument type", "{ organizations(first: \"ten\") { totalCount } }", json!({}), BAD),
        case("undeclared variable", "{ organizations(first: $n) { totalCount } }", json!({}), BAD),
        case("unknown operation kind", "subscription { viewer { email } }", json!({}), BAD),
        case("parent nested 20 levels", &deep, json!({ "id": root }), LIMIT),
        case("three nested pages of 100", nested_pages, json!({}), LIMIT),
    ];
    assert_refused(&server, &token, &cases);
}

/// Requests refused before execution: wrong size, not JSON, not a GraphQL request.
fn oversized_and_malformed_requests(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("bad-requests@example.com");
    server.add_organization(&token, "Acme");
    let before = counts(&server);

    let mutation =
        r#"mutation { addOrganization(input: { name: "Sneaky" }) { organization { id } } }"#;
    let padded_query = format!("{mutation}\n#{}\n", "x".repeat(65 * 1024));
    let big_variables = json!({
        "query": mutation,
        "variables": { "pad": "y".repeat(1024 * 1024 + 1) },
    });
    let batch_of_21: Vec<Value> = (0..21)
        .map(|_| json!({ "query": "{ viewer { email } }" }))
        .collect();

    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "query document over 64 KiB",
            json!({ "query": padded_query }).to_string().into_bytes(),
            413,
            LIMIT,
        ),
        (
            "body over 1 MiB",
            big_variables.to_string().into_bytes(),
            413,
            LIMIT,
        ),
        (
            "invalid JSON",
            br#"{"query": "{ viewer { email } }""#.to_vec(),
            400,
            BAD,
        ),
        (
            "not JSON at all",
            b"query { viewer { email } }".to_vec(),
            400,
            BAD,
        ),
        ("empty body", Vec::new(), 400, BAD),
        (
            "JSON without a query",
            br#"{"variables": {}}"#.to_vec(),
            400,
            BAD,
        ),
        (
            "query of the wrong type",
            br#"{"query": 42}"#.to_vec(),
            400,
            BAD,
        ),
        ("empty query", br#"{"query": "  "}"#.to_vec(), 400, BAD),
        ("empty batch", b"[]".to_vec(), 400, BAD),
        (
            "array of strings instead of requests",
            br#"["{ viewer { email } }"]"#.to_vec(),
            400,
            BAD,
        ),
        (
            "batch of 21 operations",
            serde_json::to_vec(&batch_of_21).unwrap(),
            400,
            LIMIT,
        ),
    ];
    let mut failures = Vec::new();
    for (what, body, status, code) in &cases {
        let reply = server.post_raw(Some(&token), body.clone(), None);
        if reply.status != *status || reply.code() != Some(*code) {
            failures.push(format!(
                "{what}: expected HTTP {status} {code}, got HTTP {} {}",
                reply.status,
                truncated(&reply.body.to_string())
            ));
        }
        let after = counts(&server);
        if after != before {
            failures.push(format!("{what}: rows changed from {before:?} to {after:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );

    // Just under both limits is fine: the limits are not off by a lot.
    let padded_ok = format!("{{ viewer {{ email }} }}\n#{}\n", "x".repeat(60 * 1024));
    server.gql(Some(&token), &padded_ok, json!({})).ok();
    let near_mib = json!({
        "query": "{ viewer { email } }",
        "variables": { "pad": "y".repeat(1000 * 1024) },
    });
    server.post_json(Some(&token), &near_mib, None).ok();
}

fn truncated(text: &str) -> String {
    text.chars().take(300).collect()
}

fn names_at_the_limit_are_accepted(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("long-names@example.com");
    let root = id(&server.add_organization(&token, "Acme"));

    let accepted = [
        ("200 ASCII chars", "a".repeat(200), "a".repeat(200)),
        ("200 two-byte chars", "é".repeat(200), "é".repeat(200)),
        ("200 four-byte chars", "😀".repeat(200), "😀".repeat(200)),
        (
            "200 chars inside whitespace",
            format!("  {}\t", "b".repeat(200)),
            "b".repeat(200),
        ),
        ("one char", "z".to_owned(), "z".to_owned()),
        (
            "padded name is trimmed",
            "  Sales  ".to_owned(),
            "Sales".to_owned(),
        ),
    ];
    for (what, name, stored) in &accepted {
        let reply = server.try_add_sub(&token, &root, name);
        assert!(
            reply.body.get("errors").is_none(),
            "{what}: refused: {}",
            reply.body
        );
        let org = &reply.data()["addSubOrganization"]["organization"];
        assert_eq!(org["name"].as_str(), Some(stored.as_str()), "{what}");
        // And it reads back the same.
        let read = server.organization(&token, &id(org));
        assert_eq!(
            read.ok()["organization"]["name"].as_str(),
            Some(stored.as_str()),
            "{what}: read back"
        );
    }

    let reply = server.gql(
        Some(&token),
        CREATE_ACCOUNT,
        json!({ "input": { "name": "ü".repeat(200), "billingEmail": " ap@example.com ", "plan": "enterprise-2026_b" } }),
    );
    assert_eq!(
        reply.ok()["createContractAccount"]["contractAccount"]["name"].as_str(),
        Some("ü".repeat(200).as_str())
    );
    assert_eq!(
        reply.ok()["createContractAccount"]["contractAccount"]["billingEmail"].as_str(),
        Some("ap@example.com")
    );

    // Exactly the page-size limit is accepted everywhere.
    let reply = server.gql(
        Some(&token),
        "query($id: ID!) { organizations(first: 100) { totalCount } contractAccounts(first: 100) { totalCount } organization(id: $id) { children(first: 100) { totalCount } descendants(first: 0) { edges { cursor } totalCount } } }",
        json!({ "id": root }),
    );
    let data = reply.ok();
    assert_eq!(data["organization"]["children"]["totalCount"], json!(6));
    assert_eq!(data["organization"]["descendants"]["edges"], json!([]));
}

fn depth_limit_is_enforced(backend: Backend) {
    let server = TestServer::start_with(
        Arc::new(TestDatabase::create(backend)),
        &["--depth-limit", "3"],
    );
    let token = server.token("deep@example.com");
    let root = id(&server.add_organization(&token, "Level 0"));

    // Add levels until refused: depth 3 is the last one allowed.
    let mut parent = root.clone();
    let mut chain = vec![root.clone()];
    let refused_at = loop {
        let depth = chain.len();
        assert!(depth <= 10, "the depth limit of 3 was never enforced");
        let before = counts(&server);
        let reply = server.try_add_sub(&token, &parent, &format!("Level {depth}"));
        if reply.body.get("errors").is_some() {
            reply.expect_code(LIMIT);
            assert_eq!(counts(&server), before, "a refused level wrote rows");
            break depth;
        }
        let org = &reply.data()["addSubOrganization"]["organization"];
        assert_eq!(org["depth"], json!(depth));
        parent = id(org);
        chain.push(parent.clone());
    };
    assert_eq!(refused_at, 4, "levels 0..=3 are allowed, level 4 is not");

    // A short branch to move and copy: Level 0 ── Branch ── Leaf
    let branch = id(&server.add_sub(&token, &root, "Branch"));
    server.add_sub(&token, &branch, "Leaf");
    let deepest = chain[3].clone();
    let level2 = chain[2].clone();

    #[rustfmt::skip]
    let cases = vec![
        case("addSubOrganization below the deepest level", ADD_SUB, json!({ "input": { "parentId": deepest, "name": "Too deep" } }), LIMIT),
        case("addRootOrganization pushes every level down", ADD_ROOT, json!({ "input": { "rootId": root, "name": "Holding" } }), LIMIT),
        case("moveOrganization of a two-level branch to level 2", MOVE, json!({ "input": { "id": branch, "newParentId": level2 } }), LIMIT),
        case("copyOrganization of a subtree to level 2", COPY, json!({ "input": { "sourceId": branch, "parentId": level2, "name": "Copy", "includeSubOrganizations": true } }), LIMIT),
        case("copyOrganization of one organization below the deepest", COPY, json!({ "input": { "sourceId": branch, "parentId": deepest, "name": "Copy" } }), LIMIT),
    ];
    assert_refused(&server, &token, &cases);

    // Within the limit the same operations go through.
    server
        .gql(
            Some(&token),
            COPY,
            json!({ "input": { "sourceId": branch, "parentId": level2, "name": "Copy" } }),
        )
        .ok();
}
