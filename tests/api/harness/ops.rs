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

/// A raw HTTP answer, headers included (for status codes, content types and challenges).
#[derive(Debug, Clone)]
pub struct RawReply {
    pub status: u16,
    /// Lower-case names, in the order received.
    pub headers: Vec<(String, String)>,
    pub text: String,
}

impl RawReply {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// The body as JSON (a JSON string holding the text when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| Value::String(self.text.clone()))
    }

    pub fn reply(&self) -> Reply {
        Reply {
            status: self.status,
            body: self.json(),
        }
    }
}

/// An answer as received: status, headers (lower-case names) and text.
pub fn raw_reply(mut response: ureq::http::Response<ureq::Body>) -> RawReply {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    RawReply {
        status,
        headers,
        text,
    }
}

impl TestServer {
    /// A GET (`body: None`) or POST to `path` with exactly these headers (plus ureq's own),
    /// answered with status, headers and body.
    pub fn http(&self, path: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> RawReply {
        let url = format!("{}{}", self.base, path);
        let response = match body {
            None => {
                let mut request = super::agent().get(&url);
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request.call()
            }
            Some(body) => {
                let mut request = super::agent().post(&url);
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request.send(&body[..])
            }
        };
        raw_reply(response.unwrap_or_else(|e| panic!("HTTP request to {path}: {e}")))
    }
}

impl TestServer {
    /// The server's process id, so another thread can kill it while requests are in flight.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// [`TestServer::gql`] that returns a transport failure (refused, reset, cut short)
    /// instead of panicking: for load that runs into a killed server.
    pub fn try_gql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Result<Reply, ureq::Error> {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let mut request = super::agent()
            .post(&format!("{}/graphql", self.base))
            .header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", &format!("Bearer {token}"));
        }
        let mut response = request.send(body.as_bytes())?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string()?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Reply { status, body })
    }

    /// The live subtree below `id` in tree order, all pages: each node's
    /// `id name depth parent { id }`.
    pub fn descendants(&self, token: &str, id: &str) -> Vec<Value> {
        let mut nodes = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let reply = self.gql(
                Some(token),
                "query($id: ID!, $after: String) { organization(id: $id) { descendants(first: 100, after: $after) { edges { node { id name depth parent { id } } } pageInfo { hasNextPage endCursor } } } }",
                json!({ "id": id, "after": after }),
            );
            let connection = &reply.ok()["organization"]["descendants"];
            nodes.extend(
                connection["edges"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|edge| edge["node"].clone()),
            );
            if connection["pageInfo"]["hasNextPage"] != json!(true) {
                return nodes;
            }
            after = connection["pageInfo"]["endCursor"]
                .as_str()
                .map(str::to_owned);
        }
    }

    /// `descendants { totalCount }` of `id`.
    pub fn descendant_count(&self, token: &str, id: &str) -> i64 {
        let reply = self.gql(
            Some(token),
            "query($id: ID!) { organization(id: $id) { descendants(first: 1) { totalCount } } }",
            json!({ "id": id }),
        );
        reply.ok()["organization"]["descendants"]["totalCount"]
            .as_i64()
            .unwrap_or(-1)
    }
}

/// Checks a [`TestServer::descendants`] listing of `root` (at `root_depth`) through the API:
/// parents before children, each node one level below its parent, no id twice.
/// Returns each node's parent id, by node id.
pub fn assert_listing_is_a_tree(
    root: &str,
    root_depth: i64,
    nodes: &[Value],
) -> std::collections::HashMap<String, String> {
    let mut depth_of = std::collections::HashMap::from([(root.to_owned(), root_depth)]);
    let mut parent_of = std::collections::HashMap::new();
    for node in nodes {
        let node_id = id(node);
        let parent = node["parent"]["id"].as_str().unwrap_or_default().to_owned();
        let parent_depth = *depth_of
            .get(&parent)
            .unwrap_or_else(|| panic!("{node} is listed before its parent (or has none)"));
        assert_eq!(
            node["depth"].as_i64(),
            Some(parent_depth + 1),
            "depth of {node}"
        );
        assert!(
            depth_of.insert(node_id.clone(), parent_depth + 1).is_none(),
            "{node_id} listed twice"
        );
        parent_of.insert(node_id, parent);
    }
    parent_of
}

/// Checks the `parent { id }` of a mutation's payload: `expected`, or null. Returns whether it
/// was null.
///
/// Null is tolerated for a known server bug: `Organization.parent` is resolved by the parent's
/// path as of the mutation, after it committed; when a concurrent move has meanwhile moved the
/// parent, nothing is at that path any more and the payload says `parent: null` for an
/// organization that has one. Another id than `expected` is never tolerated.
pub fn payload_parent_is_or_stale(org: &Value, expected: &str) -> bool {
    match org["parent"]["id"].as_str() {
        Some(parent) => {
            assert_eq!(parent, expected, "parent in the payload {org}");
            false
        }
        None => {
            assert_eq!(org["isRoot"].as_bool(), Some(false), "{org}");
            true
        }
    }
}

/// Rows of the settings tables (`settings`, `setting_locks`), which [`super::row_counts`]
/// doesn't list: to prove a refused settings write wrote nothing.
pub fn settings_row_counts(
    db: &super::TestDatabase,
) -> std::collections::BTreeMap<&'static str, i64> {
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Rows {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    let store = db.connect();
    let mut conn = store.read_connection().expect("connection");
    ["settings", "setting_locks"]
        .into_iter()
        .map(|table| {
            let rows: Vec<Rows> = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .load(&mut *conn)
                .expect("count rows");
            (table, rows.first().map_or(0, |r| r.n))
        })
        .collect()
}
