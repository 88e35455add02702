//! Who manages a contract account (SPEC §3): whoever holds `billing:manage` on an
//! organization that uses it, granted there or inherited from above, and its creator while no
//! organization uses it. Everyone else gets `NOT_FOUND`, as for an unknown account, through
//! every entry point: `contractAccount`, `contractAccounts`, `node`, `_entities`, the
//! mutations, and giving the account to a new organization.

use std::collections::BTreeSet;

use serde_json::json;

use crate::harness::invariants::assert_tree_invariants;
use crate::harness::ops::id;
use crate::harness::{Backend, Reply, TestServer};
use crate::on_both_backends;

on_both_backends!(
    billing_manage_granted_inherited_and_revoked_decides_who_manages,
    an_account_follows_the_organizations_that_use_it,
);

const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";

fn create_account(server: &TestServer, token: &str, name: &str) -> String {
    let reply = server.gql(
        Some(token),
        "mutation($input: CreateContractAccountInput!) { createContractAccount(input: $input) { contractAccount { id } } }",
        json!({ "input": { "name": name, "billingEmail": "billing@acme.example" } }),
    );
    reply.ok()["createContractAccount"]["contractAccount"]["id"]
        .as_str()
        .expect("account id")
        .to_owned()
}

fn add_sub_with_account(
    server: &TestServer,
    token: &str,
    parent: &str,
    name: &str,
    account: &str,
) -> Reply {
    server.gql(
        Some(token),
        "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id contractAccount { id } } } }",
        json!({ "input": { "parentId": parent, "name": name, "contractAccountId": account } }),
    )
}

fn grant(server: &TestServer, token: &str, org: &str, email: &str, role: &str) -> String {
    let reply = server.gql(
        Some(token),
        "mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }",
        json!({ "input": { "organizationId": org, "email": email, "role": role } }),
    );
    reply.ok()["grantRole"]["grant"]["id"]
        .as_str()
        .expect("grant id")
        .to_owned()
}

/// A custom role holding `billing:manage` (and `organization:read`), defined on `org`.
fn billing_role(server: &TestServer, token: &str, org: &str) -> String {
    let reply = server.gql(
        Some(token),
        "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }",
        json!({ "input": { "organizationId": org, "name": "Billing", "permissions": ["organization:read", "billing:manage"] } }),
    );
    reply.ok()["createRole"]["role"]["id"]
        .as_str()
        .expect("role id")
        .to_owned()
}

/// What a caller can tell about one account through each read: `contractAccount(id:)`,
/// `node(id:)` and `_entities`, which must agree.
fn sees(server: &TestServer, token: &str, account: &str) -> bool {
    let direct = server.gql(
        Some(token),
        "query($id: ID!) { contractAccount(id: $id) { id name } }",
        json!({ "id": account }),
    );
    let direct = if direct.code().is_none() {
        assert_eq!(direct.ok()["contractAccount"]["id"], account);
        true
    } else {
        direct.expect_code("NOT_FOUND");
        false
    };
    let node = server.gql(
        Some(token),
        "query($id: ID!) { node(id: $id) { id ... on ContractAccount { name } } }",
        json!({ "id": account }),
    );
    let entity = server.gql(
        Some(token),
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on ContractAccount { id } } }",
        json!({ "r": [{ "__typename": "ContractAccount", "id": account }] }),
    );
    assert_eq!(
        !node.ok()["node"].is_null(),
        direct,
        "node(id:) agrees with contractAccount(id:)"
    );
    assert_eq!(
        !entity.ok()["_entities"][0].is_null(),
        direct,
        "_entities agrees with contractAccount(id:)"
    );
    direct
}

/// The ids `contractAccounts` lists for the caller, checked against its `totalCount`.
fn listed(server: &TestServer, token: &str) -> BTreeSet<String> {
    let reply = server.gql(
        Some(token),
        "{ contractAccounts(first: 100) { totalCount edges { node { id } } } }",
        json!({}),
    );
    let list = &reply.ok()["contractAccounts"];
    let ids: BTreeSet<String> = list["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(list["totalCount"], ids.len(), "totalCount of the listing");
    ids
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).clone()).collect()
}

fn update_plan(server: &TestServer, token: &str, account: &str, plan: &str) -> Reply {
    server.gql(
        Some(token),
        "mutation($input: UpdateContractAccountInput!) { updateContractAccount(input: $input) { contractAccount { plan } } }",
        json!({ "input": { "id": account, "plan": plan } }),
    )
}

