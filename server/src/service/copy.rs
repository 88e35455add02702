//! `copyOrganization` (SPEC §1): an organization, or its live subtree, duplicated as a
//! template, with what the flags ask for: settings, custom roles, integrations'
//! configuration. Members, grants, authorizations, secrets and integration status never come
//! along, so the copy is independent of its template from the first moment.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::auth::Principal;
use crate::domain::ids::{
    ContractAccountId, CustomRoleId, IntegrationId, NetworkId, OrganizationId,
};
use crate::domain::integration::{Integration, IntegrationStatus};
use crate::domain::members::{check_no_escalation, CustomRole};
use crate::domain::organization::{Organization, OrganizationName};
use crate::domain::permissions::{BuiltInRole, Permission, PermissionSet};
use crate::domain::tree_path::TreePath;
use crate::store::{integrations, networks, organizations, roles, settings, DbConnection};

use super::access::{check, permissions_at, placed_grants_in, require, require_reach_below};
use super::audit::{organization_state, record, Change};
use super::contract_accounts::{account_for_new_organization, AccountChoice};
use super::error::{ApiError, ApiResult};
use super::organizations::{
    ensure_unique_name, live_in, lock_network_of, make_administrator, new_organization,
};
use super::Services;

#[derive(Debug, Clone)]
pub struct CopyOrganization {
    pub source_id: OrganizationId,
    /// `None` makes the copy the root of a new network.
    pub parent_id: Option<OrganizationId>,
    pub name: Option<String>,
    pub include_sub_organizations: bool,
    /// Copy the setting definitions and locks of the copied organizations.
    pub include_settings: bool,
    /// Copy the custom roles defined on the copied organizations (not those inherited from
    /// above them, which stay where they are).
    pub include_custom_roles: bool,
    /// Copy the integrations of the copied organizations: kind, provider, display name and
    /// configuration (which holds no secrets); the copies start `ACTIVE`, as new ones do.
    pub include_integrations: bool,
    pub contract_account_id: Option<ContractAccountId>,
}

impl CopyOrganization {
    /// What the caller must hold on the source to take each part along: a copy is a way to
    /// read, so it asks what reading each part asks (docs/PERMISSIONS.md).
    fn needed_on_source(&self) -> Vec<Permission> {
        let mut needed = vec![Permission::OrganizationRead];
        if self.include_settings {
            needed.push(Permission::SettingsRead);
        }
        if self.include_custom_roles {
            needed.push(Permission::MembersRead);
        }
        needed
    }

    /// What the caller must hold under the new parent: what creating each part there asks.
    fn needed_at_destination(&self) -> Vec<Permission> {
        let mut needed = vec![Permission::OrganizationManage];
        if self.include_settings {
            needed.push(Permission::SettingsManage);
        }
        if self.include_custom_roles {
            needed.push(Permission::RolesManage);
        }
        if self.include_integrations {
            needed.push(Permission::IntegrationsManage);
        }
        needed
    }
}

impl Services {
    /// Duplicates an organization (and optionally its live subtree) as a template, with the
    /// parts `input` asks for.
    pub async fn copy_organization(
        &self,
        principal: &Principal,
        input: CopyOrganization,
        now: DateTime<Utc>,
    ) -> ApiResult<Organization> {
        let name = input
            .name
            .as_deref()
            .map(OrganizationName::parse)
            .transpose()?;
        let principal = principal.clone();
        let limits = self.limits;
        self.store
            .write(move |conn| {
                let source = organizations::find(conn, input.source_id)?
                    .filter(|o| !o.is_deleted())
                    .ok_or(ApiError::NotFound)?;
                for permission in input.needed_on_source() {
                    require(conn, &principal, &source, permission)?;
                }
                if input.include_sub_organizations {
                    let placed = placed_grants_in(conn, &principal, source.network_id)?;
                    require_reach_below(&placed, &source, "copying sub-organizations")?;
                }
                let originals = if input.include_sub_organizations {
                    organizations::subtree(conn, source.network_id, &source.path, true)?
                } else {
                    vec![source.clone()]
                };
                let name = match name {
                    Some(name) => name,
                    None => OrganizationName::parse(&source.name)?,
                };
                let count = i64::try_from(originals.len()).unwrap_or(i64::MAX);
                let deepest = originals
                    .iter()
                    .map(|o| o.depth)
                    .max()
                    .unwrap_or(source.depth);

                // What the caller holds where the copy goes: checked under the new parent; a
                // new network's founder becomes its OPS_ADMIN.
                let (network, first_seq, parent, held) = match input.parent_id {
                    Some(parent_id) => {
                        let network = lock_network_of(conn, parent_id, count)?;
                        let parent = live_in(conn, network.id, parent_id)?;
                        require(conn, &principal, &parent, Permission::OrganizationManage)?;
                        let held = permissions_at(conn, &principal, &parent)?;
                        for permission in input.needed_at_destination() {
                            check(held, permission)?;
                        }
                        limits.check_depth(parent.depth + 1 + deepest - source.depth)?;
                        ensure_unique_name(conn, &parent, &name, None)?;
                        (network.id, network.first_seq, Some(parent), held)
                    }
                    None => {
                        limits.check_depth(deepest - source.depth)?;
                        let network = NetworkId::new_random();
                        networks::insert(conn, network, count, now)?;
                        (network, 1, None, BuiltInRole::OpsAdmin.permissions())
                    }
                };
                let account = account_for_new_organization(
                    conn,
                    &principal,
                    input.contract_account_id,
                    parent.as_ref().map(|p| p.contract_account_id),
                    &name.display,
                    now,
                )?;

                let copies = copy_tree(
                    &originals,
                    &source,
                    parent.as_ref(),
                    &name,
                    network,
                    first_seq,
                    account,
                    now,
                )?;
                organizations::insert(conn, &copies)?;
                let pairs: Vec<(OrganizationId, OrganizationId)> = originals
                    .iter()
                    .map(|o| o.id)
                    .zip(copies.iter().map(|c| c.id))
                    .collect();
                if input.include_settings {
                    settings::copy_between(conn, source.network_id, network, &pairs, now)?;
                }
                let roles_copied = if input.include_custom_roles {
                    copy_roles(conn, source.network_id, network, &pairs, held, now)?
                } else {
                    0
                };
                let integrations_copied = if input.include_integrations {
                    copy_integrations(conn, source.network_id, network, &pairs, now)?
                } else {
                    0
                };

                let root = copies.into_iter().next().ok_or(ApiError::NotFound)?;
                if parent.is_none() {
                    make_administrator(conn, &principal, network, root.id, now)?;
                }
                record(
                    conn,
                    &principal,
                    Change::of("copyOrganization", &root)
                        .before(json!({
                            "sourceId": source.id.to_string(),
                            "organizations": count,
                            "settings": input.include_settings,
                            "customRoles": roles_copied,
                            "integrations": integrations_copied,
                        }))
                        .after(organization_state(&root)),
                    now,
                )?;
                Ok(root)
            })
            .await
    }
}

