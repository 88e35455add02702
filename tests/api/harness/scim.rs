//! A SCIM client for the tests: requests to `/scim/v2` with a directory's token, and the
//! replay of an identity provider's recorded request sequence (`tests/fixtures/scim`).

use std::collections::HashMap;

use serde_json::{json, Value};

use super::TestServer;

/// A SCIM answer: status, headers (lowercase names) and the JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct ScimReply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Value,
    pub text: String,
}

impl ScimReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The `scimType` of an error answer.
    pub fn scim_type(&self) -> Option<&str> {
        self.body["scimType"].as_str()
    }
}

impl TestServer {
    /// One SCIM request: `path` is relative to `/scim/v2`.
    pub fn scim(&self, token: &str, method: &str, path: &str, body: Option<&Value>) -> ScimReply {
        let body = body.map(|b| b.to_string().into_bytes());
        self.scim_raw(
            Some(token),
            method,
            path,
            body,
            &[("content-type", "application/scim+json; charset=utf-8")],
        )
    }

    pub fn scim_raw(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> ScimReply {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}/scim/v2{}", self.base, path));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(body.unwrap_or_default()).expect("request");
        let raw = super::ops::raw_reply(
            super::agent()
                .run(request)
                .unwrap_or_else(|e| panic!("{method} {path}: {e}")),
        );
        ScimReply {
            status: raw.status,
            body: serde_json::from_str(&raw.text).unwrap_or(Value::Null),
            headers: raw.headers.into_iter().collect(),
            text: raw.text,
        }
    }

    /// A SCIM token for `organization`, made by `admin` (who needs `members:manage`).
    pub fn create_scim_token(&self, admin: &str, organization: &str) -> String {
        let reply = self.gql(
            Some(admin),
            "mutation($input: CreateScimTokenInput!) { createScimToken(input: $input) { token baseUrl scimToken { id } } }",
            json!({ "input": { "organizationId": organization, "description": "directory" } }),
        );
        let created = &reply.ok()["createScimToken"];
        assert!(created["baseUrl"].as_str().unwrap().ends_with("/scim/v2"));
        created["token"].as_str().expect("token").to_owned()
    }

    /// An onboarding rule on `organization` (every directory user, or one group's).
    pub fn create_onboarding_rule(
        &self,
        admin: &str,
        organization: &str,
        group: Option<&str>,
        role: &str,
    ) -> String {
        let reply = self.gql(
            Some(admin),
            "mutation($input: CreateOnboardingRuleInput!) { createOnboardingRule(input: $input) { onboardingRule { id } } }",
            json!({ "input": { "organizationId": organization, "directoryGroupId": group, "role": role } }),
        );
        reply.ok()["createOnboardingRule"]["onboardingRule"]["id"]
            .as_str()
            .expect("rule id")
            .to_owned()
    }

    /// The organization's members by email: (status, onboardingSource, roles granted on it).
    pub fn members_by_email(
        &self,
        admin: &str,
        organization: &str,
    ) -> HashMap<String, (String, String, Vec<String>)> {
        let reply = self.gql(
            Some(admin),
            "query($id: ID!) { organization(id: $id) {
                members(first: 100) { edges { node { status onboardingSource user { id email } } } }
                grants { role user { id } } } }",
            json!({ "id": organization }),
        );
        let org = &reply.ok()["organization"];
        let mut roles: HashMap<String, Vec<String>> = HashMap::new();
        for grant in org["grants"].as_array().unwrap() {
            if let Some(user) = grant["user"]["id"].as_str() {
                roles
                    .entry(user.to_owned())
                    .or_default()
                    .push(grant["role"].as_str().unwrap().to_owned());
            }
        }
        org["members"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| {
                let node = &edge["node"];
                let user = node["user"]["id"].as_str().unwrap_or_default();
                let mut held = roles.remove(user).unwrap_or_default();
                held.sort();
                (
                    node["user"]["email"]
                        .as_str()
                        .unwrap_or_default()
                        .to_lowercase(),
                    (
                        node["status"].as_str().unwrap().to_owned(),
                        node["onboardingSource"].as_str().unwrap().to_owned(),
                        held,
                    ),
                )
            })
            .collect()
    }
}

/// Replays a recorded provider sequence: each step's request (with `{{name}}` filled in
/// from earlier captures) must get its recorded status and `expect`ed fields; `after` runs
/// after every step with its index and the captures so far.
pub fn replay(
    server: &TestServer,
    token: &str,
    fixture: &str,
    mut after: impl FnMut(usize, &HashMap<String, String>),
) -> HashMap<String, String> {
    let path = format!(
        "{}/../tests/fixtures/scim/{fixture}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let recorded: Value = serde_json::from_str(&text).expect("fixture JSON");
    let mut captured: HashMap<String, String> = HashMap::new();
    for (index, step) in recorded["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .enumerate()
    {
        let fill = |text: &str| {
            let mut text = text.to_owned();
            for (name, value) in &captured {
                text = text.replace(&format!("{{{{{name}}}}}"), value);
            }
            text
        };
        let name = step["name"].as_str().unwrap_or_default();
        let method = step["method"].as_str().expect("method");
        let path = fill(step["path"].as_str().expect("path"));
        let body = (!step["body"].is_null()).then(|| {
            serde_json::from_str::<Value>(&fill(&step["body"].to_string())).expect("body")
        });
        let reply = server.scim(token, method, &path, body.as_ref());
        let expected = step["status"].as_u64().expect("status") as u16;
        assert_eq!(
            reply.status, expected,
            "step {index} ({name}): {method} {path} answered {}",
            reply.text
        );
        if let Some(expect) = step["expect"].as_object() {
            for (field, value) in expect {
                assert_eq!(
                    &reply.body[field], value,
                    "step {index} ({name}): {field} in {}",
                    reply.text
                );
            }
        }
        if reply.status != 204 && !reply.text.is_empty() {
            assert!(
                reply
                    .header("content-type")
                    .is_some_and(|t| t.starts_with("application/scim+json")),
                "step {index}: content type {:?}",
                reply.header("content-type")
            );
        }
        if let Some(capture) = step["capture"].as_object() {
            for (name, field) in capture {
                let value = reply.body[field.as_str().unwrap()]
                    .as_str()
                    .expect("captured field");
                captured.insert(name.clone(), value.to_owned());
            }
        }
        after(index, &captured);
    }
    captured
}
