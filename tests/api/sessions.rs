//! Browser sessions (issue 13): the development sign-in, the session cookie with its CSRF
//! token, logout, expiry, restarts and sibling processes, and the provider callback's checks.

use std::sync::Arc;

use serde_json::json;

use crate::harness::browser::{Browser, Page};
use crate::harness::oidc::Provider;
use crate::harness::{all_row_counts, eventually, free_port, Backend, TestDatabase, TestServer};
use crate::on_both_backends;

on_both_backends!(
    development_sign_in_starts_a_session_that_needs_its_csrf_token,
    sessions_outlive_restarts_and_end_when_expired_or_revoked,
);

pub const SESSION: &str = "orgraph-session";
const VIEWER: &str = "{ viewer { email } }";
const ADD: &str =
    r#"mutation { addOrganization(input: { name: "Acme HQ" }) { organization { id } } }"#;

pub fn dev_server(backend: Backend) -> TestServer {
    TestServer::start_with(Arc::new(TestDatabase::create(backend)), &["--dev-sign-in"])
}

/// Signs `email` in with the development form; returns the browser and the page's CSRF token.
pub fn dev_sign_in(server: &TestServer, email: &str) -> (Browser, String) {
    let mut browser = Browser::new(&server.base);
    let form = browser.get("/auth/login?return_to=/graphql");
    assert_eq!(form.status, 200, "{}", form.body);
    let token = form.field("form_token").expect("the form's token");
    let signed_in = browser.post_form(
        "/auth/login",
        &[
            ("email", email),
            ("return_to", "/graphql"),
            ("form_token", &token),
        ],
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.location.as_deref(), Some("/graphql"));
    assert!(browser.cookie(SESSION).is_some(), "no session cookie");
    let page = browser.get("/graphql");
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page
        .field("orgraph-csrf-token")
        .expect("the page's CSRF token");
    assert_eq!(page.field("orgraph-signed-in-as").as_deref(), Some(email));
    (browser, csrf)
}

fn code(page: &Page) -> Option<String> {
    page.json()["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

fn development_sign_in_starts_a_session_that_needs_its_csrf_token(backend: Backend) {
    let server = dev_server(backend);
    let mut anonymous = Browser::new(&server.base);
    // GraphiQL sends an anonymous browser to sign in; the form says what it is.
    let page = anonymous.get("/graphql");
    assert_eq!(page.status, 302);
    assert_eq!(
        page.location.as_deref(),
        Some("/auth/login?return_to=%2Fgraphql")
    );
    let form = anonymous.get("/auth/login");
    assert!(form.body.contains("Development sign-in"), "{}", form.body);
    // Never an open redirect, on the way in or out.
    for elsewhere in [
        "https://elsewhere.example",
        "//elsewhere.example",
        "/\\elsewhere.example",
    ] {
        let refused = anonymous.get(&format!("/auth/login?return_to={elsewhere}"));
        assert_eq!(refused.status, 400, "{elsewhere}: {}", refused.body);
    }
    let token = form.field("form_token").expect("form token");
    let before = all_row_counts(&server.db);
    let refused = anonymous.post_form(
        "/auth/login",
        &[
            ("email", "ada@example.com"),
            ("return_to", "https://elsewhere.example"),
            ("form_token", &token),
        ],
    );
    assert_eq!(refused.status, 400);
    let forged = anonymous.post_form(
        "/auth/login",
        &[
            ("email", "ada@example.com"),
            ("return_to", "/graphql"),
            ("form_token", "forged"),
        ],
    );
    assert_eq!(forged.status, 403);
    assert!(anonymous.cookie(SESSION).is_none());
    assert_eq!(
        all_row_counts(&server.db),
        before,
        "a refused sign-in writes nothing"
    );

    let (mut browser, csrf) = dev_sign_in(&server, "ada@example.com");
    let viewer = browser.graphql(VIEWER, Some(&csrf));
    assert_eq!(viewer.status, 200, "{}", viewer.body);
    assert_eq!(viewer.json()["data"]["viewer"]["email"], "ada@example.com");

    // A cookie alone never authorizes a request: no token, or another's, writes nothing.
    let before = all_row_counts(&server.db);
    for token in [None, Some("not-the-token")] {
        let refused = browser.graphql(ADD, token);
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert_eq!(code(&refused).as_deref(), Some("FORBIDDEN"));
    }
    assert_eq!(all_row_counts(&server.db), before);
    let created = browser.graphql(ADD, Some(&csrf));
    assert!(created.json()["errors"].is_null(), "{}", created.body);

    // A bearer token still works beside the session.
    let bearer = server.gql(Some(&server.token("grace@example.com")), VIEWER, json!({}));
    assert_eq!(bearer.ok()["viewer"]["email"], "grace@example.com");

    // Logging out needs the token too, and ends the session for good.
    assert_eq!(browser.post("/auth/logout", None, &[]).status, 403);
    let secret = browser.cookie(SESSION).expect("session").to_owned();
    let out = browser.post("/auth/logout", None, &[("x-csrf-token", &csrf)]);
    assert_eq!(out.status, 204);
    assert!(browser.cookie(SESSION).is_none(), "the cookie is removed");
    browser.set_cookie(SESSION, &secret);
    let after = browser.graphql(VIEWER, Some(&csrf));
    assert_eq!(after.status, 401, "{}", after.body);
    assert_eq!(code(&after).as_deref(), Some("UNAUTHENTICATED"));
}

fn sessions_outlive_restarts_and_end_when_expired_or_revoked(backend: Backend) {
    let mut server = dev_server(backend);
    let (browser, csrf) = dev_sign_in(&server, "ada@example.com");
    let works = |browser: &mut Browser| browser.graphql(VIEWER, Some(&csrf)).status;

    // Stored in the database: another process on it, and a restart, know the session.
    let sibling = server.sibling(&["--dev-sign-in"]);
    let mut at_sibling = Browser::new(&sibling.base);
    at_sibling.set_cookie(SESSION, browser.cookie(SESSION).expect("session"));
    assert_eq!(works(&mut at_sibling), 200);
    server.restart();
    let mut restarted = Browser::new(&server.base);
    restarted.set_cookie(SESSION, browser.cookie(SESSION).expect("session"));
    assert_eq!(works(&mut restarted), 200);

    // Past its absolute expiry, or idle too long, a session is refused.
    let expire = |column: &str| {
        let sql = format!("UPDATE sessions SET {column} = '2001-01-01 00:00:00'");
        server
            .db
            .connect()
            .write_blocking::<_, orgraph::service::ApiError, _>(|conn| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query(sql).execute(conn)?)
            })
            .expect("age the sessions");
    };
    expire("expires_at");
    eventually("the expired session is refused", || {
        works(&mut restarted) == 401
    });
    let (mut idle, idle_csrf) = dev_sign_in(&server, "bob@example.com");
    assert_eq!(idle.graphql(VIEWER, Some(&idle_csrf)).status, 200);
    expire("last_seen_at");
    eventually("the idle session is refused", || {
        idle.graphql(VIEWER, Some(&idle_csrf)).status == 401
    });
    let refused = idle.graphql(VIEWER, Some(&idle_csrf));
    assert_eq!(refused.status, 401);
    assert_eq!(code(&refused).as_deref(), Some("UNAUTHENTICATED"));
}

