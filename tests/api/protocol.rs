//! The HTTP contract: health, GraphiQL, authentication, content negotiation, GET and batches,
//! the `orgraph token` command, and what one user may learn about another's organizations.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::harness::ops::{id, RawReply};
use crate::harness::{mint_token, row_counts, Backend, TestServer, JWT_SECRET};
use crate::on_both_backends;

on_both_backends!(
    health_and_graphiql_need_no_token,
    missing_token_is_unauthenticated,
    bad_tokens_get_401_with_a_challenge,
    content_negotiation,
    get_requests_and_batches,
    token_command_mints_accepted_tokens,
    other_users_organizations_do_not_exist,
);

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const VIEWER: &str = "{ viewer { email } }";

/// Percent-encodes a query-string value (everything but unreserved characters).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn post(server: &TestServer, token: Option<&str>, accept: Option<&str>, body: &[u8]) -> RawReply {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(bearer) = &bearer {
        headers.push(("authorization", bearer.as_str()));
    }
    if let Some(accept) = accept {
        headers.push(("accept", accept));
    }
    server.http("/graphql", &headers, Some(body.to_vec()))
}

fn post_query(
    server: &TestServer,
    token: Option<&str>,
    accept: Option<&str>,
    query: &str,
    variables: Value,
) -> RawReply {
    let body = json!({ "query": query, "variables": variables }).to_string();
    post(server, token, accept, body.as_bytes())
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

fn health_and_graphiql_need_no_token(backend: Backend) {
    let server = TestServer::start(backend);

    let health = server.http("/healthz", &[], None);
    assert_eq!(health.status, 200, "{}", health.text);
    assert!(health.content_type().starts_with("application/json"));
    assert_eq!(health.json(), json!({ "status": "ok" }));

    let page = server.http("/graphql", &[("accept", "text/html")], None);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.content_type().starts_with("text/html"),
        "content-type {}",
        page.content_type()
    );
    assert!(
        page.text.to_ascii_lowercase().contains("graphiql"),
        "not a GraphiQL page: {}",
        &page.text[..page.text.len().min(300)]
    );

    // What a browser sends.
    let browser = server.http(
        "/graphql",
        &[(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )],
        None,
    );
    assert_eq!(browser.status, 200);
    assert!(browser.content_type().starts_with("text/html"));

    // Anonymous requests write nothing, not even a user.
    assert_eq!(row_counts(&server.db)["users"], 0);
}

fn missing_token_is_unauthenticated(backend: Backend) {
    let server = TestServer::start(backend);
    let queries = [
        (VIEWER, json!({})),
        ("{ organizations { totalCount } }", json!({})),
        (
            "query($id: ID!) { organization(id: $id) { id } }",
            json!({ "id": uuid::Uuid::new_v4().to_string() }),
        ),
        (
            "mutation { addOrganization(input: { name: \"Anon\" }) { organization { id } } }",
            json!({}),
        ),
    ];
    for (query, variables) in queries {
        let reply = server.gql(None, query, variables);
        assert_eq!(
            reply.code(),
            Some("UNAUTHENTICATED"),
            "{query}: {}",
            reply.body
        );
        assert!(
            reply.data().is_null()
                || reply
                    .data()
                    .as_object()
                    .is_some_and(|d| d.values().all(Value::is_null)),
            "{query}: no data without a token: {}",
            reply.body
        );
    }
    let counts = row_counts(&server.db);
    assert_eq!(counts["users"], 0);
    assert_eq!(counts["organizations"], 0);
}

