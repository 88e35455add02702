//! Members, roles and additive permission inheritance (SPEC §3): the seed scenarios, the
//! isolation between networks against an independent model, and the audit log.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::harness::ops::id;
use crate::harness::{Backend, TestServer};
use crate::on_both_backends;

on_both_backends!(
    headquarters_admins_administer_every_branch_and_grants_only_add,
    business_units_as_networks_share_nothing,
    scheduling_coordinator_acts_on_behalf_across_calendar_hosts,
    members_roles_and_grants_lifecycle,
    visibility_and_can_match_an_independent_model,
    check_permissions_answers_like_can_and_refuses_bad_checks,
);

fn grant(
    server: &TestServer,
    token: &str,
    org: &str,
    email: &str,
    role: &str,
) -> serde_json::Value {
    server
        .gql(
            Some(token),
            "mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id role organization { id } } } }",
            json!({ "input": { "organizationId": org, "email": email, "role": role } }),
        )
        .ok()["grantRole"]["grant"]
        .clone()
}

fn can(server: &TestServer, token: &str, org: &str, permission: &str) -> bool {
    let reply = server.gql(
        Some(token),
        "query($org: ID!, $p: String!) { can(organizationId: $org, permission: $p) }",
        json!({ "org": org, "p": permission }),
    );
    reply.ok()["can"].as_bool().expect("can is a boolean")
}