fn billing_manage_granted_inherited_and_revoked_decides_who_manages(backend: Backend) {
    let server = TestServer::start(backend);
    let ada = server.token("ada@acme.example");
    // HQ pays with `group`; EMEA inherits it; Berlin, under EMEA, pays with `berlin`.
    let group = create_account(&server, &ada, "Acme Group");
    let reply = server.gql(
        Some(&ada),
        "mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "name": "HQ", "contractAccountId": group } }),
    );
    let hq = id(&reply.ok()["addOrganization"]["organization"]);
    let emea = id(&server.add_sub(&ada, &hq, "EMEA"));
    let berlin_account = create_account(&server, &ada, "Acme Berlin");
    let berlin = id(
        &add_sub_with_account(&server, &ada, &emea, "Berlin", &berlin_account).ok()
            ["addSubOrganization"]["organization"],
    );
    let role = billing_role(&server, &ada, &hq);

    // Granted on EMEA: the account EMEA uses (set above it) and the one set below it.
    let bob_grant = grant(&server, &ada, &emea, "bob@acme.example", &role);
    let bob = server.token("bob@acme.example");
    assert!(sees(&server, &bob, &group));
    assert!(sees(&server, &bob, &berlin_account));
    assert_eq!(listed(&server, &bob), set(&[&group, &berlin_account]));
    assert_eq!(
        update_plan(&server, &bob, &group, "enterprise").ok()["updateContractAccount"]
            ["contractAccount"]["plan"],
        "enterprise"
    );

    // Granted on Berlin alone: Berlin's account, not the one used above it.
    grant(&server, &ada, &berlin, "carol@acme.example", &role);
    let carol = server.token("carol@acme.example");
    assert!(sees(&server, &carol, &berlin_account));
    assert!(!sees(&server, &carol, &group));
    assert_eq!(listed(&server, &carol), set(&[&berlin_account]));
    update_plan(&server, &carol, &group, "free").expect_code("NOT_FOUND");

    // Reading an organization shows its account, but managing needs billing:manage.
    grant(&server, &ada, &hq, "dave@acme.example", "EMPLOYEE");
    let dave = server.token("dave@acme.example");
    let reply = server.gql(
        Some(&dave),
        "query($id: ID!) { organization(id: $id) { contractAccount { name } } }",
        json!({ "id": berlin }),
    );
    assert_eq!(
        reply.ok()["organization"]["contractAccount"]["name"],
        "Acme Berlin"
    );
    assert!(!sees(&server, &dave, &berlin_account));
    assert!(listed(&server, &dave).is_empty());
    update_plan(&server, &dave, &berlin_account, "free").expect_code("NOT_FOUND");
    // A hidden account and an unknown one answer alike.
    update_plan(&server, &dave, UNKNOWN, "free").expect_code("NOT_FOUND");
    assert!(!sees(&server, &dave, UNKNOWN));

    // Only a manager may give the account to a new organization: Olga administers Berlin
    // (its account is hers to manage) but not where `group` is used.
    grant(&server, &ada, &berlin, "olga@acme.example", "OPS_ADMIN");
    let olga = server.token("olga@acme.example");
    assert_eq!(listed(&server, &olga), set(&[&berlin_account]));
    let reply = add_sub_with_account(&server, &olga, &berlin, "Kreuzberg", &group);
    reply.expect_code("BAD_USER_INPUT");
    assert!(reply.message().contains("no such contract account"));
    let reply = add_sub_with_account(&server, &olga, &berlin, "Kreuzberg", UNKNOWN);
    reply.expect_code("BAD_USER_INPUT");
    assert!(reply.message().contains("no such contract account"));
    let reply = add_sub_with_account(&server, &ada, &berlin, "Kreuzberg", &group);
    assert_eq!(
        reply.ok()["addSubOrganization"]["organization"]["contractAccount"]["id"],
        group.as_str()
    );

    // Revoked: nothing left to manage.
    server
        .gql(
            Some(&ada),
            "mutation($input: RevokeGrantInput!) { revokeGrant(input: $input) { revokedGrantId } }",
            json!({ "input": { "organizationId": emea, "grantId": bob_grant } }),
        )
        .ok();
    assert!(!sees(&server, &bob, &group));
    assert!(!sees(&server, &bob, &berlin_account));
    assert!(listed(&server, &bob).is_empty());
    update_plan(&server, &bob, &group, "free").expect_code("NOT_FOUND");

    // The founder holds OPS_ADMIN on the root: every account of the network.
    assert_eq!(listed(&server, &ada), set(&[&group, &berlin_account]));
    assert_tree_invariants(&server.db);
}

