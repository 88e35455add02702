//! The hierarchy of SPEC §1 over real HTTP: every operation, and what each must refuse.

use std::sync::Arc;

use serde_json::json;

use crate::harness::ops::id;
use crate::harness::{assert_tree_invariants, Backend, TestDatabase, TestServer};
use crate::on_both_backends;

on_both_backends!(
    queries_walk_the_tree,
    add_root_keeps_the_network,
    moves_carry_the_subtree_and_refuse_what_breaks_the_tree,
    sibling_names_are_unique_among_live_siblings,
    delete_and_restore_exactly_one_subtree,
    children_pages_hold_deleted_children_when_asked,
    purge_removes_only_what_is_past_retention,
    copies_are_independent_of_their_template,
    contract_accounts_lifecycle,
);

/// HQ → (Europe → (Paris, Berlin → Mitte), Americas)
struct Fixture {
    hq: String,
    europe: String,
    paris: String,
    berlin: String,
    mitte: String,
    americas: String,
}

fn build(server: &TestServer, token: &str) -> Fixture {
    let hq = id(&server.add_organization(token, "HQ"));
    let europe = id(&server.add_sub(token, &hq, "Europe"));
    let americas = id(&server.add_sub(token, &hq, "Americas"));
    let paris = id(&server.add_sub(token, &europe, "Paris"));
    let berlin = id(&server.add_sub(token, &europe, "Berlin"));
    let mitte = id(&server.add_sub(token, &berlin, "Mitte"));
    Fixture {
        hq,
        europe,
        paris,
        berlin,
        mitte,
        americas,
    }
}

