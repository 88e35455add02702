//! Input that looks right but isn't (issue 12): spoofable names, time zones outside the IANA
//! database, redirect URIs without a host, credentials in integration configurations, emails
//! that are not addresses and ids in other spellings. Each is refused with `BAD_USER_INPUT`
//! and writes nothing (every table's rows, the audit log included, counted before and after);
//! names given in NFD are stored in NFC.

use serde_json::json;

use crate::bad_input::{assert_refused, case, Case};
use crate::harness::ops::id;
use crate::harness::{Backend, TestServer};
use crate::on_both_backends;

on_both_backends!(
    spoofable_names_are_refused_by_every_name_taking_mutation,
    names_are_stored_in_nfc_and_compared_in_nfc,
    loose_values_are_refused,
    ids_are_accepted_in_their_canonical_spelling_only,
);

const BAD: &str = "BAD_USER_INPUT";

const ADD_ORG: &str = "mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id name } } }";
const ADD_ROOT: &str = "mutation($input: AddRootOrganizationInput!) { addRootOrganization(input: $input) { organization { id name } } }";
const ADD_SUB: &str = "mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id name } } }";
const COPY: &str = "mutation($input: CopyOrganizationInput!) { copyOrganization(input: $input) { organization { id name } } }";
const CREATE_ACCOUNT: &str = "mutation($input: CreateContractAccountInput!) { createContractAccount(input: $input) { contractAccount { id name billingEmail } } }";
const UPDATE_ACCOUNT: &str = "mutation($input: UpdateContractAccountInput!) { updateContractAccount(input: $input) { contractAccount { id name billingEmail } } }";
const CREATE_APP: &str = "mutation($input: CreateApplicationInput!) { createApplication(input: $input) { application { id name redirectUris } } }";
const UPDATE_APP: &str = "mutation($input: UpdateApplicationInput!) { updateApplication(input: $input) { application { id name redirectUris } } }";
const CREATE_INTEGRATION: &str = "mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id displayName configuration } } }";
const UPDATE_INTEGRATION: &str = "mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id displayName configuration } } }";
const CREATE_ROLE: &str =
    "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id name } } }";
const INVITE: &str =
    "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { status } } }";
const GRANT: &str =
    "mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }";
const SET_SETTING: &str =
    "mutation($input: SetSettingInput!) { setSetting(input: $input) { setting { key } } }";

/// A MIXED root (it may hold applications and integrations) with one of each thing that has a
/// name, and a contract account of the caller's.
struct Fixture {
    server: TestServer,
    token: String,
    root: String,
    child: String,
    account: String,
    application: String,
    integration: String,
}

fn fixture(backend: Backend) -> Fixture {
    let server = TestServer::start(backend);
    let token = server.token("loose-input@example.com");
    let reply = server.gql(
        Some(&token),
        ADD_ORG,
        json!({ "input": { "name": "Acme", "kind": "MIXED" } }),
    );
    let root = id(&reply.ok()["addOrganization"]["organization"]);
    let child = id(&server.add_sub(&token, &root, "Sales"));
    let reply = server.gql(
        Some(&token),
        CREATE_ACCOUNT,
        json!({ "input": { "name": "Billing", "billingEmail": "ap@example.com" } }),
    );
    let account = id(&reply.ok()["createContractAccount"]["contractAccount"]);
    let reply = server.gql(
        Some(&token),
        CREATE_APP,
        json!({ "input": { "organizationId": root, "name": "Portal", "environment": "PRODUCTION",
                           "redirectUris": ["https://portal.example.com/cb"] } }),
    );
    let application = id(&reply.ok()["createApplication"]["application"]);
    let reply = server.gql(
        Some(&token),
        CREATE_INTEGRATION,
        json!({ "input": { "organizationId": root, "kind": "CALENDAR", "provider": "GOOGLE",
                           "displayName": "Calendar", "configuration": { "tenantId": "acme" } } }),
    );
    let integration = id(&reply.ok()["createIntegration"]["integration"]);
    Fixture {
        server,
        token,
        root,
        child,
        account,
        application,
        integration,
    }
}

