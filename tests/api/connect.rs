//! Organization Connect (issue 14, SPEC §5) over HTTP: the consent page, the code and refresh
//! grants, revocation, and what an application token may do with GraphQL.

use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};

use crate::harness::browser::{Browser, Page};
use crate::harness::{Backend, TestDatabase, TestServer};
use crate::on_both_backends;

on_both_backends!(
    a_confidential_client_is_authorized_and_its_token_stays_in_its_organization,
    refresh_rotates_and_a_replayed_refresh_token_revokes_the_family,
    revocation_bites_on_the_very_next_request,
);

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const ADMIN: &str = "admin@customer.test";

/// An integrator's application and a customer's organization with one sub-organization,
/// whose administrator is signed in (development sign-in) in `browser`.
struct Connect {
    server: TestServer,
    browser: Browser,
    client_id: String,
    client_secret: Option<String>,
    customer: String,
    branch: String,
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

impl Connect {
    fn start(backend: Backend, public: bool) -> Self {
        let server =
            TestServer::start_with(Arc::new(TestDatabase::create(backend)), &["--dev-sign-in"]);
        let integrator = server.token("dev@integrator.test");
        let org = server.gql(
            Some(&integrator),
            "mutation { addOrganization(input: { name: \"Integrator\", kind: INTEGRATOR }) { organization { id } } }",
            json!({}),
        );
        let integrator_org = id(&org.ok()["addOrganization"]["organization"]);
        let app = server.gql(
            Some(&integrator),
            "mutation($input: CreateApplicationInput!) { createApplication(input: $input) { clientSecret application { clientId } } }",
            json!({ "input": {
                "organizationId": integrator_org, "name": "Calendar Sync", "environment": "DEVELOPMENT",
                "redirectUris": [REDIRECT], "allowedScopes": ["organization:read", "organization:manage", "members:read", "roles:manage", "settings:read", "settings:manage", "audit:read"],
                "public": public,
            }}),
        );
        let created = &app.ok()["createApplication"];
        let admin = server.token(ADMIN);
        let customer = server.gql(
            Some(&admin),
            "mutation { addOrganization(input: { name: \"Customer\" }) { organization { id } } }",
            json!({}),
        );
        let customer = id(&customer.ok()["addOrganization"]["organization"]);
        let branch = id(&server.add_sub(&admin, &customer, "Branch"));
        let mut browser = Browser::new(&server.base);
        let form = browser.get("/auth/login?return_to=/graphql");
        let token = form.field("form_token").expect("the form's token");
        let signed_in = browser.post_form(
            "/auth/login",
            &[
                ("email", ADMIN),
                ("return_to", "/graphql"),
                ("form_token", &token),
            ],
        );
        assert_eq!(signed_in.status, 303, "{}", signed_in.body);
        Self {
            client_id: created["application"]["clientId"]
                .as_str()
                .expect("client id")
                .to_owned(),
            client_secret: created["clientSecret"].as_str().map(str::to_owned),
            server,
            browser,
            customer,
            branch,
        }
    }

    fn authorize_url(&self, extra: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("state", "xyz-state");
        for (name, value) in extra {
            query.append_pair(name, value);
        }
        format!("/oauth/authorize?{}", query.finish())
    }

    /// Opens the consent page and answers it; returns the page and the answer.
    fn consent(&mut self, extra: &[(&str, &str)], answer: &[(&str, &str)]) -> (Page, Page) {
        let page = self.browser.get(&self.authorize_url(extra));
        assert_eq!(page.status, 200, "{}", page.body);
        let mut fields: Vec<(String, String)> = [
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
            "csrf_token",
        ]
        .iter()
        .filter_map(|name| {
            page.field(name)
                .map(|v| ((*name).to_owned(), html_unescape(&v)))
        })
        .collect();
        fields.extend(
            answer
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let answered = self.browser.post_form("/oauth/authorize", &borrowed);
        (page, answered)
    }

    /// Approves on the customer organization and returns the code.
    fn approve(&mut self, scope: &str, include_sub: bool) -> String {
        let customer = self.customer.clone();
        let mut answer = vec![
            ("decision", "approve"),
            ("organization_id", customer.as_str()),
        ];
        if include_sub {
            answer.push(("include_sub_organizations", "true"));
        }
        let (_, answered) = self.consent(
            &[
                ("scope", scope),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            &answer,
        );
        assert_eq!(answered.status, 303, "{}", answered.body);
        let params = redirect_params(&answered);
        assert_eq!(params["state"], "xyz-state");
        assert_eq!(params["iss"], self.server.base);
        params["code"].clone()
    }

    fn token_request(&self, fields: &[(&str, &str)], secret: Option<&str>) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent.post(&format!("{}/oauth/token", self.server.base));
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        match secret {
            Some(secret) => {
                let basic = STANDARD.encode(format!("{}:{secret}", self.client_id));
                request = request.header("authorization", &format!("Basic {basic}"));
            }
            None => fields.push(("client_id", &self.client_id)),
        }
        let mut response = request.send_form(fields).expect("token request");
        let status = response.status().as_u16();
        let body: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        (status, body)
    }

    fn exchange(&self, code: &str) -> (u16, Value) {
        self.token_request(
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
            self.client_secret.as_deref(),
        )
    }

    fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.token_request(
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
            self.client_secret.as_deref(),
        )
    }

