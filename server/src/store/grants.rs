//! Grants of roles to users on organizations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{naive, parse_id};
use super::schema::{custom_roles, grants, organizations};
use super::DbConnection;
use crate::domain::ids::{GrantId, NetworkId, OrganizationId, UserId};
use crate::domain::permissions::{
    built_in_permissions, parse_permission_list, PermissionSet, PlacedGrant,
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
        .filter(grants::user_id.eq(user.to_string()))
        .into_boxed();
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
                        organization_deletion: deletion.as_deref().map(parse_id).transpose()?,
                    },
                ))
            },
        )
        .collect()
}
