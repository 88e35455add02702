//! Documents built to make checking them expensive (fragments spreading each other, wide
//! fragments spread often, many operations, directives, arguments; `adversarial`, shared
//! with `benches/documents.rs`) are refused with `LIMIT_EXCEEDED` before async-graphql
//! expands them, and the server keeps answering while they arrive. Large documents that a
//! client really sends still pass.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::adversarial;
use crate::harness::ops::id;
use crate::harness::{Backend, TestServer};
use crate::on_both_backends;

on_both_backends!(
    adversarial_documents_are_refused_and_the_server_stays_responsive,
    large_legitimate_documents_pass,
);

const LIMIT: &str = "LIMIT_EXCEEDED";

fn adversarial_documents_are_refused_and_the_server_stays_responsive(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("limits@example.com");
    let family = adversarial::family();

    // Each alone, over POST.
    let mut failures = Vec::new();
    for (what, document) in &family {
        let reply = server.gql(Some(&token), document, json!({}));
        if reply.status != 200 || reply.code() != Some(LIMIT) || reply.body.get("data").is_some() {
            failures.push(format!(
                "{what}: expected {LIMIT} without data, got HTTP {} {}",
                reply.status,
                truncated(&reply.body)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // In a batch, each operation is refused on its own, and a good one beside them answers.
    let mut batch: Vec<Value> = family
        .iter()
        .take(19)
        .map(|(_, document)| json!({ "query": document }))
        .collect();
    batch.push(json!({ "query": "{ viewer { email } }" }));
    let reply = server.post_json(Some(&token), &Value::Array(batch), None);
    let answers = reply.body.as_array().expect("a batch answer");
    for (answer, (what, _)) in answers.iter().zip(&family) {
        assert_eq!(
            answer["errors"][0]["extensions"]["code"],
            LIMIT,
            "{what} in a batch: {}",
            truncated(answer)
        );
    }
    assert_eq!(
        answers.last().unwrap()["data"]["viewer"]["email"],
        "limits@example.com"
    );

    // Over GET as well (the 24-level document is 1 KiB).
    let doubling = adversarial::doubling(24);
    let (status, _, text) = server.get(
        &format!("/graphql?query={}", encode(&doubling)),
        &[("authorization", &format!("Bearer {token}"))],
    );
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], LIMIT, "{body}");

    // A fragment that spreads itself never ends: refused as invalid, before anything expands it.
    for cycle in [
        "{ ...A } fragment A on Query { ...A ...A }",
        "{ ...A } fragment A on Query { viewer { id } ...B } fragment B on Query { ... on Query { ...A ...A } }",
    ] {
        server
            .gql(Some(&token), cycle, json!({}))
            .expect_code("BAD_USER_INPUT");
    }

    // Several clients sending the whole family at once, each document several times, more
    // requests in flight than the server has workers: /healthz and a real query answer
    // while they arrive (each blocked worker would hold them up; without the bound the
    // 40-level document alone would never finish).
    std::thread::scope(|scope| {
        let senders: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..3 {
                        for (what, document) in &family {
                            let reply = server.gql(Some(&token), document, json!({}));
                            assert_eq!(reply.code(), Some(LIMIT), "{what}");
                        }
                    }
                })
            })
            .collect();
        while !senders.iter().all(|sender| sender.is_finished()) {
            let (status, _, _) = server.get("/healthz", &[]);
            assert_eq!(status, 200);
            let reply = server.gql(Some(&token), "{ viewer { email } }", json!({}));
            assert_eq!(reply.ok()["viewer"]["email"], "limits@example.com");
        }
        for sender in senders {
            sender.join().expect("sender");
        }
    });
}

fn large_legitimate_documents_pass(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("large@example.com");
    let root = id(&server.add_organization(&token, "Acme"));
    let branch = id(&server.add_sub(&token, &root, "Branch"));

    // 1,000 aliased fields, each with its own variable (the shape a UI batching checks sends).
    let mut declarations = String::from("$p: String!");
    let mut fields = String::new();
    let mut variables = serde_json::Map::new();
    variables.insert("p".into(), json!("organization:read"));
    for i in 0..1_000 {
        let _ = write!(declarations, ",$o{i}:ID!");
        let _ = write!(fields, " c{i}:can(organizationId:$o{i},permission:$p)");
        variables.insert(
            format!("o{i}"),
            json!(if i % 2 == 0 { &root } else { &branch }),
        );
    }
    let document = format!("query Can({declarations}){{{fields} }}");
    let reply = server.gql(Some(&token), &document, Value::Object(variables));
    let data = reply.ok();
    assert_eq!(data.as_object().unwrap().len(), 1_000);
    assert!(data.as_object().unwrap().values().all(|v| v == true));

    // Fragments used as clients use them: spread in several places, nested, with directives.
    let reply = server.gql(
        Some(&token),
        r#"query($id: ID!, $more: Boolean = true) {
          a: organization(id: $id) { ...Org children(first: 10) { edges { node { ...Org } } } }
          b: organization(id: $id) { ...Org @include(if: $more) parent { ...Named } }
        }
        fragment Org on Organization { ...Named depth root { ...Named } ancestors { ...Named } }
        fragment Named on Organization { id name ... on Organization { networkId } }"#,
        json!({ "id": root, "more": true }),
    );
    let data = reply.ok();
    assert_eq!(data["a"]["children"]["edges"][0]["node"]["name"], "Branch");
    assert_eq!(
        data["a"]["children"]["edges"][0]["node"]["root"]["name"], "Acme",
        "{data}"
    );
    assert_eq!(data["b"]["name"], "Acme");
    assert_eq!(data["b"]["networkId"], data["a"]["networkId"]);

    // Eight levels of doubling fragments expand to 256 fields: small, and answered.
    let reply = server.gql(Some(&token), &adversarial::doubling(8), json!({}));
    assert_eq!(reply.ok()["viewer"]["id"].as_str().map(str::len), Some(36));
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn truncated(value: &Value) -> String {
    value.to_string().chars().take(300).collect()
}
