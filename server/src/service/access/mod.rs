//! The one access layer: what a caller may see and do, for every front end.
//!
//! A caller's rights are their *placed grants* ([`placed_grants`]): a person's role grants,
//! an application's authorization (its scopes on one organization, and its subtree when
//! consented). Every decision is a `domain` rule over them. Reads ask the request-scoped
//! [`Access`], which reads them once per request; use cases inside a write transaction ask
//! the functions here, which read them fresh under the network lock.

mod request;

pub use request::{Access, NetworkAccess};

use std::collections::{HashMap, HashSet};

use crate::auth::{ApplicationCaller, DirectoryCaller, Principal};
use crate::domain::authorization::placed_grant;
use crate::domain::ids::{NetworkId, OrganizationId, ScimTokenId, TokenFamilyId, UserId};
use crate::domain::organization::Organization;
use crate::domain::permissions::{effective_permissions, Permission, PermissionSet, PlacedGrant};
use crate::domain::user::User;
use crate::domain::visibility::{sees_below, sees_user_at};
use crate::store::{
    authorizations, directory, grants, members, networks, organizations, DbConnection,
};

use super::error::{ApiError, ApiResult};

/// A caller's grants by network, as every decision over several networks takes them.
pub type GrantsByNetwork = HashMap<NetworkId, Vec<PlacedGrant>>;

/// [`placed_grants`] by network.
pub fn by_network(placed: Vec<(NetworkId, PlacedGrant)>) -> GrantsByNetwork {
    let mut grouped = GrantsByNetwork::new();
    for (network, grant) in placed {
        grouped.entry(network).or_default().push(grant);
    }
    grouped
}

/// The caller's grants, placed in their trees: in `networks`, or everywhere. Read fresh: an
/// application's authorization revoked since the request began answers `UNAUTHENTICATED`.
pub fn placed_grants(
    conn: &mut DbConnection,
    principal: &Principal,
    networks: Option<&[NetworkId]>,
) -> ApiResult<Vec<(NetworkId, PlacedGrant)>> {
    match principal {
        Principal::User(user) => Ok(grants::placed_for_user(conn, user.id, networks)?),
        Principal::Application(caller) => {
            let live =
                application_caller(conn, caller.family, &caller.client_id, caller.token_scopes)?
                    .ok_or(ApiError::Unauthenticated)?;
            Ok(match networks {
                Some(wanted) if !wanted.contains(&live.network_id) => Vec::new(),
                _ => vec![(live.network_id, live.grant)],
            })
        }
        Principal::Directory(caller) => {
            let grant = directory_grant(conn, caller)?.ok_or(ApiError::Unauthenticated)?;
            Ok(match networks {
                Some(wanted) if !wanted.contains(&caller.network_id) => Vec::new(),
                _ => vec![(caller.network_id, grant)],
            })
        }
    }
}

/// What a directory holds through its SCIM token, read live (a revoked token, or a deleted
/// organization, holds nothing): the organization's members to read and manage, on that
/// organization alone. Its users become members there, nowhere else.
pub fn directory_grant(
    conn: &mut DbConnection,
    caller: &DirectoryCaller,
) -> ApiResult<Option<PlacedGrant>> {
    let org = organizations::in_network(conn, caller.network_id, &[caller.organization_id])?
        .into_iter()
        .find(|org| !org.is_deleted());
    match org {
        Some(org) => directory_grant_at(conn, caller, &org),
        None => Ok(None),
    }
}

/// [`directory_grant`] on its organization, already read (and locked) by the caller: only
/// the token is read.
pub fn directory_grant_at(
    conn: &mut DbConnection,
    caller: &DirectoryCaller,
    org: &Organization,
) -> ApiResult<Option<PlacedGrant>> {
    let live = directory::find_token(conn, caller.network_id, caller.token_id)?
        .is_some_and(|token| token.revoked_at.is_none() && token.organization_id == org.id);
    Ok((live && !org.is_deleted()).then(|| directory_placed_grant(org)))
}

/// What a live directory token holds: its organization's members to read and manage, on
/// that organization alone.
fn directory_placed_grant(org: &Organization) -> PlacedGrant {
    PlacedGrant {
        role: "DIRECTORY".into(),
        ..placed_grant(org, directory_permissions(), false)
    }
}

/// The caller behind a live SCIM token on its (live) organization, as authentication finds
/// it.
pub fn directory_caller(token: ScimTokenId, org: &Organization) -> DirectoryCaller {
    DirectoryCaller {
        token_id: token,
        network_id: org.network_id,
        organization_id: org.id,
        grant: directory_placed_grant(org),
    }
}

/// Whether the directory may read or do `permission` on its organization, by what its token
/// held when the request was authenticated (no read: for the directory's reads; its writes
/// ask [`require_directory`] under the network lock).
pub fn directory_may(caller: &DirectoryCaller, permission: Permission) -> ApiResult<()> {
    if caller.grant.permissions.contains(permission) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "a directory's token does not hold {}",
            permission.as_str()
        )))
    }
}

/// [`require`] for a directory on its own organization, already read: `UNAUTHENTICATED`
/// once its token is revoked.
pub fn require_directory(
    conn: &mut DbConnection,
    caller: &DirectoryCaller,
    org: &Organization,
    permission: Permission,
) -> ApiResult<()> {
    let grant = directory_grant_at(conn, caller, org)?.ok_or(ApiError::Unauthenticated)?;
    check(effective_permissions(&[grant], org), permission)
}

/// What a directory may do on its organization.
pub fn directory_permissions() -> PermissionSet {
    PermissionSet::of(&[
        Permission::OrganizationRead,
        Permission::MembersRead,
        Permission::MembersManage,
    ])
}