    fn org_name(&self, token: &str, id: &str) -> crate::harness::Reply {
        self.server.gql(
            Some(token),
            "query($id: ID!) { organization(id: $id) { name } }",
            json!({ "id": id }),
        )
    }
}

fn html_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn redirect_params(page: &Page) -> std::collections::HashMap<String, String> {
    let location = page.location.as_deref().expect("a redirect");
    assert!(
        location.starts_with(REDIRECT),
        "redirected elsewhere: {location}"
    );
    url::Url::parse(location)
        .expect("a URL")
        .query_pairs()
        .into_owned()
        .collect()
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

fn a_confidential_client_is_authorized_and_its_token_stays_in_its_organization(backend: Backend) {
    let mut connect = Connect::start(backend, false);
    let (page, _) = connect.consent(
        &[("scope", "organization:read members:read")],
        &[("decision", "deny")],
    );
    assert!(page.body.contains("Calendar Sync"), "{}", page.body);
    assert!(page.body.contains("Integrator"), "{}", page.body);
    assert!(
        page.body.contains("See members, their roles and grants"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("Read settings"),
        "a scope not asked for is shown"
    );
    assert!(
        page.body.contains(&connect.customer),
        "the organization is not offered"
    );

    let code = connect.approve("organization:read members:read", false);
    let (status, tokens) = connect.exchange(&code);
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "organization:read members:read");
    let access = tokens["access_token"].as_str().expect("access token");
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').next().expect("header"))
            .expect("b64"),
    )
    .expect("JSON");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "ES256");
    let first = claims(access);
    assert_eq!(first["org"], connect.customer);
    assert_eq!(first["client_id"], connect.client_id);
    assert_eq!(first["iss"], connect.server.base);

    // Its organization, and nothing else: not the sub-organization (not consented), not
    // another network, no writes beyond its scopes.
    assert_eq!(
        connect.org_name(access, &connect.customer).ok()["organization"]["name"],
        "Customer"
    );
    connect
        .org_name(access, &connect.branch)
        .expect_code("NOT_FOUND");
    let children = connect.server.gql(
        Some(access),
        "query($id: ID!) { organization(id: $id) { children { totalCount edges { node { name } } } } }",
        json!({ "id": connect.customer }),
    );
    assert_eq!(
        children.ok()["organization"]["children"]["totalCount"],
        0,
        "{}",
        children.body
    );
    let listed = connect.server.gql(
        Some(access),
        "{ organizations { edges { node { name } } } }",
        json!({}),
    );
    assert_eq!(
        listed.ok()["organizations"]["edges"],
        json!([{ "node": { "name": "Customer" } }])
    );
    let write = connect.server.gql(
        Some(access),
        "mutation($id: ID!) { addSubOrganization(input: { parentId: $id, name: \"Sneaky\" }) { organization { id } } }",
        json!({ "id": connect.customer }),
    );
    assert_eq!(write.code(), Some("FORBIDDEN"), "{}", write.body);
    connect
        .server
        .gql(Some(access), "{ viewer { email } }", json!({}))
        .expect_code("FORBIDDEN");