fn queries_walk_the_tree(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let f = build(&server, &token);

    let reply = server.gql(
        Some(&token),
        "query($id: ID!) { organization(id: $id) {
            name depth kind isRoot createdAt updatedAt networkId
            parent { name } root { name id }
            ancestors { name depth }
            contractAccount { name billingEmail plan }
        } }",
        json!({ "id": f.mitte }),
    );
    let mitte = &reply.ok()["organization"];
    assert_eq!(mitte["name"], "Mitte");
    assert_eq!(mitte["depth"], 3);
    assert_eq!(mitte["kind"], "CUSTOMER");
    assert_eq!(mitte["isRoot"], false);
    assert_eq!(mitte["parent"]["name"], "Berlin");
    assert_eq!(mitte["root"]["id"], f.hq.as_str());
    let ancestors: Vec<_> = mitte["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["depth"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ancestors,
        vec![("HQ".into(), 0), ("Europe".into(), 1), ("Berlin".into(), 2)],
        "ancestors, root first"
    );
    // A sub-organization inherits its parent's contract account (the network's, opened for HQ).
    assert_eq!(mitte["contractAccount"]["name"], "HQ");
    assert_eq!(mitte["contractAccount"]["billingEmail"], "ada@example.com");

    // Children by name, paged.
    let page = |after: Option<&str>| {
        server.gql(
            Some(&token),
            "query($id: ID!, $after: String) { organization(id: $id) { children(first: 1, after: $after) {
                totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } } }",
            json!({ "id": f.hq, "after": after }),
        )
    };
    let first = page(None);
    let children = &first.ok()["organization"]["children"];
    assert_eq!(children["totalCount"], 2);
    assert_eq!(children["edges"][0]["node"]["name"], "Americas");
    assert_eq!(children["pageInfo"]["hasNextPage"], true);
    let cursor = children["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = page(Some(&cursor));
    let children = &second.ok()["organization"]["children"];
    assert_eq!(children["edges"][0]["node"]["name"], "Europe");
    assert_eq!(children["pageInfo"]["hasNextPage"], false);

    // The row that tells `hasNextPage` is read only when that is asked for (through a fragment
    // too); a page read without it still ends at the same cursor.
    let reply = server.gql(
        Some(&token),
        "query($id: ID!) { organization(id: $id) {
            bare: children(first: 1) { edges { cursor node { name } } pageInfo { endCursor } }
            spread: children(first: 1) { ...More }
            whole: children(first: 2) { ...More }
            descendants(first: 2) { edges { node { name } } ...More } } }
         fragment More on OrganizationConnection { pageInfo { hasNextPage } }",
        json!({ "id": f.hq }),
    );
    let org = &reply.ok()["organization"];
    let bare = &org["bare"];
    assert_eq!(bare["edges"].as_array().map(Vec::len), Some(1), "{org}");
    assert_eq!(bare["edges"][0]["node"]["name"], "Americas");
    assert_eq!(bare["edges"][0]["cursor"], json!(cursor));
    assert_eq!(bare["pageInfo"]["endCursor"], json!(cursor));
    assert_eq!(org["spread"]["pageInfo"]["hasNextPage"], true, "{org}");
    assert_eq!(org["whole"]["pageInfo"]["hasNextPage"], false, "{org}");
    assert_eq!(org["descendants"]["pageInfo"]["hasNextPage"], true, "{org}");
    assert_eq!(
        org["descendants"]["edges"],
        json!([{ "node": { "name": "Europe" } }, { "node": { "name": "Paris" } }])
    );

    // Descendants in tree order, limited by depth.
    assert_eq!(
        server.descendant_names(&token, &f.hq),
        ["Europe", "Paris", "Berlin", "Mitte", "Americas"]
    );
    let reply = server.gql(
        Some(&token),
        "query($id: ID!) { organization(id: $id) { descendants(maxDepth: 1) { totalCount edges { node { name } } } } }",
        json!({ "id": f.europe }),
    );
    let shallow = &reply.ok()["organization"]["descendants"];
    assert_eq!(shallow["totalCount"], 2);
    assert_eq!(shallow["edges"][0]["node"]["name"], "Paris");
    assert_eq!(shallow["edges"][1]["node"]["name"], "Berlin");

    // The organizations list with its filters.
    let other_network = id(&server.add_organization(&token, "Side Project"));
    let list = |filter: serde_json::Value| {
        let reply = server.gql(
            Some(&token),
            "query($filter: OrganizationFilter) { organizations(first: 100, filter: $filter) { totalCount edges { node { name } } } }",
            json!({ "filter": filter }),
        );
        let names: Vec<String> = reply.ok()["organizations"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(reply.ok()["organizations"]["totalCount"], names.len());
        names
    };
    assert_eq!(
        list(json!({})),
        [
            "Americas",
            "Berlin",
            "Europe",
            "HQ",
            "Mitte",
            "Paris",
            "Side Project"
        ]
    );
    assert_eq!(
        list(json!({ "rootId": f.europe })),
        ["Berlin", "Europe", "Mitte", "Paris"]
    );
    assert_eq!(list(json!({ "nameContains": "ERL" })), ["Berlin"]);
    assert_eq!(
        list(json!({ "nameContains": "er" })),
        ["Americas", "Berlin"]
    );
    assert_eq!(list(json!({ "nameContains": "%" })), Vec::<String>::new());
    let side = server.organization(&token, &other_network);
    let side_network = side.ok()["organization"]["networkId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(list(json!({ "networkId": side_network })), ["Side Project"]);
    let side_account = side.ok()["organization"]["contractAccount"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        list(json!({ "contractAccountId": side_account })),
        ["Side Project"]
    );
    let _ = (f.paris, f.americas);
}

fn add_root_keeps_the_network(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let f = build(&server, &token);
    let before = server.organization(&token, &f.hq);
    let network = before.ok()["organization"]["networkId"].clone();

    let refused = server.gql(
        Some(&token),
        "mutation($input: AddRootOrganizationInput!) { addRootOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "rootId": f.europe, "name": "Holding" } }),
    );
    refused.expect_code("BAD_USER_INPUT");

    let reply = server.gql(
        Some(&token),
        "mutation($input: AddRootOrganizationInput!) { addRootOrganization(input: $input) { organization { id name depth isRoot networkId } } }",
        json!({ "input": { "rootId": f.hq, "name": "Holding", "kind": "MIXED" } }),
    );
    let holding = reply.ok()["addRootOrganization"]["organization"].clone();
    assert_eq!(holding["depth"], 0);
    assert_eq!(holding["isRoot"], true);
    assert_eq!(holding["networkId"], network, "the network keeps its id");

    let reply = server.gql(
        Some(&token),
        "query($id: ID!) { organization(id: $id) { depth isRoot parent { id } root { name } ancestors { name } } }",
        json!({ "id": f.mitte }),
    );
    let mitte = &reply.ok()["organization"];
    assert_eq!(mitte["depth"], 4);
    assert_eq!(mitte["root"]["name"], "Holding");
    assert_eq!(mitte["ancestors"].as_array().unwrap().len(), 4);
    let hq = server.organization(&token, &f.hq);
    assert_eq!(hq.ok()["organization"]["depth"], 1);
    assert_eq!(hq.ok()["organization"]["parent"]["id"], holding["id"]);
    assert_tree_invariants(&server.db);
}

fn moves_carry_the_subtree_and_refuse_what_breaks_the_tree(backend: Backend) {
    let db = Arc::new(TestDatabase::create(backend));
    let server = TestServer::start_with(db, &["--depth-limit", "4"]);
    let token = server.token("ada@example.com");
    let f = build(&server, &token);

    // Berlin (with Mitte) moves under Americas.
    let moved = server.try_move(&token, &f.berlin, &f.americas);
    assert_eq!(
        moved.ok()["moveOrganization"]["organization"]["parent"]["id"],
        f.americas.as_str()
    );
    let reply = server.gql(
        Some(&token),
        "query($id: ID!) { organization(id: $id) { depth ancestors { name } } }",
        json!({ "id": f.mitte }),
    );
    let names: Vec<_> = reply.ok()["organization"]["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["HQ", "Americas", "Berlin"]);
    assert_eq!(server.descendant_names(&token, &f.europe), ["Paris"]);

    // Refusals.
    server
        .try_move(&token, &f.berlin, &f.berlin)
        .expect_code("BAD_USER_INPUT");
    server
        .try_move(&token, &f.berlin, &f.mitte)
        .expect_code("BAD_USER_INPUT");
    server
        .try_move(&token, &f.hq, &f.europe)
        .expect_code("BAD_USER_INPUT");
    let elsewhere = id(&server.add_organization(&token, "Elsewhere"));
    server
        .try_move(&token, &f.paris, &elsewhere)
        .expect_code("BAD_USER_INPUT");
    // Depth limit 4. HQ(0) → Americas(1) → Berlin(2) → Mitte(3) → Deep(4) fits; below Deep
    // nothing fits, and Berlin's subtree can't go one level lower.
    let deep = id(&server.add_sub(&token, &f.mitte, "Deep"));
    server
        .try_add_sub(&token, &deep, "Too Deep")
        .expect_code("LIMIT_EXCEEDED");
    server
        .try_move(&token, &f.berlin, &f.paris)
        .expect_code("LIMIT_EXCEEDED");
    server.try_move(&token, &f.mitte, &f.paris).ok();
    // A name already used under the new parent.
    let paris_twin = id(&server.add_sub(&token, &f.americas, "paris"));
    let _ = paris_twin;
    server
        .try_move(&token, &f.paris, &f.americas)
        .expect_code("CONFLICT");
    // Moving to the current parent changes nothing.
    server.try_move(&token, &f.europe, &f.hq).ok();
    assert_tree_invariants(&server.db);
}

fn sibling_names_are_unique_among_live_siblings(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let f = build(&server, &token);
    server
        .try_add_sub(&token, &f.europe, "  PARIS ")
        .expect_code("CONFLICT");
    // The same name elsewhere in the tree is fine.
    server.add_sub(&token, &f.americas, "Paris");
    // Once Paris is deleted its name is free; restoring then conflicts.
    server.try_delete(&token, &f.paris).ok();
    let new_paris = id(&server.add_sub(&token, &f.europe, "Paris"));
    server.try_restore(&token, &f.paris).expect_code("CONFLICT");
    server.try_delete(&token, &new_paris).ok();
    server.try_restore(&token, &f.paris).ok();
}

/// Children pages of several parents in one request (one batched statement per level):
/// deleted children only with `includeDeleted`, merged in name order with the live ones, a
/// deleted and a live sibling of the same name ordered by id, cursors across both.
fn children_pages_hold_deleted_children_when_asked(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let f = build(&server, &token);
    let athens = id(&server.add_sub(&token, &f.europe, "Athens"));
    server.try_delete(&token, &athens).ok();
    server.try_delete(&token, &f.paris).ok();
    let new_paris = id(&server.add_sub(&token, &f.europe, "Paris"));
    server.try_delete(&token, &f.americas).ok();

    const PAGES: &str = "query($id: ID!, $deleted: Boolean!, $after: String) {
        organization(id: $id) { children(first: 10, includeDeleted: $deleted) {
            totalCount edges { node { id name deletedAt
                children(first: 2, after: $after, includeDeleted: $deleted) {
                    totalCount edges { node { id name deletedAt } }
                    pageInfo { hasNextPage endCursor } } } } } } }";
    let level = |deleted: bool, after: Option<&str>| {
        let reply = server.gql(
            Some(&token),
            PAGES,
            json!({ "id": f.hq, "deleted": deleted, "after": after }),
        );
        reply.ok()["organization"]["children"].clone()
    };
    let names = |connection: &serde_json::Value| -> Vec<(String, bool)> {
        connection["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let node = &e["node"];
                (
                    node["name"].as_str().unwrap().to_owned(),
                    node["deletedAt"].is_null(),
                )
            })
            .collect()
    };

    // Live only: Americas is gone, Europe holds Berlin and the new Paris.
    let live = level(false, None);
    assert_eq!(live["totalCount"], 1);
    assert_eq!(names(&live), [("Europe".to_owned(), true)]);
    let europe = &live["edges"][0]["node"]["children"];
    assert_eq!(europe["totalCount"], 2);
    assert_eq!(
        names(europe),
        [("Berlin".to_owned(), true), ("Paris".to_owned(), true)]
    );
    assert_eq!(europe["pageInfo"]["hasNextPage"], false);

    // With the deleted: two parents on the second level, each its own first page of 2.
    let all = level(true, None);
    assert_eq!(all["totalCount"], 2);
    assert_eq!(
        names(&all),
        [("Americas".to_owned(), false), ("Europe".to_owned(), true)]
    );
    let americas = &all["edges"][0]["node"]["children"];
    assert_eq!(americas["totalCount"], 0);
    assert_eq!(names(americas), Vec::<(String, bool)>::new());
    let europe = &all["edges"][1]["node"]["children"];
    assert_eq!(europe["totalCount"], 4, "Athens, Berlin and both Paris");
    assert_eq!(
        names(europe),
        [("Athens".to_owned(), false), ("Berlin".to_owned(), true)]
    );
    assert_eq!(europe["pageInfo"]["hasNextPage"], true);

    // The next page: both Paris, the deleted and the live one, by id.
    let cursor = europe["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
    let next = level(true, Some(&cursor));
    let europe = &next["edges"][1]["node"]["children"];
    let mut both = [f.paris.clone(), new_paris.clone()];
    both.sort();
    let ids: Vec<&str> = europe["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, both, "same name: ordered by id");
    assert_eq!(europe["pageInfo"]["hasNextPage"], false);
}

fn delete_and_restore_exactly_one_subtree(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let f = build(&server, &token);

    // Mitte goes first, on its own; then Europe with what is left of its subtree.
    server.try_delete(&token, &f.mitte).ok();
    let deleted = server.try_delete(&token, &f.europe);
    let europe = &deleted.ok()["deleteOrganization"]["organization"];
    assert!(europe["deletedAt"].is_string());
    assert!(europe["purgeAfter"].is_string());

    server
        .organization(&token, &f.paris)
        .expect_code("NOT_FOUND");
    server
        .organization(&token, &f.europe)
        .expect_code("NOT_FOUND");
    assert_eq!(server.descendant_names(&token, &f.hq), ["Americas"]);
    // Nothing can be added under a deleted organization.
    server
        .try_add_sub(&token, &f.paris, "Lyon")
        .expect_code("NOT_FOUND");
    // Those allowed can still see deleted organizations when they ask.
    let reply = server.gql(
        Some(&token),
        "query($id: ID!) { organization(id: $id, includeDeleted: true) { name deletedAt
            descendants(includeDeleted: true) { edges { node { name deletedAt } } } } }",
        json!({ "id": f.europe }),
    );
    let edges = reply.ok()["organization"]["descendants"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        edges.len(),
        3,
        "Paris, Berlin and Mitte are all deleted under Europe"
    );

    // Restoring a deleted organization's descendant first is refused: its parent is deleted.
    server.try_restore(&token, &f.paris).expect_code("CONFLICT");
    let restored = server.try_restore(&token, &f.europe);
    assert!(restored.ok()["restoreOrganization"]["organization"]["deletedAt"].is_null());
    // Exactly the subtree that delete removed: Mitte, deleted before, stays deleted.
    assert_eq!(
        server.descendant_names(&token, &f.hq),
        ["Europe", "Paris", "Berlin", "Americas"]
    );
    server
        .organization(&token, &f.mitte)
        .expect_code("NOT_FOUND");
    server.try_restore(&token, &f.mitte).ok();
    assert_eq!(
        server.descendant_names(&token, &f.hq),
        ["Europe", "Paris", "Berlin", "Mitte", "Americas"]
    );
    server
        .try_restore(&token, &f.mitte)
        .expect_code("BAD_USER_INPUT");
    assert_tree_invariants(&server.db);
}

