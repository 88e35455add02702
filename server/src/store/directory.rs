//! An organization's directory: its SCIM tokens, users, groups and group memberships.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::models::{naive, parse_id, utc, OrganizationRow};
use super::raw_sql::RawSql;
use super::schema::{
    directory_group_members, directory_groups, directory_users, organizations, scim_tokens,
};
use super::sql_lists::{json_strings, json_text_list};
use super::DbConnection;
use crate::domain::directory::{DirectoryGroup, DirectoryUser, ScimToken};
use crate::domain::ids::{
    DirectoryGroupId, DirectoryUserId, NetworkId, OrganizationId, ScimTokenId,
};
use crate::domain::organization::Organization;
use crate::domain::scim::filter::Condition;

fn corrupt(what: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.to_owned().into())
}

/// Refreshes the planner statistics of the tables a directory write reads (see
/// `Store::directory_written`); SQLite plans these lookups well without them.
pub fn refresh_statistics(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Pg(pg) => pg.batch_execute(
            "ANALYZE directory_users, directory_groups, directory_group_members, members, grants",
        ),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

// ---- SCIM tokens ----

type TokenRow = (
    String,
    String,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

macro_rules! token_columns {
    () => {
        (
            scim_tokens::network_id,
            scim_tokens::id,
            scim_tokens::organization_id,
            scim_tokens::description,
            scim_tokens::created_by,
            scim_tokens::created_at,
            scim_tokens::revoked_at,
        )
    };
}

fn token(row: TokenRow) -> QueryResult<ScimToken> {
    let (network, id, organization, description, created_by, created, revoked) = row;
    Ok(ScimToken {
        id: parse_id(&id)?,
        network_id: parse_id(&network)?,
        organization_id: parse_id(&organization)?,
        description,
        created_by: parse_id(&created_by)?,
        created_at: utc(created),
        revoked_at: revoked.map(utc),
    })
}

pub fn insert_token(conn: &mut DbConnection, t: &ScimToken, secret_hash: &str) -> QueryResult<()> {
    diesel::insert_into(scim_tokens::table)
        .values((
            scim_tokens::network_id.eq(t.network_id.to_string()),
            scim_tokens::id.eq(t.id.to_string()),
            scim_tokens::organization_id.eq(t.organization_id.to_string()),
            scim_tokens::description.eq(&t.description),
            scim_tokens::secret_hash.eq(secret_hash),
            scim_tokens::created_by.eq(t.created_by.to_string()),
            scim_tokens::created_at.eq(naive(t.created_at)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The token with this id and secret hash, if it is not revoked, with its organization if
/// that is live: one indexed lookup, made on every SCIM request.
pub fn live_token(
    conn: &mut DbConnection,
    network: NetworkId,
    id: ScimTokenId,
    secret_hash: &str,
) -> QueryResult<Option<(ScimToken, Organization)>> {
    scim_tokens::table
        .inner_join(
            organizations::table.on(organizations::network_id
                .eq(scim_tokens::network_id)
                .and(organizations::id.eq(scim_tokens::organization_id))),
        )
        .filter(scim_tokens::network_id.eq(network.to_string()))
        .filter(scim_tokens::id.eq(id.to_string()))
        .filter(scim_tokens::secret_hash.eq(secret_hash))
        .filter(scim_tokens::revoked_at.is_null())
        .filter(organizations::deleted_at.is_null())
        .select((token_columns!(), OrganizationRow::as_select()))
        .first::<(TokenRow, OrganizationRow)>(conn)
        .optional()?
        .map(|(row, org)| Ok((token(row)?, org.into_domain()?)))
        .transpose()
}

pub fn find_token(
    conn: &mut DbConnection,
    network: NetworkId,
    id: ScimTokenId,
) -> QueryResult<Option<ScimToken>> {
    scim_tokens::table
        .filter(scim_tokens::network_id.eq(network.to_string()))
        .filter(scim_tokens::id.eq(id.to_string()))
        .select(token_columns!())
        .first::<TokenRow>(conn)
        .optional()?
        .map(token)
        .transpose()
}

/// Tokens by id across networks (for audit events that name one).
pub fn tokens_by_ids(conn: &mut DbConnection, ids: &[ScimTokenId]) -> QueryResult<Vec<ScimToken>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    scim_tokens::table
        .filter(scim_tokens::id.eq_any(keys))
        .select(token_columns!())
        .load::<TokenRow>(conn)?
        .into_iter()
        .map(token)
        .collect()
}

pub fn tokens_of(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
) -> QueryResult<Vec<ScimToken>> {
    scim_tokens::table
        .filter(scim_tokens::network_id.eq(network.to_string()))
        .filter(scim_tokens::organization_id.eq(organization.to_string()))
        .order((scim_tokens::created_at.asc(), scim_tokens::id.asc()))
        .select(token_columns!())
        .load::<TokenRow>(conn)?
        .into_iter()
        .map(token)
        .collect()
}

pub fn revoke_token(
    conn: &mut DbConnection,
    t: &ScimToken,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<usize> {
    diesel::update(scim_tokens::table.find((t.network_id.to_string(), t.id.to_string())))
        .filter(scim_tokens::revoked_at.is_null())
        .set(scim_tokens::revoked_at.eq(naive(now)))
        .execute(conn)
}

// ---- users ----

type UserRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    NaiveDateTime,
    NaiveDateTime,
);

macro_rules! user_columns {
    () => {
        (
            directory_users::network_id,
            directory_users::id,
            directory_users::organization_id,
            directory_users::person_id,
            directory_users::resource,
            directory_users::version,
            directory_users::created_at,
            directory_users::updated_at,
        )
    };
}

fn user(row: UserRow) -> QueryResult<DirectoryUser> {
    let (network, id, organization, person, resource, version, created, updated) = row;
    let attributes = match serde_json::from_str(&resource) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => return Err(corrupt("directory user resource")),
    };
    Ok(DirectoryUser {
        id: parse_id(&id)?,
        network_id: parse_id(&network)?,
        organization_id: parse_id(&organization)?,
        attributes,
        person_id: person.as_deref().map(parse_id).transpose()?,
        version,
        created_at: utc(created),
        updated_at: utc(updated),
    })
}

fn lower(text: Option<&str>) -> Option<String> {
    text.map(str::to_lowercase)
}

pub fn insert_user(conn: &mut DbConnection, u: &DirectoryUser) -> QueryResult<()> {
    diesel::insert_into(directory_users::table)
        .values((
            directory_users::network_id.eq(u.network_id.to_string()),
            directory_users::id.eq(u.id.to_string()),
            directory_users::organization_id.eq(u.organization_id.to_string()),
            directory_users::user_name.eq(u.user_name()),
            directory_users::user_name_key.eq(u.user_name().to_lowercase()),
            directory_users::external_id.eq(u.external_id()),
            directory_users::display_name_key.eq(lower(u.display_name())),
            directory_users::email_key.eq(lower(u.work_email())),
            directory_users::active.eq(u.active()),
            directory_users::person_id.eq(u.person_id.map(|p| p.to_string())),
            directory_users::resource
                .eq(serde_json::Value::Object(u.attributes.clone()).to_string()),
            directory_users::version.eq(u.version),
            directory_users::created_at.eq(naive(u.created_at)),
            directory_users::updated_at.eq(naive(u.updated_at)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn update_user(conn: &mut DbConnection, u: &DirectoryUser) -> QueryResult<usize> {
    diesel::update(directory_users::table.find((u.network_id.to_string(), u.id.to_string())))
        .set((
            directory_users::user_name.eq(u.user_name()),
            directory_users::user_name_key.eq(u.user_name().to_lowercase()),
            directory_users::external_id.eq(u.external_id()),
            directory_users::display_name_key.eq(lower(u.display_name())),
            directory_users::email_key.eq(lower(u.work_email())),
            directory_users::active.eq(u.active()),
            directory_users::person_id.eq(u.person_id.map(|p| p.to_string())),
            directory_users::resource
                .eq(serde_json::Value::Object(u.attributes.clone()).to_string()),
            directory_users::version.eq(u.version),
            directory_users::updated_at.eq(naive(u.updated_at)),
        ))
        .execute(conn)
}

pub fn delete_user(conn: &mut DbConnection, u: &DirectoryUser) -> QueryResult<usize> {
    diesel::delete(directory_group_members::table)
        .filter(directory_group_members::network_id.eq(u.network_id.to_string()))
        .filter(directory_group_members::user_id.eq(u.id.to_string()))
        .execute(conn)?;
    diesel::delete(directory_users::table.find((u.network_id.to_string(), u.id.to_string())))
        .execute(conn)
}

pub fn users_by_ids(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    ids: &[DirectoryUserId],
) -> QueryResult<Vec<DirectoryUser>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1_000) {
        let keys: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let rows = directory_users::table
            .filter(directory_users::network_id.eq(network.to_string()))
            .filter(directory_users::organization_id.eq(organization.to_string()))
            .filter(directory_users::id.eq_any(keys))
            .select(user_columns!())
            .load::<UserRow>(conn)?;
        for row in rows {
            found.push(user(row)?);
        }
    }
    Ok(found)
}

pub fn find_user(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    id: DirectoryUserId,
) -> QueryResult<Option<DirectoryUser>> {
    Ok(users_by_ids(conn, network, organization, &[id])?
        .into_iter()
        .next())
}

/// The directory users that are these persons.
pub fn users_of_persons(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    persons: &[crate::domain::ids::UserId],
) -> QueryResult<Vec<DirectoryUser>> {
    let mut found = Vec::new();
    for chunk in persons.chunks(1_000) {
        let keys: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let rows = directory_users::table
            .filter(directory_users::network_id.eq(network.to_string()))
            .filter(directory_users::organization_id.eq(organization.to_string()))
            .filter(directory_users::person_id.eq_any(keys))
            .select(user_columns!())
            .load::<UserRow>(conn)?;
        for row in rows {
            found.push(user(row)?);
        }
    }
    Ok(found)
}

/// Whether another user of the directory has this `userName` (case-insensitive).
pub fn user_name_taken(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    user_name: &str,
    except: Option<DirectoryUserId>,
) -> QueryResult<bool> {
    let found: Option<String> = directory_users::table
        .filter(directory_users::network_id.eq(network.to_string()))
        .filter(directory_users::organization_id.eq(organization.to_string()))
        .filter(directory_users::user_name_key.eq(user_name.to_lowercase()))
        .select(directory_users::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some_and(|id| Some(id) != except.map(|e| e.to_string())))
}

/// A page of the directory's users matching every condition, in a stable order (creation),
/// with the number of all that match.
pub fn list_users(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    conditions: &[Condition],
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<DirectoryUser>, i64)> {
    macro_rules! filtered {
        () => {{
            let mut query = directory_users::table
                .filter(directory_users::network_id.eq(network.to_string()))
                .filter(directory_users::organization_id.eq(organization.to_string()))
                .into_boxed();
            for condition in conditions {
                query = match condition {
                    Condition::Id(id) => query.filter(directory_users::id.eq(id.clone())),
                    Condition::UserName(key) => {
                        query.filter(directory_users::user_name_key.eq(key.clone()))
                    }
                    Condition::ExternalId(id) => {
                        query.filter(directory_users::external_id.eq(id.clone()))
                    }
                    Condition::DisplayName(key) => {
                        query.filter(directory_users::display_name_key.eq(key.clone()))
                    }
                    Condition::Email(key) => {
                        query.filter(directory_users::email_key.eq(key.clone()))
                    }
                    Condition::HasMember(_) => query.filter(directory_users::id.eq("")),
                };
            }
            query
        }};
    }
    let total: i64 = filtered!().count().get_result(conn)?;
    if limit == 0 || offset >= total {
        return Ok((Vec::new(), total));
    }
    // A unique condition (userName, id: what a provider looks a user up by) selects one row:
    // no order to ask for, and none to tempt the planner into scanning the listing index.
    let unique = conditions
        .iter()
        .any(|c| matches!(c, Condition::UserName(_) | Condition::Id(_)));
    let query = if unique {
        filtered!()
    } else {
        filtered!().order((directory_users::created_at.asc(), directory_users::id.asc()))
    };
    let rows = query
        .offset(offset)
        .limit(limit)
        .select(user_columns!())
        .load::<UserRow>(conn)?;
    Ok((
        rows.into_iter().map(user).collect::<QueryResult<_>>()?,
        total,
    ))
}

/// A keyset page of the directory's users after `after` (created_at, id), for GraphQL.
pub fn users_after(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<DirectoryUser>> {
    let mut query = directory_users::table
        .filter(directory_users::network_id.eq(network.to_string()))
        .filter(directory_users::organization_id.eq(organization.to_string()))
        .into_boxed();
    if let Some((created, id)) = after {
        query = query.filter(
            directory_users::created_at
                .gt(created)
                .or(directory_users::created_at
                    .eq(created)
                    .and(directory_users::id.gt(id))),
        );
    }
    query
        .order((directory_users::created_at.asc(), directory_users::id.asc()))
        .limit(limit)
        .select(user_columns!())
        .load::<UserRow>(conn)?
        .into_iter()
        .map(user)
        .collect()
}

pub fn count_users(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
) -> QueryResult<i64> {
    directory_users::table
        .filter(directory_users::network_id.eq(network.to_string()))
        .filter(directory_users::organization_id.eq(organization.to_string()))
        .count()
        .get_result(conn)
}

pub fn all_user_ids(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
) -> QueryResult<Vec<DirectoryUserId>> {
    directory_users::table
        .filter(directory_users::network_id.eq(network.to_string()))
        .filter(directory_users::organization_id.eq(organization.to_string()))
        .select(directory_users::id)
        .load::<String>(conn)?
        .iter()
        .map(|id| parse_id(id))
        .collect()
}

// ---- groups ----

type GroupRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    NaiveDateTime,
    NaiveDateTime,
);

macro_rules! group_columns {
    () => {
        (
            directory_groups::network_id,
            directory_groups::id,
            directory_groups::organization_id,
            directory_groups::display_name,
            directory_groups::external_id,
            directory_groups::version,
            directory_groups::created_at,
            directory_groups::updated_at,
        )
    };
}

fn group(row: GroupRow) -> QueryResult<DirectoryGroup> {
    let (network, id, organization, display_name, external_id, version, created, updated) = row;
    Ok(DirectoryGroup {
        id: parse_id(&id)?,
        network_id: parse_id(&network)?,
        organization_id: parse_id(&organization)?,
        display_name,
        external_id,
        version,
        created_at: utc(created),
        updated_at: utc(updated),
    })
}

pub fn insert_group(conn: &mut DbConnection, g: &DirectoryGroup) -> QueryResult<()> {
    diesel::insert_into(directory_groups::table)
        .values((
            directory_groups::network_id.eq(g.network_id.to_string()),
            directory_groups::id.eq(g.id.to_string()),
            directory_groups::organization_id.eq(g.organization_id.to_string()),
            directory_groups::display_name.eq(&g.display_name),
            directory_groups::display_name_key.eq(g.display_name.to_lowercase()),
            directory_groups::external_id.eq(&g.external_id),
            directory_groups::version.eq(g.version),
            directory_groups::created_at.eq(naive(g.created_at)),
            directory_groups::updated_at.eq(naive(g.updated_at)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn update_group(conn: &mut DbConnection, g: &DirectoryGroup) -> QueryResult<usize> {
    diesel::update(directory_groups::table.find((g.network_id.to_string(), g.id.to_string())))
        .set((
            directory_groups::display_name.eq(&g.display_name),
            directory_groups::display_name_key.eq(g.display_name.to_lowercase()),
            directory_groups::external_id.eq(&g.external_id),
            directory_groups::version.eq(g.version),
            directory_groups::updated_at.eq(naive(g.updated_at)),
        ))
        .execute(conn)
}

pub fn delete_group(conn: &mut DbConnection, g: &DirectoryGroup) -> QueryResult<usize> {
    diesel::delete(directory_group_members::table)
        .filter(directory_group_members::network_id.eq(g.network_id.to_string()))
        .filter(directory_group_members::group_id.eq(g.id.to_string()))
        .execute(conn)?;
    diesel::delete(directory_groups::table.find((g.network_id.to_string(), g.id.to_string())))
        .execute(conn)
}

pub fn groups_by_ids(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    ids: &[DirectoryGroupId],
) -> QueryResult<Vec<DirectoryGroup>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    directory_groups::table
        .filter(directory_groups::network_id.eq(network.to_string()))
        .filter(directory_groups::organization_id.eq(organization.to_string()))
        .filter(directory_groups::id.eq_any(keys))
        .select(group_columns!())
        .load::<GroupRow>(conn)?
        .into_iter()
        .map(group)
        .collect()
}

pub fn find_group(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    id: DirectoryGroupId,
) -> QueryResult<Option<DirectoryGroup>> {
    Ok(groups_by_ids(conn, network, organization, &[id])?
        .into_iter()
        .next())
}

pub fn group_name_taken(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    display_name: &str,
    except: Option<DirectoryGroupId>,
) -> QueryResult<bool> {
    let found: Option<String> = directory_groups::table
        .filter(directory_groups::network_id.eq(network.to_string()))
        .filter(directory_groups::organization_id.eq(organization.to_string()))
        .filter(directory_groups::display_name_key.eq(display_name.to_lowercase()))
        .select(directory_groups::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some_and(|id| Some(id) != except.map(|e| e.to_string())))
}

pub fn list_groups(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    conditions: &[Condition],
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<DirectoryGroup>, i64)> {
    macro_rules! filtered {
        () => {{
            let mut query = directory_groups::table
                .filter(directory_groups::network_id.eq(network.to_string()))
                .filter(directory_groups::organization_id.eq(organization.to_string()))
                .into_boxed();
            for condition in conditions {
                query = match condition {
                    Condition::Id(id) => query.filter(directory_groups::id.eq(id.clone())),
                    Condition::ExternalId(id) => {
                        query.filter(directory_groups::external_id.eq(id.clone()))
                    }
                    Condition::DisplayName(key) => {
                        query.filter(directory_groups::display_name_key.eq(key.clone()))
                    }
                    Condition::HasMember(user) => query.filter(
                        directory_groups::id.eq_any(
                            directory_group_members::table
                                .filter(directory_group_members::network_id.eq(network.to_string()))
                                .filter(directory_group_members::user_id.eq(user.clone()))
                                .select(directory_group_members::group_id),
                        ),
                    ),
                    Condition::UserName(_) | Condition::Email(_) => {
                        query.filter(directory_groups::id.eq(""))
                    }
                };
            }
            query
        }};
    }
    let total: i64 = filtered!().count().get_result(conn)?;
    if limit == 0 || offset >= total {
        return Ok((Vec::new(), total));
    }
    let rows = filtered!()
        .order((
            directory_groups::created_at.asc(),
            directory_groups::id.asc(),
        ))
        .offset(offset)
        .limit(limit)
        .select(group_columns!())
        .load::<GroupRow>(conn)?;
    Ok((
        rows.into_iter().map(group).collect::<QueryResult<_>>()?,
        total,
    ))
}

/// Groups of one network by id (their organization is known from what names them).
pub fn groups_in_network(
    conn: &mut DbConnection,
    network: NetworkId,
    ids: &[DirectoryGroupId],
) -> QueryResult<Vec<DirectoryGroup>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    directory_groups::table
        .filter(directory_groups::network_id.eq(network.to_string()))
        .filter(directory_groups::id.eq_any(keys))
        .select(group_columns!())
        .load::<GroupRow>(conn)?
        .into_iter()
        .map(group)
        .collect()
}

/// A keyset page of the directory's groups after `after` (created_at, id), for GraphQL.
pub fn groups_after(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<DirectoryGroup>> {
    let mut query = directory_groups::table
        .filter(directory_groups::network_id.eq(network.to_string()))
        .filter(directory_groups::organization_id.eq(organization.to_string()))
        .into_boxed();
    if let Some((created, id)) = after {
        query = query.filter(
            directory_groups::created_at
                .gt(created)
                .or(directory_groups::created_at
                    .eq(created)
                    .and(directory_groups::id.gt(id))),
        );
    }
    query
        .order((
            directory_groups::created_at.asc(),
            directory_groups::id.asc(),
        ))
        .limit(limit)
        .select(group_columns!())
        .load::<GroupRow>(conn)?
        .into_iter()
        .map(group)
        .collect()
}

pub fn count_groups(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
) -> QueryResult<i64> {
    directory_groups::table
        .filter(directory_groups::network_id.eq(network.to_string()))
        .filter(directory_groups::organization_id.eq(organization.to_string()))
        .count()
        .get_result(conn)
}

/// How many members each of `groups` has (groups without members are left out).
pub fn member_counts(
    conn: &mut DbConnection,
    network: NetworkId,
    groups: &[DirectoryGroupId],
) -> QueryResult<std::collections::HashMap<DirectoryGroupId, i64>> {
    let keys: Vec<String> = groups.iter().map(ToString::to_string).collect();
    let rows: Vec<(String, i64)> = directory_group_members::table
        .filter(directory_group_members::network_id.eq(network.to_string()))
        .filter(directory_group_members::group_id.eq_any(keys))
        .group_by(directory_group_members::group_id)
        .select((directory_group_members::group_id, diesel::dsl::count_star()))
        .load(conn)?;
    rows.into_iter()
        .map(|(group, n)| Ok((parse_id(&group)?, n)))
        .collect()
}

// ---- group members ----

/// The members of `groups`, with each member's display name: (group, user, displayName).
pub fn members_of_groups(
    conn: &mut DbConnection,
    network: NetworkId,
    groups: &[DirectoryGroupId],
) -> QueryResult<Vec<(DirectoryGroupId, DirectoryUserId, Option<String>)>> {
    let keys: Vec<String> = groups.iter().map(ToString::to_string).collect();
    let rows: Vec<(String, String, String)> = directory_group_members::table
        .inner_join(
            directory_users::table.on(directory_users::network_id
                .eq(directory_group_members::network_id)
                .and(directory_users::id.eq(directory_group_members::user_id))),
        )
        .filter(directory_group_members::network_id.eq(network.to_string()))
        .filter(directory_group_members::group_id.eq_any(keys))
        .order((directory_users::created_at.asc(), directory_users::id.asc()))
        .select((
            directory_group_members::group_id,
            directory_group_members::user_id,
            directory_users::resource,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(group, user, resource)| {
            let display = serde_json::from_str::<serde_json::Value>(&resource)
                .ok()
                .and_then(|r| {
                    r.get("displayName")
                        .and_then(|d| d.as_str())
                        .map(str::to_owned)
                });
            Ok((parse_id(&group)?, parse_id(&user)?, display))
        })
        .collect()
}

pub fn member_ids(
    conn: &mut DbConnection,
    network: NetworkId,
    group: DirectoryGroupId,
) -> QueryResult<Vec<DirectoryUserId>> {
    directory_group_members::table
        .filter(directory_group_members::network_id.eq(network.to_string()))
        .filter(directory_group_members::group_id.eq(group.to_string()))
        .select(directory_group_members::user_id)
        .load::<String>(conn)?
        .iter()
        .map(|id| parse_id(id))
        .collect()
}

/// A user id a statement returns.
#[derive(diesel::QueryableByName)]
struct ReturnedUser {
    #[diesel(sql_type = Text)]
    user_id: String,
}

/// Adds members (those already in are skipped); returns the ones that were not. One
/// statement per 1,000 ids, whatever the group's size: the group's members are not read.
pub fn add_members(
    conn: &mut DbConnection,
    network: NetworkId,
    group: DirectoryGroupId,
    users: &[DirectoryUserId],
) -> QueryResult<Vec<DirectoryUserId>> {
    let mut added = Vec::new();
    for chunk in users.chunks(1_000) {
        let ids = json_strings(
            chunk
                .iter()
                .map(|u| u.to_string())
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        );
        let statement = RawSql::new(
            "INSERT INTO directory_group_members (network_id, group_id, user_id) SELECT ",
        )
        .bind::<Text, _>(network.to_string())
        .sql(", ")
        .bind::<Text, _>(group.to_string())
        .sql(", ids.* FROM (");
        // `WHERE true` keeps SQLite from reading `ON CONFLICT` as a join's constraint.
        let statement = json_text_list(conn, statement, ids)
            .sql(") AS ids WHERE true ON CONFLICT DO NOTHING RETURNING user_id");
        for row in statement.load::<ReturnedUser>(conn)? {
            added.push(parse_id(&row.user_id)?);
        }
    }
    Ok(added)
}

/// Removes members; returns the ones that were members.
pub fn remove_members(
    conn: &mut DbConnection,
    network: NetworkId,
    group: DirectoryGroupId,
    users: &[DirectoryUserId],
) -> QueryResult<Vec<DirectoryUserId>> {
    let mut removed = Vec::new();
    for chunk in users.chunks(1_000) {
        let keys: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let gone: Vec<String> = diesel::delete(directory_group_members::table)
            .filter(directory_group_members::network_id.eq(network.to_string()))
            .filter(directory_group_members::group_id.eq(group.to_string()))
            .filter(directory_group_members::user_id.eq_any(keys))
            .returning(directory_group_members::user_id)
            .get_results(conn)?;
        for id in gone {
            removed.push(parse_id(&id)?);
        }
    }
    Ok(removed)
}

/// The groups each of `users` belongs to: (user, group).
pub fn groups_of_users(
    conn: &mut DbConnection,
    network: NetworkId,
    users: &[DirectoryUserId],
) -> QueryResult<Vec<(DirectoryUserId, DirectoryGroupId)>> {
    let mut out = Vec::new();
    for chunk in users.chunks(1_000) {
        let keys: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let rows: Vec<(String, String)> = directory_group_members::table
            .filter(directory_group_members::network_id.eq(network.to_string()))
            .filter(directory_group_members::user_id.eq_any(keys))
            .select((
                directory_group_members::user_id,
                directory_group_members::group_id,
            ))
            .load(conn)?;
        for (user, group) in rows {
            out.push((parse_id(&user)?, parse_id(&group)?));
        }
    }
    Ok(out)
}