fn an_account_follows_the_organizations_that_use_it(backend: Backend) {
    let server = TestServer::start(backend);
    let ada = server.token("ada@acme.example");
    let hq = id(&server.add_organization(&ada, "HQ"));
    let hq_account = server.organization(&ada, &hq).ok()["organization"]["contractAccount"]["id"]
        .as_str()
        .expect("account")
        .to_owned();
    let emea = id(&server.add_sub(&ada, &hq, "EMEA"));
    let apac = id(&server.add_sub(&ada, &hq, "APAC"));
    let role = billing_role(&server, &ada, &hq);
    grant(&server, &ada, &emea, "bob@acme.example", &role);
    let bob = server.token("bob@acme.example");

    // Frank creates an account: his while unused.
    grant(
        &server,
        &ada,
        &apac,
        "frank@acme.example",
        "ENGINEERING_MANAGER",
    );
    let reply = server.gql(
        Some(&ada),
        "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }",
        json!({ "input": { "organizationId": hq, "name": "Builder", "permissions": ["organization:read", "organization:manage"] } }),
    );
    let builder = reply.ok()["createRole"]["role"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    grant(&server, &ada, &apac, "frank@acme.example", &builder);
    let frank = server.token("frank@acme.example");
    let tokyo_account = create_account(&server, &frank, "Tokyo");
    assert!(sees(&server, &frank, &tokyo_account));
    assert_eq!(listed(&server, &frank), set(&[&tokyo_account]));
    assert!(!sees(&server, &ada, &tokyo_account));

    // Once an organization uses it, it belongs to billing:manage there: Frank, without it,
    // loses it; Ada, OPS_ADMIN on the root, gains it; Bob's grant on EMEA doesn't reach it.
    let tokyo = id(
        &add_sub_with_account(&server, &frank, &apac, "Tokyo", &tokyo_account).ok()
            ["addSubOrganization"]["organization"],
    );
    assert!(!sees(&server, &frank, &tokyo_account));
    assert!(listed(&server, &frank).is_empty());
    assert!(sees(&server, &ada, &tokyo_account));
    assert!(!sees(&server, &bob, &tokyo_account));
    let delete = |token: &str, account: &str| {
        server.gql(
            Some(token),
            "mutation($input: DeleteContractAccountInput!) { deleteContractAccount(input: $input) { deletedContractAccountId } }",
            json!({ "input": { "id": account } }),
        )
    };
    delete(&frank, &tokyo_account).expect_code("NOT_FOUND");
    delete(&ada, &tokyo_account).expect_code("CONFLICT");

    // Moved under EMEA, Tokyo brings its account into Bob's reach; moved back, it leaves.
    server.try_move(&ada, &tokyo, &emea).ok();
    assert!(sees(&server, &bob, &tokyo_account));
    assert_eq!(listed(&server, &bob), set(&[&hq_account, &tokyo_account]));
    assert_tree_invariants(&server.db);
    server.try_move(&ada, &tokyo, &apac).ok();
    assert!(!sees(&server, &bob, &tokyo_account));

    // An organization that inherited HQ's account, moved under Tokyo, now uses an account
    // Tokyo's billing managers didn't have before.
    let osaka = id(&server.add_sub(&ada, &apac, "Osaka"));
    grant(&server, &ada, &tokyo, "tina@acme.example", &role);
    let tina = server.token("tina@acme.example");
    assert_eq!(listed(&server, &tina), set(&[&tokyo_account]));
    server.try_move(&ada, &osaka, &tokyo).ok();
    assert_eq!(listed(&server, &tina), set(&[&tokyo_account, &hq_account]));
    assert_tree_invariants(&server.db);

    // A new root above HQ with an account of its own: both are the new root's to manage.
    let top_account = create_account(&server, &ada, "Holding");
    let reply = server.gql(
        Some(&ada),
        "mutation($input: AddRootOrganizationInput!) { addRootOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "rootId": hq, "name": "Holding", "contractAccountId": top_account } }),
    );
    let holding = id(&reply.ok()["addRootOrganization"]["organization"]);
    grant(&server, &ada, &holding, "hank@acme.example", "OPS_ADMIN");
    let hank = server.token("hank@acme.example");
    assert_eq!(
        listed(&server, &hank),
        set(&[&top_account, &hq_account, &tokyo_account])
    );
    assert_tree_invariants(&server.db);

    // An unused account its creator deletes is gone.
    let spare = create_account(&server, &ada, "Spare");
    assert!(sees(&server, &ada, &spare));
    delete(&ada, &spare).ok();
    assert!(!sees(&server, &ada, &spare));
}