fn purge_removes_only_what_is_past_retention(backend: Backend) {
    let db = Arc::new(TestDatabase::create(backend));
    let token = crate::harness::mint_token("ada@example.com");
    // Deleted with zero retention: purgeable at once, and no longer restorable.
    let (f, expired_network) = {
        let server = TestServer::start_with(db.clone(), &["--retention-days", "0"]);
        let f = build(&server, &token);
        let gone = id(&server.add_organization(&token, "Short-lived"));
        hang_routed_rows_on(&server, &token, &f.mitte);
        server.try_delete(&token, &f.berlin).ok();
        server.try_delete(&token, &gone).ok();
        server
            .try_restore(&token, &f.berlin)
            .expect_code("CONFLICT");
        (f, gone)
    };
    // Deleted with the default 30 days: kept.
    let server = TestServer::start_with(db.clone(), &[]);
    server.try_delete(&token, &f.paris).ok();

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .arg("purge")
        .env("DATABASE_URL", db.url())
        .env("ORGRAPH_LOG", "warn")
        .output()
        .expect("run orgraph purge");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("purge report");
    assert_eq!(
        report["purgedOrganizations"], 4,
        "Berlin, Mitte, Labs and Short-lived"
    );
    assert_eq!(report["purgedNetworks"], 1);

    let counts = crate::harness::row_counts(&db);
    assert_eq!(
        counts["organizations"], 4,
        "HQ, Europe, Paris (deleted, kept), Americas"
    );
    assert_eq!(counts["networks"], 1);
    server
        .try_restore(&token, &f.berlin)
        .expect_code("NOT_FOUND");
    server
        .try_restore(&token, &expired_network)
        .expect_code("NOT_FOUND");
    server.try_restore(&token, &f.paris).ok();
    assert_eq!(
        server.descendant_names(&token, &f.hq),
        ["Europe", "Paris", "Americas"]
    );
    let _ = (f.mitte, f.europe, f.americas);
    assert_tree_invariants(&db);
}

