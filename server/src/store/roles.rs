//! Custom roles, defined on an organization and usable in its subtree.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{naive, parse_id, utc};
use super::schema::{custom_role_networks, custom_roles, grants, organizations};
use super::DbConnection;
use crate::domain::ids::{CustomRoleId, NetworkId, OrganizationId};
use crate::domain::members::CustomRole;
use crate::domain::permissions::{format_permission_list, parse_permission_list};
use crate::domain::tree_path::TreePath;

type RoleRow = (String, String, String, String, String, NaiveDateTime);

fn role(row: RoleRow) -> QueryResult<CustomRole> {
    let (network, id, organization, name, permissions, created) = row;
    Ok(CustomRole {
        id: parse_id(&id)?,
        network_id: parse_id(&network)?,
        organization_id: parse_id(&organization)?,
        name,
        permissions: parse_permission_list(&permissions),
        created_at: utc(created),
    })
}

macro_rules! role_columns {
    () => {
        (
            custom_roles::network_id,
            custom_roles::id,
            custom_roles::organization_id,
            custom_roles::name,
            custom_roles::permissions,
            custom_roles::created_at,
        )
    };
}

pub fn insert(conn: &mut DbConnection, r: &CustomRole) -> QueryResult<()> {
    diesel::insert_into(custom_roles::table)
        .values((
            custom_roles::network_id.eq(r.network_id.to_string()),
            custom_roles::id.eq(r.id.to_string()),
            custom_roles::organization_id.eq(r.organization_id.to_string()),
            custom_roles::name.eq(&r.name),
            custom_roles::permissions.eq(format_permission_list(r.permissions)),
            custom_roles::created_at.eq(naive(r.created_at)),
        ))
        .execute(conn)?;
    diesel::insert_into(custom_role_networks::table)
        .values((
            custom_role_networks::id.eq(r.id.to_string()),
            custom_role_networks::network_id.eq(r.network_id.to_string()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The roles defined on any of `organizations` (not those they inherit), by name.
pub fn of_organizations(
    conn: &mut DbConnection,
    network: NetworkId,
    organizations: &[OrganizationId],
) -> QueryResult<Vec<CustomRole>> {
    let keys: Vec<String> = organizations.iter().map(ToString::to_string).collect();
    let rows: Vec<RoleRow> = custom_roles::table
        .filter(custom_roles::network_id.eq(network.to_string()))
        .filter(custom_roles::organization_id.eq_any(keys))
        .order((custom_roles::name.asc(), custom_roles::id.asc()))
        .select(role_columns!())
        .load(conn)?;
    rows.into_iter().map(role).collect()
}

/// Deletes a role with its routing row.
pub fn delete(conn: &mut DbConnection, network: NetworkId, id: CustomRoleId) -> QueryResult<usize> {
    diesel::delete(custom_role_networks::table.find(id.to_string())).execute(conn)?;
    diesel::delete(custom_roles::table.find((network.to_string(), id.to_string()))).execute(conn)
}

pub fn find(
    conn: &mut DbConnection,
    network: NetworkId,
    id: CustomRoleId,
) -> QueryResult<Option<CustomRole>> {
    custom_roles::table
        .filter(custom_roles::network_id.eq(network.to_string()))
        .filter(custom_roles::id.eq(id.to_string()))
        .select(role_columns!())
        .first::<RoleRow>(conn)
        .optional()?
        .map(role)
        .transpose()
}

/// Custom roles by id, in one network.
pub fn in_network(
    conn: &mut DbConnection,
    network: NetworkId,
    ids: &[CustomRoleId],
) -> QueryResult<Vec<CustomRole>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<RoleRow> = custom_roles::table
        .filter(custom_roles::network_id.eq(network.to_string()))
        .filter(custom_roles::id.eq_any(keys))
        .select(role_columns!())
        .load(conn)?;
    rows.into_iter().map(role).collect()
}

/// The custom roles defined on the organizations at `paths` (an ancestor chain: the roles
/// usable at its last organization).
pub fn on_paths(
    conn: &mut DbConnection,
    network: NetworkId,
    paths: &[TreePath],
) -> QueryResult<Vec<(TreePath, CustomRole)>> {
    let keys: Vec<&str> = paths.iter().map(TreePath::as_str).collect();
    let rows: Vec<(String, RoleRow)> = custom_roles::table
        .inner_join(
            organizations::table.on(organizations::network_id
                .eq(custom_roles::network_id)
                .and(organizations::id.eq(custom_roles::organization_id))),
        )
        .filter(custom_roles::network_id.eq(network.to_string()))
        .filter(organizations::path.eq_any(keys))
        .order((organizations::path.asc(), custom_roles::name.asc()))
        .select((organizations::path, role_columns!()))
        .load(conn)?;
    rows.into_iter()
        .map(|(path, row)| Ok((TreePath::from_stored(path), role(row)?)))
        .collect()
}

/// Whether a grant or an onboarding rule (which grants it to the members it onboards) uses
/// the role.
pub fn in_use(conn: &mut DbConnection, network: NetworkId, id: CustomRoleId) -> QueryResult<bool> {
    let granted: bool = diesel::select(diesel::dsl::exists(
        grants::table
            .filter(grants::network_id.eq(network.to_string()))
            .filter(grants::custom_role_id.eq(id.to_string())),
    ))
    .get_result(conn)?;
    if granted {
        return Ok(true);
    }
    diesel::select(diesel::dsl::exists(
        super::schema::onboarding_rules::table
            .filter(super::schema::onboarding_rules::network_id.eq(network.to_string()))
            .filter(super::schema::onboarding_rules::custom_role_id.eq(id.to_string())),
    ))
    .get_result(conn)
}
