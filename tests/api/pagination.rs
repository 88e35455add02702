//! Every connection of the schema pages the same way: walked a few items at a time with
//! `after: pageInfo.endCursor`, it yields what one large page yields, in the same order with
//! the same cursors; `hasNextPage` is true until the last page. The row that tells
//! `hasNextPage` is read only when it is asked for (`graphql::pagination::rows_to_fetch`): the
//! one large page asks for no `pageInfo`, the walk does.

use serde_json::{json, Value};

use crate::harness::ops::id;
use crate::harness::{Backend, TestServer};
use crate::on_both_backends;

on_both_backends!(every_connection_walks_to_its_whole_list);

/// Page size of the walks: every list below holds more than one page of it (`children` ends
/// on a partial page, `descendants` on a full one).
const STEP: usize = 2;

/// A connection under test: its field, its type, and whether it hangs below an organization
/// (variable `$id`) or at the root.
struct Connection {
    field: &'static str,
    type_name: &'static str,
    of_organization: bool,
}

impl Connection {
    /// A page of `$first` items after `$after`, with or without its `pageInfo`.
    fn query(&self, with_page_info: bool) -> String {
        let Self {
            field, type_name, ..
        } = self;
        let page_info = if with_page_info {
            "pageInfo { hasNextPage endCursor }"
        } else {
            ""
        };
        let page = format!(
            "fragment Page on {type_name} {{ edges {{ cursor node {{ id }} }} {page_info} }}"
        );
        if self.of_organization {
            format!(
                "query($id: ID!, $first: Int, $after: String) {{ organization(id: $id) {{
                   {field}(first: $first, after: $after) {{ ...Page }} }} }} {page}"
            )
        } else {
            format!(
                "query($first: Int, $after: String) {{ {field}(first: $first, after: $after) {{ ...Page }} }} {page}"
            )
        }
    }
}

fn every_connection_walks_to_its_whole_list(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    // HQ → (A → D, B, C), and two more networks (each with its contract account).
    let hq = id(&server.add_organization(&token, "HQ"));
    let a = id(&server.add_sub(&token, &hq, "A"));
    server.add_sub(&token, &hq, "B");
    server.add_sub(&token, &hq, "C");
    server.add_sub(&token, &a, "D");
    server.add_organization(&token, "Second");
    server.add_organization(&token, "Third");
    for n in 0..5 {
        server
            .gql(
                Some(&token),
                "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { id } } }",
                json!({ "input": { "organizationId": hq, "email": format!("m{n}@acme.example"), "role": "EMPLOYEE" } }),
            )
            .ok();
    }

    let connection = |field, type_name, of_organization| Connection {
        field,
        type_name,
        of_organization,
    };
    let connections = [
        connection("children", "OrganizationConnection", true),
        connection("descendants", "OrganizationConnection", true),
        connection("members", "MemberConnection", true),
        connection("auditLog", "AuditEventConnection", true),
        connection("organizations", "OrganizationConnection", false),
        connection("contractAccounts", "ContractAccountConnection", false),
    ];
    for connection in &connections {
        let name = connection.field;
        let ask = |first: usize, after: Option<&str>, with_page_info: bool| -> Value {
            let mut variables = json!({ "first": first, "after": after });
            if connection.of_organization {
                variables["id"] = json!(hq);
            }
            let reply = server.gql(Some(&token), &connection.query(with_page_info), variables);
            let data = reply.ok();
            let page = if connection.of_organization {
                &data["organization"][name]
            } else {
                &data[name]
            };
            page.clone()
        };
        let edges_of = |page: &Value| -> Vec<(Value, Value)> {
            page["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: no edges in {page}", name))
                .iter()
                .map(|edge| (edge["cursor"].clone(), edge["node"]["id"].clone()))
                .collect()
        };

        let whole = edges_of(&ask(100, None, false));
        assert!(
            whole.len() > STEP,
            "{}: the fixture should give more than one page, got {whole:?}",
            name
        );
        let mut walked = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = ask(STEP, after.as_deref(), true);
            let edges = edges_of(&page);
            let more = page["pageInfo"]["hasNextPage"] == json!(true);
            assert_eq!(
                page["pageInfo"]["endCursor"],
                edges
                    .last()
                    .map_or(Value::Null, |(cursor, _)| cursor.clone()),
                "{}: endCursor is the last edge's cursor",
                name
            );
            walked.extend(edges.iter().cloned());
            if !more {
                break;
            }
            assert_eq!(
                edges.len(),
                STEP,
                "{}: a page before the last is full",
                name
            );
            assert!(
                walked.len() <= whole.len(),
                "{}: the walk runs past the list",
                name
            );
            after = edges
                .last()
                .and_then(|(cursor, _)| cursor.as_str().map(str::to_owned));
        }
        assert_eq!(walked, whole, "{}: the walk and the one large page", name);
    }
}
