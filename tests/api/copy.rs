//! `copyOrganization` with its flags (SPEC §1): settings, custom roles and integrations'
//! configuration come along when asked, and nothing else ever does (members, grants,
//! secrets, status); each flag asks what reading the part on the source and creating it where
//! the copy goes would ask.

use serde_json::{json, Value};

use crate::harness::invariants::all_row_counts;
use crate::harness::ops::id;
use crate::harness::{Backend, Reply, TestServer};
use crate::on_both_backends;

on_both_backends!(
    copies_take_exactly_what_the_flags_ask_for,
    each_flag_asks_what_reading_and_creating_its_part_asks,
);

const COPY: &str = "mutation($input: CopyOrganizationInput!) { copyOrganization(input: $input) { organization { id name networkId } } }";

/// What a copy holds, read through the API: per organization (by name, parents first) the
/// custom roles defined on it, its integrations, its own settings; and the grants made on it.
const CONTENTS: &str = "query($id: ID!) { organization(id: $id) {
    name
    roles { id name builtIn permissions organization { id } }
    integrations { id kind provider status displayName configuration }
    settings { key value }
    grants { role user { email } }
    descendants(first: 100) { edges { node { id } } }
} }";

/// One organization as [`CONTENTS`] reads it, with what is defined on it alone.
#[derive(Debug, PartialEq)]
struct Contents {
    name: String,
    /// Custom roles defined on this organization: (name, permissions).
    own_roles: Vec<(String, Vec<String>)>,
    /// Custom roles usable here but defined above it, by name.
    inherited_roles: Vec<String>,
    /// (kind, provider, status, displayName, configuration).
    integrations: Vec<(String, String, String, String, Value)>,
    settings: Vec<(String, Value)>,
    grants: Vec<(String, String)>,
}

struct World {
    server: TestServer,
    owner: String,
}

impl World {
    fn gql(&self, query: &str, variables: Value) -> Reply {
        self.server.gql(Some(&self.owner), query, variables)
    }