    // Within its scopes it writes, and the audit log names the application as the actor.
    let code = connect.approve("organization:read settings:manage audit:read", false);
    let (status, tokens) = connect.exchange(&code);
    assert_eq!(status, 200, "{tokens}");
    let writer = tokens["access_token"].as_str().expect("access token");
    let set = connect.server.gql(
        Some(writer),
        "mutation($input: SetSettingInput!) { setSetting(input: $input) { setting { key } } }",
        json!({ "input": { "organizationId": connect.customer, "key": "branding",
                           "value": { "displayName": "Customer" } } }),
    );
    assert_eq!(
        set.ok()["setSetting"]["setting"]["key"],
        "branding",
        "{}",
        set.body
    );
    let sub = connect.server.gql(
        Some(writer),
        "mutation($input: SetSettingInput!) { setSetting(input: $input) { setting { key } } }",
        json!({ "input": { "organizationId": connect.branch, "key": "branding",
                           "value": { "displayName": "Branch" } } }),
    );
    assert_eq!(sub.code(), Some("NOT_FOUND"), "{}", sub.body);
    let log = connect.server.gql(
        Some(&connect.server.token(ADMIN)),
        "query($id: ID!) { organization(id: $id) { auditLog(first: 1) { edges { node { action actor { email } actorApplicationName } } } } }",
        json!({ "id": connect.customer }),
    );
    let newest = &log.ok()["organization"]["auditLog"]["edges"][0]["node"];
    assert_eq!(newest["action"], "setSetting", "{}", log.body);
    assert_eq!(newest["actor"], Value::Null);
    assert_eq!(newest["actorApplicationName"], "Calendar Sync");

    // A refresh that narrows the scope narrows what the token may do, not only its claim.
    let narrowed = connect.token_request(
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                tokens["refresh_token"].as_str().expect("refresh"),
            ),
            ("scope", "organization:read"),
        ],
        connect.client_secret.as_deref(),
    );
    assert_eq!(narrowed.0, 200, "{}", narrowed.1);
    let narrow = narrowed.1["access_token"].as_str().expect("token");
    let refused = connect.server.gql(
        Some(narrow),
        "mutation($input: SetSettingInput!) { setSetting(input: $input) { setting { key } } }",
        json!({ "input": { "organizationId": connect.customer, "key": "branding",
                           "value": { "displayName": "Narrow" } } }),
    );
    assert_eq!(refused.code(), Some("FORBIDDEN"), "{}", refused.body);

    // Authorized on the organization alone, it can't act on what lies below it: list the
    // subtree's members, grant a role (grants reach below), delete the subtree.
    let code = connect.approve(
        "organization:read organization:manage members:read roles:manage",
        false,
    );
    let (status, tokens) = connect.exchange(&code);
    assert_eq!(status, 200, "{tokens}");
    let alone = tokens["access_token"].as_str().expect("access token");
    let members = connect.server.gql(
        Some(alone),
        "query($id: ID!) { organization(id: $id) { members(includeSubOrganizations: true) { totalCount } } }",
        json!({ "id": connect.customer }),
    );
    assert_eq!(members.code(), Some("FORBIDDEN"), "{}", members.body);
    let grant = connect.server.gql(
        Some(alone),
        "mutation($o: ID!) { grantRole(input: { organizationId: $o, email: \"friend@integrator.test\", role: \"EMPLOYEE\" }) { grant { id } } }",
        json!({ "o": connect.customer }),
    );
    assert_eq!(grant.code(), Some("FORBIDDEN"), "{}", grant.body);
    let delete = connect.server.gql(
        Some(alone),
        "mutation($id: ID!) { deleteOrganization(input: { id: $id }) { organization { id } } }",
        json!({ "id": connect.customer }),
    );
    assert_eq!(delete.code(), Some("FORBIDDEN"), "{}", delete.body);
    connect.org_name(alone, &connect.customer).ok();

    // A second consent with sub-organizations widens the same authorization.
    let code = connect.approve("organization:read", true);
    let (status, tokens) = connect.exchange(&code);
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().expect("access token");
    assert_eq!(
        connect.org_name(access, &connect.branch).ok()["organization"]["name"],
        "Branch"
    );
    assert_eq!(
        claims(access)["sub"],
        first["sub"],
        "one authorization per organization"
    );

    // Deny goes back with access_denied.
    let (_, denied) = connect.consent(&[("scope", "organization:read")], &[("decision", "deny")]);
    assert_eq!(denied.status, 303);
    let params = redirect_params(&denied);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "xyz-state");
    crate::harness::invariants::assert_routes_match(&connect.server.db);
}

