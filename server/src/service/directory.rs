//! The SCIM use cases (SPEC §8): a directory's users and groups, created, read, replaced,
//! patched and deleted through its token, each write one transaction that also brings the
//! memberships in line with the onboarding rules (`service::onboarding::reconcile`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::auth::{scim_tokens, DirectoryCaller, Principal};
use crate::domain::directory::{entity_tag, DirectoryGroup, DirectoryUser};
use crate::domain::ids::{DirectoryGroupId, DirectoryUserId, NetworkId};
use crate::domain::organization::Organization;
use crate::domain::permissions::Permission;
use crate::domain::scim::filter::Condition;
use crate::domain::scim::patch::{apply_to_group, apply_to_user, MemberChange, Operation};
use crate::domain::scim::resource::check_required;
use crate::domain::scim::{schema, ScimError};
use crate::store::{directory, DbConnection};

use super::access::{directory_caller, directory_may, locked_live_in, require_directory};
use super::audit::Change;
use super::error::{ApiError, ApiResult};
use super::onboarding::{delete_rules_of_group, reconcile, Step};
use super::Services;

/// A directory user with the groups it belongs to (id, displayName).
pub struct UserView {
    pub user: DirectoryUser,
    pub groups: Vec<(DirectoryGroupId, String)>,
}

/// A group with its members (id, displayName), unless they were not asked for.
pub struct GroupView {
    pub group: DirectoryGroup,
    pub members: Option<Vec<(DirectoryUserId, Option<String>)>>,
}

/// The most resources one list page holds (`ServiceProviderConfig.filter.maxResults`).
pub const MAX_RESULTS: i64 = 200;

impl Services {
    /// The directory a SCIM bearer token is for, if the token is live.
    pub async fn directory_caller(&self, token: &str) -> ApiResult<Option<DirectoryCaller>> {
        let Some((network, id, hash)) = scim_tokens::parse(token) else {
            return Ok(None);
        };
        self.store
            .read(move |conn| {
                Ok(directory::live_token(conn, network, id, &hash)?
                    .map(|(token, org)| directory_caller(token.id, &org)))
            })
            .await
    }

    pub async fn scim_user(&self, caller: DirectoryCaller, id: &str) -> ApiResult<UserView> {
        let id = parse_id::<DirectoryUserId>(id)?;
        let (network, organization) = readable(&caller)?;
        self.store
            .read(move |conn| {
                let user = directory::find_user(conn, network, organization, id)?
                    .ok_or(ApiError::NotFound)?;
                one_with_groups(conn, user)
            })
            .await
    }

    /// A page of users: `start_index` is 1-based, as SCIM counts.
    pub async fn scim_users(
        &self,
        caller: DirectoryCaller,
        conditions: Vec<Condition>,
        start_index: i64,
        count: i64,
    ) -> ApiResult<(Vec<UserView>, i64)> {
        let (network, organization) = readable(&caller)?;
        self.store
            .read(move |conn| {
                if conditions.iter().any(
                    |c| matches!(c, Condition::Id(id) if id.parse::<DirectoryUserId>().is_err()),
                ) {
                    return Ok((Vec::new(), 0));
                }
                let (users, total) = directory::list_users(
                    conn,
                    network,
                    organization,
                    &conditions,
                    start_index - 1,
                    count,
                )?;
                Ok((with_groups(conn, users)?, total))
            })
            .await
    }

