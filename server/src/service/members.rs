//! Members, custom roles and grants: the use cases of access control (SPEC §3).

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::auth::Principal;
use crate::domain::contract_account::validate_email;
use crate::domain::ids::{
    ApplicationId, CustomRoleId, GrantId, IntegrationId, MemberId, NetworkId, OrganizationId,
    UserId,
};
use crate::domain::members::{
    check_no_escalation, check_not_outranked, parse_permissions, validate_role_name, CustomRole,
    Grant, Member, MemberStatus, OnboardingSource,
};
use crate::domain::name::key as name_key;
use crate::domain::organization::Organization;
use crate::domain::permissions::{
    built_in_permissions, effective_permissions, effective_permissions_on_application, Permission,
    PermissionSet, PlacedGrant,
};
use crate::domain::user::User;
use crate::store::members::MemberListing;
use crate::store::{grants, members, roles, users, DbConnection};

use super::access::{
    check, locked_live, permissions_at, placed_grants_in, require, require_reach_below,
    visible_users,
};
use super::audit::{record, Change};
use super::error::{ApiError, ApiResult};
use super::Services;

/// What `grantRole` hands out.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub organization_id: OrganizationId,
    pub user: UserRef,
    /// A built-in role's name or a custom role's id.
    pub role: String,
    pub application_id: Option<ApplicationId>,
}

/// A user named by id or by email (created on first sight, like a token's user).
#[derive(Debug, Clone)]
pub enum UserRef {
    Id(UserId),
    Email(String),
}

/// How a mutation names a member: by its id, or by its organization and user.
#[derive(Debug, Clone, Copy)]
pub enum MemberRef {
    Id(MemberId),
    Of {
        organization: OrganizationId,
        user: UserId,
    },
}

