//! Directory onboarding over SCIM 2.0 (issue 16, SPEC §4, §8): the request sequences Entra
//! ID and Okta send, replayed from `tests/fixtures/scim`, and the member states they produce;
//! isolation between organizations; RFC errors that write nothing.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{json, Value};

use crate::harness::invariants::all_row_counts;
use crate::harness::scim::replay;
use crate::harness::{Backend, TestDatabase, TestServer};
use crate::on_both_backends;

on_both_backends!(
    entra_id_provisions_disables_restores_and_deletes,
    okta_pushes_users_and_a_group_that_a_group_rule_onboards,
    members_added_by_hand_are_never_touched,
    one_person_is_one_member_and_an_administrator_s_suspension_holds,
    a_token_acts_only_in_its_organization_and_revocation_bites_at_once,
    bad_requests_get_rfc_errors_and_write_nothing,
    lists_pages_projections_and_discovery,
    rules_and_the_directory_in_graphql,
);

const ADMIN: &str = "it@contoso.test";
const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

struct Directory {
    server: TestServer,
    admin: String,
    org: String,
    token: String,
}

fn directory(backend: Backend, name: &str) -> Directory {
    let server = TestServer::start_with(Arc::new(TestDatabase::create(backend)), &[]);
    let admin = server.token(ADMIN);
    let org = crate::harness::ops::id(&server.add_organization(&admin, name));
    let token = server.create_scim_token(&admin, &org);
    Directory {
        server,
        admin,
        org,
        token,
    }
}

impl Directory {
    fn members(&self) -> HashMap<String, (String, String, Vec<String>)> {
        self.server.members_by_email(&self.admin, &self.org)
    }

    fn status_of(&self, email: &str) -> Option<String> {
        self.members()
            .get(&email.to_lowercase())
            .map(|m| m.0.clone())
    }

    fn events(&self) -> Vec<Value> {
        let reply = self.server.gql(
            Some(&self.admin),
            "query($id: ID!) { organization(id: $id) { provisioningEvents(first: 100) { edges { node { operation userName outcome detail scimTokenId } } } } }",
            json!({ "id": self.org }),
        );
        reply.ok()["organization"]["provisioningEvents"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect()
    }

    fn user(&self, user_name: &str) -> Value {
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": { "givenName": "Given", "familyName": "Family" },
            "emails": [{ "value": user_name, "type": "work", "primary": true }],
            "active": true,
        });
        let reply = self.server.scim(&self.token, "POST", "/Users", Some(&body));
        assert_eq!(reply.status, 201, "{}", reply.text);
        body["id"] = reply.body["id"].clone();
        body
    }
}

const ALICE: &str = "test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com";
const BOB: &str = "test_user_58342554-38d6-4ec8-948c-50044d0a33fd@testuser.com";

fn entra_id_provisions_disables_restores_and_deletes(backend: Backend) {
    let d = directory(backend, "Contoso");
    d.server
        .create_onboarding_rule(&d.admin, &d.org, None, "EMPLOYEE");
    let mut seen_bob = false;
    replay(&d.server, &d.token, "entra.json", |step, _| match step {
        0 | 1 => assert!(d.members().is_empty(), "nobody is onboarded by a filter"),
        2 => assert_eq!(
            d.members().get(ALICE),
            Some(&(
                "ACTIVE".to_owned(),
                "DIRECTORY".to_owned(),
                vec!["EMPLOYEE".to_owned()]
            ))
        ),
        5 => assert_eq!(
            d.status_of(ALICE).as_deref(),
            Some("SUSPENDED"),
            "\"active\": \"False\""
        ),
        6 => assert_eq!(
            d.status_of(ALICE).as_deref(),
            Some("ACTIVE"),
            "\"active\": \"True\""
        ),
        11 => {
            // The UPN changed: the same member stays, known by the person it was onboarded as.
            assert_eq!(d.members().len(), 1);
            assert_eq!(d.status_of(ALICE).as_deref(), Some("ACTIVE"));
        }
        14 => {
            assert_eq!(d.status_of(BOB).as_deref(), Some("ACTIVE"));
            seen_bob = true;
        }
        22 => assert_eq!(d.status_of(BOB).as_deref(), Some("SUSPENDED")),
        23 => assert_eq!(
            d.status_of(BOB).as_deref(),
            Some("SUSPENDED"),
            "a SCIM DELETE suspends"
        ),
        _ => {}
    });
    assert!(seen_bob);
    let events = d.events();
    assert!(events.iter().any(|e| e["operation"] == "DELETE /Users"
        && e["outcome"] == "MEMBER_UNCHANGED"
        && e["detail"] == "the directory deleted the user"));
    assert!(events
        .iter()
        .any(|e| e["operation"] == "PATCH /Users" && e["outcome"] == "MEMBER_SUSPENDED"));
    assert!(events.iter().all(|e| e["scimTokenId"].is_string()));
    // Every change is audited with the directory as the actor.
    let audit = d.server.gql(
        Some(&d.admin),
        "query($id: ID!) { organization(id: $id) { auditLog(first: 100) { edges { node { action actorScimTokenId actor { id } } } } } }",
        json!({ "id": d.org }),
    );
    let actions: Vec<(String, bool)> = audit.ok()["organization"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["action"].as_str().unwrap().to_owned(),
                e["node"]["actorScimTokenId"].is_string(),
            )
        })
        .collect();
    for action in [
        "scimCreateUser",
        "scimPatchUser",
        "scimDeleteUser",
        "scimCreateGroup",
        "scimPatchGroup",
        "scimDeleteGroup",
        "directoryAddMember",
        "directorySuspendMember",
        "directoryReactivateMember",
    ] {
        assert!(
            actions.contains(&(action.to_owned(), true)),
            "{action} by the directory in {actions:?}"
        );
    }
}