fn headquarters_admins_administer_every_branch_and_grants_only_add(backend: Backend) {
    let server = TestServer::start(backend);
    let owner = server.token("owner@acme.example");
    let hq = id(&server.add_organization(&owner, "Acme HQ"));
    let region = id(&server.add_sub(&owner, &hq, "EMEA"));
    let branch = id(&server.add_sub(&owner, &region, "Berlin"));

    grant(&server, &owner, &hq, "admin@acme.example", "OPS_ADMIN");
    let admin = server.token("admin@acme.example");
    for org in [&hq, &region, &branch] {
        assert!(can(&server, &admin, org, "organization:manage"));
        assert!(can(&server, &admin, org, "audit:read"));
    }
    // The admin acts in the branch: it is theirs to manage.
    server.add_sub(&admin, &branch, "Berlin Mitte");

    // An employee at headquarters, developer in one branch: the branch adds, never removes.
    grant(&server, &owner, &hq, "dana@acme.example", "EMPLOYEE");
    grant(&server, &owner, &branch, "dana@acme.example", "DEVELOPER");
    let dana = server.token("dana@acme.example");
    assert!(can(&server, &dana, &hq, "members:read"));
    assert!(!can(&server, &dana, &hq, "applications:manage"));
    assert!(
        can(&server, &dana, &branch, "members:read"),
        "inherited from headquarters"
    );
    assert!(
        can(&server, &dana, &branch, "applications:manage"),
        "added in the branch"
    );
    assert!(
        !can(&server, &dana, &region, "applications:manage"),
        "not above the branch"
    );
    server
        .try_add_sub(&dana, &branch, "Not allowed")
        .expect_code("FORBIDDEN");

    // Effective grants tell where each comes from.
    let reply = server.gql(
        Some(&owner),
        "query($id: ID!) { organization(id: $id) { grants { role } effectiveGrants { role user { email } organization { name } } } }",
        json!({ "id": branch }),
    );
    let org = &reply.ok()["organization"];
    assert_eq!(org["grants"].as_array().unwrap().len(), 1);
    let from: BTreeSet<(String, String)> = org["effectiveGrants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["role"].as_str().unwrap().to_owned(),
                g["organization"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(from.contains(&("EMPLOYEE".into(), "Acme HQ".into())));
    assert!(from.contains(&("DEVELOPER".into(), "Berlin".into())));
    assert!(from.contains(&("OPS_ADMIN".into(), "Acme HQ".into())));
}

fn business_units_as_networks_share_nothing(backend: Backend) {
    let server = TestServer::start(backend);
    let sales_admin = server.token("sales@corp.example");
    let support_admin = server.token("support@corp.example");
    let sales = id(&server.add_organization(&sales_admin, "Sales"));
    let support = id(&server.add_organization(&support_admin, "Support"));
    let emea_sales = id(&server.add_sub(&sales_admin, &sales, "EMEA Sales"));

    for (token, own, other) in [
        (&sales_admin, &sales, &support),
        (&support_admin, &support, &sales),
    ] {
        assert!(can(&server, token, own, "organization:manage"));
        assert!(!can(&server, token, other, "organization:read"));
        server.organization(token, other).expect_code("NOT_FOUND");
        server
            .try_add_sub(token, other, "Intruder")
            .expect_code("NOT_FOUND");
    }
    server
        .try_move(&sales_admin, &emea_sales, &support)
        .expect_code("NOT_FOUND");
    let reply = server.gql(
        Some(&support_admin),
        "{ organizations(first: 100) { totalCount edges { node { name } } } }",
        json!({}),
    );
    assert_eq!(reply.ok()["organizations"]["totalCount"], 1);
    // Granting across networks is impossible: the other network's organization doesn't exist.
    server
        .gql(
            Some(&sales_admin),
            "mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }",
            json!({ "input": { "organizationId": support, "email": "sales@corp.example", "role": "OPS_ADMIN" } }),
        )
        .expect_code("NOT_FOUND");
}

fn scheduling_coordinator_acts_on_behalf_across_calendar_hosts(backend: Backend) {
    let server = TestServer::start(backend);
    let owner = server.token("it@clinic.example");
    let clinic = id(&server.add_organization(&owner, "Clinic"));
    let integration = |provider: &str, name: &str| -> String {
        let reply = server.gql(
            Some(&owner),
            "mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }",
            json!({ "input": { "organizationId": clinic, "kind": "CALENDAR", "provider": provider, "displayName": name, "configuration": { "tenant": name } } }),
        );
        reply.ok()["createIntegration"]["integration"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let microsoft = integration("MICROSOFT_365", "Outlook calendars");
    let google = integration("GOOGLE", "Google calendars");

    let invite = |email: &str, role: &str| -> String {
        let reply = server.gql(
            Some(&owner),
            "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { id status user { id email } } } }",
            json!({ "input": { "organizationId": clinic, "email": email, "role": role } }),
        );
        let member = &reply.ok()["inviteMember"]["member"];
        assert_eq!(member["status"], "INVITED");
        member["user"]["id"].as_str().unwrap().to_owned()
    };
    let coordinator = invite("coord@clinic.example", "SCHEDULING_COORDINATOR");
    let alice = invite("alice@clinic.example", "EMPLOYEE");
    let bob = invite("bob@clinic.example", "EMPLOYEE");
    let link = |user: &str, integration: &str| {
        server
            .gql(
                Some(&owner),
                "mutation($input: LinkMemberCalendarInput!) { linkMemberCalendar(input: $input) { member { calendarIntegrationId } } }",
                json!({ "input": { "organizationId": clinic, "userId": user, "integrationId": integration } }),
            )
            .ok()["linkMemberCalendar"]["member"]["calendarIntegrationId"]
            .clone()
    };
    assert_eq!(link(&alice, &microsoft), microsoft.as_str());
    assert_eq!(link(&bob, &google), google.as_str());
    assert_eq!(link(&coordinator, &google), google.as_str());

    let coordinator_token = server.token("coord@clinic.example");
    let alice_token = server.token("alice@clinic.example");
    assert!(can(
        &server,
        &coordinator_token,
        &clinic,
        "scheduling:act_on_behalf"
    ));
    assert!(!can(
        &server,
        &alice_token,
        &clinic,
        "scheduling:act_on_behalf"
    ));

    // The coordinator sees the people and where their calendars live.
    let reply = server.gql(
        Some(&coordinator_token),
        "query($id: ID!) { organization(id: $id) { members(first: 10, role: \"EMPLOYEE\") { totalCount edges { node { user { email } calendarIntegrationId effectivePermissions } } } } }",
        json!({ "id": clinic }),
    );
    let employees = &reply.ok()["organization"]["members"];
    assert_eq!(employees["totalCount"], 2);
    let hosts: BTreeSet<String> = employees["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["calendarIntegrationId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(hosts, BTreeSet::from([microsoft.clone(), google.clone()]));
    assert!(employees["edges"][0]["node"]["effectivePermissions"]
        .as_array()
        .unwrap()
        .contains(&json!("members:read")));
    // A calendar of another organization can't be linked.
    let other = id(&server.add_organization(&owner, "Other Clinic"));
    let reply = server.gql(
        Some(&owner),
        "mutation($input: LinkMemberCalendarInput!) { linkMemberCalendar(input: $input) { member { id } } }",
        json!({ "input": { "organizationId": other, "userId": alice, "integrationId": google } }),
    );
    reply.expect_code("NOT_FOUND");
}

fn members_roles_and_grants_lifecycle(backend: Backend) {
    let server = TestServer::start(backend);
    let owner = server.token("owner@acme.example");
    let hq = id(&server.add_organization(&owner, "HQ"));
    let branch = id(&server.add_sub(&owner, &hq, "Branch"));

    // A custom role defined at headquarters is usable in the branch.
    let reply = server.gql(
        Some(&owner),
        "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id name builtIn permissions } } }",
        json!({ "input": { "organizationId": hq, "name": "Auditor", "permissions": ["organization:read", "audit:read"] } }),
    );
    let role = reply.ok()["createRole"]["role"].clone();
    let role_id = role["id"].as_str().unwrap().to_owned();
    assert_eq!(role["builtIn"], false);
    let granted = grant(&server, &owner, &branch, "eve@acme.example", &role_id);
    assert_eq!(granted["role"], "Auditor");
    let eve = server.token("eve@acme.example");
    assert!(can(&server, &eve, &branch, "audit:read"));
    assert!(!can(&server, &eve, &hq, "organization:read"));
    let reply = server.gql(
        Some(&owner),
        "query($id: ID!) { organization(id: $id) { roles { name builtIn } } }",
        json!({ "id": branch }),
    );
    let names: Vec<&str> = reply.ok()["organization"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Auditor") && names.contains(&"OPS_ADMIN"));

    // The audit log: readable with audit:read, newest first, one event per mutation.
    let reply = server.gql(
        Some(&eve),
        "query($id: ID!) { organization(id: $id) { auditLog(first: 10) { totalCount edges { node { action actor { email } after } } } } }",
        json!({ "id": branch }),
    );
    let log = &reply.ok()["organization"]["auditLog"];
    let actions: Vec<&str> = log["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["grantRole", "addSubOrganization"]);
    // Eve may read the audit log, not members: who acted is not hers to see.
    assert_eq!(log["edges"][0]["node"]["actor"], Value::Null);

    // Roles in use can't be deleted; escalation is refused; removal is a status change.
    server
        .gql(
            Some(&owner),
            "mutation($input: DeleteRoleInput!) { deleteRole(input: $input) { deletedRoleId } }",
            json!({ "input": { "organizationId": hq, "roleId": role_id } }),
        )
        .expect_code("CONFLICT");
    grant(
        &server,
        &owner,
        &branch,
        "mgr@acme.example",
        "ENGINEERING_MANAGER",
    );
    let reply = server.gql(
        Some(&owner),
        "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }",
        json!({ "input": { "organizationId": branch, "name": "Granter", "permissions": ["organization:read", "roles:manage"] } }),
    );
    let granter_role = reply.ok()["createRole"]["role"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    grant(&server, &owner, &branch, "gina@acme.example", &granter_role);
    let gina = server.token("gina@acme.example");
    server
        .gql(
            Some(&gina),
            "mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }",
            json!({ "input": { "organizationId": branch, "email": "gina@acme.example", "role": "OPS_ADMIN" } }),
        )
        .expect_code("FORBIDDEN");

    let reply = server.gql(
        Some(&owner),
        "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { id user { id } } } }",
        json!({ "input": { "organizationId": branch, "email": "eve@acme.example" } }),
    );
    let eve_id = reply.ok()["inviteMember"]["member"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let eve_member = reply.ok()["inviteMember"]["member"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = |status: &str| {
        server
            .gql(
                Some(&owner),
                "mutation($input: UpdateMemberStatusInput!) { updateMemberStatus(input: $input) { member { status } } }",
                json!({ "input": { "organizationId": branch, "userId": eve_id, "status": status } }),
            )
            .ok()["updateMemberStatus"]["member"]["status"]
            .clone()
    };
    assert_eq!(status("ACTIVE"), "ACTIVE");
    assert!(can(&server, &eve, &branch, "audit:read"));
    // A member is named by its id as well (SPEC §6).
    let by_id = server.gql(
        Some(&owner),
        "mutation($input: UpdateMemberStatusInput!) { updateMemberStatus(input: $input) { member { id status } } }",
        json!({ "input": { "memberId": eve_member, "status": "SUSPENDED" } }),
    );
    assert_eq!(
        by_id.ok()["updateMemberStatus"]["member"]["status"],
        "SUSPENDED"
    );
    assert_eq!(
        by_id.ok()["updateMemberStatus"]["member"]["id"],
        eve_member.as_str()
    );
    assert!(
        !can(&server, &eve, &branch, "audit:read"),
        "a suspended member's grants stop applying"
    );
    assert_eq!(status("ACTIVE"), "ACTIVE");
    assert_eq!(status("SUSPENDED"), "SUSPENDED");
    let reply = server.gql(
        Some(&owner),
        "mutation($input: RemoveMemberInput!) { removeMember(input: $input) { member { status } } }",
        json!({ "input": { "organizationId": branch, "userId": eve_id } }),
    );
    assert_eq!(reply.ok()["removeMember"]["member"]["status"], "REMOVED");
    let reply = server.gql(
        Some(&owner),
        "query($id: ID!) { organization(id: $id) { all: members { totalCount } removed: members(status: REMOVED) { totalCount } } }",
        json!({ "id": branch }),
    );
    assert_eq!(
        reply.ok()["organization"]["all"]["totalCount"],
        1,
        "nothing about a removed member is lost"
    );
    assert_eq!(reply.ok()["organization"]["removed"]["totalCount"], 1);
    let reply = server.gql(
        Some(&owner),
        "query($id: ID!) { organization(id: $id) { members(includeSubOrganizations: true) { totalCount } } }",
        json!({ "id": hq }),
    );
    assert_eq!(reply.ok()["organization"]["members"]["totalCount"], 1);
    let reply = server.gql(
        Some(&eve),
        "{ viewer { email memberships { status organization { id } } } }",
        json!({}),
    );
    assert_eq!(reply.ok()["viewer"]["memberships"][0]["status"], "REMOVED");

    // Refused mutations write nothing, audit log included.
    let before = crate::harness::row_counts(&server.db);
    let before_events = audit_events(&server);
    for (query, input, code) in [
        ("mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }", json!({ "organizationId": hq, "name": "OPS_ADMIN", "permissions": ["organization:read"] }), "BAD_USER_INPUT"),
        ("mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }", json!({ "organizationId": hq, "name": "X", "permissions": ["nope"] }), "BAD_USER_INPUT"),
        ("mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }", json!({ "organizationId": hq, "name": "Auditor", "permissions": ["audit:read"] }), "CONFLICT"),
        ("mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }", json!({ "organizationId": hq, "email": "x@acme.example", "role": "KING" }), "BAD_USER_INPUT"),
        ("mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }", json!({ "organizationId": hq, "email": "not an email", "role": "EMPLOYEE" }), "BAD_USER_INPUT"),
        ("mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }", json!({ "organizationId": "nope", "email": "x@acme.example", "role": "EMPLOYEE" }), "BAD_USER_INPUT"),
        ("mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { id } } }", json!({ "organizationId": branch, "email": "eve@acme.example" }), "CONFLICT"),
        ("mutation($input: InviteMemberInput!) { inviteMember(input: $input) { member { id } } }", json!({ "organizationId": uuid::Uuid::new_v4().to_string(), "email": "z@acme.example" }), "NOT_FOUND"),
        ("mutation($input: RevokeGrantInput!) { revokeGrant(input: $input) { revokedGrantId } }", json!({ "organizationId": hq, "grantId": uuid::Uuid::new_v4().to_string() }), "NOT_FOUND"),
        ("mutation($input: DeleteRoleInput!) { deleteRole(input: $input) { deletedRoleId } }", json!({ "organizationId": hq, "roleId": role_id }), "CONFLICT"),
        ("mutation($input: DeleteRoleInput!) { deleteRole(input: $input) { deletedRoleId } }", json!({ "organizationId": hq, "roleId": "not-an-id" }), "BAD_USER_INPUT"),
        ("mutation($input: UpdateMemberStatusInput!) { updateMemberStatus(input: $input) { member { id } } }", json!({ "organizationId": hq, "userId": eve_id, "status": "ACTIVE" }), "NOT_FOUND"),
        ("mutation($input: UpdateMemberStatusInput!) { updateMemberStatus(input: $input) { member { id } } }", json!({ "organizationId": branch, "userId": eve_id, "status": "GONE" }), "BAD_USER_INPUT"),
        ("mutation($input: RemoveMemberInput!) { removeMember(input: $input) { member { id } } }", json!({ "organizationId": branch, "userId": "nope" }), "BAD_USER_INPUT"),
        ("mutation($input: RemoveMemberInput!) { removeMember(input: $input) { member { id } } }", json!({ "memberId": uuid::Uuid::new_v4().to_string() }), "NOT_FOUND"),
        ("mutation($input: RemoveMemberInput!) { removeMember(input: $input) { member { id } } }", json!({ "memberId": eve_member, "organizationId": branch }), "BAD_USER_INPUT"),
        ("mutation($input: RemoveMemberInput!) { removeMember(input: $input) { member { id } } }", json!({ "organizationId": branch }), "BAD_USER_INPUT"),
        ("mutation($input: LinkMemberCalendarInput!) { linkMemberCalendar(input: $input) { member { id } } }", json!({ "memberId": "nope" }), "BAD_USER_INPUT"),
        ("mutation($input: LinkMemberCalendarInput!) { linkMemberCalendar(input: $input) { member { id } } }", json!({ "organizationId": branch, "userId": eve_id, "integrationId": uuid::Uuid::new_v4().to_string() }), "BAD_USER_INPUT"),
        ("mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }", json!({ "organizationId": branch, "email": "x@acme.example", "role": "EMPLOYEE", "applicationId": uuid::Uuid::new_v4().to_string() }), "BAD_USER_INPUT"),
    ] {
        let reply = server.gql(Some(&owner), query, json!({ "input": input }));
        assert_eq!(reply.code(), Some(code), "{input}: {}", reply.body);
        assert_eq!(crate::harness::row_counts(&server.db), before, "{input} wrote something");
        assert_eq!(audit_events(&server), before_events, "{input} was audited");
    }
}

fn audit_events(server: &TestServer) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let store = server.db.connect();
    let mut conn = store.read_connection().unwrap();
    let rows: Vec<N> = diesel::sql_query(
        "SELECT (SELECT COUNT(*) FROM audit_events) + (SELECT COUNT(*) FROM account_audit_events) AS n",
    )
        .load(&mut *conn)
        .unwrap();
    rows[0].n
}

/// A tiny deterministic generator, so that failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

const ROLES: [(&str, &[&str]); 4] = [
    (
        "OPS_ADMIN",
        &[
            "organization:read",
            "organization:manage",
            "members:read",
            "members:manage",
            "roles:manage",
            "settings:read",
            "settings:manage",
            "applications:read",
            "applications:manage",
            "integrations:manage",
            "authorizations:manage",
            "scheduling:manage",
            "scheduling:act_on_behalf",
            "events:read",
            "billing:manage",
            "audit:read",
        ],
    ),
    (
        "DEVELOPER",
        &[
            "organization:read",
            "settings:read",
            "applications:read",
            "applications:manage",
        ],
    ),
    (
        "EMPLOYEE",
        &["organization:read", "members:read", "settings:read"],
    ),
    (
        "SCHEDULING_COORDINATOR",
        &[
            "organization:read",
            "members:read",
            "settings:read",
            "scheduling:manage",
            "scheduling:act_on_behalf",
            "events:read",
        ],
    ),
];

fn visibility_and_can_match_an_independent_model(backend: Backend) {
    let server = TestServer::start(backend);
    let mut rng = XorShift(0x0DDC_0FFE);
    let users = [
        "u0@x.example",
        "u1@x.example",
        "u2@x.example",
        "u3@x.example",
    ];
    // The model: parent of each organization, and each user's (organization, role) grants.
    let mut parent: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut held: BTreeMap<&str, Vec<(String, &str)>> = BTreeMap::new();
    let mut networks: Vec<Vec<String>> = Vec::new();
    for n in 0..3 {
        let owner_email = format!("owner{n}@x.example");
        let owner = server.token(&owner_email);
        let root = id(&server.add_organization(&owner, &format!("Net {n}")));
        parent.insert(root.clone(), None);
        let mut in_network = vec![root];
        for i in 0..5 {
            let under = in_network[rng.next(in_network.len())].clone();
            let child = id(&server.add_sub(&owner, &under, &format!("Unit {n}.{i}")));
            parent.insert(child.clone(), Some(under));
            in_network.push(child);
        }
        for _ in 0..4 {
            let user = users[rng.next(users.len())];
            let org = in_network[rng.next(in_network.len())].clone();
            let (role, _) = ROLES[rng.next(ROLES.len())];
            let reply = server.gql(
                Some(&owner),
                "mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }",
                json!({ "input": { "organizationId": org, "email": user, "role": role } }),
            );
            if reply.code() == Some("CONFLICT") {
                continue; // the same grant twice
            }
            reply.ok();
            held.entry(user).or_default().push((org, role));
        }
        networks.push(in_network);
    }
    let permissions = ROLES[0].1;
    let expected = |user: &str, org: &str| -> BTreeSet<&str> {
        let mut chain = vec![org.to_owned()];
        while let Some(Some(p)) = parent.get(chain.last().unwrap()) {
            chain.push(p.clone());
        }
        held.get(user)
            .into_iter()
            .flatten()
            .filter(|(on, _)| chain.contains(on))
            .flat_map(|(_, role)| {
                ROLES
                    .iter()
                    .find(|(r, _)| r == role)
                    .unwrap()
                    .1
                    .iter()
                    .copied()
            })
            .collect()
    };
    let orgs: Vec<String> = parent.keys().cloned().collect();
    let mut checked = 0;
    for user in users {
        let token = server.token(user);
        checked += assert_answers_match(&server, &token, user, &orgs, permissions, &|org| {
            expected(user, org)
        });
    }
    assert_eq!(checked, users.len() * orgs.len() * permissions.len());

    // Applications (Organization Connect): in each network the owner authorizes the
    // application on one organization, with some scopes, with or without its subtree. Its
    // token holds exactly those scopes there (and below if consented), nothing elsewhere.
    let app = server.create_application("integrator@x.example", permissions);
    let is_within = |org: &str, at: &str, subtree: bool| {
        let mut node = Some(org.to_owned());
        while let Some(current) = node {
            if current == at {
                return true;
            }
            if !subtree {
                return false;
            }
            node = parent.get(&current).cloned().flatten();
        }
        false
    };
    let mut authorized = Vec::new();
    for (n, in_network) in networks.iter().enumerate() {
        let owner = server.token(&format!("owner{n}@x.example"));
        // Network 0: its root alone (it has children the token must not reach); network 1:
        // a subtree; network 2: drawn.
        let at = match n {
            0 => in_network[0].clone(),
            _ => in_network[rng.next(in_network.len())].clone(),
        };
        let mut scopes: Vec<&str> = permissions
            .iter()
            .copied()
            .filter(|_| rng.next(2) == 0)
            .collect();
        if !scopes.contains(&"organization:read") {
            scopes.push("organization:read");
        }
        let subtree = match n {
            0 => false,
            1 => true,
            _ => rng.next(2) == 0,
        };
        let tokens = server.authorize(&owner, &app, &at, &scopes, subtree);
        let token = tokens["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token: {tokens}"))
            .to_owned();
        let label = format!("application on {at} (subtree: {subtree})");
        let want = |org: &str| -> BTreeSet<&str> {
            if is_within(org, &at, subtree) {
                scopes.iter().copied().collect()
            } else {
                BTreeSet::new()
            }
        };
        assert_answers_match(&server, &token, &label, &orgs, permissions, &want);
        authorized.push((owner, token, at));
    }

    // Revoked, an application's token reads nothing at all.
    for (owner, token, at) in authorized {
        let listed = server.gql(
            Some(&owner),
            "query($id: ID!) { organization(id: $id) { authorizations { id } } }",
            json!({ "id": at }),
        );
        let authorization = listed.ok()["organization"]["authorizations"][0]["id"].clone();
        server
            .gql(
                Some(&owner),
                "mutation($id: ID!) { revokeAuthorization(input: { id: $id }) { authorization { id } } }",
                json!({ "id": authorization }),
            )
            .ok();
        let reply = server.organization(&token, &at);
        assert_eq!(
            reply.status, 401,
            "a revoked token still reads: {}",
            reply.body
        );
    }
}

/// Asks, as `token`, `can` and `checkPermissions` for every permission on every organization,
/// and `organization` for each, and compares with `expected` (the model's permissions of
/// the caller there). Returns the number of checks.
fn assert_answers_match(
    server: &TestServer,
    token: &str,
    caller: &str,
    orgs: &[String],
    permissions: &[&str],
    expected: &dyn Fn(&str) -> BTreeSet<&'static str>,
) -> usize {
    let mut checked = 0;
    // All checks in one request, by alias.
    let mut query = String::from("{");
    for (o, org) in orgs.iter().enumerate() {
        query.push_str(&format!(
            " v{o}: organizations(first: 1, filter: {{ rootId: \"{org}\" }}) {{ totalCount }}"
        ));
        for (p, permission) in permissions.iter().enumerate() {
            query.push_str(&format!(
                " c{o}_{p}: can(organizationId: \"{org}\", permission: \"{permission}\")"
            ));
        }
    }
    query.push_str(" }");
    let reply = server.gql(Some(token), &query, json!({}));
    // The same checks again as one `checkPermissions` list, answered in order.
    let checks: Vec<Value> = orgs
        .iter()
        .flat_map(|org| {
            permissions
                .iter()
                .map(move |p| json!({ "organizationId": org, "permission": p }))
        })
        .collect();
    let bulk = server.gql(
        Some(token),
        "query($checks: [PermissionCheckInput!]!) { checkPermissions(checks: $checks) { organizationId permission allowed } }",
        json!({ "checks": checks }),
    );
    let answers = bulk.ok()["checkPermissions"].as_array().unwrap().clone();
    assert_eq!(answers.len(), checks.len());
    for (o, org) in orgs.iter().enumerate() {
        let want = expected(org);
        for (p, permission) in permissions.iter().enumerate() {
            let got = reply.data()[format!("c{o}_{p}")].as_bool();
            assert_eq!(
                got,
                Some(want.contains(permission)),
                "{caller} {permission} on {org}"
            );
            let answer = &answers[o * permissions.len() + p];
            assert_eq!(answer["organizationId"], org.as_str());
            assert_eq!(answer["permission"], *permission);
            assert_eq!(
                answer["allowed"].as_bool(),
                Some(want.contains(permission)),
                "checkPermissions: {caller} {permission} on {org}"
            );
            checked += 1;
        }
        let single = server.organization(token, org);
        if want.contains("organization:read") {
            single.ok();
        } else {
            assert_eq!(
                single.code(),
                Some("NOT_FOUND"),
                "{caller} must not see {org}"
            );
            assert_eq!(single.message(), "not found");
            assert!(
                reply.data()[format!("v{o}")].is_null(),
                "{caller} filtered by a hidden root"
            );
        }
    }
    checked
}

/// `checkPermissions`: answers like `can` (unknown and deleted organizations are false), and a
/// malformed check, or too many, fail the field with a code naming the check.
fn check_permissions_answers_like_can_and_refuses_bad_checks(backend: Backend) {
    let server = TestServer::start(backend);
    let owner = server.token("owner@x.example");
    let hq = id(&server.add_organization(&owner, "HQ"));
    let branch = id(&server.add_sub(&owner, &hq, "Branch"));
    let gone = id(&server.add_sub(&owner, &hq, "Gone"));
    server.try_delete(&owner, &gone).ok();
    let unknown = "00000000-0000-4000-8000-000000000000";
    const CHECKS: &str = "query($checks: [PermissionCheckInput!]!) { checkPermissions(checks: $checks) { organizationId permission applicationId allowed } }";
    let ask =
        |token: &str, checks: Value| server.gql(Some(token), CHECKS, json!({ "checks": checks }));

    let reply = ask(
        &owner,
        json!([
            { "organizationId": branch, "permission": "settings:manage" },
            { "organizationId": unknown, "permission": "settings:manage" },
            { "organizationId": gone, "permission": "organization:read" },
            { "organizationId": hq, "permission": "audit:read" },
        ]),
    );
    let allowed: Vec<bool> = reply.ok()["checkPermissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["allowed"].as_bool().unwrap())
        .collect();
    assert_eq!(allowed, [true, false, false, true]);
    assert_eq!(reply.ok()["checkPermissions"][1]["organizationId"], unknown);
    assert!(reply.ok()["checkPermissions"][0]["applicationId"].is_null());

    // Someone else, granted nothing: every answer is false, hidden or not.
    let stranger = server.token("stranger@x.example");
    let reply = ask(
        &stranger,
        json!([{ "organizationId": branch, "permission": "organization:read" }]),
    );
    assert_eq!(reply.ok()["checkPermissions"][0]["allowed"], false);
    assert!(!can(&server, &stranger, &branch, "organization:read"));

    // Bad checks fail the whole field, naming the check.
    let reply = ask(
        &owner,
        json!([
            { "organizationId": branch, "permission": "settings:manage" },
            { "organizationId": "not-an-id", "permission": "settings:manage" },
        ]),
    );
    assert_eq!(reply.code(), Some("BAD_USER_INPUT"));
    assert!(
        reply.message().contains("checks[1].organizationId"),
        "{}",
        reply.message()
    );
    let reply = ask(
        &owner,
        json!([{ "organizationId": branch, "permission": "settings:fly" }]),
    );
    assert_eq!(reply.code(), Some("BAD_USER_INPUT"));
    assert!(
        reply.message().contains("checks[0].permission"),
        "{}",
        reply.message()
    );
    let too_many: Vec<Value> = (0..1_001)
        .map(|_| json!({ "organizationId": branch, "permission": "settings:manage" }))
        .collect();
    assert_eq!(ask(&owner, json!(too_many)).code(), Some("LIMIT_EXCEEDED"));
    // Without a token: refused like every query.
    assert_eq!(
        server.gql(None, CHECKS, json!({ "checks": [] })).code(),
        Some("UNAUTHENTICATED")
    );
}