/// A JWT with the given header, claims and signature, each base64url-encoded.
fn hand_made_jwt(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn bad_tokens_get_401_with_a_challenge(backend: Backend) {
    let server = TestServer::start(backend);
    let now = chrono::Utc::now();
    let keys = |secret: &[u8], audience: &str| {
        orgraph::auth::TokenKeys::hs256(secret, orgraph::auth::DEFAULT_ISSUER, audience)
    };
    let ours = keys(JWT_SECRET.as_bytes(), orgraph::auth::DEFAULT_AUDIENCE);
    let hour = chrono::Duration::hours(1);

    let wrong_signature = keys(
        b"wrong-secret-wrong-secret-wrong-secret",
        orgraph::auth::DEFAULT_AUDIENCE,
    )
    .issue_user_token("mallory@example.com", None, now, hour)
    .unwrap();
    let expired = ours
        .issue_user_token(
            "ada@example.com",
            None,
            now - chrono::Duration::hours(3),
            hour,
        )
        .unwrap();
    let not_yet_valid = ours
        .issue_user_token(
            "ada@example.com",
            None,
            now + chrono::Duration::hours(2),
            hour,
        )
        .unwrap();
    let wrong_audience = keys(JWT_SECRET.as_bytes(), "someone-else")
        .issue_user_token("ada@example.com", None, now, hour)
        .unwrap();
    let wrong_issuer = orgraph::auth::TokenKeys::hs256(
        JWT_SECRET.as_bytes(),
        "someone-else",
        orgraph::auth::DEFAULT_AUDIENCE,
    )
    .issue_user_token("ada@example.com", None, now, hour)
    .unwrap();
    let claims = json!({
        "sub": "ada@example.com",
        "email": "ada@example.com",
        "iss": orgraph::auth::DEFAULT_ISSUER,
        "aud": orgraph::auth::DEFAULT_AUDIENCE,
        "iat": now.timestamp(),
        "exp": (now + hour).timestamp(),
    });
    let alg_none = hand_made_jwt(&json!({ "alg": "none", "typ": "JWT" }), &claims, "");
    let alg_none_upper = hand_made_jwt(&json!({ "alg": "None", "typ": "JWT" }), &claims, "");
    let unsigned_hs256 = hand_made_jwt(&json!({ "alg": "HS256", "typ": "JWT" }), &claims, "");
    // A valid token whose claims were swapped for someone else's.
    let good = mint_token("ada@example.com");
    let signature = good.rsplit('.').next().unwrap_or_default();
    let forged_claims = hand_made_jwt(
        &json!({ "alg": "HS256", "typ": "JWT" }),
        &json!({ "sub": "root@example.com", "email": "root@example.com", "iss": "orgraph", "aud": "orgraph", "iat": now.timestamp(), "exp": (now + hour).timestamp() }),
        signature,
    );

    let cases: Vec<(&str, String)> = vec![
        ("garbage token", "Bearer not-a-jwt".to_owned()),
        ("wrong signature", format!("Bearer {wrong_signature}")),
        ("expired", format!("Bearer {expired}")),
        ("not yet valid", format!("Bearer {not_yet_valid}")),
        ("wrong audience", format!("Bearer {wrong_audience}")),
        ("wrong issuer", format!("Bearer {wrong_issuer}")),
        ("alg none", format!("Bearer {alg_none}")),
        ("alg None", format!("Bearer {alg_none_upper}")),
        (
            "HS256 without a signature",
            format!("Bearer {unsigned_hs256}"),
        ),
        (
            "claims swapped under a real signature",
            format!("Bearer {forged_claims}"),
        ),
        (
            "not a bearer scheme",
            format!("Basic {}", URL_SAFE_NO_PAD.encode("a:b")),
        ),
        ("bearer without a token", "Bearer ".to_owned()),
    ];
    let body = json!({ "query": VIEWER }).to_string();
    let mut failures = Vec::new();
    for (what, authorization) in &cases {
        for get in [false, true] {
            let headers = [
                ("content-type", "application/json"),
                ("authorization", authorization.as_str()),
            ];
            let reply = if get {
                server.http(
                    &format!("/graphql?query={}", encode(VIEWER)),
                    &headers,
                    None,
                )
            } else {
                server.http("/graphql", &headers, Some(body.clone().into_bytes()))
            };
            let method = if get { "GET" } else { "POST" };
            let challenge = reply.header("www-authenticate").unwrap_or("");
            let json = reply.json();
            if reply.status != 401
                || !challenge.starts_with("Bearer")
                || code(&json) != Some("UNAUTHENTICATED")
                || !json["data"].is_null()
            {
                failures.push(format!(
                    "{what} ({method}): HTTP {}, WWW-Authenticate {challenge:?}, {}",
                    reply.status, reply.text
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} tokens were not refused properly:\n  {}",
        failures.len(),
        cases.len() * 2,
        failures.join("\n  ")
    );
    // Nobody was let in, so nobody was created.
    assert_eq!(row_counts(&server.db)["users"], 0);

    // The genuine token still works on the same server.
    let ok = server.gql(Some(&good), VIEWER, json!({}));
    assert_eq!(ok.ok()["viewer"]["email"], json!("ada@example.com"));
}

fn content_negotiation(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("negotiation@example.com");
    let validation_error = "{ viewer { email shoeSize } }";
    let syntax_error = "{ viewer { email ";
    let not_found = "query($id: ID!) { organization(id: $id) { id } }";
    let missing = json!({ "id": uuid::Uuid::new_v4().to_string() });

    // application/json: 200 for every GraphQL result, request errors included.
    for (what, query, variables, expected) in [
        (
            "validation error",
            validation_error,
            json!({}),
            "BAD_USER_INPUT",
        ),
        ("syntax error", syntax_error, json!({}), "BAD_USER_INPUT"),
        ("field error", not_found, missing.clone(), "NOT_FOUND"),
    ] {
        let reply = post_query(
            &server,
            Some(&token),
            Some("application/json"),
            query,
            variables,
        );
        assert_eq!(
            reply.status, 200,
            "application/json, {what}: {}",
            reply.text
        );
        assert!(
            reply.content_type().starts_with("application/json"),
            "application/json, {what}: content-type {}",
            reply.content_type()
        );
        assert_eq!(
            code(&reply.json()),
            Some(expected),
            "{what}: {}",
            reply.text
        );
    }
    let ok = post_query(
        &server,
        Some(&token),
        Some("application/json"),
        VIEWER,
        json!({}),
    );
    assert_eq!(ok.status, 200);
    assert!(ok.content_type().starts_with("application/json"));
    assert_eq!(
        ok.json()["data"]["viewer"]["email"],
        json!("negotiation@example.com")
    );

    // application/graphql-response+json: request errors are 400, field errors 200 with data.
    let accept = Some(GRAPHQL_RESPONSE_JSON);
    for (what, query) in [
        ("syntax error", syntax_error),
        ("validation error", validation_error),
    ] {
        let reply = post_query(&server, Some(&token), accept, query, json!({}));
        assert_eq!(reply.status, 400, "{what}: {}", reply.text);
        assert!(
            reply.content_type().starts_with(GRAPHQL_RESPONSE_JSON),
            "{what}: content-type {}",
            reply.content_type()
        );
        let body = reply.json();
        assert_eq!(code(&body), Some("BAD_USER_INPUT"), "{what}: {body}");
        assert!(body.get("data").is_none(), "{what}: no data entry: {body}");
    }
    // A field error is an execution result: 200, with a `data` entry.
    let field_error = post_query(&server, Some(&token), accept, not_found, missing.clone());
    assert_eq!(field_error.status, 200, "{}", field_error.text);
    assert!(field_error
        .content_type()
        .starts_with(GRAPHQL_RESPONSE_JSON));
    let body = field_error.json();
    assert_eq!(code(&body), Some("NOT_FOUND"), "{body}");
    assert!(body.get("data").is_some(), "data entry present: {body}");
    assert_eq!(body["errors"][0]["path"], json!(["organization"]));
    // Next to a field that succeeds, the data is there.
    let partial = post_query(
        &server,
        Some(&token),
        accept,
        "query($id: ID!) { viewer { email } organization(id: $id) { id } }",
        missing,
    );
    assert_eq!(partial.status, 200, "{}", partial.text);
    let body = partial.json();
    assert_eq!(code(&body), Some("NOT_FOUND"), "{body}");
    assert_eq!(
        body["data"]["viewer"]["email"],
        json!("negotiation@example.com")
    );

    let ok = post_query(&server, Some(&token), accept, VIEWER, json!({}));
    assert_eq!(ok.status, 200);
    assert!(ok.content_type().starts_with(GRAPHQL_RESPONSE_JSON));
    assert_eq!(
        ok.json()["data"]["viewer"]["email"],
        json!("negotiation@example.com")
    );

    // A body that is not JSON is a request error in both formats, with the negotiated type.
    for (accept, content_type) in [
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
    ] {
        let reply = post(&server, Some(&token), Some(accept), b"{ not json");
        assert_eq!(reply.status, 400, "{accept}: {}", reply.text);
        assert!(
            reply.content_type().starts_with(content_type),
            "{accept}: content-type {}",
            reply.content_type()
        );
        assert_eq!(code(&reply.json()), Some("BAD_USER_INPUT"));
    }

    // Both accepted, the newer format preferred; no Accept at all is plain JSON.
    let both = post_query(
        &server,
        Some(&token),
        Some("application/graphql-response+json, application/json;q=0.9"),
        syntax_error,
        json!({}),
    );
    assert_eq!(both.status, 400);
    assert!(both.content_type().starts_with(GRAPHQL_RESPONSE_JSON));
}

fn get_requests_and_batches(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("getter@example.com");
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];

    // GET with a query (braces left unencoded where the client allows, encoded otherwise).
    let reply = server.http(&format!("/graphql?query={}", encode(VIEWER)), &auth, None);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.content_type().starts_with("application/json"));
    assert_eq!(
        reply.json()["data"]["viewer"]["email"],
        json!("getter@example.com")
    );

    // Variables and operationName travel in the query string too.
    let root = id(&server.add_organization(&token, "Acme"));
    let query =
        "query One($id: ID!) { organization(id: $id) { name } } query Two { viewer { email } }";
    let path = format!(
        "/graphql?query={}&variables={}&operationName=One",
        encode(query),
        encode(&json!({ "id": root }).to_string())
    );
    let reply = server.http(&path, &auth, None);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json()["data"],
        json!({ "organization": { "name": "Acme" } }),
        "{}",
        reply.text
    );

    // A browser asking for a result (query present) gets the result, not GraphiQL.
    let reply = server.http(
        &format!("/graphql?query={}", encode(VIEWER)),
        &[
            ("authorization", bearer.as_str()),
            ("accept", "text/html, application/json"),
        ],
        None,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json()["data"]["viewer"]["email"],
        json!("getter@example.com")
    );

    // Mutations need POST: 405, and nothing is written.
    let before = row_counts(&server.db);
    let mutation =
        "mutation { addOrganization(input: { name: \"Via GET\" }) { organization { id } } }";
    let named = "query Q { viewer { email } } mutation M { addOrganization(input: { name: \"Via GET\" }) { organization { id } } }";
    for path in [
        format!("/graphql?query={}", encode(mutation)),
        format!("/graphql?query={}&operationName=M", encode(named)),
    ] {
        let reply = server.http(&path, &auth, None);
        assert_eq!(reply.status, 405, "{path}: {}", reply.text);
        assert!(
            reply.header("allow").is_some_and(|a| a.contains("POST")),
            "405 names POST in Allow: {:?}",
            reply.headers
        );
        assert_eq!(
            code(&reply.json()),
            Some("BAD_USER_INPUT"),
            "{}",
            reply.text
        );
    }
    assert_eq!(
        row_counts(&server.db),
        before,
        "a mutation via GET wrote rows"
    );
    // The query of the same document still runs by GET.
    let reply = server.http(
        &format!("/graphql?query={}&operationName=Q", encode(named)),
        &auth,
        None,
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json()["data"]["viewer"]["email"],
        json!("getter@example.com")
    );

    // GET without a query is a request error.
    let reply = server.http(
        "/graphql",
        &[
            ("authorization", bearer.as_str()),
            ("accept", "application/json"),
        ],
        None,
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(code(&reply.json()), Some("BAD_USER_INPUT"));

    // A batch answers with an array, in order, each entry on its own.
    let batch = json!([
        { "query": VIEWER },
        { "query": "query($id: ID!) { organization(id: $id) { name } }", "variables": { "id": root } },
        { "query": "query($id: ID!) { organization(id: $id) { name } }", "variables": { "id": uuid::Uuid::new_v4().to_string() } },
    ]);
    let reply = server.post_json(Some(&token), &batch, None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answers = reply
        .body
        .as_array()
        .expect("a batch answers with an array");
    assert_eq!(answers.len(), 3, "{}", reply.body);
    assert_eq!(
        answers[0]["data"]["viewer"]["email"],
        json!("getter@example.com")
    );
    assert_eq!(answers[1]["data"]["organization"]["name"], json!("Acme"));
    assert!(answers[0].get("errors").is_none() && answers[1].get("errors").is_none());
    assert_eq!(code(&answers[2]), Some("NOT_FOUND"));

    let two = json!([{ "query": VIEWER }, { "query": "{ viewer { id } }" }]);
    let reply = server.post_json(Some(&token), &two, None);
    let answers = reply
        .body
        .as_array()
        .expect("a batch answers with an array");
    assert_eq!(answers.len(), 2);
    assert!(
        answers[1]["data"]["viewer"]["id"].is_string(),
        "{}",
        reply.body
    );
}

fn token_command_mints_accepted_tokens(backend: Backend) {
    let server = TestServer::start(backend);
    let scratch = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .args(["token", "--email", "x@y.z"])
        .env("ORGRAPH_JWT_SECRET", crate::harness::JWT_SECRET)
        .env("DATABASE_URL", server.db.url())
        .env("ORGRAPH_LOG", "warn")
        .current_dir(scratch.path())
        .output()
        .expect("run orgraph token");
    assert!(
        output.status.success(),
        "orgraph token failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let token = stdout.trim();
    assert_eq!(token.split('.').count(), 3, "a JWT on stdout: {stdout:?}");
    assert!(
        !token.contains(char::is_whitespace),
        "one token, nothing else: {stdout:?}"
    );

    let reply = server.gql(Some(token), "{ viewer { email } }", json!({}));
    assert_eq!(reply.ok()["viewer"]["email"], json!("x@y.z"));

    // Signed with another secret, the same command's token is refused.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .args(["token", "--email", "x@y.z"])
        .env(
            "ORGRAPH_JWT_SECRET",
            "another-secret-another-secret-another",
        )
        .env("DATABASE_URL", server.db.url())
        .env("ORGRAPH_LOG", "warn")
        .current_dir(scratch.path())
        .output()
        .expect("run orgraph token");
    assert!(output.status.success());
    let other = String::from_utf8(output.stdout).unwrap();
    let reply = post_query(&server, Some(other.trim()), None, VIEWER, json!({}));
    assert_eq!(reply.status, 401, "{}", reply.text);
}

fn other_users_organizations_do_not_exist(backend: Backend) {
    let server = TestServer::start(backend);
    let alice = server.token("alice@example.com");
    let bob = server.token("bob@example.com");
    let root = server.add_organization(&alice, "Alice Inc");
    let root_id = id(&root);
    let account = root["contractAccount"]["id"].as_str().unwrap().to_owned();
    let team = id(&server.add_sub(&alice, &root_id, "Team"));
    server.add_organization(&bob, "Bob Ltd");
    let unknown = uuid::Uuid::new_v4().to_string();

    // Alice sees hers.
    let reply = server.organization(&alice, &team);
    assert_eq!(reply.ok()["organization"]["name"], json!("Team"));

    // Bob gets exactly what a nonexistent id gets, for reads and for writes.
    let probes = [
        (
            "organization",
            "query($id: ID!) { organization(id: $id) { id name } }",
        ),
        (
            "organizations filtered by rootId",
            "query($id: ID!) { organizations(filter: { rootId: $id }) { totalCount } }",
        ),
        (
            "addSubOrganization",
            "mutation($id: ID!) { addSubOrganization(input: { parentId: $id, name: \"Mole\" }) { organization { id } } }",
        ),
        (
            "deleteOrganization",
            "mutation($id: ID!) { deleteOrganization(input: { id: $id }) { organization { id } } }",
        ),
        (
            "copyOrganization",
            "mutation($id: ID!) { copyOrganization(input: { sourceId: $id }) { organization { id } } }",
        ),
        (
            "restoreOrganization",
            "mutation($id: ID!) { restoreOrganization(input: { id: $id }) { organization { id } } }",
        ),
        (
            "addRootOrganization",
            "mutation($id: ID!) { addRootOrganization(input: { rootId: $id, name: \"Takeover\" }) { organization { id } } }",
        ),
    ];
    let before = row_counts(&server.db);
    for (what, query) in probes {
        for target in [&root_id, &team] {
            let hidden = server.gql(Some(&bob), query, json!({ "id": target }));
            let missing = server.gql(Some(&bob), query, json!({ "id": unknown }));
            assert_eq!(hidden.code(), Some("NOT_FOUND"), "{what}: {}", hidden.body);
            assert_eq!(
                hidden.body, missing.body,
                "{what}: a hidden organization must look exactly like a missing one"
            );
            assert_eq!(hidden.status, missing.status, "{what}");
        }
    }
    // Moves name two organizations: each hidden one is as missing as an unknown one.
    let bob_root = id(&server
        .gql(
            Some(&bob),
            "{ organizations { edges { node { id } } } }",
            json!({}),
        )
        .ok()["organizations"]["edges"][0]["node"]);
    let bob_child = id(&server.add_sub(&bob, &bob_root, "Bob team"));
    let before_moves = row_counts(&server.db);
    let move_reply = |id: &str, parent: &str| server.try_move(&bob, id, parent).body;
    assert_eq!(
        move_reply(&team, &bob_root),
        move_reply(&unknown, &bob_root)
    );
    assert_eq!(
        move_reply(&bob_child, &team),
        move_reply(&bob_child, &unknown)
    );
    assert_eq!(
        server.try_move(&bob, &bob_child, &team).code(),
        Some("NOT_FOUND")
    );
    assert_eq!(row_counts(&server.db), before_moves);

    // Contract accounts are private to their owner the same way.
    let accounts = [
        (
            "contractAccount",
            "query($id: ID!) { contractAccount(id: $id) { id name } }",
        ),
        (
            "updateContractAccount",
            "mutation($id: ID!) { updateContractAccount(input: { id: $id, name: \"Mine now\" }) { contractAccount { id } } }",
        ),
        (
            "deleteContractAccount",
            "mutation($id: ID!) { deleteContractAccount(input: { id: $id }) { deletedContractAccountId } }",
        ),
    ];
    for (what, query) in accounts {
        let hidden = server.gql(Some(&bob), query, json!({ "id": account }));
        let missing = server.gql(Some(&bob), query, json!({ "id": unknown }));
        assert_eq!(hidden.code(), Some("NOT_FOUND"), "{what}: {}", hidden.body);
        assert_eq!(hidden.body, missing.body, "{what}");
    }
    let after = row_counts(&server.db);
    assert_eq!(
        after["organizations"],
        before["organizations"] + 1,
        "only Bob's own sub-organization was added"
    );

    // Bob's lists don't mention Alice's organizations at all.
    let list = "query($name: String) { organizations(first: 100, filter: { nameContains: $name }) { totalCount edges { node { name } } } }";
    let bobs = server.gql(Some(&bob), list, json!({ "name": "alice" }));
    assert_eq!(
        bobs.ok()["organizations"],
        json!({ "totalCount": 0, "edges": [] }),
        "Bob sees none of Alice's organizations"
    );
    let bobs = server.gql(Some(&bob), list, json!({ "name": null }));
    let names: Vec<&str> = bobs.ok()["organizations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["node"]["name"].as_str())
        .collect();
    assert_eq!(names, ["Bob Ltd", "Bob team"]);
    let network_filter = server.gql(
        Some(&bob),
        "query($n: ID!) { organizations(filter: { networkId: $n }) { totalCount } }",
        json!({ "n": root["networkId"].clone() }),
    );
    assert_eq!(network_filter.ok()["organizations"]["totalCount"], json!(0));
    let alices = server.gql(Some(&alice), list, json!({ "name": null }));
    assert_eq!(alices.ok()["organizations"]["totalCount"], json!(2));
    let contract_accounts = server.gql(
        Some(&bob),
        "{ contractAccounts { edges { node { id } } } }",
        json!({}),
    );
    assert!(
        !contract_accounts.ok().to_string().contains(&account),
        "Bob lists Alice's account"
    );

    // Alice's tree is untouched.
    assert_eq!(server.descendant_names(&alice, &root_id), ["Team"]);
}