const CAROL: &str = "test.user@okta.local";
const JANE: &str = "jane.doe@example.com";

fn okta_pushes_users_and_a_group_that_a_group_rule_onboards(backend: Backend) {
    let d = directory(backend, "Okta Customer");
    let all_users = d
        .server
        .create_onboarding_rule(&d.admin, &d.org, None, "EMPLOYEE");
    replay(
        &d.server,
        &d.token,
        "okta.json",
        |step, captured| match step {
            3 => {
                assert_eq!(d.status_of(CAROL).as_deref(), Some("ACTIVE"));
                let member = d.server.gql(
                    Some(&d.admin),
                    "query($id: ID!) { organization(id: $id) { members(first: 5) { edges { node { externalId } } } } }",
                    json!({ "id": d.org }),
                );
                assert_eq!(
                    member.ok()["organization"]["members"]["edges"][0]["node"]["externalId"],
                    "00ujl29u0le5T6Aj10h7",
                    "the member carries the directory's externalId"
                );
            }
            7 => assert_eq!(
                d.status_of(CAROL).as_deref(),
                Some("SUSPENDED"),
                "path-less replace of active"
            ),
            9 => assert_eq!(d.status_of(CAROL).as_deref(), Some("ACTIVE")),
            12 => {
                // From now on only the pushed group's members are onboarded.
                let deleted = d.server.gql(
                Some(&d.admin),
                "mutation($id: ID!) { deleteOnboardingRule(input: { id: $id }) { deletedOnboardingRuleId } }",
                json!({ "id": all_users }),
            );
                deleted.ok();
                d.server.create_onboarding_rule(
                    &d.admin,
                    &d.org,
                    Some(&captured["group"]),
                    "SCHEDULING_COORDINATOR",
                );
                let members = d.members();
                for email in [CAROL, JANE] {
                    assert_eq!(
                        members.get(email),
                        Some(&(
                            "ACTIVE".to_owned(),
                            "DIRECTORY_GROUP".to_owned(),
                            vec!["SCHEDULING_COORDINATOR".to_owned()]
                        )),
                        "{email}: the all-users rule's grant went with it, the group rule's came"
                    );
                }
            }
            15 => assert_eq!(
                d.status_of(CAROL).as_deref(),
                Some("SUSPENDED"),
                "left the group"
            ),
            16 => assert_eq!(
                d.status_of(CAROL).as_deref(),
                Some("ACTIVE"),
                "back in the group"
            ),
            17 => assert_eq!(d.status_of(JANE).as_deref(), Some("ACTIVE")),
            18 => {
                assert_eq!(
                    d.status_of(JANE).as_deref(),
                    Some("SUSPENDED"),
                    "replaced out of the group"
                );
                assert_eq!(d.status_of(CAROL).as_deref(), Some("ACTIVE"));
            }
            20 => {
                assert_eq!(
                    d.status_of(CAROL).as_deref(),
                    Some("SUSPENDED"),
                    "the group is gone"
                );
                let rules = d.server.gql(
                    Some(&d.admin),
                    "query($id: ID!) { organization(id: $id) { onboardingRules { id } } }",
                    json!({ "id": d.org }),
                );
                assert_eq!(rules.ok()["organization"]["onboardingRules"], json!([]));
            }
            _ => {}
        },
    );
}

fn members_added_by_hand_are_never_touched(backend: Backend) {
    let d = directory(backend, "Manual");
    let invited = d.server.gql(
        Some(&d.admin),
        "mutation($org: ID!) { inviteMember(input: { organizationId: $org, email: \"Hand@Contoso.test\" }) { member { status } } }",
        json!({ "org": d.org }),
    );
    assert_eq!(invited.ok()["inviteMember"]["member"]["status"], "INVITED");
    d.server
        .create_onboarding_rule(&d.admin, &d.org, None, "EMPLOYEE");
    let user = d.user("hand@contoso.test");
    let id = user["id"].as_str().unwrap();
    let off = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "value": { "active": false } }] });
    assert_eq!(
        d.server
            .scim(&d.token, "PATCH", &format!("/Users/{id}"), Some(&off))
            .status,
        200
    );
    assert_eq!(
        d.server
            .scim(&d.token, "DELETE", &format!("/Users/{id}"), None)
            .status,
        204
    );
    assert_eq!(
        d.members().get("hand@contoso.test"),
        Some(&("INVITED".to_owned(), "MANUAL".to_owned(), vec![])),
    );
    let events = d.events();
    assert_eq!(events.len(), 3);
    assert!(
        events
            .iter()
            .all(|e| e["outcome"] == "MANUAL_MEMBER_UNTOUCHED"),
        "{events:?}"
    );
    // An administrator's REMOVED member stays removed whatever the directory says.
    let removed = d.user("gone@contoso.test");
    let gone_user = d.members().get("gone@contoso.test").cloned();
    assert_eq!(gone_user.map(|m| m.0).as_deref(), Some("ACTIVE"));
    let user_id = d.server.gql(
        Some(&d.admin),
        "query($id: ID!) { organization(id: $id) { members(first: 100) { edges { node { user { id email } } } } } }",
        json!({ "id": d.org }),
    );
    let person = user_id.ok()["organization"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["user"]["email"] == "gone@contoso.test")
        .map(|e| e["node"]["user"]["id"].as_str().unwrap().to_owned())
        .unwrap();
    d.server
        .gql(
            Some(&d.admin),
            "mutation($org: ID!, $user: ID!) { removeMember(input: { organizationId: $org, userId: $user }) { member { status } } }",
            json!({ "org": d.org, "user": person }),
        )
        .ok();
    let put = d.server.scim(
        &d.token,
        "PUT",
        &format!("/Users/{}", removed["id"].as_str().unwrap()),
        Some(&removed),
    );
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(d.status_of("gone@contoso.test").as_deref(), Some("REMOVED"));
}