fn refresh_rotates_and_a_replayed_refresh_token_revokes_the_family(backend: Backend) {
    let mut connect = Connect::start(backend, true);
    let code = connect.approve("organization:read", false);
    let (status, first) = connect.exchange(&code);
    assert_eq!(status, 200, "{first}");
    let spent = first["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let (status, second) = connect.refresh(&spent);
    assert_eq!(status, 200, "{second}");
    let live = second["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    assert_ne!(live, spent, "the refresh token was not rotated");
    let access = second["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    connect.org_name(&access, &connect.customer).ok();

    // The spent token again: refused, and everything of its family with it.
    let (status, replay) = connect.refresh(&spent);
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_grant")),
        "{replay}"
    );
    let (status, after) = connect.refresh(&live);
    assert_eq!(
        (status, after["error"].as_str()),
        (400, Some("invalid_grant")),
        "{after}"
    );
    let reply = connect.org_name(&access, &connect.customer);
    assert_eq!(reply.status, 401, "{}", reply.body);

    // A code used twice: refused, and the first exchange's tokens revoked.
    let code = connect.approve("organization:read", false);
    let (status, tokens) = connect.exchange(&code);
    assert_eq!(status, 200, "{tokens}");
    let (status, again) = connect.exchange(&code);
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant")),
        "{again}"
    );
    let reply = connect.org_name(
        tokens["access_token"].as_str().expect("token"),
        &connect.customer,
    );
    assert_eq!(reply.status, 401, "{}", reply.body);

    // Twenty refreshes with one token at once: exactly one succeeds.
    let code = connect.approve("organization:read", false);
    let (_, tokens) = connect.exchange(&code);
    let shared = tokens["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let connect = Arc::new(connect);
    let racers: Vec<_> = (0..20)
        .map(|_| {
            let connect = Arc::clone(&connect);
            let shared = shared.clone();
            std::thread::spawn(move || connect.refresh(&shared).0)
        })
        .collect();
    let statuses: Vec<u16> = racers
        .into_iter()
        .map(|r| r.join().expect("racer"))
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 400),
        "{statuses:?}"
    );
}

