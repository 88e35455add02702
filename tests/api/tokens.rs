//! Tokens signed elsewhere: the server verifies RS256 or EdDSA with a configured public key,
//! and `orgraph token` signs with the matching private key.

use std::sync::Arc;

use serde_json::json;

use crate::harness::{mint_token, Backend, TestDatabase, TestServer};

fn fixture(name: &str) -> String {
    format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn cli_token(db: &TestDatabase, args: &[&str], email: &str) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .args(args)
        .args(["token", "--email", email])
        .env("DATABASE_URL", db.url())
        .env("ORGRAPH_LOG", "warn")
        .output()
        .expect("run orgraph token");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

fn check_public_key_algorithm(algorithm: &str, public: &str, private: &str) {
    let db = Arc::new(TestDatabase::create(Backend::Sqlite));
    let public = fixture(public);
    let private = fixture(private);
    let args = [
        "--jwt-algorithm",
        algorithm,
        "--jwt-public-key",
        &public,
        "--jwt-private-key",
        &private,
    ];
    let server = TestServer::start_with(db.clone(), &args);
    let token = cli_token(&db, &args, "grace@example.com");
    let reply = server.gql(Some(&token), "{ viewer { email } }", json!({}));
    assert_eq!(reply.ok()["viewer"]["email"], "grace@example.com");

    // A token signed with the shared secret is not accepted by a public-key server.
    let hs256 = mint_token("grace@example.com");
    assert_eq!(
        server
            .gql(Some(&hs256), "{ viewer { email } }", json!({}))
            .status,
        401
    );
}

#[test]
fn eddsa_tokens_verify_with_the_public_key() {
    check_public_key_algorithm("EdDSA", "ed25519-public.pem", "ed25519-private.pem");
}

#[test]
fn rs256_tokens_verify_with_the_public_key() {
    check_public_key_algorithm("RS256", "rsa-public.pem", "rsa-private.pem");
}

#[test]
fn a_verifying_only_server_cannot_mint_tokens() {
    let db = TestDatabase::create(Backend::Sqlite);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .args([
            "--jwt-algorithm",
            "EdDSA",
            "--jwt-public-key",
            &fixture("ed25519-public.pem"),
        ])
        .args(["token", "--email", "x@example.com"])
        .env("DATABASE_URL", db.url())
        .output()
        .expect("run orgraph token");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("private key"));
}

#[test]
fn sqlite_development_secret_is_generated_and_kept() {
    let db = Arc::new(TestDatabase::create(Backend::Sqlite));
    let run = |db: &TestDatabase| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_orgraph"))
            .args(["token", "--email", "dev@example.com"])
            .env("DATABASE_URL", db.url())
            .env_remove("ORGRAPH_JWT_SECRET")
            .output()
            .expect("run orgraph token");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let first = run(&db);
    assert!(
        first.contains("development secret"),
        "a warning is logged: {first}"
    );
    let secret_file = format!("{}.jwt-secret", db.sqlite_path().unwrap().display());
    let secret = std::fs::read_to_string(&secret_file).expect("secret kept next to the database");
    run(&db);
    assert_eq!(
        std::fs::read_to_string(&secret_file).unwrap(),
        secret,
        "the secret is reused"
    );
}

/// One refused token, each in its own test: 401, a `Bearer` challenge, `UNAUTHENTICATED`.
fn assert_refused(token: &str) {
    let server = TestServer::start_with(Arc::new(TestDatabase::create(Backend::Sqlite)), &[]);
    let reply = server.gql(Some(token), "{ viewer { email } }", json!({}));
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(reply.code(), Some("UNAUTHENTICATED"));
    assert!(reply.data().is_null());
}

fn signed(
    secret: &[u8],
    issuer: &str,
    audience: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    orgraph::auth::TokenKeys::hs256(secret, issuer, audience)
        .issue_user_token("ada@example.com", None, now, chrono::Duration::hours(1))
        .expect("sign")
}

const SECRET: &[u8] = crate::harness::JWT_SECRET.as_bytes();

#[test]
fn a_token_with_alg_none_is_refused() {
    use base64::Engine;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": "ada@example.com", "email": "ada@example.com", "iss": "orgraph", "aud": "orgraph", "iat": now, "exp": now + 3600 });
    assert_refused(&format!(
        "{}.{}.",
        b64(json!({ "alg": "none", "typ": "JWT" })),
        b64(claims)
    ));
}

#[test]
fn a_token_signed_with_another_key_is_refused() {
    assert_refused(&signed(
        b"another-secret-another-secret-another",
        "orgraph",
        "orgraph",
        chrono::Utc::now(),
    ));
}

#[test]
fn an_expired_token_is_refused() {
    assert_refused(&signed(
        SECRET,
        "orgraph",
        "orgraph",
        chrono::Utc::now() - chrono::Duration::hours(3),
    ));
}

#[test]
fn a_token_not_yet_valid_is_refused() {
    assert_refused(&signed(
        SECRET,
        "orgraph",
        "orgraph",
        chrono::Utc::now() + chrono::Duration::hours(2),
    ));
}

#[test]
fn a_token_from_another_issuer_is_refused() {
    assert_refused(&signed(
        SECRET,
        "someone-else",
        "orgraph",
        chrono::Utc::now(),
    ));
}

#[test]
fn a_token_for_another_audience_is_refused() {
    assert_refused(&signed(
        SECRET,
        "orgraph",
        "someone-else",
        chrono::Utc::now(),
    ));
}
