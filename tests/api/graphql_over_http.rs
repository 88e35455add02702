//! The rules of the GraphQL over HTTP specification a server must (or should) follow that
//! `protocol.rs` does not already show: the request's media type, `Accept` negotiation with
//! preferences, the response's charset, empty GET parameters, required variables, and
//! batches checked whole before any operation runs. Automatic persisted queries too.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::harness::invariants::all_row_counts;
use crate::harness::ops::RawReply;
use crate::harness::{Backend, TestServer};
use crate::on_both_backends;

on_both_backends!(
    a_post_body_is_json_in_utf8_or_refused_unread,
    the_response_type_follows_the_clients_preferences,
    empty_get_parameters_are_absent_ones,
    a_missing_required_variable_is_a_request_error,
    a_batch_is_checked_whole_before_any_operation_runs,
    persisted_queries_register_then_run_by_hash,
);

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const VIEWER: &str = "{ viewer { email } }";
const ADD: &str =
    "mutation { addOrganization(input: { name: \"Sneaky\" }) { organization { id } } }";

/// A token whose user exists already: the first request of a new user creates its row.
fn signed_in(server: &TestServer, email: &str) -> String {
    let token = server.token(email);
    server.gql(Some(&token), VIEWER, json!({})).ok();
    token
}

fn post(server: &TestServer, token: &str, headers: &[(&str, &str)], body: &str) -> RawReply {
    let bearer = format!("Bearer {token}");
    let mut all = vec![("authorization", bearer.as_str())];
    all.extend_from_slice(headers);
    server.http("/graphql", &all, Some(body.as_bytes().to_vec()))
}

fn get(server: &TestServer, token: &str, headers: &[(&str, &str)], query: &str) -> RawReply {
    let bearer = format!("Bearer {token}");
    let mut all = vec![("authorization", bearer.as_str())];
    all.extend_from_slice(headers);
    server.http(&format!("/graphql?{query}"), &all, None)
}

fn code(reply: &RawReply) -> Value {
    reply.json()["errors"][0]["extensions"]["code"].clone()
}

fn a_post_body_is_json_in_utf8_or_refused_unread(backend: Backend) {
    let server = TestServer::start(backend);
    let token = signed_in(&server, "ada@example.com");
    let body = json!({ "query": ADD }).to_string();
    let before = all_row_counts(&server.db);
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json; charset=iso-8859-1"),
        Some("application/graphql"),
    ] {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| vec![("content-type", c)])
            .unwrap_or_default();
        let reply = post(&server, &token, &headers, &body);
        assert_eq!(reply.status, 415, "{content_type:?}: {}", reply.text);
        assert_eq!(code(&reply), "BAD_USER_INPUT", "{content_type:?}");
        assert!(
            reply.json()["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("application/json"),
            "{}",
            reply.text
        );
    }
    assert_eq!(all_row_counts(&server.db), before, "a refused body was run");
    for content_type in ["application/json; charset=UTF-8", "Application/JSON"] {
        let reply = post(
            &server,
            &token,
            &[("content-type", content_type)],
            &json!({ "query": VIEWER }).to_string(),
        );
        assert_eq!(reply.status, 200, "{content_type}: {}", reply.text);
        assert_eq!(reply.json()["data"]["viewer"]["email"], "ada@example.com");
    }
}