fn revocation_bites_on_the_very_next_request(backend: Backend) {
    let mut connect = Connect::start(backend, false);
    let code = connect.approve("organization:read", false);
    let (_, tokens) = connect.exchange(&code);
    let access = tokens["access_token"].as_str().expect("token").to_owned();
    connect.org_name(&access, &connect.customer).ok();

    // Each side sees the authorization: the customer on its organization, the integrator on
    // its application; a stranger on neither.
    let admin = connect.server.token(ADMIN);
    let listed = connect.server.gql(
        Some(&admin),
        "query($id: ID!) { organization(id: $id) { authorizations { id applicationName scopes includesSubOrganizations grantedBy { email } revokedAt } } }",
        json!({ "id": connect.customer }),
    );
    let authorizations = listed.ok()["organization"]["authorizations"].clone();
    assert_eq!(
        authorizations.as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.body
    );
    let authorization = &authorizations[0];
    assert_eq!(authorization["applicationName"], "Calendar Sync");
    assert_eq!(authorization["scopes"], json!(["organization:read"]));
    assert_eq!(authorization["grantedBy"]["email"], ADMIN);
    assert_eq!(authorization["id"], claims(&access)["sub"]);
    let integrator = connect.server.token("dev@integrator.test");
    let held = connect.server.gql(
        Some(&integrator),
        "query($id: ID!) { _entities(representations: [{ __typename: \"Authorization\", id: $id }]) { ... on Authorization { applicationName application { id } grantedBy { email } organization { id } } } }",
        json!({ "id": authorization["id"] }),
    );
    assert_eq!(
        held.ok()["_entities"][0]["applicationName"],
        "Calendar Sync",
        "{}",
        held.body
    );
    assert_eq!(
        held.ok()["_entities"][0]["grantedBy"],
        Value::Null,
        "the integrator sees the customer's admin"
    );
    assert_eq!(
        held.ok()["_entities"][0]["organization"],
        Value::Null,
        "the integrator sees the customer's organization"
    );
    let stranger = connect.server.token("stranger@elsewhere.test");
    let revoke = "mutation($id: ID!) { revokeAuthorization(input: { id: $id }) { authorization { revokedAt } } }";
    connect
        .server
        .gql(
            Some(&stranger),
            revoke,
            json!({ "id": authorization["id"] }),
        )
        .expect_code("NOT_FOUND");
    connect.org_name(&access, &connect.customer).ok();

    // The customer revokes: the very next request with the token is refused.
    let revoked = connect
        .server
        .gql(Some(&admin), revoke, json!({ "id": authorization["id"] }));
    assert!(
        revoked.ok()["revokeAuthorization"]["authorization"]["revokedAt"].is_string(),
        "{}",
        revoked.body
    );
    let reply = connect.org_name(&access, &connect.customer);
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(reply.code(), Some("UNAUTHENTICATED"));
    let (status, refused) = connect.refresh(tokens["refresh_token"].as_str().expect("refresh"));
    assert_eq!(
        (status, refused["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Consenting again revives it with new tokens; the application itself can end it at
    // /oauth/revoke with sub = the organization (SPEC §5).
    let code = connect.approve("organization:read", false);
    let (_, tokens) = connect.exchange(&code);
    let access = tokens["access_token"].as_str().expect("token").to_owned();
    connect.org_name(&access, &connect.customer).ok();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let secret = connect.client_secret.clone().expect("secret");
    let (revoke_at, customer, client_id) = (
        format!("{}/oauth/revoke", connect.server.base),
        connect.customer.clone(),
        connect.client_id.clone(),
    );
    let revoke_by_sub = || {
        agent
            .post(&revoke_at)
            .send_form([
                ("sub", customer.as_str()),
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
            ])
            .expect("revoke")
            .status()
            .as_u16()
    };
    assert_eq!(revoke_by_sub(), 200);
    let reply = connect.org_name(&access, &connect.customer);
    assert_eq!(reply.status, 401, "{}", reply.body);
    let log = connect.server.gql(
        Some(&admin),
        "query($id: ID!) { organization(id: $id) { auditLog(first: 1) { edges { node { action actor { email } actorApplicationName } } } } }",
        json!({ "id": connect.customer }),
    );
    let newest = &log.ok()["organization"]["auditLog"]["edges"][0]["node"];
    assert_eq!(newest["action"], "revokeAuthorization", "{}", log.body);
    assert_eq!(newest["actorApplicationName"], "Calendar Sync");

    // An organization gone since (purged: no route to its network) is still revoked by sub:
    // the authorization is found among the application's own.
    let code = connect.approve("organization:read", false);
    connect.exchange(&code);
    let sql = |statement: String| -> usize {
        use diesel::RunQueryDsl;
        let store = connect.server.db.connect();
        let mut conn = store.read_connection().expect("connection");
        diesel::sql_query(statement)
            .execute(&mut *conn)
            .expect("statement")
    };
    let live = || -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Live {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let store = connect.server.db.connect();
        let mut conn = store.read_connection().expect("connection");
        let rows: Vec<Live> =
            diesel::sql_query("SELECT COUNT(*) AS n FROM authorizations WHERE revoked_at IS NULL")
                .load(&mut *conn)
                .expect("count");
        rows.first().map_or(0, |r| r.n)
    };
    assert_eq!(live(), 1, "consented again");
    sql(format!(
        "DELETE FROM organization_networks WHERE id = '{customer}'"
    ));
    assert_eq!(revoke_by_sub(), 200);
    assert_eq!(live(), 0, "revoked without a route to the organization");
    sql(format!(
        "INSERT INTO organization_networks (id, network_id) \
         SELECT id, network_id FROM organizations WHERE id = '{customer}'"
    ));

    // Deleting the application ends its authorizations, and their tokens, at once.
    let code = connect.approve("organization:read", false);
    let (_, tokens) = connect.exchange(&code);
    let access = tokens["access_token"].as_str().expect("token").to_owned();
    connect.org_name(&access, &connect.customer).ok();
    let application = held.ok()["_entities"][0]["application"]["id"].clone();
    assert!(application.is_string(), "{}", held.body);
    connect
        .server
        .gql(
            Some(&integrator),
            "mutation($id: ID!) { deleteApplication(input: { id: $id }) { deletedApplicationId } }",
            json!({ "id": application }),
        )
        .ok();
    let reply = connect.org_name(&access, &connect.customer);
    assert_eq!(reply.status, 401, "{}", reply.body);
}

#[test]
fn refusals_speak_oauth() {
    let mut connect = Connect::start(Backend::Sqlite, false);
    // Unknown client, unregistered redirect URI: a page, never a redirect.
    let unknown = connect.browser.get("/oauth/authorize?response_type=code&client_id=org_nobody&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback");
    assert_eq!(
        (unknown.status, unknown.location.clone()),
        (400, None),
        "{}",
        unknown.body
    );
    let elsewhere = connect.browser.get(&format!(
        "/oauth/authorize?response_type=code&client_id={}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        connect.client_id
    ));
    assert_eq!(
        (elsewhere.status, elsewhere.location.clone()),
        (400, None),
        "{}",
        elsewhere.body
    );
    let unnamed = connect.browser.get(&format!(
        "/oauth/authorize?response_type=code&client_id={}",
        connect.client_id
    ));
    assert_eq!(
        (unnamed.status, unnamed.location.clone()),
        (400, None),
        "a request without redirect_uri: {}",
        unnamed.body
    );
    // Beyond the application's allowed scopes, or a downgraded challenge: back to the client.
    let beyond = connect
        .browser
        .get(&connect.authorize_url(&[("scope", "members:manage")]));
    assert_eq!(redirect_params(&beyond)["error"], "invalid_scope");
    let plain = connect.browser.get(&connect.authorize_url(&[
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "plain"),
    ]));
    assert_eq!(redirect_params(&plain)["error"], "invalid_request");

    // Wrong verifier, missing verifier, wrong secret, wrong redirect URI.
    let code = connect.approve("organization:read", false);
    let secret = connect.client_secret.clone().expect("secret");
    let wrong = connect.token_request(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            (
                "code_verifier",
                "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            ),
        ],
        Some(&secret),
    );
    assert_eq!(
        (wrong.0, wrong.1["error"].as_str()),
        (400, Some("invalid_grant")),
        "{}",
        wrong.1
    );
    let code = connect.approve("organization:read", false);
    let missing = connect.token_request(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
        Some(&secret),
    );
    assert_eq!(missing.1["error"], "invalid_grant", "{}", missing.1);
    let code = connect.approve("organization:read", false);
    let bad_secret = connect.token_request(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        Some("orgs_not-the-secret"),
    );
    assert_eq!(
        (bad_secret.0, bad_secret.1["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // A code is bound to its redirect URI and to its client.
    let code = connect.approve("organization:read", false);
    let elsewhere = connect.token_request(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("code_verifier", VERIFIER),
        ],
        Some(&secret),
    );
    assert_eq!(elsewhere.1["error"], "invalid_grant", "{}", elsewhere.1);
    let other = connect
        .server
        .create_application("other@integrator.test", &["organization:read"]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let stolen = agent
        .post(&format!("{}/oauth/token", connect.server.base))
        .send_form([
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", other.client_id.as_str()),
            ("client_secret", other.client_secret.as_str()),
        ])
        .expect("token")
        .body_mut()
        .read_json::<Value>()
        .expect("JSON");
    assert_eq!(stolen["error"], "invalid_grant", "{stolen}");
    assert_eq!(
        stolen["error_description"],
        "the code was issued to another client"
    );

    // A code older than its 10 minutes (time moved on behind the server's back).
    let code = connect.approve("organization:read", false);
    {
        use diesel::RunQueryDsl;
        let store = connect.server.db.connect();
        let mut conn = store.read_connection().expect("connection");
        diesel::sql_query("UPDATE oauth_codes SET expires_at = created_at WHERE used_at IS NULL")
            .execute(&mut *conn)
            .expect("age the codes");
    }
    let expired = connect.token_request(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        Some(&secret),
    );
    assert_eq!(
        (expired.0, expired.1["error"].as_str()),
        (400, Some("invalid_grant")),
        "{}",
        expired.1
    );
    assert_eq!(expired.1["error_description"], "the code has expired");
    let unsupported = connect.token_request(&[("grant_type", "password")], Some(&secret));
    assert_eq!(unsupported.1["error"], "unsupported_grant_type");

    // An administrator grants only what they hold: one with `authorizations:manage` but
    // not `members:read` can't hand `members:read` to the application.
    let admin = connect.server.token(ADMIN);
    let role = connect.server.gql(
        Some(&admin),
        "mutation($o: ID!) { createRole(input: { organizationId: $o, name: \"Connector\", permissions: [\"organization:read\", \"authorizations:manage\"] }) { role { id } } }",
        json!({ "o": connect.customer }),
    );
    let role_id = role.ok()["createRole"]["role"]["id"].clone();
    connect.server.gql(
        Some(&admin),
        "mutation($o: ID!, $r: String!) { grantRole(input: { organizationId: $o, email: \"connector@customer.test\", role: $r }) { grant { id } } }",
        json!({ "o": connect.customer, "r": role_id }),
    ).ok();
    let mut connector = Browser::new(&connect.server.base);
    let form = connector.get("/auth/login?return_to=/graphql");
    let form_token = form.field("form_token").expect("the form's token");
    connector.post_form(
        "/auth/login",
        &[
            ("email", "connector@customer.test"),
            ("return_to", "/graphql"),
            ("form_token", &form_token),
        ],
    );
    std::mem::swap(&mut connect.browser, &mut connector);
    let customer = connect.customer.clone();
    let (page, beyond) = connect.consent(
        &[
            ("scope", "organization:read members:read"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
        &[
            ("decision", "approve"),
            ("organization_id", customer.as_str()),
        ],
    );
    assert!(
        page.body.contains(&customer),
        "the organization is not offered: {}",
        page.body
    );
    assert_eq!(
        redirect_params(&beyond)["error"],
        "invalid_scope",
        "{:?}",
        beyond.location
    );
    let (_, within) = connect.consent(
        &[
            ("scope", "organization:read"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
        &[
            ("decision", "approve"),
            ("organization_id", customer.as_str()),
        ],
    );
    assert!(
        redirect_params(&within).contains_key("code"),
        "{:?}",
        within.location
    );
    std::mem::swap(&mut connect.browser, &mut connector);

    // Browsers of any origin may call the token, revocation, metadata and key endpoints
    // (public clients); never the consent page.
    let cors_agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let allowed_origin = |response: &ureq::http::Response<ureq::Body>| {
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    for path in ["/.well-known/oauth-authorization-server", "/oauth/jwks"] {
        let response = cors_agent
            .get(&format!("{}{path}", connect.server.base))
            .header("origin", "https://app.example")
            .call()
            .expect("GET");
        assert_eq!(allowed_origin(&response).as_deref(), Some("*"), "{path}");
    }
    let preflight = cors_agent
        .options(&format!("{}/oauth/token", connect.server.base))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .call()
        .expect("OPTIONS");
    assert_eq!(allowed_origin(&preflight).as_deref(), Some("*"));
    let mut not_a_form = cors_agent
        .post(&format!("{}/oauth/token", connect.server.base))
        .header("content-type", "application/json")
        .send(r#"{"grant_type":"refresh_token"}"#.as_bytes())
        .expect("POST");
    assert_eq!(not_a_form.status().as_u16(), 400);
    assert_eq!(allowed_origin(&not_a_form).as_deref(), Some("*"));
    let body: Value = not_a_form
        .body_mut()
        .read_json()
        .expect("an OAuth error in JSON");
    assert_eq!(body["error"], "invalid_request", "{body}");
    // /graphql too, so a public client can use its token; credentials never: a session
    // cookie stays same-origin.
    let preflight = cors_agent
        .options(&format!("{}/graphql", connect.server.base))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .call()
        .expect("OPTIONS");
    assert_eq!(preflight.status().as_u16(), 204);
    assert_eq!(allowed_origin(&preflight).as_deref(), Some("*"));
    let allowed_headers = preflight
        .headers()
        .get("access-control-allow-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
    let answer = cors_agent
        .post(&format!("{}/graphql", connect.server.base))
        .header("origin", "https://app.example")
        .header("content-type", "application/json")
        .send(r#"{"query":"{ __typename }"}"#.as_bytes())
        .expect("POST");
    assert_eq!(allowed_origin(&answer).as_deref(), Some("*"));
    assert!(answer
        .headers()
        .get("access-control-allow-credentials")
        .is_none());
    let consent = cors_agent
        .get(&format!(
            "{}{}",
            connect.server.base,
            connect.authorize_url(&[])
        ))
        .header("origin", "https://app.example")
        .call()
        .expect("GET");
    assert_eq!(
        allowed_origin(&consent),
        None,
        "the consent page answers other origins"
    );

    // The metadata names what a client needs.
    let (status, _, body) = connect
        .server
        .get("/.well-known/oauth-authorization-server", &[]);
    assert_eq!(status, 200);
    let metadata: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(metadata["issuer"], connect.server.base);
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        true
    );
    assert_eq!(metadata["response_types_supported"], json!(["code"]));
    let (status, _, jwks) = connect.server.get("/oauth/jwks", &[]);
    assert_eq!(status, 200);
    assert!(jwks.contains("\"P-256\""), "{jwks}");
    assert!(
        !jwks.contains("\"d\""),
        "the private key is published: {jwks}"
    );

    // Introspection: the client's own live tokens, access and refresh; a spent refresh
    // token is inactive.
    let code = connect.approve("organization:read", false);
    let (_, tokens) = connect.exchange(&code);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let introspect = |token: &str| -> Value {
        agent
            .post(&format!("{}/oauth/introspect", connect.server.base))
            .send_form([
                ("token", token),
                ("client_id", connect.client_id.as_str()),
                ("client_secret", secret.as_str()),
            ])
            .expect("introspect")
            .body_mut()
            .read_json()
            .expect("JSON")
    };
    let active = introspect(tokens["access_token"].as_str().expect("token"));
    assert_eq!(active["active"], true, "{active}");
    assert_eq!(active["org"], connect.customer);
    let refresh = tokens["refresh_token"].as_str().expect("refresh");
    let active = introspect(refresh);
    assert_eq!(active["active"], true, "{active}");
    assert_eq!(active["token_type"], "refresh_token");
    assert_eq!(active["scope"], "organization:read");
    let (status, _) = connect.refresh(refresh);
    assert_eq!(status, 200);
    assert_eq!(introspect(refresh)["active"], false);
    assert_eq!(introspect("not-a-token")["active"], false);
}

/// A configured signing key (`--oauth-signing-key`) signs the tokens and is the one published.
#[test]
fn a_configured_key_signs_the_tokens() {
    use orgraph::auth::connect_keys::ConnectKeys;
    let db = Arc::new(TestDatabase::create(Backend::Sqlite));
    let der = ConnectKeys::generate_pkcs8().expect("key");
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(&der)
    );
    let path = db.scratch_dir().join("connect-key.pem");
    std::fs::write(&path, pem).expect("write the key");
    let server = TestServer::start_with(
        Arc::clone(&db),
        &["--oauth-signing-key", path.to_str().expect("path")],
    );
    let expected = ConnectKeys::from_pkcs8(&der, &server.base)
        .expect("keys")
        .jwks();
    let (status, _, published) = server.get("/oauth/jwks", &[]);
    assert_eq!(status, 200);
    let published: Value = serde_json::from_str(&published).expect("JSON");
    assert_eq!(published, expected);
    let app = server.create_application("dev@integrator.test", &["organization:read"]);
    let admin = server.token(ADMIN);
    let customer = server.add_organization(&admin, "Customer");
    let tokens = server.authorize(
        &admin,
        &app,
        customer["id"].as_str().expect("id"),
        &["organization:read"],
        false,
    );
    let access = tokens["access_token"].as_str().expect("token");
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').next().expect("header"))
            .expect("b64"),
    )
    .expect("JSON");
    assert_eq!(header["kid"], expected["keys"][0]["kid"]);
    let reply = server.gql(Some(access), "{ organizations { totalCount } }", json!({}));
    assert_eq!(reply.ok()["organizations"]["totalCount"], 1);
}

/// A public client authenticates with its client id alone; it may not revoke a whole
/// authorization by organization.
#[test]
fn a_public_client_may_not_revoke_by_organization() {
    let connect = Connect::start(Backend::Sqlite, true);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(&format!("{}/oauth/revoke", connect.server.base))
        .send_form([
            ("sub", connect.customer.as_str()),
            ("client_id", connect.client_id.as_str()),
        ])
        .expect("revoke");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.body_mut().read_json().expect("JSON");
    assert_eq!(body["error"], "unauthorized_client", "{body}");
}