fn a_token_acts_only_in_its_organization_and_revocation_bites_at_once(backend: Backend) {
    let a = directory(backend, "Tenant A");
    // A second organization (its own network) on the same server, with its own directory.
    let other_admin = a.server.token("it@fabrikam.test");
    let b_org = crate::harness::ops::id(&a.server.add_organization(&other_admin, "Tenant B"));
    let b_token = a.server.create_scim_token(&other_admin, &b_org);
    let b = Directory {
        server: TestServer::start_with(a.server.db.clone(), &[]),
        admin: other_admin,
        org: b_org,
        token: b_token,
    };
    let theirs = b.user("someone@fabrikam.test");
    let their_id = theirs["id"].as_str().unwrap();
    let unknown = "0a0b0c0d-0000-4000-8000-000000000000";
    for path in [
        format!("/Users/{their_id}"),
        format!("/Users/{unknown}"),
        "/Users/not-an-id".to_owned(),
    ] {
        let get = a.server.scim(&a.token, "GET", &path, None);
        assert_eq!(get.status, 404, "{path}");
        assert_eq!(get.body["detail"], "no such resource");
        let patch = a.server.scim(&a.token, "PATCH", &path, Some(&json!({ "Operations": [{ "op": "replace", "path": "displayName", "value": "x" }] })));
        assert_eq!(patch.status, 404);
        assert_eq!(a.server.scim(&a.token, "DELETE", &path, None).status, 404);
        assert_eq!(
            a.server
                .scim(
                    &a.token,
                    "PUT",
                    &path,
                    Some(&json!({ "userName": "x@y.z" }))
                )
                .status,
            404
        );
    }
    let filtered = a.server.scim(
        &a.token,
        "GET",
        &format!("/Users?filter=id%20eq%20%22{their_id}%22"),
        None,
    );
    assert_eq!(filtered.body["totalResults"], 0);
    let by_name = a.server.scim(
        &a.token,
        "GET",
        "/Users?filter=userName%20eq%20%22someone%40fabrikam.test%22",
        None,
    );
    assert_eq!(by_name.body["totalResults"], 0);
    // A group of A can't hold B's user: refused exactly as an unknown id.
    let foreign = a.server.scim(
        &a.token,
        "POST",
        "/Groups",
        Some(&json!({ "displayName": "G", "members": [{ "value": their_id }] })),
    );
    let missing = a.server.scim(
        &a.token,
        "POST",
        "/Groups",
        Some(&json!({ "displayName": "G", "members": [{ "value": unknown }] })),
    );
    assert_eq!((foreign.status, missing.status), (400, 400));
    assert_eq!(
        foreign.body["detail"]
            .as_str()
            .unwrap()
            .replace(their_id, "ID"),
        missing.body["detail"]
            .as_str()
            .unwrap()
            .replace(unknown, "ID")
    );
    assert_eq!(
        b.server
            .scim(&b.token, "GET", &format!("/Users/{their_id}"), None)
            .status,
        200
    );

    // A SCIM token is no GraphQL token.
    let graphql = a.server.gql(Some(&a.token), "{ __typename }", json!({}));
    assert_eq!(graphql.status, 401);
    assert!(graphql.message().contains("SCIM"), "{}", graphql.message());
    // Nor is a person's token a SCIM token.
    assert_eq!(a.server.scim(&a.admin, "GET", "/Users", None).status, 401);
    let anonymous = a.server.scim_raw(None, "GET", "/Users", None, &[]);
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["schemas"], json!([ERROR_URN]));
    assert_eq!(anonymous.body["status"], "401");

    // Revoked: refused on the very next request, by every server process.
    let listed = a.server.gql(
        Some(&a.admin),
        "query($id: ID!) { organization(id: $id) { scimTokens { id active } } }",
        json!({ "id": a.org }),
    );
    let token_id = listed.ok()["organization"]["scimTokens"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(a.server.scim(&a.token, "GET", "/Users", None).status, 200);
    let revoked = a.server.gql(
        Some(&a.admin),
        "mutation($id: ID!) { revokeScimToken(input: { id: $id }) { scimToken { active revokedAt } } }",
        json!({ "id": token_id }),
    );
    assert_eq!(
        revoked.ok()["revokeScimToken"]["scimToken"]["active"],
        false
    );
    assert_eq!(a.server.scim(&a.token, "GET", "/Users", None).status, 401);
    assert_eq!(
        b.server
            .scim(
                &a.token,
                "POST",
                "/Users",
                Some(&json!({ "userName": "late@contoso.test" }))
            )
            .status,
        401
    );
    // The other organization's administrator can't see or revoke A's token.
    let foreign_revoke = a.server.gql(
        Some(&b.admin),
        "mutation($id: ID!) { revokeScimToken(input: { id: $id }) { scimToken { active } } }",
        json!({ "id": token_id }),
    );
    foreign_revoke.expect_code("NOT_FOUND");
    // A token of a deleted organization is refused too.
    a.server.try_delete(&b.admin, &b.org).ok();
    assert_eq!(b.server.scim(&b.token, "GET", "/Users", None).status, 401);
}

