//! Applications of integrator organizations and integrations of customer organizations
//! (SPEC §4) over real HTTP: an integrator's Production, Staging and Development applications
//! with a Developer granted on two of them only, client secrets shown once and stored as
//! hashes, validation of redirect URIs, scopes, kinds and configurations, a customer's
//! calendars at two providers, and proof that every refused mutation writes nothing while
//! every successful one appends exactly one audit event.

use std::collections::BTreeMap;

use diesel::sql_types::{Nullable, Text, Timestamp};
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::{json, Value};

use crate::harness::ops::id;
use crate::harness::{eventually, row_counts, Backend, Reply, TestDatabase, TestServer};
use crate::on_both_backends;

on_both_backends!(
    an_integrator_with_three_environments_and_a_developer_on_two,
    client_secrets_are_shown_once_and_stored_as_hashes,
    redirect_uris_scopes_names_and_kinds_are_validated,
    a_customer_with_calendars_at_two_providers,
    nested_lists_cost_one_statement_per_level,
);

const APP_FIELDS: &str = "id name environment clientId public redirectUris allowedScopes createdAt updatedAt organization { id }";
const INTEGRATION_FIELDS: &str =
    "id kind provider status displayName configuration createdAt updatedAt organization { id }";

fn create_app_mutation() -> String {
    format!("mutation($input: CreateApplicationInput!) {{ createApplication(input: $input) {{ clientSecret application {{ {APP_FIELDS} }} }} }}")
}

fn update_app_mutation() -> String {
    format!("mutation($input: UpdateApplicationInput!) {{ updateApplication(input: $input) {{ application {{ {APP_FIELDS} }} }} }}")
}

fn rotate_mutation() -> String {
    format!("mutation($input: RotateApplicationSecretInput!) {{ rotateApplicationSecret(input: $input) {{ clientSecret application {{ {APP_FIELDS} }} }} }}")
}

const DELETE_APP: &str = "mutation($input: DeleteApplicationInput!) { deleteApplication(input: $input) { deletedApplicationId organization { id } } }";

fn application_query() -> String {
    format!("query($id: ID!) {{ application(id: $id) {{ {APP_FIELDS} }} }}")
}

fn create_integration_mutation() -> String {
    format!("mutation($input: CreateIntegrationInput!) {{ createIntegration(input: $input) {{ integration {{ {INTEGRATION_FIELDS} }} }} }}")
}

fn update_integration_mutation() -> String {
    format!("mutation($input: UpdateIntegrationInput!) {{ updateIntegration(input: $input) {{ integration {{ {INTEGRATION_FIELDS} }} }} }}")
}

const DELETE_INTEGRATION: &str = "mutation($input: DeleteIntegrationInput!) { deleteIntegration(input: $input) { deletedIntegrationId organization { id } } }";

/// Rows of every table these mutations could touch (the harness's tables, plus
/// applications, integrations, their routing rows and the audit log).
fn counts(db: &TestDatabase) -> BTreeMap<&'static str, i64> {
    #[derive(QueryableByName)]
    struct Rows {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut counts = row_counts(db);
    let store = db.connect();
    let mut conn = store.read_connection().expect("connection");
    for table in [
        "applications",
        "application_identities",
        "integrations",
        "integration_networks",
        "audit_events",
    ] {
        let rows: Vec<Rows> = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .load(&mut *conn)
            .expect("count rows");
        counts.insert(table, rows.first().map_or(0, |r| r.n));
    }
    counts
}

/// One network under test with the database behind it.
struct World<'a> {
    server: &'a TestServer,
}

impl<'a> World<'a> {
    fn gql(&self, token: &str, query: &str, variables: Value) -> Reply {
        self.server.gql(Some(token), query, variables)
    }