    pub async fn scim_create_user(
        &self,
        caller: DirectoryCaller,
        attributes: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<UserView> {
        self.directory_write(caller, "POST /Users", now, move |conn, step| {
            let org = step.org;
            check_user_name_free(conn, org, &attributes, None)?;
            let user = DirectoryUser {
                id: DirectoryUserId::new_random(),
                network_id: org.network_id,
                organization_id: org.id,
                attributes,
                person_id: None,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            directory::insert_user(conn, &user)?;
            audit(
                step,
                "scimCreateUser",
                &user.id.to_string(),
                None,
                user_state(&user),
            );
            reconcile(conn, step, vec![user.clone()], Vec::new())?;
            // A new user belongs to no group yet.
            Ok(UserView {
                user,
                groups: Vec::new(),
            })
        })
        .await
    }

    pub async fn scim_replace_user(
        &self,
        caller: DirectoryCaller,
        id: &str,
        attributes: Map<String, Value>,
        if_match: Option<String>,
        now: DateTime<Utc>,
    ) -> ApiResult<UserView> {
        let id = parse_id::<DirectoryUserId>(id)?;
        self.directory_write(caller, "PUT /Users", now, move |conn, step| {
            let mut user = existing_user(conn, step.org, id, if_match.as_deref())?;
            check_user_name_free(conn, step.org, &attributes, Some(id))?;
            let before = user_state(&user);
            user.attributes = attributes;
            save_user(conn, step, &mut user, "scimReplaceUser", before)
        })
        .await
    }

    pub async fn scim_patch_user(
        &self,
        caller: DirectoryCaller,
        id: &str,
        operations: Vec<Operation>,
        if_match: Option<String>,
        now: DateTime<Utc>,
    ) -> ApiResult<UserView> {
        let id = parse_id::<DirectoryUserId>(id)?;
        self.directory_write(caller, "PATCH /Users", now, move |conn, step| {
            let mut user = existing_user(conn, step.org, id, if_match.as_deref())?;
            let before = user_state(&user);
            let mut attributes = user.attributes.clone();
            apply_to_user(&mut attributes, &id.to_string(), &operations).map_err(ApiError::Scim)?;
            check_required(schema::USER_RESOURCE, &attributes).map_err(ApiError::Scim)?;
            check_user_name_free(conn, step.org, &attributes, Some(id))?;
            user.attributes = attributes;
            save_user(conn, step, &mut user, "scimPatchUser", before)
        })
        .await
    }

    /// Deletes a directory user: its membership is suspended, nothing about the person is
    /// lost.
    pub async fn scim_delete_user(
        &self,
        caller: DirectoryCaller,
        id: &str,
        if_match: Option<String>,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        let id = parse_id::<DirectoryUserId>(id)?;
        self.directory_write(caller, "DELETE /Users", now, move |conn, step| {
            let user = existing_user(conn, step.org, id, if_match.as_deref())?;
            directory::delete_user(conn, &user)?;
            audit(
                step,
                "scimDeleteUser",
                &user.id.to_string(),
                Some(user_state(&user)),
                Value::Null,
            );
            reconcile(conn, step, Vec::new(), vec![user])?;
            Ok(())
        })
        .await
    }

    pub async fn scim_group(
        &self,
        caller: DirectoryCaller,
        id: &str,
        with_members: bool,
    ) -> ApiResult<GroupView> {
        let id = parse_id::<DirectoryGroupId>(id)?;
        let (network, organization) = readable(&caller)?;
        self.store
            .read(move |conn| {
                let group = directory::find_group(conn, network, organization, id)?
                    .ok_or(ApiError::NotFound)?;
                one_with_members(conn, group, with_members)
            })
            .await
    }

    pub async fn scim_groups(
        &self,
        caller: DirectoryCaller,
        conditions: Vec<Condition>,
        start_index: i64,
        count: i64,
        with_members: bool,
    ) -> ApiResult<(Vec<GroupView>, i64)> {
        let (network, organization) = readable(&caller)?;
        self.store
            .read(move |conn| {
                let (groups, total) = directory::list_groups(
                    conn,
                    network,
                    organization,
                    &conditions,
                    start_index - 1,
                    count,
                )?;
                Ok((with_members_of(conn, groups, with_members)?, total))
            })
            .await
    }

    pub async fn scim_create_group(
        &self,
        caller: DirectoryCaller,
        attributes: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<GroupView> {
        self.directory_write(caller, "POST /Groups", now, move |conn, step| {
            let org = step.org;
            let members = member_ids(attributes.get("members"))?;
            let mut group = DirectoryGroup {
                id: DirectoryGroupId::new_random(),
                network_id: org.network_id,
                organization_id: org.id,
                display_name: String::new(),
                external_id: None,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            set_group_attributes(&mut group, &attributes);
            check_group_name_free(conn, org, &group.display_name, None)?;
            directory::insert_group(conn, &group)?;
            change_members(conn, step, &group, &[MemberChange::Add(members)])?;
            audit(
                step,
                "scimCreateGroup",
                &group.id.to_string(),
                None,
                json!({ "displayName": group.display_name }),
            );
            one_with_members(conn, group, true)
        })
        .await
    }

    pub async fn scim_replace_group(
        &self,
        caller: DirectoryCaller,
        id: &str,
        attributes: Map<String, Value>,
        if_match: Option<String>,
        now: DateTime<Utc>,
    ) -> ApiResult<GroupView> {
        let id = parse_id::<DirectoryGroupId>(id)?;
        self.directory_write(caller, "PUT /Groups", now, move |conn, step| {
            let mut group = existing_group(conn, step.org, id, if_match.as_deref())?;
            let before = json!({ "displayName": group.display_name });
            let members = member_ids(attributes.get("members"))?;
            set_group_attributes(&mut group, &attributes);
            check_group_name_free(conn, step.org, &group.display_name, Some(id))?;
            bump_group(conn, &mut group, step.now)?;
            change_members(conn, step, &group, &[MemberChange::ReplaceAll(members)])?;
            audit(
                step,
                "scimReplaceGroup",
                &group.id.to_string(),
                Some(before),
                json!({ "displayName": group.display_name }),
            );
            one_with_members(conn, group, true)
        })
        .await
    }

    /// Patches a group. Returns the group without its members (answered 204 by `http::scim`).
    pub async fn scim_patch_group(
        &self,
        caller: DirectoryCaller,
        id: &str,
        operations: Vec<Operation>,
        if_match: Option<String>,
        now: DateTime<Utc>,
    ) -> ApiResult<GroupView> {
        let id = parse_id::<DirectoryGroupId>(id)?;
        self.directory_write(caller, "PATCH /Groups", now, move |conn, step| {
            let mut group = existing_group(conn, step.org, id, if_match.as_deref())?;
            let before = json!({ "displayName": group.display_name });
            let mut attributes = group.attributes();
            let changes = apply_to_group(&mut attributes, &id.to_string(), &operations).map_err(ApiError::Scim)?;
            check_required(schema::GROUP_RESOURCE, &attributes).map_err(ApiError::Scim)?;
            set_group_attributes(&mut group, &attributes);
            check_group_name_free(conn, step.org, &group.display_name, Some(id))?;
            bump_group(conn, &mut group, step.now)?;
            let (added, removed) = change_members(conn, step, &group, &changes)?;
            audit(step,
                "scimPatchGroup",
                &group.id.to_string(),
                Some(before),
                json!({ "displayName": group.display_name, "membersAdded": added, "membersRemoved": removed }),
            );
            Ok(GroupView { group, members: None })
        })
        .await
    }

    /// Deletes a group: its rule goes with it, and members it alone onboarded are suspended.
    pub async fn scim_delete_group(
        &self,
        caller: DirectoryCaller,
        id: &str,
        if_match: Option<String>,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        let id = parse_id::<DirectoryGroupId>(id)?;
        self.directory_write(caller, "DELETE /Groups", now, move |conn, step| {
            let group = existing_group(conn, step.org, id, if_match.as_deref())?;
            let members = directory::member_ids(conn, group.network_id, group.id)?;
            // The group's rule goes with it (audited): a rule for a group that no longer
            // exists would match nobody, and a provider that pushes the group again creates
            // a new one, with a new id.
            delete_rules_of_group(conn, step, &group)?;
            directory::delete_group(conn, &group)?;
            let before = json!({ "displayName": group.display_name });
            audit(
                step,
                "scimDeleteGroup",
                &group.id.to_string(),
                Some(before),
                Value::Null,
            );
            let users =
                directory::users_by_ids(conn, group.network_id, group.organization_id, &members)?;
            reconcile(conn, step, users, Vec::new())
        })
        .await
    }

    /// One directory write: the network locked, the token's right to manage the
    /// organization's members checked by the access layer (a token revoked meanwhile is
    /// refused), then `write`.
    async fn directory_write<T, F>(
        &self,
        caller: DirectoryCaller,
        operation: &'static str,
        now: DateTime<Utc>,
        write: F,
    ) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Step<'_>) -> ApiResult<T> + Send + 'static,
    {
        let written =
            self.store
                .write(move |conn| {
                    let org = locked_live_in(conn, caller.network_id, caller.organization_id)
                        .map_err(|error| match error {
                            ApiError::NotFound => ApiError::Unauthenticated,
                            other => other,
                        })?;
                    require_directory(conn, &caller, &org, Permission::MembersManage)?;
                    let principal = Principal::Directory(caller);
                    Step::run(conn, &principal, &org, operation, now, write)
                })
                .await?;
        if self.store.directory_written() {
            let refreshed = self
                .store
                .read(|conn| Ok::<_, ApiError>(directory::refresh_statistics(conn)?))
                .await;
            if let Err(error) = refreshed {
                tracing::warn!(%error, "refreshing the directory's planner statistics failed");
            }
        }
        Ok(written)
    }
}

/// Where the directory reads: its organization, once the access layer agrees (on what the
/// token held when the request was authenticated; no second read).
fn readable(
    caller: &DirectoryCaller,
) -> ApiResult<(NetworkId, crate::domain::ids::OrganizationId)> {
    directory_may(caller, Permission::MembersRead)?;
    Ok((caller.network_id, caller.organization_id))
}

/// An id in a SCIM path; one that can't be an id answers as an unknown one.
fn parse_id<T: std::str::FromStr>(raw: &str) -> ApiResult<T> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

fn check_if_match(if_match: Option<&str>, version: i64) -> ApiResult<()> {
    match if_match {
        Some(tags)
            if tags.trim() != "*"
                && !tags.split(',').any(|tag| tag.trim() == entity_tag(version)) =>
        {
            Err(ApiError::Scim(ScimError::PreconditionFailed))
        }
        _ => Ok(()),
    }
}

fn existing_user(
    conn: &mut DbConnection,
    org: &Organization,
    id: DirectoryUserId,
    if_match: Option<&str>,
) -> ApiResult<DirectoryUser> {
    let user = directory::find_user(conn, org.network_id, org.id, id)?.ok_or(ApiError::NotFound)?;
    check_if_match(if_match, user.version)?;
    Ok(user)
}

fn existing_group(
    conn: &mut DbConnection,
    org: &Organization,
    id: DirectoryGroupId,
    if_match: Option<&str>,
) -> ApiResult<DirectoryGroup> {
    let group =
        directory::find_group(conn, org.network_id, org.id, id)?.ok_or(ApiError::NotFound)?;
    check_if_match(if_match, group.version)?;
    Ok(group)
}

fn check_user_name_free(
    conn: &mut DbConnection,
    org: &Organization,
    attributes: &Map<String, Value>,
    except: Option<DirectoryUserId>,
) -> ApiResult<()> {
    let user_name = attributes
        .get("userName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if directory::user_name_taken(conn, org.network_id, org.id, user_name, except)? {
        return Err(ApiError::Scim(ScimError::Uniqueness(
            "another user of this directory has this userName".into(),
        )));
    }
    Ok(())
}

fn check_group_name_free(
    conn: &mut DbConnection,
    org: &Organization,
    name: &str,
    except: Option<DirectoryGroupId>,
) -> ApiResult<()> {
    if directory::group_name_taken(conn, org.network_id, org.id, name, except)? {
        return Err(ApiError::Scim(ScimError::Uniqueness(
            "another group of this directory has this displayName".into(),
        )));
    }
    Ok(())
}

fn save_user(
    conn: &mut DbConnection,
    step: &Step<'_>,
    user: &mut DirectoryUser,
    action: &str,
    before: Value,
) -> ApiResult<UserView> {
    user.version += 1;
    user.updated_at = step.now;
    directory::update_user(conn, user)?;
    audit(
        step,
        action,
        &user.id.to_string(),
        Some(before),
        user_state(user),
    );
    reconcile(conn, step, vec![user.clone()], Vec::new())?;
    one_with_groups(conn, user.clone())
}

fn one_with_members(
    conn: &mut DbConnection,
    group: DirectoryGroup,
    with_members: bool,
) -> ApiResult<GroupView> {
    with_members_of(conn, vec![group], with_members)?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)
}

fn one_with_groups(conn: &mut DbConnection, user: DirectoryUser) -> ApiResult<UserView> {
    with_groups(conn, vec![user])?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)
}

fn bump_group(
    conn: &mut DbConnection,
    group: &mut DirectoryGroup,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    group.version += 1;
    group.updated_at = now;
    directory::update_group(conn, group)?;
    Ok(())
}

fn user_state(user: &DirectoryUser) -> Value {
    json!({ "userName": user.user_name(), "active": user.active(), "externalId": user.external_id() })
}

fn audit(step: &Step<'_>, action: &str, target: &str, before: Option<Value>, after: Value) {
    let mut change = Change::of(action, step.org).target(target);
    if let Some(before) = before {
        change = change.before(before);
    }
    if !after.is_null() {
        change = change.after(after);
    }
    step.audit(change);
}

fn set_group_attributes(group: &mut DirectoryGroup, attributes: &Map<String, Value>) {
    group.display_name = attributes
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    group.external_id = attributes
        .get("externalId")
        .and_then(Value::as_str)
        .map(str::to_owned);
}

/// The ids of a group body's `members` (normalized: each has a `value`).
fn member_ids(members: Option<&Value>) -> ApiResult<Vec<String>> {
    Ok(members
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Makes the member changes in order and reconciles every user whose groups changed;
/// returns how many were added and removed.
fn change_members(
    conn: &mut DbConnection,
    step: &Step<'_>,
    group: &DirectoryGroup,
    changes: &[MemberChange],
) -> ApiResult<(usize, usize)> {
    let (network, org) = (group.network_id, step.org);
    let mut touched: Vec<DirectoryUserId> = Vec::new();
    let (mut added, mut removed) = (0, 0);
    for change in changes {
        match change {
            MemberChange::Add(ids) | MemberChange::ReplaceAll(ids) => {
                let ids = users_of_directory(conn, org, ids)?;
                if let MemberChange::ReplaceAll(_) = change {
                    let current = directory::member_ids(conn, network, group.id)?;
                    let gone: Vec<_> = current.into_iter().filter(|c| !ids.contains(c)).collect();
                    let gone = directory::remove_members(conn, network, group.id, &gone)?;
                    removed += gone.len();
                    touched.extend(gone);
                }
                let new = directory::add_members(conn, network, group.id, &ids)?;
                added += new.len();
                touched.extend(new);
            }
            MemberChange::Remove(ids) => {
                // Ids that are not members (or not users at all) are nothing to remove.
                let ids: Vec<DirectoryUserId> =
                    ids.iter().filter_map(|id| id.parse().ok()).collect();
                let gone = directory::remove_members(conn, network, group.id, &ids)?;
                removed += gone.len();
                touched.extend(gone);
            }
            MemberChange::RemoveAll => {
                let current = directory::member_ids(conn, network, group.id)?;
                let gone = directory::remove_members(conn, network, group.id, &current)?;
                removed += gone.len();
                touched.extend(gone);
            }
        }
    }
    touched.sort();
    touched.dedup();
    for chunk in touched.chunks(1_000) {
        let users = directory::users_by_ids(conn, network, org.id, chunk)?;
        reconcile(conn, step, users, Vec::new())?;
    }
    Ok((added, removed))
}

/// The ids, each a user of this directory: an id of another organization's user answers
/// exactly as an unknown one.
fn users_of_directory(
    conn: &mut DbConnection,
    org: &Organization,
    ids: &[String],
) -> ApiResult<Vec<DirectoryUserId>> {
    let unknown = |id: &str| {
        ApiError::Scim(ScimError::InvalidValue(format!(
            "members: `{}` is not a user of this directory",
            id.chars().take(64).collect::<String>()
        )))
    };
    let mut parsed = Vec::with_capacity(ids.len());
    for id in ids {
        parsed.push(id.parse::<DirectoryUserId>().map_err(|_| unknown(id))?);
    }
    let mut found = std::collections::HashSet::new();
    for chunk in parsed.chunks(1_000) {
        found.extend(
            directory::users_by_ids(conn, org.network_id, org.id, chunk)?
                .into_iter()
                .map(|u| u.id),
        );
    }
    if let Some(missing) = parsed.iter().find(|id| !found.contains(id)) {
        return Err(unknown(&missing.to_string()));
    }
    Ok(parsed)
}

fn with_groups(conn: &mut DbConnection, users: Vec<DirectoryUser>) -> ApiResult<Vec<UserView>> {
    let Some(first) = users.first() else {
        return Ok(Vec::new());
    };
    let (network, organization) = (first.network_id, first.organization_id);
    let ids: Vec<_> = users.iter().map(|u| u.id).collect();
    let memberships = directory::groups_of_users(conn, network, &ids)?;
    let group_ids: Vec<_> = memberships.iter().map(|(_, g)| *g).collect();
    let names: HashMap<DirectoryGroupId, String> = if group_ids.is_empty() {
        HashMap::new()
    } else {
        directory::groups_by_ids(conn, network, organization, &group_ids)?
            .into_iter()
            .map(|g| (g.id, g.display_name))
            .collect()
    };
    let mut by_user: HashMap<DirectoryUserId, Vec<(DirectoryGroupId, String)>> = HashMap::new();
    for (user, group) in memberships {
        if let Some(name) = names.get(&group) {
            by_user.entry(user).or_default().push((group, name.clone()));
        }
    }
    Ok(users
        .into_iter()
        .map(|user| UserView {
            groups: by_user.remove(&user.id).unwrap_or_default(),
            user,
        })
        .collect())
}

fn with_members_of(
    conn: &mut DbConnection,
    groups: Vec<DirectoryGroup>,
    with_members: bool,
) -> ApiResult<Vec<GroupView>> {
    if !with_members || groups.is_empty() {
        return Ok(groups
            .into_iter()
            .map(|group| GroupView {
                group,
                members: None,
            })
            .collect());
    }
    let network: NetworkId = groups[0].network_id;
    let ids: Vec<_> = groups.iter().map(|g| g.id).collect();
    let mut by_group: HashMap<DirectoryGroupId, Vec<(DirectoryUserId, Option<String>)>> =
        HashMap::new();
    for (group, user, display) in directory::members_of_groups(conn, network, &ids)? {
        by_group.entry(group).or_default().push((user, display));
    }
    Ok(groups
        .into_iter()
        .map(|group| GroupView {
            members: Some(by_group.remove(&group.id).unwrap_or_default()),
            group,
        })
        .collect())
}