/// Without `--dev-sign-in` (and with a configured secret, as the harness sets), there is no
/// development sign-in, and GraphiQL is the anonymous page.
#[test]
fn the_development_sign_in_is_off_unless_enabled() {
    let server = TestServer::start(Backend::Sqlite);
    let mut browser = Browser::new(&server.base);
    let before = all_row_counts(&server.db);
    assert_eq!(browser.get("/auth/login").status, 404);
    let posted = browser.post_form(
        "/auth/login",
        &[
            ("email", "mallory@example.com"),
            ("return_to", "/graphql"),
            ("form_token", "x"),
        ],
    );
    assert_eq!(posted.status, 404);
    assert!(browser.cookie(SESSION).is_none());
    assert_eq!(all_row_counts(&server.db), before);
    let page = browser.get("/graphql");
    assert_eq!(page.status, 200);
    assert!(page.field("orgraph-csrf-token").is_none());
}

/// The provider's redirect back is checked before anything is exchanged: the `state` must be
/// the one this browser was given, once; the `iss` must be the provider's.
#[test]
fn the_callback_refuses_what_this_browser_did_not_start() {
    let port = free_port();
    let key_dir = std::env::temp_dir().join(format!("orgraph-callback-{}", uuid::Uuid::new_v4()));
    let provider = Provider::start_with_redirect(
        key_dir,
        "rsa-1,ec-1,ed-1",
        &format!("http://127.0.0.1:{port}/auth/callback"),
    );
    let server = TestServer::start_at(
        Arc::new(TestDatabase::create(Backend::Sqlite)),
        port,
        &[
            "--oidc-issuer",
            &provider.issuer,
            "--oidc-client-id",
            "orgraph",
            "--oidc-client-secret",
            "orgraph-secret",
            "--public-url",
            &format!("http://127.0.0.1:{port}"),
        ],
    );
    let mut browser = Browser::new(&server.base);
    let to_provider = browser.get("/auth/login?return_to=/graphql");
    assert_eq!(to_provider.status, 302, "{}", to_provider.body);
    let location = to_provider.location.expect("to the provider");
    assert!(
        location.starts_with(&format!("{}/auth?", provider.issuer)),
        "{location}"
    );
    let url = url::Url::parse(&location).expect("URL");
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no {name} in {location}"))
    };
    assert_eq!(param("code_challenge_method"), "S256");
    assert_eq!(
        param("redirect_uri"),
        format!("http://127.0.0.1:{port}/auth/callback")
    );
    let state = param("state");
    assert!(!param("nonce").is_empty() && !param("code_challenge").is_empty());

    let callback = |browser: &mut Browser, state: &str, iss: &str| {
        browser.get(&format!(
            "/auth/callback?code=not-a-code&state={state}&iss={}",
            url::form_urlencoded::byte_serialize(iss.as_bytes()).collect::<String>()
        ))
    };
    let before = all_row_counts(&server.db);
    assert_eq!(
        callback(&mut browser, "another-state", &provider.issuer).status,
        400
    );
    assert_eq!(
        callback(&mut browser, &state, "http://127.0.0.1:1").status,
        400
    );
    let mut elsewhere = Browser::new(&server.base);
    assert_eq!(
        callback(&mut elsewhere, &state, &provider.issuer).status,
        400
    );
    // The right state with a code the provider never issued: the attempt is spent.
    let spent = callback(&mut browser, &state, &provider.issuer);
    assert_eq!(spent.status, 502, "{}", spent.body);
    browser.set_cookie("orgraph-sign-in", &state);
    let again = callback(&mut browser, &state, &provider.issuer);
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(browser.cookie(SESSION).is_none());
    assert_eq!(all_row_counts(&server.db), before);
}