fn directory_row_counts(db: &TestDatabase) -> BTreeMap<&'static str, i64> {
    let mut counts = all_row_counts(db);
    counts.extend(crate::harness::invariants::count_rows(
        db,
        &[
            "scim_tokens",
            "directory_users",
            "directory_groups",
            "directory_group_members",
            "onboarding_rules",
            "provisioning_events",
        ],
    ));
    counts
}

/// What is sent, how, where, with which body, and the status and `scimType` expected.
type Case<'a> = (
    &'a str,
    &'a str,
    String,
    Option<Vec<u8>>,
    u16,
    Option<&'a str>,
);

fn bad_requests_get_rfc_errors_and_write_nothing(backend: Backend) {
    let d = directory(backend, "Strict");
    d.server
        .create_onboarding_rule(&d.admin, &d.org, None, "EMPLOYEE");
    let ada = d.user("ada@strict.test");
    let ada_id = ada["id"].as_str().unwrap().to_owned();
    d.user("grace@strict.test");
    let group = d.server.scim(
        &d.token,
        "POST",
        "/Groups",
        Some(&json!({ "displayName": "Engineering" })),
    );
    assert_eq!(group.status, 201);
    let before = directory_row_counts(&d.server.db);
    let patch = |ops: Value| json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops });
    let ada_path = format!("/Users/{ada_id}");
    let cases: Vec<Case> = vec![
        ("malformed JSON", "POST", "/Users".into(), Some(b"{\"userName\": ".to_vec()), 400, Some("invalidSyntax")),
        ("an unknown attribute", "POST", "/Users".into(), Some(json!({ "userName": "new@strict.test", "shoeSize": 44 }).to_string().into_bytes()), 400, Some("invalidSyntax")),
        ("a wrong type", "POST", "/Users".into(), Some(json!({ "userName": "new@strict.test", "active": "perhaps" }).to_string().into_bytes()), 400, Some("invalidValue")),
        ("no userName", "POST", "/Users".into(), Some(json!({ "displayName": "Nameless" }).to_string().into_bytes()), 400, Some("invalidValue")),
        ("a duplicate userName, in another case", "POST", "/Users".into(), Some(json!({ "userName": "ADA@strict.test" }).to_string().into_bytes()), 409, Some("uniqueness")),
        ("a duplicate group name", "POST", "/Groups".into(), Some(json!({ "displayName": "engineering" }).to_string().into_bytes()), 409, Some("uniqueness")),
        ("an unsupported filter", "GET", "/Users?filter=title%20co%20%22x%22".into(), None, 400, Some("invalidFilter")),
        ("a malformed filter", "GET", "/Users?filter=userName%20eq".into(), None, 400, Some("invalidFilter")),
        ("a PATCH of id", "PATCH", ada_path.clone(), Some(patch(json!([{ "op": "replace", "path": "id", "value": "x" }])).to_string().into_bytes()), 400, Some("mutability")),
        ("a PATCH of groups", "PATCH", ada_path.clone(), Some(patch(json!([{ "op": "add", "path": "groups", "value": [{ "value": "x" }] }])).to_string().into_bytes()), 400, Some("mutability")),
        ("a PATCH of meta after a valid operation", "PATCH", ada_path.clone(), Some(patch(json!([{ "op": "replace", "path": "displayName", "value": "Changed" }, { "op": "replace", "path": "meta", "value": {} }])).to_string().into_bytes()), 400, Some("mutability")),
        ("a PATCH of an unknown path", "PATCH", ada_path.clone(), Some(patch(json!([{ "op": "replace", "path": "shoeSize", "value": 44 }])).to_string().into_bytes()), 400, Some("invalidPath")),
        ("a PATCH renaming onto another user", "PATCH", ada_path.clone(), Some(patch(json!([{ "op": "replace", "path": "userName", "value": "GRACE@strict.test" }])).to_string().into_bytes()), 409, Some("uniqueness")),
        ("an unknown op", "PATCH", ada_path.clone(), Some(patch(json!([{ "op": "merge", "path": "displayName", "value": "x" }])).to_string().into_bytes()), 400, Some("invalidValue")),
        ("a remove without a path", "PATCH", ada_path.clone(), Some(patch(json!([{ "op": "remove" }])).to_string().into_bytes()), 400, Some("noTarget")),
    ];
    for (what, method, path, body, status, kind) in cases {
        let reply = d.server.scim_raw(
            Some(&d.token),
            method,
            &path,
            body,
            &[("content-type", "application/scim+json")],
        );
        assert_eq!(reply.status, status, "{what}: {}", reply.text);
        assert_eq!(reply.scim_type(), kind, "{what}: {}", reply.text);
        assert_eq!(reply.body["schemas"], json!([ERROR_URN]), "{what}");
        assert_eq!(
            reply.body["status"],
            status.to_string(),
            "{what}: status is a string"
        );
        assert!(reply
            .header("content-type")
            .unwrap()
            .starts_with("application/scim+json"));
        assert_eq!(
            directory_row_counts(&d.server.db),
            before,
            "{what} wrote nothing"
        );
    }
    // A stale If-Match: 412, nothing written.
    let stale = d.server.scim_raw(
        Some(&d.token),
        "PATCH",
        &ada_path,
        Some(
            patch(json!([{ "op": "replace", "path": "displayName", "value": "x" }]))
                .to_string()
                .into_bytes(),
        ),
        &[
            ("content-type", "application/scim+json"),
            ("if-match", "W/\"99\""),
        ],
    );
    assert_eq!(stale.status, 412, "{}", stale.text);
    let wrong_type = d.server.scim_raw(
        Some(&d.token),
        "POST",
        "/Users",
        Some(b"userName=x".to_vec()),
        &[("content-type", "application/x-www-form-urlencoded")],
    );
    assert_eq!(wrong_type.status, 415);
    assert_eq!(directory_row_counts(&d.server.db), before);
    // The current version passes.
    let current = d.server.scim(&d.token, "GET", &ada_path, None);
    let etag = current.header("etag").unwrap().to_owned();
    assert_eq!(current.body["meta"]["version"], etag.as_str());
    let fresh = d.server.scim_raw(
        Some(&d.token),
        "PATCH",
        &ada_path,
        Some(
            patch(json!([{ "op": "replace", "path": "displayName", "value": "Ada" }]))
                .to_string()
                .into_bytes(),
        ),
        &[
            ("content-type", "application/scim+json"),
            ("if-match", &etag),
        ],
    );
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    assert_ne!(fresh.header("etag").unwrap(), etag);
}