fn the_response_type_follows_the_clients_preferences(backend: Backend) {
    let server = TestServer::start(backend);
    let token = signed_in(&server, "ada@example.com");
    let body = json!({ "query": VIEWER }).to_string();
    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (
            Some("application/json, application/graphql-response+json;q=0.5"),
            "application/json",
        ),
        (
            Some("application/graphql-response+json;q=0, application/json"),
            "application/json",
        ),
        (
            Some("application/json;q=0.9, application/graphql-response+json"),
            GRAPHQL_RESPONSE_JSON,
        ),
        (
            Some("APPLICATION/GRAPHQL-RESPONSE+JSON"),
            GRAPHQL_RESPONSE_JSON,
        ),
        (Some("text/html, */*;q=0.8"), "application/json"),
    ] {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(accept) = accept {
            headers.push(("accept", accept));
        }
        let reply = post(&server, &token, &headers, &body);
        assert_eq!(reply.status, 200, "{accept:?}: {}", reply.text);
        // The media type, and the charset the body is in.
        assert_eq!(
            reply.content_type(),
            format!("{expected}; charset=utf-8"),
            "{accept:?}"
        );
    }
    // Nothing it accepts: 406, over POST and GET, and nothing run.
    let before = all_row_counts(&server.db);
    for accept in ["text/plain", "image/*", "application/json;q=0"] {
        let reply = post(
            &server,
            &token,
            &[("content-type", "application/json"), ("accept", accept)],
            &json!({ "query": ADD }).to_string(),
        );
        assert_eq!(reply.status, 406, "{accept}: {}", reply.text);
        assert_eq!(code(&reply), "BAD_USER_INPUT");
        let reply = get(
            &server,
            &token,
            &[("accept", accept)],
            "query=%7Bviewer%7Bemail%7D%7D",
        );
        assert_eq!(reply.status, 406, "GET {accept}: {}", reply.text);
    }
    assert_eq!(all_row_counts(&server.db), before);
}