/// The caller behind an access token of `family` (issued to `client_id` with `token_scopes`):
/// what it holds, placed on its organization. `None` once the family or its authorization is
/// revoked, or the organization is deleted or gone.
pub fn application_caller(
    conn: &mut DbConnection,
    family: TokenFamilyId,
    client_id: &str,
    token_scopes: PermissionSet,
) -> ApiResult<Option<ApplicationCaller>> {
    let Some(live) = authorizations::live_family(conn, family)? else {
        return Ok(None);
    };
    // The family's authorization names the application (deleting an application, or the
    // organization holding it, revokes its authorizations), and the token's signed client
    // id is the one it was issued to.
    let authorization = live.authorization;
    let org = organizations::in_network(
        conn,
        authorization.network_id,
        &[authorization.organization_id],
    )?
    .into_iter()
    .find(|org| !org.is_deleted());
    Ok(org.map(|org| ApplicationCaller {
        application_id: authorization.application_id,
        client_id: client_id.to_owned(),
        authorization_id: authorization.id,
        family,
        network_id: authorization.network_id,
        token_scopes,
        grant: placed_grant(
            &org,
            token_scopes
                .intersection(live.scopes)
                .intersection(authorization.scopes),
            authorization.include_sub_organizations,
        ),
    }))
}

/// The person calling, for what only a person may do: found networks, own contract
/// accounts, see the `viewer`, authorize applications.
pub fn person(principal: &Principal) -> ApiResult<&User> {
    principal.person().ok_or_else(|| {
        ApiError::Forbidden("an application token cannot do this; a person must".into())
    })
}

/// The caller's grants in one network.
pub fn placed_grants_in(
    conn: &mut DbConnection,
    principal: &Principal,
    network: NetworkId,
) -> ApiResult<Vec<PlacedGrant>> {
    Ok(placed_grants(conn, principal, Some(&[network]))?
        .into_iter()
        .map(|(_, grant)| grant)
        .collect())
}

pub fn permissions_at(
    conn: &mut DbConnection,
    principal: &Principal,
    org: &Organization,
) -> ApiResult<PermissionSet> {
    Ok(effective_permissions(
        &placed_grants_in(conn, principal, org.network_id)?,
        org,
    ))
}

/// Refuses unless the principal holds `permission` at `org`. An organization the principal
/// can't read answers `NOT_FOUND`, exactly like one that does not exist.
pub fn require(
    conn: &mut DbConnection,
    principal: &Principal,
    org: &Organization,
    permission: Permission,
) -> ApiResult<()> {
    check(permissions_at(conn, principal, org)?, permission)
}

/// The answer to "may the caller do `permission`" given what it holds on the organization:
/// `NOT_FOUND` when it can't even read it (no hint that it exists), else `FORBIDDEN`.
pub fn check(permissions: PermissionSet, permission: Permission) -> ApiResult<()> {
    if !permissions.contains(Permission::OrganizationRead) {
        return Err(ApiError::NotFound);
    }
    if !permissions.contains(permission) {
        return Err(ApiError::Forbidden(format!(
            "this requires the permission {} on the organization",
            permission.as_str()
        )));
    }
    Ok(())
}

/// Refuses what acts on `org`'s whole subtree (deleting, restoring or copying it, granting a
/// role, which reaches below) for a caller whose rights stop at `org`: an application
/// authorized without its sub-organizations.
pub fn require_reach_below(
    placed: &[PlacedGrant],
    org: &Organization,
    what: &str,
) -> ApiResult<()> {
    if sees_below(placed, org) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "{what} acts below the organization, and this caller is authorized on it alone"
        )))
    }
}

/// Locks the organization's network for this transaction (see
/// `store::networks::lock_and_allocate`) and returns the organization, live.
pub fn locked_live(
    conn: &mut DbConnection,
    organization: OrganizationId,
) -> ApiResult<(NetworkId, Organization)> {
    let (_, network) = organizations::networks_of(conn, &[organization])?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    let org = locked_live_in(conn, network, organization)?;
    Ok((network, org))
}

/// [`locked_live`] for a caller that knows the organization's network (an organization
/// never leaves its network, SPEC §1): one statement fewer.
pub fn locked_live_in(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
) -> ApiResult<Organization> {
    networks::lock_and_allocate(conn, network, 0)?;
    organizations::in_network(conn, network, &[organization])?
        .into_iter()
        .find(|o| !o.is_deleted())
        .ok_or(ApiError::NotFound)
}

/// The users among `candidates` that the principal may see (`domain::visibility`): always
/// themselves, otherwise through an organization where they hold `members:read`. Every
/// other id must answer as an unknown one does.
pub fn visible_users(
    conn: &mut DbConnection,
    principal: &Principal,
    candidates: &[UserId],
) -> ApiResult<HashSet<UserId>> {
    let me = principal.user_id();
    let mut visible: HashSet<UserId> = candidates
        .iter()
        .copied()
        .filter(|u| Some(*u) == me)
        .collect();
    let others: Vec<UserId> = candidates
        .iter()
        .copied()
        .filter(|u| Some(*u) != me)
        .collect();
    if others.is_empty() {
        return Ok(visible);
    }
    let reader = by_network(placed_grants(conn, principal, None)?);
    let networks: Vec<NetworkId> = reader.keys().copied().collect();
    for (user, network, placement) in members::placements_of_users(conn, &networks, &others)? {
        let held = reader.get(&network).map(Vec::as_slice).unwrap_or_default();
        if sees_user_at(held, &placement) {
            visible.insert(user);
        }
    }
    Ok(visible)
}