impl Services {
    /// Invites a user (by email) into an organization, optionally with a role there.
    pub async fn invite_member(
        &self,
        principal: &Principal,
        organization: OrganizationId,
        email: &str,
        role: Option<String>,
        now: DateTime<Utc>,
    ) -> ApiResult<Member> {
        let email = validate_email("email", email)?;
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, organization)?;
                require(conn, &principal, &org, Permission::MembersManage)?;
                let user = users::find_or_create(conn, &email, None, now)?;
                if members::find_for_user(conn, network, org.id, user.id)?.is_some() {
                    return Err(ApiError::Conflict(
                        "this user is already a member of the organization".into(),
                    ));
                }
                let member = Member {
                    id: MemberId::new_random(),
                    network_id: network,
                    organization_id: org.id,
                    user_id: user.id,
                    status: MemberStatus::Invited,
                    onboarding_source: OnboardingSource::Manual,
                    external_id: None,
                    calendar_integration_id: None,
                    created_at: now,
                    updated_at: now,
                    suspended_by_directory: false,
                };
                members::insert(conn, &member)?;
                if let Some(role) = role {
                    grant_in(conn, &principal, &org, user.id, &role, None, now)?;
                }
                record(
                    conn,
                    &principal,
                    Change::of("inviteMember", &org)
                        .target(member.id)
                        .after(member_state(&member, &user)),
                    now,
                )?;
                Ok(member)
            })
            .await
    }

    /// Changes a member's status; `REMOVED` is how a member is removed (the row stays).
    pub async fn set_member_status(
        &self,
        principal: &Principal,
        member: MemberRef,
        status: MemberStatus,
        now: DateTime<Utc>,
    ) -> ApiResult<Member> {
        self.update_member(
            principal,
            member,
            "updateMemberStatus",
            now,
            move |_, member| {
                let before = json!({ "status": member.status.as_str() });
                member.status = status;
                member.suspended_by_directory = false;
                Ok((before, json!({ "status": status.as_str() })))
            },
        )
        .await
    }

    /// Links a member to one of the organization's calendar integrations (or unlinks).
    pub async fn link_member_calendar(
        &self,
        principal: &Principal,
        member: MemberRef,
        integration: Option<IntegrationId>,
        now: DateTime<Utc>,
    ) -> ApiResult<Member> {
        self.update_member(principal, member, "linkMemberCalendar", now, move |conn, member| {
            if let Some(integration) = integration {
                if !members::is_calendar_of(conn, member.network_id, member.organization_id, integration)? {
                    return Err(ApiError::bad_input(
                        "integrationId",
                        "is not a calendar integration of the member's organization",
                    ));
                }
            }
            let state = |id: Option<IntegrationId>| json!({ "calendarIntegrationId": id.map(|i| i.to_string()) });
            let before = state(member.calendar_integration_id);
            member.calendar_integration_id = integration;
            Ok((before, state(integration)))
        })
        .await
    }

    /// One change of a member, under `members:manage`: `change` edits the member and says
    /// the audited state before and after.
    async fn update_member<F>(
        &self,
        principal: &Principal,
        target: MemberRef,
        action: &'static str,
        now: DateTime<Utc>,
        change: F,
    ) -> ApiResult<Member>
    where
        F: FnOnce(
                &mut DbConnection,
                &mut Member,
            ) -> ApiResult<(serde_json::Value, serde_json::Value)>
            + Send
            + 'static,
    {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (organization, user) = match target {
                    MemberRef::Of { organization, user } => (organization, user),
                    // A member never leaves its organization: found before the lock.
                    MemberRef::Id(id) => {
                        let network = members::network_of(conn, id)?.ok_or(ApiError::NotFound)?;
                        let member = members::in_network(conn, network, &[id])?
                            .into_iter()
                            .next()
                            .ok_or(ApiError::NotFound)?;
                        (member.organization_id, member.user_id)
                    }
                };
                let (network, org) = locked_live(conn, organization)?;
                let held = permissions_at(conn, &principal, &org)?;
                check(held, Permission::MembersManage)?;
                let mut member = members::find_for_user(conn, network, org.id, user)?
                    .ok_or(ApiError::NotFound)?;
                check_not_outranked(permissions_if_reinstated(conn, user, &org)?, held)?;
                let (before, after) = change(conn, &mut member)?;
                member.updated_at = now;
                members::update(conn, &member)?;
                record(
                    conn,
                    &principal,
                    Change::of(action, &org)
                        .target(member.id)
                        .before(before)
                        .after(after),
                    now,
                )?;
                Ok(member)
            })
            .await
    }

    pub async fn create_role(
        &self,
        principal: &Principal,
        organization: OrganizationId,
        name: &str,
        permissions: &[String],
        now: DateTime<Utc>,
    ) -> ApiResult<CustomRole> {
        let name = validate_role_name(name)?;
        let permissions = parse_permissions(permissions)?;
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, organization)?;
                let held = permissions_at(conn, &principal, &org)?;
                check(held, Permission::RolesManage)?;
                check_no_escalation(permissions, held)?;
                let existing = roles::on_paths(conn, network, std::slice::from_ref(&org.path))?;
                let key = name_key(&name);
                if existing.iter().any(|(_, r)| name_key(&r.name) == key) {
                    return Err(ApiError::Conflict(format!(
                        "a role named \"{name}\" already exists here"
                    )));
                }
                let role = CustomRole {
                    id: CustomRoleId::new_random(),
                    network_id: network,
                    organization_id: org.id,
                    name,
                    permissions,
                    created_at: now,
                };
                roles::insert(conn, &role)?;
                record(
                    conn,
                    &principal,
                    Change::of("createRole", &org)
                        .target(role.id)
                        .after(role_state(&role)),
                    now,
                )?;
                Ok(role)
            })
            .await
    }

    /// Deletes a custom role no grant uses.
    pub async fn delete_role(
        &self,
        principal: &Principal,
        organization: OrganizationId,
        role: CustomRoleId,
        now: DateTime<Utc>,
    ) -> ApiResult<CustomRoleId> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, organization)?;
                require(conn, &principal, &org, Permission::RolesManage)?;
                let found = roles::find(conn, network, role)?
                    .filter(|r| r.organization_id == org.id)
                    .ok_or(ApiError::NotFound)?;
                if roles::in_use(conn, network, role)? {
                    return Err(ApiError::Conflict(
                        "grants or onboarding rules still use this role; revoke or change them first"
                            .into(),
                    ));
                }
                roles::delete(conn, network, role)?;
                record(
                    conn,
                    &principal,
                    Change::of("deleteRole", &org)
                        .target(role)
                        .before(role_state(&found)),
                    now,
                )?;
                Ok(role)
            })
            .await
    }

    /// Grants a role to a user on an organization (and its subtree), maybe on one
    /// application of it. Needs `roles:manage` there, and never hands out more than the
    /// granter holds.
    pub async fn grant_role(
        &self,
        principal: &Principal,
        new: NewGrant,
        now: DateTime<Utc>,
    ) -> ApiResult<Grant> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                // The organization first: nothing about the user is looked at for a caller
                // who may not grant here.
                let (_, org) = locked_live(conn, new.organization_id)?;
                check(
                    permissions_at(conn, &principal, &org)?,
                    Permission::RolesManage,
                )?;
                let user = match &new.user {
                    UserRef::Id(id) => visible_users(conn, &principal, &[*id])?
                        .contains(id)
                        .then(|| users::find_many(conn, &[*id]))
                        .transpose()?
                        .and_then(|found| found.into_iter().next())
                        .ok_or_else(|| ApiError::bad_input("userId", "no such user"))?,
                    UserRef::Email(email) => {
                        let email = validate_email("email", email)?;
                        users::find_or_create(conn, &email, None, now)?
                    }
                };
                let grant = grant_in(
                    conn,
                    &principal,
                    &org,
                    user.id,
                    &new.role,
                    new.application_id,
                    now,
                )?;
                Ok(grant)
            })
            .await
    }

    pub async fn revoke_grant(
        &self,
        principal: &Principal,
        organization: OrganizationId,
        grant: GrantId,
        now: DateTime<Utc>,
    ) -> ApiResult<GrantId> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, organization)?;
                let held = permissions_at(conn, &principal, &org)?;
                check(held, Permission::RolesManage)?;
                let found = grants::find(conn, network, grant)?
                    .filter(|g| g.organization_id == org.id)
                    .ok_or(ApiError::NotFound)?;
                let taken = permissions_if_reinstated(conn, found.user_id, &org)?
                    .union(granted_permissions(conn, &found)?);
                check_not_outranked(taken, held)?;
                grants::delete(conn, network, grant)?;
                record(
                    conn,
                    &principal,
                    Change::of("revokeGrant", &org)
                        .target(grant)
                        .before(grant_state(&found)),
                    now,
                )?;
                Ok(grant)
            })
            .await
    }

    // Reads, behind the resolvers' own permission checks.

    pub async fn member_page(
        &self,
        listing: MemberListing,
        after: Option<MemberId>,
        limit: i64,
    ) -> ApiResult<Vec<Member>> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(members::page(conn, &listing, after, limit)?))
            .await
    }

    pub async fn member_count(&self, listing: MemberListing) -> ApiResult<i64> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(members::count(conn, &listing)?))
            .await
    }

    pub async fn memberships_of(&self, user: UserId) -> ApiResult<Vec<Member>> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(members::of_user(conn, user)?))
            .await
    }

    pub async fn grants_on(
        &self,
        network: NetworkId,
        organizations: Vec<OrganizationId>,
    ) -> ApiResult<Vec<Grant>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(grants::on_organizations(conn, network, &organizations)?)
            })
            .await
    }

    pub async fn roles_on_chain(&self, org: &Organization) -> ApiResult<Vec<CustomRole>> {
        let (network, paths) = (org.network_id, org.path.self_and_ancestors());
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(
                    roles::on_paths(conn, network, &paths)?
                        .into_iter()
                        .map(|(_, r)| r)
                        .collect(),
                )
            })
            .await
    }

    /// A user's permissions at an organization (for `Member.effectivePermissions`).
    pub async fn permissions_of_user(
        &self,
        user: UserId,
        org: &Organization,
    ) -> ApiResult<PermissionSet> {
        let network = org.network_id;
        let placed = self
            .store
            .read(move |conn| {
                Ok::<_, ApiError>(grants::placed_for_user(conn, user, Some(&[network]))?)
            })
            .await?;
        let placed: Vec<PlacedGrant> = placed.into_iter().map(|(_, g)| g).collect();
        Ok(effective_permissions(&placed, org))
    }
}

