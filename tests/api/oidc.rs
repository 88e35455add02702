//! Bearer tokens from a real OpenID Connect provider (`tests/oidc/provider.mjs`): verified
//! against its published keys, through key rotation and forged key ids; users known by
//! (issuer, subject), linked to invitations only by a verified email.

use serde_json::{json, Value};

use crate::harness::oidc::Provider;
use crate::harness::ops::id;
use crate::harness::{mint_token, Backend, TestServer};
use crate::on_both_backends;

on_both_backends!(provider_tokens_sign_people_in_by_issuer_and_subject);

const VIEWER: &str = "{ viewer { id email name } }";

fn key_dir(server_or_name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "orgraph-oidc-{server_or_name}-{}",
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&dir).expect("key dir");
    dir
}

fn oidc_server(backend: Backend, provider: &Provider, extra: &[&str]) -> TestServer {
    let mut args = vec!["--oidc-issuer", provider.issuer.as_str()];
    args.extend_from_slice(extra);
    TestServer::start_with(
        std::sync::Arc::new(crate::harness::TestDatabase::create(backend)),
        &args,
    )
}

fn viewer(server: &TestServer, token: &str) -> Value {
    server.gql(Some(token), VIEWER, json!({})).ok()["viewer"].clone()
}

fn provider_tokens_sign_people_in_by_issuer_and_subject(backend: Backend) {
    let provider = Provider::start(key_dir("identities"), "rsa-1,ec-1,ed-1");
    let server = oidc_server(backend, &provider, &[]);

    // RS256 with email claims; ES256; EdDSA without any email.
    let ada = provider.token("rs-email");
    let grace = provider.token("es");
    let anonymous = provider.token("ed");
    let ada_user = viewer(&server, &ada);
    assert_eq!(ada_user["email"], "Ada@Example.com");
    assert_eq!(ada_user["name"], "Ada Lovelace");
    assert_eq!(viewer(&server, &grace)["email"], "grace@example.com");
    let nameless = viewer(&server, &anonymous);
    assert_eq!(nameless["email"], Value::Null);
    // The same subject is the same user on every request.
    assert_eq!(viewer(&server, &provider.token("ed"))["id"], nameless["id"]);
    assert_eq!(
        viewer(&server, &provider.token("rs-email"))["id"],
        ada_user["id"]
    );

    // Tokens the deployment's provider did not issue for Orgraph are refused.
    let refused = |token: &str| {
        let reply = server.gql(Some(token), VIEWER, json!({}));
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(reply.code(), Some("UNAUTHENTICATED"));
    };
    refused(&provider.token("wrong-aud"));
    let elsewhere = Provider::start(key_dir("elsewhere"), "rsa-1,ec-1,ed-1");
    refused(&elsewhere.token("rs-email"));
    refused(&mint_token("ada@example.com"));
    let mut forged = ada.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    refused(&forged);
}

/// A verified email takes over the user an invitation created; an unverified one is only an
/// attribute (SQLite only: this is the identity logic, the storage is covered above on both
/// backends).
#[test]
fn a_verified_email_takes_over_the_invitation() {
    let provider = Provider::start(key_dir("invited"), "rsa-1,ec-1,ed-1");
    let server = oidc_server(Backend::Sqlite, &provider, &[]);
    let grace = provider.token("es");
    let hq = id(&server.add_organization(&grace, "Grace HQ"));
    let reply = server.gql(
        Some(&grace),
        "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { user { id } } } }",
        json!({ "input": { "organizationId": hq, "email": "ada@example.com", "role": "EMPLOYEE" } }),
    );
    let invited = reply.ok()["inviteMember"]["member"]["user"]["id"].clone();
    let unverified = viewer(&server, &provider.token("unverified"));
    assert_ne!(unverified["id"], invited);
    assert_eq!(unverified["email"], "Ada@Example.com");
    let ada = provider.token("rs-email");
    assert_eq!(viewer(&server, &ada)["id"], invited);
    let seen = server.gql(
        Some(&ada),
        "query($id: ID!) { organization(id: $id) { name } }",
        json!({ "id": hq }),
    );
    assert_eq!(seen.ok()["organization"]["name"], "Grace HQ");
}

/// Keys rotate: a token signed with the new key is accepted as soon as it shows up; the
/// retired key is refused once the provider stops publishing it and the cached set ages out.
#[test]
fn rotated_keys_are_picked_up_and_retired_ones_refused() {
    let mut provider = Provider::start(key_dir("rotation"), "rsa-1,ec-1,ed-1");
    let server = oidc_server(
        Backend::Sqlite,
        &provider,
        &[
            "--oidc-jwks-max-age-secs",
            "2",
            "--oidc-jwks-min-refetch-secs",
            "1",
        ],
    );
    let old = provider.token("rs-email");
    viewer(&server, &old);

    provider.rotate("rsa-2,rsa-1,ec-1,ed-1");
    let new = provider.token("rs-email");
    assert_ne!(new, old);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    viewer(&server, &new);
    viewer(&server, &old);

    provider.rotate("rsa-2,ec-1,ed-1");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let reply = server.gql(Some(&old), VIEWER, json!({}));
    assert_eq!(
        reply.status, 401,
        "the retired key still works: {}",
        reply.body
    );
    viewer(&server, &new);
}

/// A token that verified once (and is remembered as verified) is still refused once it has
/// expired: after its `exp` and the 30 seconds of clock skew allowed.
#[test]
fn remembered_tokens_expire_with_their_exp() {
    let provider = Provider::start(key_dir("expiry"), "rsa-1,ec-1,ed-1");
    let server = oidc_server(Backend::Sqlite, &provider, &[]);
    let token = provider.token("short-lived");
    viewer(&server, &token);
    viewer(&server, &token);
    std::thread::sleep(std::time::Duration::from_secs(33));
    let reply = server.gql(Some(&token), VIEWER, json!({}));
    assert_eq!(
        reply.status, 401,
        "the expired token still works: {}",
        reply.body
    );
    assert_eq!(reply.code(), Some("UNAUTHENTICATED"));
}

/// Forged key ids don't turn requests into fetches: 100 tokens naming random keys cost at
/// most one fetch of the key set (the default: at most one per 10 seconds).
#[test]
fn unknown_key_ids_fetch_the_key_set_at_most_once_per_interval() {
    let provider = Provider::start(key_dir("storm"), "rsa-1,ec-1,ed-1");
    let server = oidc_server(Backend::Sqlite, &provider, &[]);
    viewer(&server, &provider.token("rs-email"));
    let before = provider.key_set_fetches();
    assert_eq!(before, 1, "the first token fetches the key set once");
    let encode = |value: Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
    };
    for _ in 0..100 {
        let kid = uuid::Uuid::new_v4().to_string();
        let token = format!(
            "{}.{}.AAAA",
            encode(json!({ "alg": "RS256", "typ": "at+jwt", "kid": kid })),
            encode(json!({ "sub": "mallory", "iss": provider.issuer, "aud": "orgraph" })),
        );
        let reply = server.gql(Some(&token), VIEWER, json!({}));
        assert_eq!(reply.status, 401);
    }
    let during = provider.key_set_fetches() - before;
    assert!(
        during <= 1,
        "{during} key set fetches for 100 forged key ids"
    );
}