fn lists_pages_projections_and_discovery(backend: Backend) {
    let d = directory(backend, "Lists");
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            d.user(&format!("user{i}@lists.test"))["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let off = json!({ "Operations": [{ "op": "replace", "path": "active", "value": false }] });
    assert_eq!(
        d.server
            .scim(&d.token, "PATCH", &format!("/Users/{}", ids[4]), Some(&off))
            .status,
        200
    );
    let mut paged = Vec::new();
    for start in [1, 3, 5] {
        let page = d.server.scim(
            &d.token,
            "GET",
            &format!("/Users?startIndex={start}&count=2"),
            None,
        );
        assert_eq!(page.status, 200);
        assert_eq!(page.body["totalResults"], 5);
        assert_eq!(page.body["startIndex"], start);
        assert_eq!(page.body["itemsPerPage"], if start == 5 { 1 } else { 2 });
        assert_eq!(
            page.body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        );
        paged.extend(
            page.body["Resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(
        paged, ids,
        "pages follow one stable order, inactive users included"
    );
    let none = d.server.scim(
        &d.token,
        "GET",
        "/Users?filter=userName+eq+%22nobody%40lists.test%22",
        None,
    );
    assert_eq!(
        (
            none.status,
            none.body["totalResults"].clone(),
            none.body["Resources"].clone()
        ),
        (200, json!(0), json!([]))
    );
    let case = d.server.scim(
        &d.token,
        "GET",
        "/Users?filter=userName%20eq%20%22USER1%40Lists.TEST%22",
        None,
    );
    assert_eq!(
        case.body["totalResults"], 1,
        "userName is matched case-insensitively"
    );
    let by_email = d.server.scim(
        &d.token,
        "GET",
        "/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22user2%40lists.test%22",
        None,
    );
    assert_eq!(by_email.body["Resources"][0]["id"], ids[2].as_str());
    let projected = d.server.scim(
        &d.token,
        "GET",
        &format!("/Users/{}?attributes=userName", ids[0]),
        None,
    );
    let keys: Vec<&str> = projected
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.contains(&"id") && keys.contains(&"schemas") && keys.contains(&"userName"));
    let group = d.server.scim(
        &d.token,
        "POST",
        "/Groups",
        Some(
            &json!({ "displayName": "All", "members": [{ "value": ids[0] }, { "value": ids[1] }] }),
        ),
    );
    assert_eq!(group.status, 201);
    assert_eq!(group.body["members"].as_array().unwrap().len(), 2);
    // Adding a member again (twice in one request, even) changes nothing; a new one joins.
    let group_path = format!("/Groups/{}", group.body["id"].as_str().unwrap());
    let again = json!({ "Operations": [{ "op": "add", "path": "members", "value": [{ "value": ids[0] }, { "value": ids[0] }, { "value": ids[2] }] }] });
    assert_eq!(
        d.server
            .scim(&d.token, "PATCH", &group_path, Some(&again))
            .status,
        204
    );
    let members = d.server.scim(&d.token, "GET", &group_path, None);
    let mut listed: Vec<&str> = members.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    listed.sort_unstable();
    let mut expected = vec![ids[0].as_str(), ids[1].as_str(), ids[2].as_str()];
    expected.sort_unstable();
    assert_eq!(listed, expected);
    let out = json!({ "Operations": [{ "op": "remove", "path": "members", "value": [{ "value": ids[2] }, { "value": ids[3] }] }] });
    assert_eq!(
        d.server
            .scim(&d.token, "PATCH", &group_path, Some(&out))
            .status,
        204
    );
    let members = d.server.scim(&d.token, "GET", &group_path, None);
    assert_eq!(
        members.body["members"].as_array().unwrap().len(),
        2,
        "removing a non-member is nothing"
    );
    assert_eq!(
        group.header("location"),
        group.body["meta"]["location"].as_str()
    );
    let without = d.server.scim(
        &d.token,
        "GET",
        "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22all%22",
        None,
    );
    assert_eq!(without.body["totalResults"], 1);
    assert!(without.body["Resources"][0].get("members").is_none());
    let user = d
        .server
        .scim(&d.token, "GET", &format!("/Users/{}", ids[0]), None);
    assert_eq!(user.body["groups"][0]["display"], "All");
    for meta in ["created", "lastModified", "version", "location"] {
        assert!(user.body["meta"][meta].is_string(), "meta.{meta}");
    }
    // Discovery, with no token.
    let config = d
        .server
        .scim_raw(None, "GET", "/ServiceProviderConfig", None, &[]);
    assert_eq!(config.status, 200);
    assert_eq!(config.body["patch"]["supported"], true);
    assert_eq!(config.body["filter"]["supported"], true);
    let types = d.server.scim_raw(None, "GET", "/ResourceTypes", None, &[]);
    assert_eq!(types.body["totalResults"], 2);
    let schemas = d.server.scim_raw(None, "GET", "/Schemas", None, &[]);
    let user_schema = schemas.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "urn:ietf:params:scim:schemas:core:2.0:User")
        .unwrap();
    let user_name = user_schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "userName")
        .unwrap();
    assert_eq!(
        (
            user_name["uniqueness"].as_str(),
            user_name["required"].as_bool()
        ),
        (Some("server"), Some(true))
    );
    assert_eq!(
        d.server
            .scim_raw(
                None,
                "GET",
                "/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                None,
                &[]
            )
            .status,
        200
    );
    assert_eq!(
        d.server.scim_raw(None, "GET", "/Nothing", None, &[]).status,
        404
    );
}

