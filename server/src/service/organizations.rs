//! Structural changes of the tree. Each is one transaction that first takes its network's lock
//! (see `store::networks::lock_and_allocate`), then reads what it depends on, so concurrent
//! requests from any number of server processes leave one consistent tree.

use chrono::{DateTime, Utc};

use crate::auth::Principal;
use crate::domain::ids::{ContractAccountId, DeletionId, NetworkId, OrganizationId};
use crate::domain::organization::{
    check_add_child, check_add_root, check_move, check_restore, purge_after, Organization,
    OrganizationKind, OrganizationName,
};
use crate::domain::permissions::{BuiltInRole, Permission};
use crate::domain::tree_path::TreePath;
use crate::store::{applications, authorizations, grants, networks, organizations, DbConnection};

use super::access::{
    check, permissions_at, person, placed_grants_in, require, require_reach_below,
};
use super::audit::{organization_state, record, Change};
use super::contract_accounts::{account_for_new_organization, AccountChoice};
use super::error::{ApiError, ApiResult};
use super::Services;

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub name: String,
    pub kind: Option<OrganizationKind>,
    pub contract_account_id: Option<ContractAccountId>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub organizations: usize,
    pub networks: usize,
}

impl Services {
    /// A new network whose root is the new organization; its creator becomes its OPS_ADMIN.
    pub async fn add_organization(
        &self,
        principal: &Principal,
        input: NewOrganization,
        now: DateTime<Utc>,
    ) -> ApiResult<Organization> {
        let name = OrganizationName::parse(&input.name)?;
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let network = NetworkId::new_random();
                let account = account_for_new_organization(
                    conn,
                    &principal,
                    input.contract_account_id,
                    None,
                    &name.display,
                    now,
                )?;
                networks::insert(conn, network, 1, now)?;
                let root = new_organization(
                    network,
                    1,
                    None,
                    TreePath::root(1),
                    &name,
                    input.kind,
                    account,
                    now,
                );
                organizations::insert(conn, std::slice::from_ref(&root))?;
                make_administrator(conn, &principal, network, root.id, now)?;
                record(
                    conn,
                    &principal,
                    Change::of("addOrganization", &root).after(organization_state(&root)),
                    now,
                )?;
                Ok(root)
            })
            .await
    }

    /// A new root above the current root of a network; the network keeps its id.
    pub async fn add_root_organization(
        &self,
        principal: &Principal,
        root_id: OrganizationId,
        input: NewOrganization,
        now: DateTime<Utc>,
    ) -> ApiResult<Organization> {
        let name = OrganizationName::parse(&input.name)?;
        let principal = principal.clone();
        let limits = self.limits;
        self.store
            .write(move |conn| {
                let network = lock_network_of(conn, root_id, 1)?;
                let old_root = live_in(conn, network.id, root_id)?;
                require(conn, &principal, &old_root, Permission::OrganizationManage)?;
                check_add_root(
                    &old_root,
                    organizations::deepest_in_network(conn, network.id)?,
                    &limits,
                )?;
                let account = account_for_new_organization(
                    conn,
                    &principal,
                    input.contract_account_id,
                    Some(old_root.contract_account_id),
                    &name.display,
                    now,
                )?;
                let path = TreePath::root(network.first_seq);
                organizations::push_down_under(conn, network.id, &path, now)?;
                let root = new_organization(
                    network.id,
                    network.first_seq,
                    None,
                    path,
                    &name,
                    input.kind,
                    account,
                    now,
                );
                organizations::insert(conn, std::slice::from_ref(&root))?;
                organizations::set_parent(
                    conn,
                    network.id,
                    old_root.id,
                    root.id,
                    old_root.contract_account_id != root.contract_account_id,
                    now,
                )?;
                // Whoever may restructure the top of a network administers its new top.
                make_administrator(conn, &principal, network.id, root.id, now)?;
                record(
                    conn,
                    &principal,
                    Change::of("addRootOrganization", &root)
                        .before(organization_state(&old_root))
                        .after(organization_state(&root)),
                    now,
                )?;
                Ok(root)
            })
            .await
    }

    pub async fn add_sub_organization(
        &self,
        principal: &Principal,
        parent_id: OrganizationId,
        input: NewOrganization,
        now: DateTime<Utc>,
    ) -> ApiResult<Organization> {
        let name = OrganizationName::parse(&input.name)?;
        let principal = principal.clone();
        let limits = self.limits;
        self.store
            .write(move |conn| {
                let network = lock_network_of(conn, parent_id, 1)?;
                let parent = live_in(conn, network.id, parent_id)?;
                require(conn, &principal, &parent, Permission::OrganizationManage)?;
                check_add_child(&parent, &limits)?;
                ensure_unique_name(conn, &parent, &name, None)?;
                let account = account_for_new_organization(
                    conn,
                    &principal,
                    input.contract_account_id,
                    Some(parent.contract_account_id),
                    &name.display,
                    now,
                )?;
                let child = new_organization(
                    network.id,
                    network.first_seq,
                    Some(parent.id),
                    parent.path.child(network.first_seq),
                    &name,
                    input.kind,
                    account,
                    now,
                );
                organizations::insert(conn, std::slice::from_ref(&child))?;
                record(
                    conn,
                    &principal,
                    Change::of("addSubOrganization", &child).after(organization_state(&child)),
                    now,
                )?;
                Ok(child)
            })
            .await
    }

    /// Re-parents an organization with its subtree, within its network.
    pub async fn move_organization(
        &self,
        principal: &Principal,
        id: OrganizationId,
        new_parent_id: OrganizationId,
        now: DateTime<Utc>,
    ) -> ApiResult<Organization> {
        let principal = principal.clone();
        let limits = self.limits;
        self.store
            .write(move |conn| {
                let network = lock_network_of(conn, id, 0)?;
                let org = live_in(conn, network.id, id)?;
                require(conn, &principal, &org, Permission::OrganizationManage)?;
                let new_parent = match live_in(conn, network.id, new_parent_id) {
                    Ok(parent) => parent,
                    Err(ApiError::NotFound) => {
                        // Say "other network" only to someone who can see it there.
                        let elsewhere = organizations::find(conn, new_parent_id)?
                            .filter(|o| !o.is_deleted())
                            .ok_or(ApiError::NotFound)?;
                        require(conn, &principal, &elsewhere, Permission::OrganizationRead)?;
                        elsewhere
                    }
                    Err(other) => return Err(other),
                };
                if new_parent.network_id == org.network_id {
                    require(
                        conn,
                        &principal,
                        &new_parent,
                        Permission::OrganizationManage,
                    )?;
                }
                let deepest = organizations::deepest_in_subtree(conn, network.id, &org.path)?;
                check_move(&org, &new_parent, deepest, &limits)?;
                if org.parent_id == Some(new_parent.id) {
                    return Ok(org);
                }
                ensure_unique_name(
                    conn,
                    &new_parent,
                    &OrganizationName::stored(&org.name),
                    Some(org.id),
                )?;
                let new_path = new_parent.path.child(org.seq);
                organizations::rebase_subtree(conn, network.id, &org.path, &new_path, now)?;
                organizations::set_parent(
                    conn,
                    network.id,
                    org.id,
                    new_parent.id,
                    org.contract_account_id != new_parent.contract_account_id,
                    now,
                )?;
                let moved = live_in(conn, network.id, id)?;
                record(
                    conn,
                    &principal,
                    Change::of("moveOrganization", &moved)
                        .before(organization_state(&org))
                        .after(organization_state(&moved)),
                    now,
                )?;
                Ok(moved)
            })
            .await
    }

    /// Soft-deletes an organization and its live subtree, as one restorable deletion.
    pub async fn delete_organization(
        &self,
        principal: &Principal,
        id: OrganizationId,
        now: DateTime<Utc>,
    ) -> ApiResult<Organization> {
        let principal = principal.clone();
        let limits = self.limits;
        self.store
            .write(move |conn| {
                let network = lock_network_of(conn, id, 0)?;
                let org = live_in(conn, network.id, id)?;
                require(conn, &principal, &org, Permission::OrganizationManage)?;
                let placed = placed_grants_in(conn, &principal, network.id)?;
                require_reach_below(&placed, &org, "deleting an organization")?;
                let deletion = DeletionId::new_random();
                organizations::soft_delete_subtree(
                    conn,
                    network.id,
                    &org.path,
                    deletion,
                    now,
                    purge_after(now, &limits),
                )?;
                // Applications held in the subtree stop acting for their customers.
                for app in applications::ids_in_subtree(conn, network.id, &org.path)? {
                    authorizations::revoke_all_of_application(conn, app, now)?;
                }
                let deleted = any_in(conn, network.id, id)?;
                record(
                    conn,
                    &principal,
                    Change::of("deleteOrganization", &deleted)
                        .before(organization_state(&org))
                        .after(organization_state(&deleted)),
                    now,
                )?;
                Ok(deleted)
            })
            .await
    }

    /// Brings back exactly the subtree one deletion removed.
    pub async fn restore_organization(
        &self,
        principal: &Principal,
        id: OrganizationId,
        now: DateTime<Utc>,
    ) -> ApiResult<Organization> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let network = lock_network_of(conn, id, 0)?;
                let org = any_in(conn, network.id, id)?;
                let permissions = permissions_at(conn, &principal, &org)?;
                if !org.is_deleted() {
                    check(permissions, Permission::OrganizationRead)?;
                    return Err(ApiError::bad_input("id", "the organization is not deleted"));
                }
                // Hidden deleted organizations stay hidden: NOT_FOUND unless manageable.
                if !permissions.contains(Permission::OrganizationManage) {
                    return Err(ApiError::NotFound);
                }
                let placed = placed_grants_in(conn, &principal, network.id)?;
                require_reach_below(&placed, &org, "restoring an organization")?;
                let parent = match org.parent_id {
                    Some(parent_id) => Some(any_in(conn, network.id, parent_id)?),
                    None => None,
                };
                let deletion = check_restore(&org, parent.as_ref(), now)?;
                if let Some(parent) = &parent {
                    ensure_unique_name(
                        conn,
                        parent,
                        &OrganizationName::stored(&org.name),
                        Some(org.id),
                    )?;
                }
                let restored_count =
                    organizations::restore_deletion(conn, network.id, &org.path, deletion, now)?;
                let restored = any_in(conn, network.id, id)?;
                record(
                    conn,
                    &principal,
                    Change::of("restoreOrganization", &restored)
                        .before(organization_state(&org))
                        .after(serde_json::json!({ "organizations": restored_count })),
                    now,
                )?;
                Ok(restored)
            })
            .await
    }

    /// Removes for good every deletion whose retention is over, one network per transaction.
    pub fn purge_expired_blocking(&self, now: DateTime<Utc>) -> ApiResult<PurgeReport> {
        let mut report = PurgeReport::default();
        let expired = {
            let mut conn = self.store.read_connection()?;
            organizations::networks_with_expired(&mut conn, now)?
        };
        for network in expired {
            let (removed, emptied) = self.store.write_blocking(|conn| {
                networks::lock_and_allocate(conn, network, 0)?;
                let removed = organizations::purge_expired(conn, network, now)?;
                let emptied = organizations::count_in_network(conn, network)? == 0;
                if emptied {
                    networks::delete(conn, network)?;
                }
                Ok::<_, ApiError>((removed, emptied))
            })?;
            report.organizations += removed;
            report.networks += usize::from(emptied);
        }
        Ok(report)
    }
}

