//! Grants of roles to users on organizations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{naive, parse_id};
use super::schema::{custom_roles, grants, members, organizations};
use super::DbConnection;
use crate::domain::ids::{GrantId, NetworkId, OrganizationId, UserId};
use crate::domain::members::Grant;
use crate::domain::permissions::{
    built_in_permissions, parse_permission_list, PermissionSet, PlacedGrant, Reach,
};
use crate::domain::tree_path::TreePath;

pub fn insert(
    conn: &mut DbConnection,
    network: NetworkId,
    user: UserId,
    role: &str,
    organization: OrganizationId,
    now: DateTime<Utc>,
) -> QueryResult<GrantId> {
    let id = GrantId::new_random();
    diesel::insert_into(grants::table)
        .values((
            grants::network_id.eq(network.to_string()),
            grants::id.eq(id.to_string()),
            grants::user_id.eq(user.to_string()),
            grants::role.eq(role),
            grants::organization_id.eq(organization.to_string()),
            grants::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(id)
}

type PlacedRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<chrono::NaiveDateTime>,
    Option<String>,
);

/// A user's grants in the given networks (all networks when `None`), each placed at its
/// organization's path, with custom roles resolved to their permissions.
pub fn placed_for_user(
    conn: &mut DbConnection,
    user: UserId,
    networks: Option<&[NetworkId]>,
) -> QueryResult<Vec<(NetworkId, PlacedGrant)>> {
    placed(conn, user, networks, MemberStatuses::ThatApply)
}

/// [`placed_for_user`] including the grants that a suspended or removed membership holds
/// back: what the user would hold if reinstated.
pub fn placed_for_user_if_reinstated(
    conn: &mut DbConnection,
    user: UserId,
    networks: Option<&[NetworkId]>,
) -> QueryResult<Vec<(NetworkId, PlacedGrant)>> {
    placed(conn, user, networks, MemberStatuses::Any)
}

enum MemberStatuses {
    ThatApply,
    Any,
}

fn placed(
    conn: &mut DbConnection,
    user: UserId,
    networks: Option<&[NetworkId]>,
    statuses: MemberStatuses,
) -> QueryResult<Vec<(NetworkId, PlacedGrant)>> {
    let mut query = grants::table
        .inner_join(
            organizations::table.on(organizations::network_id
                .eq(grants::network_id)
                .and(organizations::id.eq(grants::organization_id))),
        )
        .left_join(
            custom_roles::table.on(custom_roles::network_id
                .eq(grants::network_id)
                .and(custom_roles::id.nullable().eq(grants::custom_role_id))),
        )
        .left_join(
            members::table.on(members::network_id
                .eq(grants::network_id)
                .and(members::organization_id.eq(grants::organization_id))
                .and(members::user_id.eq(grants::user_id))),
        )
        .filter(grants::user_id.eq(user.to_string()))
        .into_boxed();
    if let MemberStatuses::ThatApply = statuses {
        // A suspended or removed member's grants on that organization stop applying.
        query = query.filter(
            members::status
                .nullable()
                .is_null()
                .or(members::status.nullable().eq_any(["INVITED", "ACTIVE"])),
        );
    }
    if let Some(networks) = networks {
        let keys: Vec<String> = networks.iter().map(ToString::to_string).collect();
        query = query.filter(grants::network_id.eq_any(keys));
    }
    let rows: Vec<PlacedRow> = query
        .select((
            grants::network_id,
            grants::role,
            custom_roles::permissions.nullable(),
            grants::application_id,
            organizations::path,
            organizations::deleted_at,
            organizations::deletion_id,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(network, role, custom, application, path, deleted_at, deletion)| {
                let permissions = match custom {
                    Some(list) => parse_permission_list(&list),
                    None => built_in_permissions(&role).unwrap_or(PermissionSet::EMPTY),
                };
                Ok((
                    parse_id(&network)?,
                    PlacedGrant {
                        role,
                        permissions,
                        application: application.as_deref().map(parse_id).transpose()?,
                        organization_path: TreePath::from_stored(path),
                        organization_deleted: deleted_at.is_some(),
                        reach: Reach::Subtree,
                        organization_deletion: deletion.as_deref().map(parse_id).transpose()?,
                    },
                ))
            },
        )
        .collect()
}

type GrantRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    chrono::NaiveDateTime,
);

macro_rules! grant_columns {
    () => {
        (
            grants::network_id,
            grants::id,
            grants::user_id,
            grants::role,
            grants::custom_role_id,
            grants::organization_id,
            grants::application_id,
            grants::created_at,
        )
    };
}

fn grant(row: GrantRow) -> QueryResult<Grant> {
    let (network, id, user, role, custom_role, organization, application, created) = row;
    Ok(Grant {
        id: parse_id(&id)?,
        network_id: parse_id(&network)?,
        user_id: parse_id(&user)?,
        role,
        custom_role_id: custom_role.as_deref().map(parse_id).transpose()?,
        organization_id: parse_id(&organization)?,
        application_id: application.as_deref().map(parse_id).transpose()?,
        created_at: super::models::utc(created),
    })
}

/// Stores a grant of a built-in or custom role, maybe on one application.
pub fn insert_grant(conn: &mut DbConnection, g: &Grant) -> QueryResult<()> {
    diesel::insert_into(grants::table)
        .values((
            grants::network_id.eq(g.network_id.to_string()),
            grants::id.eq(g.id.to_string()),
            grants::user_id.eq(g.user_id.to_string()),
            grants::role.eq(&g.role),
            grants::custom_role_id.eq(g.custom_role_id.map(|r| r.to_string())),
            grants::organization_id.eq(g.organization_id.to_string()),
            grants::application_id.eq(g.application_id.map(|a| a.to_string())),
            grants::created_at.eq(naive(g.created_at)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn delete(conn: &mut DbConnection, network: NetworkId, id: GrantId) -> QueryResult<usize> {
    diesel::delete(grants::table.find((network.to_string(), id.to_string()))).execute(conn)
}

pub fn find(
    conn: &mut DbConnection,
    network: NetworkId,
    id: GrantId,
) -> QueryResult<Option<Grant>> {
    grants::table
        .filter(grants::network_id.eq(network.to_string()))
        .filter(grants::id.eq(id.to_string()))
        .select(grant_columns!())
        .first::<GrantRow>(conn)
        .optional()?
        .map(grant)
        .transpose()
}

/// Grants made directly on the given organizations.
pub fn on_organizations(
    conn: &mut DbConnection,
    network: NetworkId,
    ids: &[OrganizationId],
) -> QueryResult<Vec<Grant>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    grants::table
        .filter(grants::network_id.eq(network.to_string()))
        .filter(grants::organization_id.eq_any(keys))
        .order(grants::created_at.asc())
        .select(grant_columns!())
        .load::<GrantRow>(conn)?
        .into_iter()
        .map(grant)
        .collect()
}

/// The same grant already exists (same user, role, organization and application).
pub fn exists_same(conn: &mut DbConnection, g: &Grant) -> QueryResult<bool> {
    let mut query = grants::table
        .filter(grants::network_id.eq(g.network_id.to_string()))
        .filter(grants::user_id.eq(g.user_id.to_string()))
        .filter(grants::organization_id.eq(g.organization_id.to_string()))
        .filter(grants::role.eq(g.role.clone()))
        .into_boxed();
    query = match g.application_id {
        Some(app) => query.filter(grants::application_id.eq(app.to_string())),
        None => query.filter(grants::application_id.is_null()),
    };
    Ok(query
        .select(grants::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}