fn empty_get_parameters_are_absent_ones(backend: Backend) {
    let server = TestServer::start(backend);
    let token = signed_in(&server, "ada@example.com");
    let reply = get(
        &server,
        &token,
        &[],
        "query=%7Bviewer%7Bemail%7D%7D&variables=&extensions=&operationName=",
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["data"]["viewer"]["email"], "ada@example.com");
    // Present ones are read as JSON, and must be what they name.
    let reply = get(
        &server,
        &token,
        &[("accept", GRAPHQL_RESPONSE_JSON)],
        "query=%7Bviewer%7Bemail%7D%7D&variables=%5B7%5D",
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(code(&reply), "BAD_USER_INPUT");
}

fn a_missing_required_variable_is_a_request_error(backend: Backend) {
    let server = TestServer::start(backend);
    let token = signed_in(&server, "ada@example.com");
    let query = "query($id: ID!) { viewer { email } organization(id: $id) { id } }";
    for accept in [GRAPHQL_RESPONSE_JSON, "application/json"] {
        let reply = post(
            &server,
            &token,
            &[("content-type", "application/json"), ("accept", accept)],
            &json!({ "query": query, "variables": {} }).to_string(),
        );
        let expected = if accept == GRAPHQL_RESPONSE_JSON {
            400
        } else {
            200
        };
        assert_eq!(reply.status, expected, "{accept}: {}", reply.text);
        let body = reply.json();
        // Not executed at all: no `data`, not even the fields that needed no variable.
        assert!(body.get("data").is_none(), "{}", reply.text);
        assert_eq!(code(&reply), "BAD_USER_INPUT");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("$id"),
            "{}",
            reply.text
        );
    }
    // A default or a nullable variable may be left out.
    let reply = post(
        &server,
        &token,
        &[("content-type", "application/json")],
        &json!({ "query": "query($first: Int = 5, $after: String) { viewer { email } organizations(first: $first, after: $after) { edges { node { id } } } }" }).to_string(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json()["errors"].is_null(), "{}", reply.text);
}

fn a_batch_is_checked_whole_before_any_operation_runs(backend: Backend) {
    let server = TestServer::start(backend);
    let token = signed_in(&server, "ada@example.com");
    let before = all_row_counts(&server.db);
    let huge = format!("{{ viewer {{ email }} }} # {}", "x".repeat(70 * 1024));
    for (refused, status) in [
        (json!({ "query": huge }), 413),
        (json!({ "query": "  " }), 400),
    ] {
        let batch = json!([{ "query": ADD }, refused]).to_string();
        let reply = post(
            &server,
            &token,
            &[("content-type", "application/json")],
            &batch,
        );
        assert_eq!(reply.status, status, "{}", reply.text);
        assert_eq!(
            all_row_counts(&server.db),
            before,
            "the batch's first entry ran"
        );
    }
    // Entries that are not request objects make no batch.
    for body in [
        r#"[["{ viewer { email } }"]]"#,
        r#"["{ viewer { email } }"]"#,
    ] {
        let reply = post(
            &server,
            &token,
            &[("content-type", "application/json")],
            body,
        );
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
    }
    // Each entry answers for itself: a request error in one leaves the array 200.
    let batch = json!([{ "query": VIEWER }, { "query": "{" }]).to_string();
    let reply = post(
        &server,
        &token,
        &[
            ("content-type", "application/json"),
            ("accept", GRAPHQL_RESPONSE_JSON),
        ],
        &batch,
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let answers = reply.json();
    assert_eq!(answers[0]["data"]["viewer"]["email"], "ada@example.com");
    assert!(answers[1].get("data").is_none(), "{}", reply.text);
    assert_eq!(
        answers[1]["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn persisted_queries_register_then_run_by_hash(backend: Backend) {
    let server = TestServer::start(backend);
    let token = signed_in(&server, "ada@example.com");
    let query = "query Who($first: Int!) { viewer { email } organizations(first: $first) { edges { node { id } } } }";
    let hash = sha256_hex(query);
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let json_post = |body: Value, accept: &str| {
        post(
            &server,
            &token,
            &[("content-type", "application/json"), ("accept", accept)],
            &body.to_string(),
        )
    };

    // The hash alone, before the query was ever sent: PersistedQueryNotFound, as 200 even to
    // a client that reads 4xx for request errors (Apollo Client stops sending hashes after a
    // 400).
    let unknown = json_post(
        json!({ "variables": { "first": 1 }, "extensions": extensions }),
        GRAPHQL_RESPONSE_JSON,
    );
    assert_eq!(unknown.status, 200, "{}", unknown.text);
    let body = unknown.json();
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    assert!(body.get("data").is_none());

    // A wrong hash with a query is refused, and registers nothing.
    let wrong = json_post(
        json!({ "query": VIEWER, "extensions": extensions }),
        GRAPHQL_RESPONSE_JSON,
    );
    assert_eq!(wrong.status, 400, "{}", wrong.text);
    assert_eq!(
        wrong.json()["errors"][0]["message"],
        "provided sha does not match query"
    );
    let still_unknown = json_post(json!({ "extensions": extensions }), "application/json");
    assert_eq!(
        still_unknown.json()["errors"][0]["message"],
        "PersistedQueryNotFound"
    );

    // Query and hash register it; then the hash alone runs it, with other variables too,
    // over POST and GET.
    let first = json_post(
        json!({ "query": query, "variables": { "first": 1 }, "extensions": extensions }),
        "application/json",
    );
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.json()["data"]["viewer"]["email"], "ada@example.com");
    for first in [1, 2] {
        let by_hash = json_post(
            json!({ "variables": { "first": first }, "extensions": extensions }),
            "application/json",
        );
        assert_eq!(
            by_hash.json()["data"]["viewer"]["email"],
            "ada@example.com",
            "{}",
            by_hash.text
        );
    }
    let by_get = get(
        &server,
        &token,
        &[],
        &format!(
            "operationName=Who&variables=%7B%22first%22%3A1%7D&extensions={}",
            urlencode(&extensions.to_string())
        ),
    );
    assert_eq!(by_get.status, 200, "{}", by_get.text);
    assert_eq!(by_get.json()["data"]["viewer"]["email"], "ada@example.com");

    // A registered document is still checked against each request's variables.
    let invalid = json_post(
        json!({ "variables": { "first": "many" }, "extensions": extensions }),
        "application/json",
    );
    assert_eq!(
        invalid.json()["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT",
        "{}",
        invalid.text
    );
    // A registered mutation is still refused over GET.
    let mutation =
        "mutation { addOrganization(input: { name: \"By hash\" }) { organization { id } } }";
    let mutation_extensions =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(mutation) } });
    json_post(
        json!({ "query": mutation, "extensions": mutation_extensions }),
        "application/json",
    );
    let before = all_row_counts(&server.db);
    let by_get = get(
        &server,
        &token,
        &[],
        &format!("extensions={}", urlencode(&mutation_extensions.to_string())),
    );
    assert_eq!(by_get.status, 405, "{}", by_get.text);
    assert_eq!(all_row_counts(&server.db), before);
    // Versions other than 1 are refused.
    let v2 = json_post(
        json!({ "query": query, "extensions": { "persistedQuery": { "version": 2, "sha256Hash": hash } } }),
        "application/json",
    );
    assert_eq!(v2.status, 400, "{}", v2.text);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