/// A network locked for this transaction, with the sequence numbers taken from it.
pub(super) struct LockedNetwork {
    pub id: NetworkId,
    pub first_seq: i64,
}

pub(super) fn lock_network_of(
    conn: &mut DbConnection,
    id: OrganizationId,
    seqs: i64,
) -> ApiResult<LockedNetwork> {
    let (_, network) = organizations::networks_of(conn, &[id])?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    let first_seq = networks::lock_and_allocate(conn, network, seqs)?;
    Ok(LockedNetwork {
        id: network,
        first_seq,
    })
}

fn any_in(
    conn: &mut DbConnection,
    network: NetworkId,
    id: OrganizationId,
) -> ApiResult<Organization> {
    organizations::in_network(conn, network, &[id])?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)
}

pub(super) fn live_in(
    conn: &mut DbConnection,
    network: NetworkId,
    id: OrganizationId,
) -> ApiResult<Organization> {
    Some(any_in(conn, network, id)?)
        .filter(|o| !o.is_deleted())
        .ok_or(ApiError::NotFound)
}

pub(super) fn ensure_unique_name(
    conn: &mut DbConnection,
    parent: &Organization,
    name: &OrganizationName,
    except: Option<OrganizationId>,
) -> ApiResult<()> {
    match organizations::live_sibling_named(conn, parent.network_id, parent.id, &name.key)? {
        Some(existing) if Some(existing) != except => Err(ApiError::Conflict(format!(
            "an organization named \"{}\" already exists under this parent",
            name.display
        ))),
        _ => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn new_organization(
    network: NetworkId,
    seq: i64,
    parent_id: Option<OrganizationId>,
    path: TreePath,
    name: &OrganizationName,
    kind: Option<OrganizationKind>,
    account: AccountChoice,
    now: DateTime<Utc>,
) -> Organization {
    Organization {
        id: OrganizationId::new_random(),
        network_id: network,
        seq,
        parent_id,
        depth: path.depth(),
        path,
        name: name.display.clone(),
        kind: kind.unwrap_or(OrganizationKind::Customer),
        contract_account_id: account.id,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        purge_after: None,
        deletion_id: None,
        sets_contract_account: parent_id.is_none() || account.set_here,
    }
}

/// The creator of a network (or of its new top) becomes `OPS_ADMIN` there (SPEC §3).
pub(super) fn make_administrator(
    conn: &mut DbConnection,
    principal: &Principal,
    network: NetworkId,
    organization: OrganizationId,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    grants::insert(
        conn,
        network,
        person(principal)?.id,
        BuiltInRole::OpsAdmin.as_str(),
        organization,
        now,
    )?;
    Ok(())
}