/// Validates and stores one grant, inside the caller's transaction.
fn grant_in(
    conn: &mut DbConnection,
    principal: &Principal,
    org: &Organization,
    user: UserId,
    role: &str,
    application: Option<ApplicationId>,
    now: DateTime<Utc>,
) -> ApiResult<Grant> {
    let placed: Vec<PlacedGrant> = placed_grants_in(conn, principal, org.network_id)?;
    let held_here = effective_permissions(&placed, org);
    check(held_here, Permission::RolesManage)?;
    // A grant reaches the organization's subtree; a granter that doesn't may not hand it out.
    require_reach_below(&placed, org, "granting a role")?;
    if let Some(application) = application {
        if !application_of(conn, org, application)? {
            return Err(ApiError::bad_input(
                "applicationId",
                "is not an application of this organization",
            ));
        }
    }
    let (name, custom_role_id, granted) = role_to_grant(conn, org, role)?;
    let granter = match application {
        Some(app) => effective_permissions_on_application(&placed, org, app),
        None => held_here,
    };
    check_no_escalation(granted, granter)?;
    let grant = Grant {
        id: GrantId::new_random(),
        network_id: org.network_id,
        user_id: user,
        role: name,
        custom_role_id,
        organization_id: org.id,
        application_id: application,
        created_at: now,
    };
    if grants::exists_same(conn, &grant)? {
        return Err(ApiError::Conflict(
            "this user already holds this role here".into(),
        ));
    }
    grants::insert_grant(conn, &grant)?;
    record(
        conn,
        principal,
        Change::of("grantRole", org)
            .target(grant.id)
            .after(grant_state(&grant)),
        now,
    )?;
    Ok(grant)
}