/// The 11 mutations that take a name, each with `name` as the name it is given.
fn name_cases(f: &Fixture, what: &str, name: &str) -> Vec<Case> {
    let (root, child) = (&f.root, &f.child);
    let (account, application, integration) = (&f.account, &f.application, &f.integration);
    #[rustfmt::skip]
    let cases = vec![
        case(&format!("addOrganization: {what}"), ADD_ORG, json!({ "input": { "name": name } }), BAD),
        case(&format!("addRootOrganization: {what}"), ADD_ROOT, json!({ "input": { "rootId": root, "name": name } }), BAD),
        case(&format!("addSubOrganization: {what}"), ADD_SUB, json!({ "input": { "parentId": root, "name": name } }), BAD),
        case(&format!("copyOrganization: {what}"), COPY, json!({ "input": { "sourceId": child, "parentId": root, "name": name } }), BAD),
        case(&format!("createContractAccount: {what}"), CREATE_ACCOUNT, json!({ "input": { "name": name, "billingEmail": "ap@example.com" } }), BAD),
        case(&format!("updateContractAccount: {what}"), UPDATE_ACCOUNT, json!({ "input": { "id": account, "name": name } }), BAD),
        case(&format!("createApplication: {what}"), CREATE_APP, json!({ "input": { "organizationId": root, "name": name, "environment": "STAGING" } }), BAD),
        case(&format!("updateApplication: {what}"), UPDATE_APP, json!({ "input": { "id": application, "name": name } }), BAD),
        case(&format!("createIntegration: {what}"), CREATE_INTEGRATION, json!({ "input": { "organizationId": root, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": name } }), BAD),
        case(&format!("updateIntegration: {what}"), UPDATE_INTEGRATION, json!({ "input": { "id": integration, "displayName": name } }), BAD),
        case(&format!("createRole: {what}"), CREATE_ROLE, json!({ "input": { "organizationId": root, "name": name, "permissions": ["organization:read"] } }), BAD),
    ];
    cases
}

fn spoofable_names_are_refused_by_every_name_taking_mutation(backend: Backend) {
    let f = fixture(backend);
    let mut cases = Vec::new();
    for (what, name) in [
        // Displays as "Acme exe.png".
        ("a bidi override", "Acme \u{202E}gnp.exe t0"),
        ("a bidi isolate", "Acme \u{2067}Sales\u{2069}"),
        ("a zero-width space inside", "Ac\u{200B}me"),
        ("a line separator inside", "Acme\u{2028}Sales"),
        ("invisible characters only", "\u{200B}\u{FEFF}\u{2060}"),
        ("Hangul fillers only", "\u{3164}\u{115F} \u{FFA0}"),
        ("a Braille blank only", "\u{2800}"),
        ("combining marks only", "\u{301}\u{308}"),
        ("a variation selector only", "\u{FE0F}"),
    ] {
        cases.extend(name_cases(&f, what, name));
    }
    assert_refused(&f.server, &f.token, &cases);

    // The error names the field and the rule that failed.
    for (query, input, field) in [
        (
            ADD_SUB,
            json!({ "parentId": f.root, "name": "Acme \u{202E}gnp.exe t0" }),
            "name",
        ),
        (
            CREATE_INTEGRATION,
            json!({ "organizationId": f.root, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": "\u{202E}x" }),
            "displayName",
        ),
    ] {
        let reply = f
            .server
            .gql(Some(&f.token), query, json!({ "input": input }));
        let message = reply.message();
        assert!(
            message.starts_with(&format!("{field}:")) && message.contains("format characters"),
            "{message}"
        );
    }
    let reply = f.server.gql(
        Some(&f.token),
        ADD_SUB,
        json!({ "input": { "parentId": f.root, "name": "\u{3164}\u{3164}" } }),
    );
    assert!(
        reply.message().contains("visible character"),
        "{}",
        reply.body
    );
}

fn names_are_stored_in_nfc_and_compared_in_nfc(backend: Backend) {
    let f = fixture(backend);
    let (server, token) = (&f.server, f.token.as_str());
    // "Zürich Bäckerei" with decomposed umlauts: 17 characters in NFD, 15 in NFC.
    let nfd = "Zu\u{308}rich Ba\u{308}ckerei";
    let nfc = "Z\u{FC}rich B\u{E4}ckerei";
    assert_ne!(nfd, nfc);

    let name_of = |reply: &crate::harness::Reply, field: &str, object: &str, key: &str| {
        reply.ok()[field][object][key]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let mut stored = Vec::new();
    let reply = server.gql(Some(token), ADD_ORG, json!({ "input": { "name": nfd } }));
    stored.push((
        "addOrganization",
        name_of(&reply, "addOrganization", "organization", "name"),
    ));
    let reply = server.gql(
        Some(token),
        ADD_SUB,
        json!({ "input": { "parentId": f.root, "name": nfd } }),
    );
    stored.push((
        "addSubOrganization",
        name_of(&reply, "addSubOrganization", "organization", "name"),
    ));
    let reply = server.gql(
        Some(token),
        COPY,
        json!({ "input": { "sourceId": f.child, "name": nfd } }),
    );
    stored.push((
        "copyOrganization",
        name_of(&reply, "copyOrganization", "organization", "name"),
    ));
    let reply = server.gql(
        Some(token),
        ADD_ROOT,
        json!({ "input": { "rootId": f.root, "name": nfd } }),
    );
    stored.push((
        "addRootOrganization",
        name_of(&reply, "addRootOrganization", "organization", "name"),
    ));
    let reply = server.gql(
        Some(token),
        CREATE_ACCOUNT,
        json!({ "input": { "name": nfd, "billingEmail": "ap@example.com" } }),
    );
    stored.push((
        "createContractAccount",
        name_of(&reply, "createContractAccount", "contractAccount", "name"),
    ));
    let reply = server.gql(
        Some(token),
        UPDATE_ACCOUNT,
        json!({ "input": { "id": f.account, "name": nfd } }),
    );
    stored.push((
        "updateContractAccount",
        name_of(&reply, "updateContractAccount", "contractAccount", "name"),
    ));
    let reply = server.gql(
        Some(token),
        CREATE_APP,
        json!({ "input": { "organizationId": f.root, "name": nfd, "environment": "STAGING" } }),
    );
    stored.push((
        "createApplication",
        name_of(&reply, "createApplication", "application", "name"),
    ));
    let reply = server.gql(
        Some(token),
        UPDATE_APP,
        json!({ "input": { "id": f.application, "name": format!("{nfd} 2") } }),
    );
    stored.push((
        "updateApplication",
        name_of(&reply, "updateApplication", "application", "name").replace(" 2", ""),
    ));
    let reply = server.gql(Some(token), CREATE_INTEGRATION, json!({ "input": { "organizationId": f.root, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": nfd } }));
    stored.push((
        "createIntegration",
        name_of(&reply, "createIntegration", "integration", "displayName"),
    ));
    let reply = server.gql(
        Some(token),
        UPDATE_INTEGRATION,
        json!({ "input": { "id": f.integration, "displayName": nfd } }),
    );
    stored.push((
        "updateIntegration",
        name_of(&reply, "updateIntegration", "integration", "displayName"),
    ));
    let reply = server.gql(Some(token), CREATE_ROLE, json!({ "input": { "organizationId": f.root, "name": nfd, "permissions": ["organization:read"] } }));
    stored.push(("createRole", name_of(&reply, "createRole", "role", "name")));
    for (mutation, name) in &stored {
        assert_eq!(name, nfc, "{mutation} stores the NFC form");
    }

    // What was stored reads back in NFC, and the NFC spelling is the same name as the NFD one.
    let reply = server.gql(
        Some(token),
        "query($id: ID!) { organization(id: $id) { children(first: 10) { edges { node { name } } } } }",
        json!({ "id": f.root }),
    );
    let children: Vec<&str> = reply.ok()["organization"]["children"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["node"]["name"].as_str())
        .collect();
    assert!(children.contains(&nfc), "{children:?}");
    #[rustfmt::skip]
    let duplicates = vec![
        case("addSubOrganization: the NFC twin of an NFD sibling", ADD_SUB, json!({ "input": { "parentId": f.root, "name": nfc.to_uppercase() } }), "CONFLICT"),
        case("createApplication: the NFC twin of an NFD name", CREATE_APP, json!({ "input": { "organizationId": f.root, "name": nfc, "environment": "STAGING" } }), "CONFLICT"),
        case("createRole: another case of a non-ASCII name", CREATE_ROLE, json!({ "input": { "organizationId": f.root, "name": nfc.to_uppercase(), "permissions": ["organization:read"] } }), "CONFLICT"),
    ];
    assert_refused(server, token, &duplicates);

    // Mixed scripts and joiners where they join stay fine.
    for name in [
        "Zürich 東京 Branch",
        "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
        "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} Office",
    ] {
        let reply = server.try_add_sub(token, &f.root, name);
        assert_eq!(
            reply.ok()["addSubOrganization"]["organization"]["name"],
            json!(name)
        );
    }
}

fn loose_values_are_refused(backend: Backend) {
    let f = fixture(backend);
    let (root, application, integration, account) =
        (&f.root, &f.application, &f.integration, &f.account);
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
    let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
    let mut cases: Vec<Case> = Vec::new();
    #[rustfmt::skip]
    cases.extend([
        case("timeGrid: a time zone outside the IANA database", SET_SETTING, json!({ "input": { "organizationId": root, "key": "timeGrid", "value": { "timeZone": "Mars/Olympus" } } }), BAD),
        case("timeGrid: a zone in the wrong case", SET_SETTING, json!({ "input": { "organizationId": root, "key": "timeGrid", "value": { "timeZone": "europe/berlin" } } }), BAD),
        case("createApplication: redirect URI with an empty host", CREATE_APP, json!({ "input": { "organizationId": root, "name": "Empty host", "environment": "STAGING", "redirectUris": ["https:///cb"] } }), BAD),
        case("createApplication: redirect URI without slashes", CREATE_APP, json!({ "input": { "organizationId": root, "name": "No slashes", "environment": "STAGING", "redirectUris": ["https:cb.example.com/cb"] } }), BAD),
        case("updateApplication: redirect URI with an empty host", UPDATE_APP, json!({ "input": { "id": application, "redirectUris": ["https:///cb"] } }), BAD),
        case("createContractAccount: <script>@x.test", CREATE_ACCOUNT, json!({ "input": { "name": "Script", "billingEmail": "<script>@x.test" } }), BAD),
        case("updateContractAccount: <script>@x.test", UPDATE_ACCOUNT, json!({ "input": { "id": account, "billingEmail": "<script>@x.test" } }), BAD),
        case("inviteMember: <script>@x.test", INVITE, json!({ "input": { "organizationId": root, "email": "<script>@x.test" } }), BAD),
        case("grantRole: <script>@x.test", GRANT, json!({ "input": { "organizationId": root, "email": "<script>@x.test", "role": "EMPLOYEE" } }), BAD),
        case("inviteMember: a quoted local part", INVITE, json!({ "input": { "organizationId": root, "email": "\"a b\"@x.test" } }), BAD),
        case("grantRole: a domain label ending in a hyphen", GRANT, json!({ "input": { "organizationId": root, "email": "a@x-.test", "role": "EMPLOYEE" } }), BAD),
    ]);
    for (what, configuration) in [
        (
            "an authorization header",
            json!({ "authorization": "Bearer abc" }),
        ),
        ("the key pwd", json!({ "pwd": "hunter2" })),
        ("the key pin", json!({ "pin": "1234" })),
        ("the key bearer", json!({ "bearer": "abc" })),
        ("the key sharedKey", json!({ "sharedKey": "abc" })),
        ("the key signingKey", json!({ "signing_key": "abc" })),
        (
            "a PEM private key under a harmless key",
            json!({ "notes": [pem] }),
        ),
        (
            "a bearer value under a harmless key",
            json!({ "headers": { "x": "Bearer abc" } }),
        ),
        ("a JWT under a harmless key", json!({ "calendar": jwt })),
    ] {
        #[rustfmt::skip]
        cases.extend([
            case(&format!("createIntegration: {what}"), CREATE_INTEGRATION, json!({ "input": { "organizationId": root, "kind": "CALENDAR", "provider": "GOOGLE", "displayName": "Leaky", "configuration": configuration } }), BAD),
            case(&format!("updateIntegration: {what}"), UPDATE_INTEGRATION, json!({ "input": { "id": integration, "configuration": configuration } }), BAD),
        ]);
    }
    assert_refused(&f.server, &f.token, &cases);

    // The refusal doesn't echo the secret.
    let reply = f.server.gql(
        Some(&f.token),
        UPDATE_INTEGRATION,
        json!({ "input": { "id": integration, "configuration": { "headers": { "x": "Bearer abc" } } } }),
    );
    assert!(!reply.body.to_string().contains("abc"), "{}", reply.body);

    // What the rules still accept.
    let benign = json!({ "pinned": true, "spinner": "dots", "tokenEndpointUrl": "https://login.example.com/token", "plan": "Basic Plan", "timeZone": "Europe/Berlin" });
    let reply = f.server.gql(
        Some(&f.token),
        UPDATE_INTEGRATION,
        json!({ "input": { "id": integration, "configuration": benign } }),
    );
    assert_eq!(
        reply.ok()["updateIntegration"]["integration"]["configuration"],
        benign
    );
    let reply = f.server.gql(
        Some(&f.token),
        SET_SETTING,
        json!({ "input": { "organizationId": root, "key": "timeGrid", "value": { "timeZone": "America/Argentina/Buenos_Aires" } } }),
    );
    reply.ok();
    let reply = f.server.gql(
        Some(&f.token),
        INVITE,
        json!({ "input": { "organizationId": root, "email": "O'Brien+ops@Mail.Example.co.uk" } }),
    );
    reply.ok();
}

fn ids_are_accepted_in_their_canonical_spelling_only(backend: Backend) {
    let f = fixture(backend);
    let root = f.root.as_str();
    let mut cases = Vec::new();
    for (what, spelled_root) in spellings(root) {
        let spelled_app = spellings(&f.application)
            .into_iter()
            .find(|(w, _)| *w == what)
            .map(|(_, s)| s)
            .unwrap();
        #[rustfmt::skip]
        cases.extend([
            case(&format!("organization(id:): {what}"), "query($id: ID!) { organization(id: $id) { id } }", json!({ "id": spelled_root }), BAD),
            case(&format!("addSubOrganization parentId: {what}"), ADD_SUB, json!({ "input": { "parentId": spelled_root, "name": "Spelled" } }), BAD),
            case(&format!("createApplication organizationId: {what}"), CREATE_APP, json!({ "input": { "organizationId": spelled_root, "name": "Spelled", "environment": "STAGING" } }), BAD),
            case(&format!("updateApplication id: {what}"), UPDATE_APP, json!({ "input": { "id": spelled_app, "name": "Spelled" } }), BAD),
        ]);
    }
    assert_refused(&f.server, &f.token, &cases);
    // The canonical spelling works, and is what the server hands out.
    let reply = f.server.organization(&f.token, root);
    assert_eq!(reply.ok()["organization"]["id"], json!(root));
}

/// Other spellings of the same UUID than the canonical one the server gives out.
fn spellings(id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("upper case", id.to_uppercase()),
        ("braces", format!("{{{id}}}")),
        ("urn:uuid:", format!("urn:uuid:{id}")),
        ("no hyphens", id.replace('-', "")),
        ("surrounding whitespace", format!(" {id} ")),
        ("a trailing newline", format!("{id}\n")),
    ]
}