    fn counts(&self) -> BTreeMap<&'static str, i64> {
        counts(&self.server.db)
    }

    /// Runs a mutation expected to fail with `code`, and checks that it wrote nothing.
    fn refused(&self, token: &str, query: &str, input: Value, code: &str) -> Reply {
        let before = self.counts();
        let reply = self.gql(token, query, json!({ "input": input }));
        reply.expect_code(code);
        assert_eq!(
            self.counts(),
            before,
            "a refused mutation wrote something: {}",
            reply.body
        );
        reply
    }

    /// Runs a mutation expected to succeed, and checks that it appended exactly one audit
    /// event. Returns the payload under `field`.
    fn mutate(&self, token: &str, query: &str, input: Value, field: &str) -> Value {
        let before = self.counts()["audit_events"];
        let reply = self.gql(token, query, json!({ "input": input }));
        let payload = reply.ok()[field].clone();
        assert_eq!(
            self.counts()["audit_events"],
            before + 1,
            "{field} must append exactly one audit event"
        );
        payload
    }

    fn organization(&self, token: &str, name: &str, kind: &str) -> String {
        let reply = self.gql(
            token,
            "mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id kind } } }",
            json!({ "input": { "name": name, "kind": kind } }),
        );
        let org = &reply.ok()["addOrganization"]["organization"];
        assert_eq!(org["kind"], kind, "{}", reply.body);
        id(org)
    }

    fn create_app(&self, token: &str, input: Value) -> Value {
        self.mutate(token, &create_app_mutation(), input, "createApplication")
    }

    fn app_names(&self, token: &str, org: &str) -> Vec<String> {
        let reply = self.gql(
            token,
            "query($id: ID!) { organization(id: $id) { applications { name } } }",
            json!({ "id": org }),
        );
        reply.ok()["organization"]["applications"]
            .as_array()
            .unwrap_or_else(|| panic!("applications: {}", reply.body))
            .iter()
            .map(|a| a["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The id the server gave the user of `token` (created on first sight).
    fn user_id(&self, token: &str) -> String {
        let reply = self.gql(token, "{ viewer { id } }", json!({}));
        reply.ok()["viewer"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// A grant of `role` on one application, written straight into the database. The API path
/// for such grants (`grantRole` with an application) is covered by the access tests; here
/// only what the grant means for applications is under test.
fn grant_on_application(
    db: &TestDatabase,
    user: &str,
    role: &str,
    organization: &str,
    application: &str,
) {
    let store = db.connect();
    let mut conn = store.read_connection().expect("connection");
    #[derive(QueryableByName)]
    struct Network {
        #[diesel(sql_type = Text)]
        network_id: String,
    }
    let network: Vec<Network> =
        diesel::sql_query("SELECT network_id FROM organization_networks WHERE id = $1")
            .bind::<Text, _>(organization)
            .load(&mut *conn)
            .expect("network of the organization");
    let network = &network.first().expect("a routed organization").network_id;
    diesel::sql_query(
        "INSERT INTO grants (network_id, id, user_id, role, organization_id, created_at, \
         custom_role_id, application_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind::<Text, _>(network)
    .bind::<Text, _>(uuid::Uuid::new_v4().to_string())
    .bind::<Text, _>(user)
    .bind::<Text, _>(role)
    .bind::<Text, _>(organization)
    .bind::<Timestamp, _>(chrono::Utc::now().naive_utc())
    .bind::<Nullable<Text>, _>(None::<String>)
    .bind::<Nullable<Text>, _>(Some(application))
    .execute(&mut *conn)
    .expect("insert grant");
}

/// A grant on a whole organization, written straight into the database (see above).
fn grant_on_organization(db: &TestDatabase, user: &str, role: &str, organization: &str) {
    let store = db.connect();
    let mut conn = store.read_connection().expect("connection");
    diesel::sql_query(
        "INSERT INTO grants (network_id, id, user_id, role, organization_id, created_at) \
         SELECT network_id, $1, $2, $3, id, $4 FROM organization_networks WHERE id = $5",
    )
    .bind::<Text, _>(uuid::Uuid::new_v4().to_string())
    .bind::<Text, _>(user)
    .bind::<Text, _>(role)
    .bind::<Timestamp, _>(chrono::Utc::now().naive_utc())
    .bind::<Text, _>(organization)
    .execute(&mut *conn)
    .expect("insert grant");
}

#[derive(QueryableByName)]
struct StoredSecret {
    #[diesel(sql_type = Nullable<Text>)]
    client_secret_hash: Option<String>,
}

fn stored_hash(db: &TestDatabase, application: &str) -> Option<String> {
    let store = db.connect();
    let mut conn = store.read_connection().expect("connection");
    let rows: Vec<StoredSecret> =
        diesel::sql_query("SELECT client_secret_hash FROM applications WHERE id = $1")
            .bind::<Text, _>(application)
            .load(&mut *conn)
            .expect("read hash");
    rows.into_iter()
        .next()
        .expect("the application row")
        .client_secret_hash
}

/// Every before/after state of the audit log, as text.
fn audit_states(db: &TestDatabase) -> String {
    #[derive(QueryableByName)]
    struct States {
        #[diesel(sql_type = Nullable<Text>)]
        before_state: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        after_state: Option<String>,
    }
    let store = db.connect();
    let mut conn = store.read_connection().expect("connection");
    let rows: Vec<States> = diesel::sql_query("SELECT before_state, after_state FROM audit_events")
        .load(&mut *conn)
        .expect("audit states");
    rows.into_iter()
        .flat_map(|r| [r.before_state, r.after_state])
        .flatten()
        .collect::<Vec<_>>()
        .join("\n")
}

fn app_input(org: &str, name: &str, environment: &str) -> Value {
    json!({
        "organizationId": org,
        "name": name,
        "environment": environment,
        "redirectUris": ["https://app.example.com/callback"],
        "allowedScopes": ["organization:read", "members:read"],
    })
}

/// Scenario (a) of the issue: the Ops Admin (the network's creator) runs Production, Staging
/// and Development; a Developer granted on Staging and Development alone works on those and
/// cannot see, let alone change, Production.
fn an_integrator_with_three_environments_and_a_developer_on_two(backend: Backend) {
    let server = TestServer::start(backend);
    let world = World { server: &server };
    let ops = server.token("ops@integrator.example");
    let dev = server.token("dev@integrator.example");
    let dev_id = world.user_id(&dev);
    let org = world.organization(&ops, "Acme Integrations", "INTEGRATOR");

    let production = world.create_app(&ops, app_input(&org, "Production", "PRODUCTION"));
    let staging = world.create_app(
        &ops,
        json!({
            "organizationId": org, "name": "Staging", "environment": "STAGING",
            "redirectUris": ["https://staging.example.com/cb", "http://localhost:3000/cb"],
        }),
    );
    let development = world.create_app(
        &ops,
        json!({
            "organizationId": org, "name": "Development", "environment": "DEVELOPMENT",
            "redirectUris": ["http://127.0.0.1:8080/cb"], "public": true,
        }),
    );
    let production_id = id(&production["application"]);
    let staging_id = id(&staging["application"]);
    let development_id = id(&development["application"]);
    assert_eq!(production["application"]["environment"], "PRODUCTION");
    assert_eq!(production["application"]["organization"]["id"], org);
    assert_eq!(
        production["application"]["allowedScopes"],
        json!(["organization:read", "members:read"])
    );
    assert_eq!(
        world.app_names(&ops, &org),
        ["Development", "Production", "Staging"]
    );

    // Before any grant the Developer sees nothing of the integrator.
    server.organization(&dev, &org).expect_code("NOT_FOUND");
    world
        .gql(&dev, &application_query(), json!({ "id": staging_id }))
        .expect_code("NOT_FOUND");

    grant_on_application(&server.db, &dev_id, "DEVELOPER", &org, &staging_id);
    grant_on_application(&server.db, &dev_id, "DEVELOPER", &org, &development_id);

    // The organization is visible (once the server heard of the grants written behind its
    // back); its applications are those granted.
    eventually("the grants are heard of", || {
        server.organization(&dev, &org).code().is_none()
    });
    assert_eq!(world.app_names(&dev, &org), ["Development", "Staging"]);
    let reply = world.gql(&dev, &application_query(), json!({ "id": staging_id }));
    assert_eq!(reply.ok()["application"]["name"], "Staging");

    // Production doesn't exist for the Developer: reading, changing, rotating, deleting.
    let reply = world.gql(&dev, &application_query(), json!({ "id": production_id }));
    reply.expect_code("NOT_FOUND");
    assert_eq!(reply.data()["application"], Value::Null);
    world.refused(
        &dev,
        &update_app_mutation(),
        json!({ "id": production_id, "name": "Mine now" }),
        "NOT_FOUND",
    );
    world.refused(
        &dev,
        &rotate_mutation(),
        json!({ "id": production_id }),
        "NOT_FOUND",
    );
    world.refused(
        &dev,
        DELETE_APP,
        json!({ "id": production_id }),
        "NOT_FOUND",
    );
    // A grant on applications is not a grant on the organization: no new applications.
    let reply = world.refused(
        &dev,
        &create_app_mutation(),
        app_input(&org, "Shadow", "PRODUCTION"),
        "FORBIDDEN",
    );
    assert!(
        reply.message().contains("applications:manage"),
        "{}",
        reply.body
    );
    // Nor does it reach the organization's settings or structure.
    world.refused(
        &dev,
        "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id } } }",
        json!({ "parentId": org, "name": "Side project" }),
        "FORBIDDEN",
    );

    // Staging is the Developer's to change.
    let updated = world.mutate(
        &dev,
        &update_app_mutation(),
        json!({
            "id": staging_id,
            "redirectUris": ["https://staging.example.com/cb", "https://staging.example.com/cb2"],
            "allowedScopes": ["members:read"],
        }),
        "updateApplication",
    );
    assert_eq!(
        updated["application"]["redirectUris"],
        json!([
            "https://staging.example.com/cb",
            "https://staging.example.com/cb2"
        ])
    );
    assert_eq!(
        updated["application"]["allowedScopes"],
        json!(["members:read"])
    );
    assert_eq!(updated["application"]["name"], "Staging", "untouched");
    let rotated = world.mutate(
        &dev,
        &rotate_mutation(),
        json!({ "id": staging_id }),
        "rotateApplicationSecret",
    );
    assert!(rotated["clientSecret"].as_str().is_some());

    // Federation resolves the same way: a hidden application is null, like a missing one.
    let reply = world.gql(
        &dev,
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Application { id name } } }",
        json!({ "r": [
            { "__typename": "Application", "id": staging_id },
            { "__typename": "Application", "id": production_id },
            { "__typename": "Application", "id": uuid::Uuid::new_v4().to_string() },
        ] }),
    );
    assert_eq!(
        reply.ok()["_entities"],
        json!([{ "id": staging_id, "name": "Staging" }, null, null])
    );

    // The Ops Admin manages all three.
    for (app, name) in [
        (&production_id, "Production EU"),
        (&staging_id, "Staging EU"),
        (&development_id, "Development EU"),
    ] {
        let updated = world.mutate(
            &ops,
            &update_app_mutation(),
            json!({ "id": app, "name": name }),
            "updateApplication",
        );
        assert_eq!(updated["application"]["name"], name);
    }
    world.mutate(
        &ops,
        &rotate_mutation(),
        json!({ "id": production_id }),
        "rotateApplicationSecret",
    );

    // Deleting Development takes the grant scoped to it along.
    let grants_before = world.counts()["grants"];
    let deleted = world.mutate(
        &ops,
        DELETE_APP,
        json!({ "id": development_id }),
        "deleteApplication",
    );
    assert_eq!(deleted["deletedApplicationId"], development_id);
    assert_eq!(deleted["organization"]["id"], org);
    assert_eq!(world.counts()["grants"], grants_before - 1);
    assert_eq!(world.app_names(&dev, &org), ["Staging EU"]);
    world
        .gql(&ops, &application_query(), json!({ "id": development_id }))
        .expect_code("NOT_FOUND");
    assert_eq!(world.app_names(&ops, &org), ["Production EU", "Staging EU"]);

    // Deleting the organization hides its applications; restoring brings them back.
    server.try_delete(&ops, &org).ok();
    world
        .gql(&ops, &application_query(), json!({ "id": production_id }))
        .expect_code("NOT_FOUND");
    world.refused(
        &ops,
        &rotate_mutation(),
        json!({ "id": production_id }),
        "NOT_FOUND",
    );
    server.try_restore(&ops, &org).ok();
    world
        .gql(&ops, &application_query(), json!({ "id": production_id }))
        .ok();
}

fn client_secrets_are_shown_once_and_stored_as_hashes(backend: Backend) {
    let server = TestServer::start(backend);
    let world = World { server: &server };
    let ops = server.token("ops@integrator.example");
    let org = world.organization(&ops, "Secretive", "MIXED");

    let created = world.create_app(&ops, app_input(&org, "Backend", "PRODUCTION"));
    let app = id(&created["application"]);
    let first = created["clientSecret"]
        .as_str()
        .expect("a secret")
        .to_owned();
    assert!(first.starts_with("orgs_") && first.len() >= 40, "{first}");
    let client_id = created["application"]["clientId"]
        .as_str()
        .unwrap_or_default();
    assert!(client_id.starts_with("org_"), "{client_id}");

    // Stored as a salted hash only.
    let hash = stored_hash(&server.db, &app).expect("a confidential application has a hash");
    assert!(hash.starts_with("sha256$"), "{hash}");
    assert!(!hash.contains(&first));
    assert!(orgraph::domain::application::verify_client_secret(
        &first, &hash
    ));

    // Reading it back shows no secret: the type has no such field at all.
    let reply = world.gql(&ops, &application_query(), json!({ "id": app }));
    assert!(!reply.body.to_string().contains(&first));
    let reply = world.gql(
        &ops,
        "query($id: ID!) { application(id: $id) { clientSecret } }",
        json!({ "id": app }),
    );
    assert!(reply.body["errors"].is_array(), "{}", reply.body);
    let reply = world.gql(
        &ops,
        r#"{ __type(name: "Application") { fields { name } } }"#,
        json!({}),
    );
    let fields = reply.ok()["__type"]["fields"].to_string().to_lowercase();
    assert!(
        !fields.contains("secret") && !fields.contains("hash"),
        "{fields}"
    );

    // Rotation shows a new secret once; the old one stops verifying.
    let rotated = world.mutate(
        &ops,
        &rotate_mutation(),
        json!({ "id": app }),
        "rotateApplicationSecret",
    );
    let second = rotated["clientSecret"]
        .as_str()
        .expect("a new secret")
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(
        rotated["application"]["clientId"], client_id,
        "the id stays"
    );
    let new_hash = stored_hash(&server.db, &app).expect("hash");
    assert!(orgraph::domain::application::verify_client_secret(
        &second, &new_hash
    ));
    assert!(!orgraph::domain::application::verify_client_secret(
        &first, &new_hash
    ));
    let reply = world.gql(
        &ops,
        "query($id: ID!) { organization(id: $id) { applications { id clientId } } }",
        json!({ "id": org }),
    );
    let text = reply.ok().to_string();
    assert!(!text.contains(&first) && !text.contains(&second));

    // A public application has no secret, and none to rotate.
    let public = world.create_app(
        &ops,
        json!({
            "organizationId": org, "name": "Single-page app", "environment": "PRODUCTION",
            "redirectUris": ["https://spa.example.com/"], "public": true,
        }),
    );
    assert_eq!(public["clientSecret"], Value::Null);
    assert_eq!(public["application"]["public"], true);
    let public_id = id(&public["application"]);
    assert_eq!(stored_hash(&server.db, &public_id), None);
    let reply = world.refused(
        &ops,
        &rotate_mutation(),
        json!({ "id": public_id }),
        "BAD_USER_INPUT",
    );
    assert!(reply.message().contains("PKCE"), "{}", reply.body);

    // The audit log never saw a secret or a hash.
    let states = audit_states(&server.db);
    assert!(states.contains(client_id), "the log names the application");
    for secret in [&first, &second, &hash, &new_hash] {
        assert!(!states.contains(secret.as_str()));
    }
}

fn redirect_uris_scopes_names_and_kinds_are_validated(backend: Backend) {
    let server = TestServer::start(backend);
    let world = World { server: &server };
    let ops = server.token("ops@integrator.example");
    let integrator = world.organization(&ops, "Integrator", "INTEGRATOR");
    let customer = world.organization(&ops, "Customer", "CUSTOMER");
    let create = create_app_mutation();

    // Kinds: applications live on integrators, integrations on customers.
    let reply = world.refused(
        &ops,
        &create,
        app_input(&customer, "Wrong place", "PRODUCTION"),
        "BAD_USER_INPUT",
    );
    assert!(reply.message().contains("INTEGRATOR"), "{}", reply.body);
    let reply = world.refused(
        &ops,
        &create_integration_mutation(),
        json!({ "organizationId": integrator, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": "Calendar" }),
        "BAD_USER_INPUT",
    );
    assert!(reply.message().contains("CUSTOMER"), "{}", reply.body);

    // Redirect URIs.
    let with_uris = |uris: Value, environment: &str| json!({ "organizationId": integrator, "name": "App", "environment": environment, "redirectUris": uris });
    for (uris, environment) in [
        (json!(["http://app.example.com/cb"]), "DEVELOPMENT"),
        (json!(["https://app.example.com/cb#done"]), "PRODUCTION"),
        (json!(["/callback"]), "PRODUCTION"),
        (json!(["app.example.com/callback"]), "PRODUCTION"),
        (json!(["custom-scheme://callback"]), "PRODUCTION"),
        (
            json!(["https://user:secret@app.example.com/cb"]),
            "PRODUCTION",
        ),
        (json!(["http://localhost:3000/cb"]), "PRODUCTION"),
        (json!([""]), "DEVELOPMENT"),
    ] {
        let reply = world.refused(
            &ops,
            &create,
            with_uris(uris, environment),
            "BAD_USER_INPUT",
        );
        assert!(
            reply.message().starts_with("redirectUris"),
            "{}",
            reply.body
        );
    }
    let many: Vec<String> = (0..21)
        .map(|i| format!("https://app.example.com/{i}"))
        .collect();
    world.refused(
        &ops,
        &create,
        with_uris(json!(many), "PRODUCTION"),
        "LIMIT_EXCEEDED",
    );
    let ok = world.create_app(
        &ops,
        with_uris(
            json!([
                "http://localhost:3000/cb",
                "http://127.0.0.1:8080/cb",
                "https://app.example.com/cb?x=1",
                "https://app.example.com/cb?x=1",
            ]),
            "DEVELOPMENT",
        ),
    );
    assert_eq!(
        ok["application"]["redirectUris"],
        json!([
            "http://localhost:3000/cb",
            "http://127.0.0.1:8080/cb",
            "https://app.example.com/cb?x=1"
        ]),
        "kept as given, duplicates dropped"
    );
    let app = id(&ok["application"]);

    // Scopes are permission names.
    for scopes in [json!(["members:write"]), json!(["openid"]), json!(["*"])] {
        let reply = world.refused(
            &ops,
            &create,
            json!({ "organizationId": integrator, "name": "Scoped", "environment": "STAGING", "allowedScopes": scopes }),
            "BAD_USER_INPUT",
        );
        assert!(
            reply.message().starts_with("allowedScopes"),
            "{}",
            reply.body
        );
    }

    // Names: present, bounded, unique in the organization.
    for name in ["", "   ", &"n".repeat(201)] {
        world.refused(
            &ops,
            &create,
            json!({ "organizationId": integrator, "name": name, "environment": "STAGING" }),
            "BAD_USER_INPUT",
        );
    }
    world.refused(
        &ops,
        &create,
        json!({ "organizationId": integrator, "name": "app", "environment": "STAGING" }),
        "CONFLICT",
    );

    // Updates follow the same rules and change nothing when refused.
    let update = update_app_mutation();
    world.refused(&ops, &update, json!({ "id": app }), "BAD_USER_INPUT");
    world.refused(
        &ops,
        &update,
        json!({ "id": app, "redirectUris": ["http://app.example.com/cb"] }),
        "BAD_USER_INPUT",
    );
    world.refused(
        &ops,
        &update,
        json!({ "id": app, "allowedScopes": ["audit:write"] }),
        "BAD_USER_INPUT",
    );
    world.refused(
        &ops,
        &update,
        json!({ "id": "not-an-id", "name": "X" }),
        "BAD_USER_INPUT",
    );
    world.refused(
        &ops,
        &update,
        json!({ "id": uuid::Uuid::new_v4().to_string(), "name": "X" }),
        "NOT_FOUND",
    );
    let reply = world.gql(&ops, &application_query(), json!({ "id": app }));
    assert_eq!(reply.ok()["application"], ok["application"], "unchanged");

    // At most 50 applications per organization.
    for i in 1..50 {
        world.create_app(
            &ops,
            json!({ "organizationId": integrator, "name": format!("App {i}"), "environment": "STAGING" }),
        );
    }
    world.refused(
        &ops,
        &create,
        json!({ "organizationId": integrator, "name": "App 50", "environment": "STAGING" }),
        "LIMIT_EXCEEDED",
    );

    // A stranger learns nothing, whatever the input.
    let stranger = server.token("stranger@example.com");
    world.user_id(&stranger);
    world.refused(
        &stranger,
        &create,
        app_input(&integrator, "Intruder", "PRODUCTION"),
        "NOT_FOUND",
    );
    world.refused(
        &stranger,
        &update,
        json!({ "id": app, "name": "Intruder" }),
        "NOT_FOUND",
    );
    world
        .gql(&stranger, &application_query(), json!({ "id": app }))
        .expect_code("NOT_FOUND");
    let reply = server.gql(None, &application_query(), json!({ "id": app }));
    reply.expect_code("UNAUTHENTICATED");
}

/// Part of scenario (b) of the issue: a customer organization connecting calendars at
/// Microsoft 365 and Google; no secret is ever stored or shown.
fn a_customer_with_calendars_at_two_providers(backend: Backend) {
    let server = TestServer::start(backend);
    let world = World { server: &server };
    let ops = server.token("it@customer.example");
    let employee = server.token("employee@customer.example");
    let employee_id = world.user_id(&employee);
    let org = world.organization(&ops, "Contoso", "CUSTOMER");
    let create = create_integration_mutation();

    let microsoft = world.mutate(
        &ops,
        &create,
        json!({
            "organizationId": org, "kind": "CALENDAR", "provider": "MICROSOFT_365",
            "displayName": "Outlook calendars",
            "configuration": { "tenantId": "contoso.onmicrosoft.com", "syncWindowDays": 30 },
        }),
        "createIntegration",
    )["integration"]
        .clone();
    assert_eq!(microsoft["provider"], "MICROSOFT_365");
    assert_eq!(microsoft["kind"], "CALENDAR");
    assert_eq!(microsoft["status"], "ACTIVE");
    assert_eq!(
        microsoft["configuration"],
        json!({ "tenantId": "contoso.onmicrosoft.com", "syncWindowDays": 30 })
    );
    assert_eq!(microsoft["organization"]["id"], org);
    let google = world.mutate(
        &ops,
        &create,
        json!({
            "organizationId": org, "kind": "CALENDAR", "provider": "GOOGLE",
            "displayName": "Google calendars", "configuration": { "domain": "contoso.com" },
        }),
        "createIntegration",
    )["integration"]
        .clone();
    assert_eq!(google["provider"], "GOOGLE");

    let listing = |token: &str| -> Vec<Value> {
        let reply = world.gql(
            token,
            &format!("query($id: ID!) {{ organization(id: $id) {{ integrations {{ {INTEGRATION_FIELDS} }} }} }}"),
            json!({ "id": org }),
        );
        reply.ok()["organization"]["integrations"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("integrations: {}", reply.body))
    };
    let listed = listing(&ops);
    assert_eq!(
        listed,
        vec![google.clone(), microsoft.clone()],
        "by display name"
    );

    // Secrets are refused wherever they hide, with an explanation.
    for configuration in [
        json!({ "tenantId": "contoso", "clientSecret": "s3cr3t" }),
        json!({ "oauth": { "refresh_token": "abc" } }),
        json!({ "accounts": [{ "password": "hunter2" }] }),
        json!({ "API-KEY": "k" }),
    ] {
        let reply = world.refused(
            &ops,
            &create,
            json!({ "organizationId": org, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": "Leaky", "configuration": configuration }),
            "BAD_USER_INPUT",
        );
        assert!(
            reply.message().contains("secrets are not stored"),
            "{}",
            reply.body
        );
    }
    world.refused(
        &ops,
        &update_integration_mutation(),
        json!({ "id": id(&google), "configuration": { "clientSecret": "s3cr3t" } }),
        "BAD_USER_INPUT",
    );
    world.refused(
        &ops,
        &create,
        json!({ "organizationId": org, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": "Huge", "configuration": { "notes": "x".repeat(17 * 1024) } }),
        "LIMIT_EXCEEDED",
    );
    world.refused(
        &ops,
        &create,
        json!({ "organizationId": org, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": "List", "configuration": [1, 2] }),
        "BAD_USER_INPUT",
    );
    world.refused(
        &ops,
        &create,
        json!({ "organizationId": org, "kind": "CALENDAR", "provider": "ZOOM", "displayName": "Zoom calendar" }),
        "BAD_USER_INPUT",
    );
    world.refused(
        &ops,
        &create,
        json!({ "organizationId": org, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": " " }),
        "BAD_USER_INPUT",
    );
    world.refused(
        &ops,
        &update_integration_mutation(),
        json!({ "id": id(&google) }),
        "BAD_USER_INPUT",
    );

    // Updates: status and name; the configuration is replaced as a whole.
    let updated = world.mutate(
        &ops,
        &update_integration_mutation(),
        json!({ "id": id(&google), "status": "DISABLED", "displayName": "Google (paused)" }),
        "updateIntegration",
    )["integration"]
        .clone();
    assert_eq!(updated["status"], "DISABLED");
    assert_eq!(updated["displayName"], "Google (paused)");
    assert_eq!(updated["configuration"], google["configuration"]);
    let updated = world.mutate(
        &ops,
        &update_integration_mutation(),
        json!({ "id": id(&microsoft), "configuration": { "tenantId": "contoso" }, "status": "ERROR" }),
        "updateIntegration",
    )["integration"]
        .clone();
    assert_eq!(updated["configuration"], json!({ "tenantId": "contoso" }));
    assert_eq!(updated["status"], "ERROR");

    // Anyone who reads the organization reads its integrations; only managers change them.
    server
        .organization(&employee, &org)
        .expect_code("NOT_FOUND");
    grant_on_organization(&server.db, &employee_id, "EMPLOYEE", &org);
    eventually("the grant is heard of", || {
        server.organization(&employee, &org).code().is_none()
    });
    assert_eq!(listing(&employee).len(), 2);
    world.refused(
        &employee,
        &update_integration_mutation(),
        json!({ "id": id(&google), "status": "ACTIVE" }),
        "FORBIDDEN",
    );
    world.refused(
        &employee,
        DELETE_INTEGRATION,
        json!({ "id": id(&google) }),
        "FORBIDDEN",
    );
    let stranger = server.token("stranger@example.com");
    world.user_id(&stranger);
    world.refused(
        &stranger,
        DELETE_INTEGRATION,
        json!({ "id": id(&google) }),
        "NOT_FOUND",
    );

    // A MIXED organization holds both applications and integrations.
    let mixed = world.organization(&ops, "Contoso Labs", "MIXED");
    world.mutate(
        &ops,
        &create,
        json!({ "organizationId": mixed, "kind": "CONFERENCING", "provider": "ZOOM", "displayName": "Zoom" }),
        "createIntegration",
    );
    world.create_app(&ops, app_input(&mixed, "Labs app", "DEVELOPMENT"));

    let deleted = world.mutate(
        &ops,
        DELETE_INTEGRATION,
        json!({ "id": id(&google) }),
        "deleteIntegration",
    );
    assert_eq!(deleted["deletedIntegrationId"], id(&google));
    assert_eq!(listing(&ops).len(), 1);
    world.refused(
        &ops,
        DELETE_INTEGRATION,
        json!({ "id": id(&google) }),
        "NOT_FOUND",
    );

    let states = audit_states(&server.db);
    assert!(!states.contains("s3cr3t") && !states.contains("hunter2"));
}

/// `applications` and `integrations` under a page of organizations: a fixed number of
/// statements, for 2 organizations as for 8.
fn nested_lists_cost_one_statement_per_level(backend: Backend) {
    let server = TestServer::start(backend);
    let world = World { server: &server };
    let ops = server.token("ops@mixed.example");
    let statements = |top: &str| -> Value {
        let reply = server.post_json_with_headers(
            Some(&ops),
            &json!({
                "query": "query($id: ID!) { organization(id: $id) { applications { id } children(first: 100) { edges { node { id applications { id name organization { id } } integrations { id displayName organization { id } } } } } } }",
                "variables": { "id": top },
            }),
            &[("x-orgraph-debug", "statements")],
        );
        reply.ok();
        reply.body["extensions"]["statements"].clone()
    };
    let build = |children: usize| -> String {
        let top = world.organization(&ops, &format!("Group of {children}"), "MIXED");
        for i in 0..children {
            let reply = world.gql(
                &ops,
                "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id } } }",
                json!({ "input": { "parentId": top, "name": format!("Unit {i}"), "kind": "MIXED" } }),
            );
            let child = id(&reply.ok()["addSubOrganization"]["organization"]);
            world.create_app(&ops, app_input(&child, "App", "STAGING"));
            world.mutate(
                &ops,
                &create_integration_mutation(),
                json!({ "organizationId": child, "kind": "CALENDAR", "provider": "OTHER", "displayName": "Calendar" }),
                "createIntegration",
            );
        }
        top
    };
    // The top organization (route and row, 2) and the caller's grants (1); its applications
    // (1) and its children (1); their applications (1) and integrations (1); the holders of
    // those, by id (route and rows, 2 — twice when the two lists finish in different turns).
    const BUDGET: u64 = 11;
    for children in [2, 8] {
        let count = statements(&build(children)).as_u64();
        assert!(
            count.is_some_and(|n| n <= BUDGET),
            "{count:?} statements for {children} organizations; the budget is {BUDGET}"
        );
    }
}