/// The role a grant on `org` names: a built-in role's name or the id of a custom role usable
/// there (defined on `org` or above), as (name, custom role id, its permissions).
pub(super) fn role_to_grant(
    conn: &mut DbConnection,
    org: &Organization,
    role: &str,
) -> ApiResult<(String, Option<CustomRoleId>, PermissionSet)> {
    Ok(match built_in_permissions(role) {
        Some(permissions) => (role.to_owned(), None, permissions),
        None => {
            let id: CustomRoleId = role.parse().map_err(|_| {
                ApiError::bad_input("role", "is neither a built-in role nor a custom role id")
            })?;
            // Usable in the subtree of the organization that defines it.
            let usable = roles::on_paths(conn, org.network_id, &org.path.self_and_ancestors())?;
            let (_, custom) = usable
                .into_iter()
                .find(|(_, r)| r.id == id)
                .ok_or_else(|| {
                    ApiError::bad_input("role", "no such role usable on this organization")
                })?;
            (custom.name, Some(id), custom.permissions)
        }
    })
}

/// What `user` holds at `org`, counting grants that a suspension holds back: taking away
/// from a suspended administrator is judged by what reinstating them would give back.
fn permissions_if_reinstated(
    conn: &mut DbConnection,
    user: UserId,
    org: &Organization,
) -> ApiResult<PermissionSet> {
    let placed: Vec<PlacedGrant> =
        grants::placed_for_user_if_reinstated(conn, user, Some(&[org.network_id]))?
            .into_iter()
            .map(|(_, g)| g)
            .collect();
    Ok(effective_permissions(&placed, org))
}

/// The permissions one grant hands out (on its application only, for a grant on one).
fn granted_permissions(conn: &mut DbConnection, grant: &Grant) -> ApiResult<PermissionSet> {
    Ok(match grant.custom_role_id {
        Some(role) => roles::find(conn, grant.network_id, role)?
            .map(|r| r.permissions)
            .unwrap_or(PermissionSet::EMPTY),
        None => built_in_permissions(&grant.role).unwrap_or(PermissionSet::EMPTY),
    })
}

fn application_of(
    conn: &mut DbConnection,
    org: &Organization,
    application: ApplicationId,
) -> ApiResult<bool> {
    use crate::store::schema::applications;
    use diesel::prelude::*;
    Ok(diesel::select(diesel::dsl::exists(
        applications::table
            .filter(applications::network_id.eq(org.network_id.to_string()))
            .filter(applications::id.eq(application.to_string()))
            .filter(applications::organization_id.eq(org.id.to_string())),
    ))
    .get_result(conn)?)
}

fn member_state(member: &Member, user: &User) -> serde_json::Value {
    json!({ "userId": user.id.to_string(), "email": user.email, "status": member.status.as_str() })
}

fn role_state(role: &CustomRole) -> serde_json::Value {
    json!({ "name": role.name, "permissions": role.permissions.iter().map(Permission::as_str).collect::<Vec<_>>() })
}

fn grant_state(grant: &Grant) -> serde_json::Value {
    json!({
        "userId": grant.user_id.to_string(),
        "role": grant.role,
        "applicationId": grant.application_id.map(|a| a.to_string()),
    })
}