/// The copies of `originals` (parents first, `source` first of all), placed under `parent`
/// or as a new root, the top one named `name`.
#[allow(clippy::too_many_arguments)]
fn copy_tree(
    originals: &[Organization],
    source: &Organization,
    parent: Option<&Organization>,
    name: &OrganizationName,
    network: NetworkId,
    first_seq: i64,
    account: AccountChoice,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Organization>> {
    let mut copied_paths: HashMap<TreePath, (OrganizationId, TreePath)> = HashMap::new();
    let mut copies = Vec::with_capacity(originals.len());
    for (offset, original) in (0_i64..).zip(originals.iter()) {
        let seq = first_seq + offset;
        let is_top = original.id == source.id;
        let (parent_id, path) = if is_top {
            match parent {
                Some(p) => (Some(p.id), p.path.child(seq)),
                None => (None, TreePath::root(seq)),
            }
        } else {
            let (copied_parent, copied_parent_path) = original
                .path
                .parent()
                .and_then(|p| copied_paths.get(&p))
                .ok_or(ApiError::Conflict(
                    "the subtree changed during the copy; retry".into(),
                ))?;
            (Some(*copied_parent), copied_parent_path.child(seq))
        };
        let own_name = if is_top {
            name.clone()
        } else {
            OrganizationName::parse(&original.name)?
        };
        let copy = new_organization(
            network,
            seq,
            parent_id,
            path.clone(),
            &own_name,
            Some(original.kind),
            // The whole copy uses the account chosen for its top.
            if is_top { account } else { account.inherited() },
            now,
        );
        copied_paths.insert(original.path.clone(), (copy.id, path));
        copies.push(copy);
    }
    Ok(copies)
}

/// Copies the roles defined on the originals onto their copies. A role may not hand out
/// more than the caller holds where the copy goes, as when creating it there.
fn copy_roles(
    conn: &mut DbConnection,
    source_network: NetworkId,
    network: NetworkId,
    pairs: &[(OrganizationId, OrganizationId)],
    held: PermissionSet,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    let copy_of: HashMap<OrganizationId, OrganizationId> = pairs.iter().copied().collect();
    let originals: Vec<OrganizationId> = copy_of.keys().copied().collect();
    let found = roles::of_organizations(conn, source_network, &originals)?;
    for role in &found {
        check_no_escalation(role.permissions, held)?;
        let Some(&organization_id) = copy_of.get(&role.organization_id) else {
            continue;
        };
        let copy = CustomRole {
            id: CustomRoleId::new_random(),
            network_id: network,
            organization_id,
            name: role.name.clone(),
            permissions: role.permissions,
            created_at: now,
        };
        roles::insert(conn, &copy)?;
    }
    Ok(found.len())
}

/// Copies the integrations of the originals onto their copies: configuration only.
fn copy_integrations(
    conn: &mut DbConnection,
    source_network: NetworkId,
    network: NetworkId,
    pairs: &[(OrganizationId, OrganizationId)],
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    let copy_of: HashMap<OrganizationId, OrganizationId> = pairs.iter().copied().collect();
    let originals: Vec<OrganizationId> = copy_of.keys().copied().collect();
    let found = integrations::of_organizations(conn, source_network, &originals)?;
    for integration in &found {
        let Some(&organization_id) = copy_of.get(&integration.organization_id) else {
            continue;
        };
        let copy = Integration {
            id: IntegrationId::new_random(),
            network_id: network,
            organization_id,
            kind: integration.kind,
            provider: integration.provider,
            status: IntegrationStatus::Active,
            display_name: integration.display_name.clone(),
            configuration: integration.configuration.clone(),
            created_at: now,
            updated_at: now,
        };
        integrations::insert(conn, &copy)?;
    }
    Ok(found.len())
}