    fn read(&self, org: &str) -> (Contents, Value) {
        let reply = self.gql(CONTENTS, json!({ "id": org }));
        let node = reply.ok()["organization"].clone();
        let strings = |value: &Value| -> Vec<String> {
            value
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        let custom: Vec<&Value> = node["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["builtIn"] == false)
            .collect();
        let contents = Contents {
            name: node["name"].as_str().unwrap().to_owned(),
            own_roles: custom
                .iter()
                .filter(|r| r["organization"]["id"] == org)
                .map(|r| {
                    (
                        r["name"].as_str().unwrap().to_owned(),
                        strings(&r["permissions"]),
                    )
                })
                .collect(),
            inherited_roles: custom
                .iter()
                .filter(|r| r["organization"]["id"] != org)
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect(),
            integrations: node["integrations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    let text = |k: &str| i[k].as_str().unwrap().to_owned();
                    (
                        text("kind"),
                        text("provider"),
                        text("status"),
                        text("displayName"),
                        i["configuration"].clone(),
                    )
                })
                .collect(),
            settings: node["settings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| (s["key"].as_str().unwrap().to_owned(), s["value"].clone()))
                .collect(),
            grants: node["grants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    (
                        g["role"].as_str().unwrap().to_owned(),
                        g["user"]["email"].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
        };
        (contents, node)
    }

    /// The organization and its descendants, parents first.
    fn read_tree(&self, org: &str) -> Vec<(String, Contents, Value)> {
        let (top, node) = self.read(org);
        let mut all = vec![(org.to_owned(), top, node.clone())];
        for edge in node["descendants"]["edges"].as_array().unwrap() {
            let below = edge["node"]["id"].as_str().unwrap().to_owned();
            let (contents, node) = self.read(&below);
            all.push((below, contents, node));
        }
        all
    }

    fn role(&self, org: &str, name: &str, permissions: &[&str]) -> String {
        let reply = self.gql(
            "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }",
            json!({ "input": { "organizationId": org, "name": name, "permissions": permissions } }),
        );
        reply.ok()["createRole"]["role"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn integration(
        &self,
        org: &str,
        kind: &str,
        provider: &str,
        name: &str,
        config: Value,
    ) -> String {
        let reply = self.gql(
            "mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }",
            json!({ "input": { "organizationId": org, "kind": kind, "provider": provider, "displayName": name, "configuration": config } }),
        );
        reply.ok()["createIntegration"]["integration"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn update_integration(&self, id: &str, change: Value) {
        let mut input = change;
        input["id"] = json!(id);
        self.gql(
            "mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id } } }",
            json!({ "input": input }),
        )
        .ok();
    }

    fn set(&self, org: &str, key: &str, value: Value) {
        self.gql(
            "mutation($input: SetSettingInput!) { setSetting(input: $input) { organization { id } } }",
            json!({ "input": { "organizationId": org, "key": key, "value": value } }),
        )
        .ok();
    }

    fn grant(&self, org: &str, email: &str, role: &str) {
        self.gql(
            "mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }",
            json!({ "input": { "organizationId": org, "email": email, "role": role } }),
        )
        .ok();
    }

    fn copy(&self, input: Value) -> Value {
        self.gql(COPY, json!({ "input": input })).ok()["copyOrganization"]["organization"].clone()
    }
}

/// HQ (role "Network Viewer") → Clinic Template (role "Auditor", a Google calendar that is
/// DISABLED, a setting, a grant of Auditor) → Ward (role "Nurse Lead", a Zoom integration).
struct Template {
    hq: String,
    template: String,
    google: String,
}

fn build(world: &World) -> Template {
    let hq = id(&world.server.add_organization(&world.owner, "HQ"));
    let template = id(&world.server.add_sub(&world.owner, &hq, "Clinic Template"));
    let ward = id(&world.server.add_sub(&world.owner, &template, "Ward"));
    world.role(&hq, "Network Viewer", &["organization:read"]);
    let auditor = world.role(&template, "Auditor", &["organization:read", "audit:read"]);
    world.role(&ward, "Nurse Lead", &["members:read", "organization:read"]);
    let google = world.integration(
        &template,
        "CALENDAR",
        "GOOGLE",
        "Google calendars",
        json!({ "domain": "clinic.example", "syncDays": 30 }),
    );
    world.update_integration(&google, json!({ "status": "DISABLED" }));
    world.integration(
        &ward,
        "CONFERENCING",
        "ZOOM",
        "Ward rooms",
        json!({ "accountId": "ward-7" }),
    );
    world.set(&template, "x-ward-count", json!(1));
    world.grant(&template, "eve@clinic.example", &auditor);
    Template {
        hq,
        template,
        google,
    }
}

fn copies_take_exactly_what_the_flags_ask_for(backend: Backend) {
    let server = TestServer::start(backend);
    let owner = server.token("owner@clinic.example");
    let world = World { server, owner };
    let t = build(&world);
    let template_before: Vec<Contents> = world
        .read_tree(&t.template)
        .into_iter()
        .map(|(_, c, _)| c)
        .collect();
    assert_eq!(template_before.len(), 2);

    // Every flag, the subtree, into a new network.
    let all = world.copy(json!({
        "sourceId": t.template, "name": "Clinic A", "includeSubOrganizations": true,
        "includeSettings": true, "includeCustomRoles": true, "includeIntegrations": true,
    }));
    let copied = world.read_tree(&id(&all));
    let [(_, top, _), (_, ward, _)] = copied.as_slice() else {
        panic!("the copy is not two organizations: {copied:?}");
    };
    assert_eq!(top.name, "Clinic A");
    assert_eq!(
        top.own_roles,
        [(
            "Auditor".to_owned(),
            vec!["organization:read".to_owned(), "audit:read".to_owned()]
        )]
    );
    // The role defined above the template stayed where it was: not in the new network.
    assert_eq!(top.inherited_roles, Vec::<String>::new());
    assert_eq!(ward.own_roles, template_before[1].own_roles);
    assert_eq!(ward.inherited_roles, ["Auditor"]);
    // Configuration, kind, provider and name; the status is a new integration's.
    assert_eq!(
        top.integrations,
        [(
            "CALENDAR".to_owned(),
            "GOOGLE".to_owned(),
            "ACTIVE".to_owned(),
            "Google calendars".to_owned(),
            json!({ "domain": "clinic.example", "syncDays": 30 })
        )]
    );
    assert_eq!(template_before[0].integrations[0].2, "DISABLED");
    assert_eq!(ward.integrations, template_before[1].integrations);
    assert_eq!(top.settings, template_before[0].settings);
    // Grants never come along: only the founder's OPS_ADMIN of the new network.
    assert_eq!(
        top.grants,
        [("OPS_ADMIN".to_owned(), "owner@clinic.example".to_owned())]
    );
    assert!(ward.grants.is_empty());

    // No flag: the structure alone, under HQ (whose role stays usable there).
    let none = world.copy(json!({
        "sourceId": t.template, "parentId": t.hq, "name": "Clinic B", "includeSubOrganizations": true,
    }));
    for (_, contents, _) in world.read_tree(&id(&none)) {
        assert!(contents.own_roles.is_empty(), "{contents:?}");
        assert!(contents.integrations.is_empty(), "{contents:?}");
        assert!(contents.settings.is_empty(), "{contents:?}");
        assert!(contents.grants.is_empty(), "{contents:?}");
        assert!(contents
            .inherited_roles
            .contains(&"Network Viewer".to_owned()));
    }

    // Each flag alone, of the organization alone.
    let only = |flag: &str, name: &str| -> Contents {
        let mut input = json!({ "sourceId": t.template, "parentId": t.hq, "name": name });
        input[flag] = json!(true);
        let copy = world.copy(input);
        let tree = world.read_tree(&id(&copy));
        assert_eq!(tree.len(), 1, "{flag} copied the subtree");
        tree.into_iter().next().unwrap().1
    };
    let roles = only("includeCustomRoles", "Clinic C");
    assert_eq!(roles.own_roles, template_before[0].own_roles);
    assert!(roles.integrations.is_empty() && roles.settings.is_empty());
    assert_eq!(roles.inherited_roles, ["Network Viewer"]);
    let integrations = only("includeIntegrations", "Clinic D");
    assert_eq!(integrations.integrations.len(), 1);
    assert_eq!(integrations.integrations[0].3, "Google calendars");
    assert!(integrations.own_roles.is_empty() && integrations.settings.is_empty());
    let settings = only("includeSettings", "Clinic E");
    assert_eq!(settings.settings, template_before[0].settings);
    assert!(settings.own_roles.is_empty() && settings.integrations.is_empty());

    // The copies are their own: changing one leaves the template alone, and the other way.
    let copied_google = copied[0].2["integrations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(copied_google, t.google);
    world.update_integration(
        &copied_google,
        json!({ "displayName": "Clinic A calendars", "configuration": { "domain": "a.example" } }),
    );
    let copied_auditor = copied[0].2["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Auditor")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    world
        .gql(
            "mutation($input: DeleteRoleInput!) { deleteRole(input: $input) { deletedRoleId } }",
            json!({ "input": { "organizationId": id(&all), "roleId": copied_auditor } }),
        )
        .ok();
    // The deleted role's routing row went with it.
    crate::harness::invariants::assert_routes_match(&world.server.db);
    world.update_integration(
        &t.google,
        json!({ "configuration": { "domain": "changed.example" } }),
    );
    let template_after: Vec<Contents> = world
        .read_tree(&t.template)
        .into_iter()
        .map(|(_, c, _)| c)
        .collect();
    assert_eq!(template_after[0].own_roles, template_before[0].own_roles);
    assert_eq!(
        template_after[0].integrations[0].4,
        json!({ "domain": "changed.example" })
    );
    let (top_after, _) = world.read(&id(&all));
    assert!(top_after.own_roles.is_empty());
    assert_eq!(
        top_after.integrations[0].3, "Clinic A calendars",
        "the template's change reached the copy"
    );
    assert_eq!(
        top_after.integrations[0].4,
        json!({ "domain": "a.example" })
    );
}

fn each_flag_asks_what_reading_and_creating_its_part_asks(backend: Backend) {
    let server = TestServer::start(backend);
    let owner = server.token("owner@clinic.example");
    let world = World { server, owner };
    let t = build(&world);
    let sandbox = id(&world.server.add_sub(&world.owner, &t.hq, "Sandbox"));
    // Bob sees the template and nothing of its members or settings; at the sandbox he may
    // build organizations and roles, not settings or integrations, and holds no audit:read.
    let looker = world.role(&t.hq, "Looker", &["organization:read"]);
    let builder = world.role(
        &t.hq,
        "Builder",
        &[
            "organization:read",
            "organization:manage",
            "roles:manage",
            "members:read",
        ],
    );
    world.grant(&t.template, "bob@clinic.example", &looker);
    world.grant(&sandbox, "bob@clinic.example", &builder);
    let bob = world.server.token("bob@clinic.example");

    let refused = |input: Value, code: &str, why: &str| {
        let before = all_row_counts(&world.server.db);
        let reply = world
            .server
            .gql(Some(&bob), COPY, json!({ "input": input }));
        reply.expect_code(code);
        assert!(reply.message().contains(why), "{}", reply.message());
        assert_eq!(
            all_row_counts(&world.server.db),
            before,
            "a refused copy wrote something"
        );
    };
    // On the source: settings need settings:read, roles members:read.
    refused(
        json!({ "sourceId": t.template, "includeSettings": true }),
        "FORBIDDEN",
        "settings:read",
    );
    refused(
        json!({ "sourceId": t.template, "includeCustomRoles": true }),
        "FORBIDDEN",
        "members:read",
    );
    // Integrations are read with organization:read: into his own new network, they come.
    let mine = world
        .server
        .gql(
            Some(&bob),
            COPY,
            json!({ "input": { "sourceId": t.template, "includeIntegrations": true } }),
        )
        .ok()["copyOrganization"]["organization"]
        .clone();
    assert_ne!(mine["networkId"], Value::Null);

    // Where the copy goes: what creating each part there asks, and no role handing out more
    // than he holds there.
    let reader = world.role(&t.hq, "Reader", &["members:read", "settings:read"]);
    world.grant(&t.template, "bob@clinic.example", &reader);
    refused(
        json!({ "sourceId": t.template, "parentId": sandbox, "includeSettings": true }),
        "FORBIDDEN",
        "settings:manage",
    );
    refused(
        json!({ "sourceId": t.template, "parentId": sandbox, "includeIntegrations": true }),
        "FORBIDDEN",
        "integrations:manage",
    );
    refused(
        json!({ "sourceId": t.template, "parentId": sandbox, "includeCustomRoles": true }),
        "FORBIDDEN",
        "audit:read",
    );
    // A parent he cannot see is not there at all.
    let hidden = id(&world.server.add_organization(&world.owner, "Elsewhere"));
    refused(
        json!({ "sourceId": t.template, "parentId": hidden }),
        "NOT_FOUND",
        "",
    );
    // The structure alone he may copy there.
    world
        .server
        .gql(
            Some(&bob),
            COPY,
            json!({ "input": { "sourceId": t.template, "parentId": sandbox } }),
        )
        .ok();
}