fn rules_and_the_directory_in_graphql(backend: Backend) {
    let d = directory(backend, "GraphQL");
    let ada = d.user("ada@graphql.test");
    let group = d.server.scim(
        &d.token,
        "POST",
        "/Groups",
        Some(&json!({ "displayName": "Sales", "members": [{ "value": ada["id"] }] })),
    );
    let group_id = group.body["id"].as_str().unwrap().to_owned();
    // Nobody hands out more than they hold: a members manager without roles:manage can't.
    let manager = d.server.token("manager@graphql.test");
    let role = d.server.gql(
        Some(&d.admin),
        "mutation($org: ID!) { createRole(input: { organizationId: $org, name: \"Member managers\", permissions: [\"organization:read\", \"members:read\", \"members:manage\"] }) { role { id } } }",
        json!({ "org": d.org }),
    );
    let role_id = role.ok()["createRole"]["role"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    d.server.gql(
        Some(&d.admin),
        "mutation($org: ID!, $role: String!) { grantRole(input: { organizationId: $org, email: \"manager@graphql.test\", role: $role }) { grant { id } } }",
        json!({ "org": d.org, "role": role_id }),
    ).ok();
    let refused = d.server.gql(
        Some(&manager),
        "mutation($org: ID!) { createOnboardingRule(input: { organizationId: $org, role: \"OPS_ADMIN\" }) { onboardingRule { id } } }",
        json!({ "org": d.org }),
    );
    refused.expect_code("FORBIDDEN");
    let stranger = d.server.token("stranger@elsewhere.test");
    d.server.gql(
        Some(&stranger),
        "mutation($org: ID!) { createOnboardingRule(input: { organizationId: $org, role: \"EMPLOYEE\" }) { onboardingRule { id } } }",
        json!({ "org": d.org }),
    ).expect_code("NOT_FOUND");
    d.server.gql(
        Some(&stranger),
        "mutation($org: ID!) { createScimToken(input: { organizationId: $org, description: \"x\" }) { token } }",
        json!({ "org": d.org }),
    ).expect_code("NOT_FOUND");
    let rule = d
        .server
        .create_onboarding_rule(&d.admin, &d.org, Some(&group_id), "EMPLOYEE");
    d.server.gql(
        Some(&d.admin),
        "mutation($org: ID!, $group: ID!) { createOnboardingRule(input: { organizationId: $org, directoryGroupId: $group, role: \"DEVELOPER\" }) { onboardingRule { id } } }",
        json!({ "org": d.org, "group": group_id }),
    ).expect_code("CONFLICT");
    assert_eq!(
        d.members().get("ada@graphql.test"),
        Some(&(
            "ACTIVE".to_owned(),
            "DIRECTORY_GROUP".to_owned(),
            vec!["EMPLOYEE".to_owned()]
        ))
    );
    let updated = d.server.gql(
        Some(&d.admin),
        "mutation($id: ID!) { updateOnboardingRule(input: { id: $id, role: \"DEVELOPER\" }) { onboardingRule { role directoryGroup { displayName memberCount } } } }",
        json!({ "id": rule }),
    );
    assert_eq!(
        updated.ok()["updateOnboardingRule"]["onboardingRule"],
        json!({ "role": "DEVELOPER", "directoryGroup": { "displayName": "Sales", "memberCount": 1 } })
    );
    assert_eq!(
        d.members().get("ada@graphql.test").unwrap().2,
        vec!["DEVELOPER".to_owned()]
    );
    let view = d.server.gql(
        Some(&d.admin),
        "query($id: ID!) { organization(id: $id) {
            scimTokens { description active }
            directoryUsers(first: 10) { totalCount edges { node { userName email active groups { displayName } member { status onboardingSource externalId } } } }
            directoryGroups(first: 10) { totalCount edges { node { displayName memberCount } } }
            provisioningEvents(first: 1) { edges { node { operation outcome detail } } pageInfo { hasNextPage } }
        } }",
        json!({ "id": d.org }),
    );
    let org = &view.ok()["organization"];
    assert_eq!(
        org["scimTokens"],
        json!([{ "description": "directory", "active": true }])
    );
    assert_eq!(org["directoryUsers"]["totalCount"], 1);
    assert_eq!(
        org["directoryUsers"]["edges"][0]["node"],
        json!({ "userName": "ada@graphql.test", "email": "ada@graphql.test", "active": true, "groups": [{ "displayName": "Sales" }], "member": { "status": "ACTIVE", "onboardingSource": "DIRECTORY_GROUP", "externalId": ada["id"] } })
    );
    assert_eq!(
        org["directoryGroups"],
        json!({ "totalCount": 1, "edges": [{ "node": { "displayName": "Sales", "memberCount": 1 } }] })
    );
    assert_eq!(
        org["provisioningEvents"]["edges"][0]["node"]["operation"],
        "createOnboardingRule"
    );
    assert_eq!(
        org["provisioningEvents"]["edges"][0]["node"]["outcome"],
        "MEMBER_ADDED"
    );
    assert_eq!(org["provisioningEvents"]["pageInfo"]["hasNextPage"], true);
    // The connections page forward by their cursors.
    d.user("grace@graphql.test");
    let page = |after: Option<&str>| {
        let reply = d.server.gql(
            Some(&d.admin),
            "query($id: ID!, $after: String) { organization(id: $id) {
                directoryUsers(first: 1, after: $after) { totalCount edges { node { userName } } pageInfo { hasNextPage endCursor } }
            } }",
            json!({ "id": d.org, "after": after }),
        );
        reply.ok()["organization"].clone()
    };
    let first = page(None);
    assert_eq!(first["directoryUsers"]["totalCount"], 2);
    assert_eq!(
        first["directoryUsers"]["edges"][0]["node"]["userName"],
        "ada@graphql.test"
    );
    assert_eq!(first["directoryUsers"]["pageInfo"]["hasNextPage"], true);
    let cursor = first["directoryUsers"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = page(Some(&cursor));
    assert_eq!(
        second["directoryUsers"]["edges"][0]["node"]["userName"],
        "grace@graphql.test"
    );
    assert_eq!(second["directoryUsers"]["pageInfo"]["hasNextPage"], false);
    let events = |after: Option<&str>| {
        let reply = d.server.gql(
            Some(&d.admin),
            "query($id: ID!, $after: String) { organization(id: $id) { provisioningEvents(first: 2, after: $after) { edges { node { id } } pageInfo { endCursor } } } }",
            json!({ "id": d.org, "after": after }),
        );
        reply.ok()["organization"]["provisioningEvents"].clone()
    };
    let newest = events(None);
    let older = events(newest["pageInfo"]["endCursor"].as_str());
    let ids: Vec<&Value> = newest["edges"]
        .as_array()
        .unwrap()
        .iter()
        .chain(older["edges"].as_array().unwrap())
        .map(|e| &e["node"]["id"])
        .collect();
    assert_eq!(ids.len(), 4, "two pages of two");
    for (i, id) in ids.iter().enumerate() {
        assert!(!ids[..i].contains(id), "no event on two pages");
    }
    let deleted = d.server.gql(
        Some(&d.admin),
        "mutation($id: ID!) { deleteOnboardingRule(input: { id: $id }) { deletedOnboardingRuleId } }",
        json!({ "id": rule }),
    );
    deleted.ok();
    assert_eq!(
        d.members().get("ada@graphql.test"),
        Some(&("SUSPENDED".to_owned(), "DIRECTORY_GROUP".to_owned(), vec![]))
    );
}