/// A member, a custom role, an integration and an application on `parent`'s new `MIXED`
/// child: rows found by id through routing tables, which must go when their organization is
/// purged (`assert_tree_invariants` checks the routing).
fn hang_routed_rows_on(server: &TestServer, token: &str, parent: &str) {
    let labs = server
        .gql(
            Some(token),
            "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id } } }",
            json!({ "input": { "parentId": parent, "name": "Labs", "kind": "MIXED" } }),
        )
        .ok()["addSubOrganization"]["organization"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for (mutation, input) in [
        ("mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }",
         json!({ "organizationId": labs, "name": "Auditor", "permissions": ["members:read"] })),
        ("mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { id } } }",
         json!({ "organizationId": labs, "email": "grace@example.com" })),
        ("mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }",
         json!({ "organizationId": labs, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": "Calendar" })),
        ("mutation($input: CreateApplicationInput!) { createApplication(input: $input) { application { id } } }",
         json!({ "organizationId": labs, "name": "Scheduler", "environment": "DEVELOPMENT" })),
    ] {
        server.gql(Some(token), mutation, json!({ "input": input })).ok();
    }
    assert_tree_invariants(&server.db);
}

fn copies_are_independent_of_their_template(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let f = build(&server, &token);
    let copy = |input: serde_json::Value| {
        server.gql(
            Some(&token),
            "mutation($input: CopyOrganizationInput!) { copyOrganization(input: $input) { organization { id name depth networkId parent { id } } } }",
            json!({ "input": input }),
        )
    };

    // Alone, under another parent, with a new name.
    let reply =
        copy(json!({ "sourceId": f.berlin, "parentId": f.americas, "name": "Berlin (template)" }));
    let single = reply.ok()["copyOrganization"]["organization"].clone();
    assert_eq!(single["parent"]["id"], f.americas.as_str());
    assert!(server.descendant_names(&token, &id(&single)).is_empty());

    // With its subtree, as a new network.
    let reply = copy(json!({ "sourceId": f.europe, "includeSubOrganizations": true }));
    let europe_copy = reply.ok()["copyOrganization"]["organization"].clone();
    assert_eq!(europe_copy["depth"], 0);
    assert!(europe_copy["parent"].is_null());
    let original_network =
        server.organization(&token, &f.europe).ok()["organization"]["networkId"].clone();
    assert_ne!(europe_copy["networkId"], original_network);
    assert_eq!(
        server.descendant_names(&token, &id(&europe_copy)),
        ["Paris", "Berlin", "Mitte"]
    );

    // Under the same parent the name must differ.
    copy(json!({ "sourceId": f.paris, "parentId": f.europe })).expect_code("CONFLICT");

    // Changing the template leaves the copy alone, and the other way round.
    server.try_move(&token, &f.mitte, &f.paris).ok();
    server.try_delete(&token, &f.europe).ok();
    assert_eq!(
        server.descendant_names(&token, &id(&europe_copy)),
        ["Paris", "Berlin", "Mitte"]
    );
    server.try_restore(&token, &f.europe).ok();
    server.try_delete(&token, &id(&europe_copy)).ok();
    assert_eq!(
        server.descendant_names(&token, &f.europe),
        ["Paris", "Mitte", "Berlin"]
    );
    assert_tree_invariants(&server.db);
}

fn contract_accounts_lifecycle(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let create = server.gql(
        Some(&token),
        "mutation($input: CreateContractAccountInput!) { createContractAccount(input: $input) { contractAccount { id name billingEmail plan } } }",
        json!({ "input": { "name": "Acme Billing", "billingEmail": "ap@acme.example", "plan": "enterprise" } }),
    );
    let account = create.ok()["createContractAccount"]["contractAccount"].clone();
    let account_id = account["id"].as_str().unwrap().to_owned();
    assert_eq!(account["plan"], "enterprise");

    let update = server.gql(
        Some(&token),
        "mutation($input: UpdateContractAccountInput!) { updateContractAccount(input: $input) { contractAccount { name plan billingEmail } } }",
        json!({ "input": { "id": account_id, "plan": "growth" } }),
    );
    let updated = &update.ok()["updateContractAccount"]["contractAccount"];
    assert_eq!(updated["plan"], "growth");
    assert_eq!(updated["name"], "Acme Billing");
    // An account belongs to no network: its events are kept apart from the networks' log.
    let events = crate::harness::invariants::count_rows(
        &server.db,
        &["account_audit_events", "audit_events"],
    );
    assert_eq!(
        (events["account_audit_events"], events["audit_events"]),
        (2, 0),
        "createContractAccount and updateContractAccount"
    );

    // Used by a network: its sub-organizations inherit it, and it can't be deleted.
    let reply = server.gql(
        Some(&token),
        "mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id contractAccount { id } } } }",
        json!({ "input": { "name": "Acme", "contractAccountId": account_id } }),
    );
    let acme = reply.ok()["addOrganization"]["organization"].clone();
    assert_eq!(acme["contractAccount"]["id"], account_id.as_str());
    let branch = server.add_sub(&token, &id(&acme), "Acme Branch");
    assert_eq!(branch["contractAccount"]["id"], account_id.as_str());
    let delete = |account: &str| {
        server.gql(
            Some(&token),
            "mutation($input: DeleteContractAccountInput!) { deleteContractAccount(input: $input) { deletedContractAccountId } }",
            json!({ "input": { "id": account } }),
        )
    };
    delete(&account_id).expect_code("CONFLICT");

    // Someone else can neither see nor use it.
    let mallory = server.token("mallory@example.com");
    let reply = server.gql(
        Some(&mallory),
        "query($id: ID!) { contractAccount(id: $id) { name } }",
        json!({ "id": account_id }),
    );
    reply.expect_code("NOT_FOUND");
    let reply = server.gql(
        Some(&mallory),
        "mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "name": "Mallory Inc", "contractAccountId": account_id } }),
    );
    reply.expect_code("BAD_USER_INPUT");

    // Listed for its owner; deletable once unused.
    let reply = server.gql(
        Some(&token),
        "{ contractAccounts(first: 10) { totalCount edges { node { name } } } }",
        json!({}),
    );
    assert_eq!(reply.ok()["contractAccounts"]["totalCount"], 1);
    let spare = server.gql(
        Some(&token),
        "mutation($input: CreateContractAccountInput!) { createContractAccount(input: $input) { contractAccount { id } } }",
        json!({ "input": { "name": "Spare", "billingEmail": "spare@acme.example" } }),
    );
    let spare_id = spare.ok()["createContractAccount"]["contractAccount"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = delete(&spare_id);
    assert_eq!(
        reply.ok()["deleteContractAccount"]["deletedContractAccountId"],
        spare_id.as_str()
    );
    let reply = server.gql(
        Some(&token),
        "{ contractAccounts { totalCount } }",
        json!({}),
    );
    assert_eq!(reply.ok()["contractAccounts"]["totalCount"], 1);
}
