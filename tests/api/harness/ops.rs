//! The operations most tests need, as one-line helpers.

use serde_json::{json, Value};

use super::{Reply, TestServer};

pub const ORG_FIELDS: &str =
    "id networkId name kind depth isRoot deletedAt purgeAfter parent { id } contractAccount { id }";

impl TestServer {
    pub fn add_organization(&self, token: &str, name: &str) -> Value {
        let reply = self.gql(
            Some(token),
            &format!("mutation($input: AddOrganizationInput!) {{ addOrganization(input: $input) {{ organization {{ {ORG_FIELDS} }} }} }}"),
            json!({ "input": { "name": name } }),
        );
        reply.ok()["addOrganization"]["organization"].clone()
    }

    pub fn try_add_sub(&self, token: &str, parent: &str, name: &str) -> Reply {
        self.gql(
            Some(token),
            &format!("mutation($input: AddSubOrganizationInput!) {{ addSubOrganization(input: $input) {{ organization {{ {ORG_FIELDS} }} }} }}"),
            json!({ "input": { "parentId": parent, "name": name } }),
        )
    }

    pub fn add_sub(&self, token: &str, parent: &str, name: &str) -> Value {
        self.try_add_sub(token, parent, name).ok()["addSubOrganization"]["organization"].clone()
    }

    pub fn try_move(&self, token: &str, id: &str, new_parent: &str) -> Reply {
        self.gql(
            Some(token),
            &format!("mutation($input: MoveOrganizationInput!) {{ moveOrganization(input: $input) {{ organization {{ {ORG_FIELDS} }} }} }}"),
            json!({ "input": { "id": id, "newParentId": new_parent } }),
        )
    }

    pub fn try_delete(&self, token: &str, id: &str) -> Reply {
        self.gql(
            Some(token),
            &format!("mutation($input: DeleteOrganizationInput!) {{ deleteOrganization(input: $input) {{ organization {{ {ORG_FIELDS} }} }} }}"),
            json!({ "input": { "id": id } }),
        )
    }

    pub fn try_restore(&self, token: &str, id: &str) -> Reply {
        self.gql(
            Some(token),
            &format!("mutation($input: RestoreOrganizationInput!) {{ restoreOrganization(input: $input) {{ organization {{ {ORG_FIELDS} }} }} }}"),
            json!({ "input": { "id": id } }),
        )
    }

    pub fn organization(&self, token: &str, id: &str) -> Reply {
        self.gql(
            Some(token),
            &format!("query($id: ID!) {{ organization(id: $id) {{ {ORG_FIELDS} }} }}"),
            json!({ "id": id }),
        )
    }

    /// Names of the subtree below `id` (live only), in tree order, all pages.
    pub fn descendant_names(&self, token: &str, id: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let reply = self.gql(
                Some(token),
                "query($id: ID!, $after: String) { organization(id: $id) { descendants(first: 100, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } } }",
                json!({ "id": id, "after": after }),
            );
            let connection = &reply.ok()["organization"]["descendants"];
            for edge in connection["edges"].as_array().into_iter().flatten() {
                names.push(edge["node"]["name"].as_str().unwrap_or_default().to_owned());
            }
            if connection["pageInfo"]["hasNextPage"] != json!(true) {
                return names;
            }
            after = connection["pageInfo"]["endCursor"]
                .as_str()
                .map(str::to_owned);
        }
    }
}

pub fn id(org: &Value) -> String {
    org["id"].as_str().unwrap_or_default().to_owned()
}