fn one_person_is_one_member_and_an_administrator_s_suspension_holds(backend: Backend) {
    let d = directory(backend, "People");
    // Two directory users that are one person: an employee number whose work email is the
    // other's userName.
    let number = json!({ "userName": "E123", "emails": [{ "value": "ada@people.test", "type": "work" }, { "value": "ada@home.test", "type": "home" }] });
    let created = d.server.scim(&d.token, "POST", "/Users", Some(&number));
    assert_eq!(created.status, 201, "{}", created.text);
    let by_name = d.user("ada@people.test");
    d.server
        .create_onboarding_rule(&d.admin, &d.org, None, "EMPLOYEE");
    assert_eq!(
        d.members().get("ada@people.test"),
        Some(&(
            "ACTIVE".to_owned(),
            "DIRECTORY".to_owned(),
            vec!["EMPLOYEE".to_owned()]
        )),
        "one member, one grant"
    );
    let deleted = d.server.scim(
        &d.token,
        "DELETE",
        &format!("/Users/{}", by_name["id"].as_str().unwrap()),
        None,
    );
    assert_eq!(deleted.status, 204);
    assert_eq!(
        d.status_of("ada@people.test").as_deref(),
        Some("ACTIVE"),
        "E123 is still active"
    );
    // Only the work email is filtered on.
    let home = d.server.scim(
        &d.token,
        "GET",
        "/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22ada%40home.test%22",
        None,
    );
    assert_eq!(home.body["totalResults"], 0);
    let work = d.server.scim(
        &d.token,
        "GET",
        "/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22ADA%40people.test%22",
        None,
    );
    assert_eq!(work.body["totalResults"], 1);

    // An administrator suspends the member: the directory's next update does not lift it.
    let person = d.server.gql(
        Some(&d.admin),
        "query($id: ID!) { organization(id: $id) { members(first: 10) { edges { node { user { id } } } } } }",
        json!({ "id": d.org }),
    );
    let user_id = person.ok()["organization"]["members"]["edges"][0]["node"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    d.server.gql(
        Some(&d.admin),
        "mutation($org: ID!, $user: ID!) { updateMemberStatus(input: { organizationId: $org, userId: $user, status: SUSPENDED }) { member { status } } }",
        json!({ "org": d.org, "user": user_id }),
    ).ok();
    let id = created.body["id"].as_str().unwrap();
    let nick = json!({ "Operations": [{ "op": "add", "path": "nickName", "value": "Ada" }] });
    assert_eq!(
        d.server
            .scim(&d.token, "PATCH", &format!("/Users/{id}"), Some(&nick))
            .status,
        200
    );
    assert_eq!(d.status_of("ada@people.test").as_deref(), Some("SUSPENDED"));
    assert_eq!(d.events()[0]["outcome"], "SUSPENDED_MEMBER_UNTOUCHED");
    // A suspension by the directory is the directory's to lift.
    let active =
        |on: bool| json!({ "Operations": [{ "op": "replace", "path": "active", "value": on }] });
    d.server.gql(
        Some(&d.admin),
        "mutation($org: ID!, $user: ID!) { updateMemberStatus(input: { organizationId: $org, userId: $user, status: ACTIVE }) { member { status } } }",
        json!({ "org": d.org, "user": user_id }),
    ).ok();
    assert_eq!(
        d.server
            .scim(
                &d.token,
                "PATCH",
                &format!("/Users/{id}"),
                Some(&active(false))
            )
            .status,
        200
    );
    assert_eq!(d.status_of("ada@people.test").as_deref(), Some("SUSPENDED"));
    assert_eq!(
        d.server
            .scim(
                &d.token,
                "PATCH",
                &format!("/Users/{id}"),
                Some(&active(true))
            )
            .status,
        200
    );
    assert_eq!(d.status_of("ada@people.test").as_deref(), Some("ACTIVE"));
    // Rule grants are audited with the directory... and a rule's custom role can't be deleted.
    let audit = d.server.gql(
        Some(&d.admin),
        "query($id: ID!) { organization(id: $id) { auditLog(first: 100) { edges { node { action } } } } }",
        json!({ "id": d.org }),
    );
    assert!(audit.ok()["organization"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["node"]["action"] == "directoryGrantRole"));
    let role = d.server.gql(
        Some(&d.admin),
        "mutation($org: ID!) { createRole(input: { organizationId: $org, name: \"Staff\", permissions: [\"organization:read\"] }) { role { id } } }",
        json!({ "org": d.org }),
    );
    let role_id = role.ok()["createRole"]["role"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let group = d.server.scim(
        &d.token,
        "POST",
        "/Groups",
        Some(&json!({ "displayName": "Staff" })),
    );
    d.server.create_onboarding_rule(
        &d.admin,
        &d.org,
        Some(group.body["id"].as_str().unwrap()),
        &role_id,
    );
    d.server.gql(
        Some(&d.admin),
        "mutation($org: ID!, $role: ID!) { deleteRole(input: { organizationId: $org, roleId: $role }) { deletedRoleId } }",
        json!({ "org": d.org, "role": role_id }),
    ).expect_code("CONFLICT");
}
