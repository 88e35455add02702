//! Request-scoped loaders (see `batch_loader`): created per request, so nothing cached leaks
//! between callers. Each turns the keys one resolver level asks for into one batched store
//! call.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use crate::domain::contract_account::{AccountManager, ContractAccount};
use crate::domain::directory::DirectoryGroup;
use crate::domain::ids::{
    ContractAccountId, CustomRoleId, DirectoryGroupId, DirectoryUserId, IntegrationId, MemberId,
    NetworkId, OrganizationId, UserId,
};
use crate::domain::integration::Integration;
use crate::domain::members::{CustomRole, Member};
use crate::domain::organization::Organization;
use crate::domain::tree_path::TreePath;
use crate::domain::user::User;
use crate::service::queries::Listing;
use crate::service::settings::ChainIndex;
use crate::service::Services;
use crate::store::nodes::NodeKind;
use crate::store::settings::{StoredLock, StoredSetting};

use super::batch_loader::{BatchLoad, BatchLoader, LoadResult};

/// Organizations by id (deleted ones included; visibility is the resolvers' job).
pub struct OrganizationLoader(pub Services);

impl BatchLoad for OrganizationLoader {
    type Key = OrganizationId;
    type Value = Organization;

    async fn load(&self, keys: &[OrganizationId]) -> LoadResult<OrganizationId, Organization> {
        let found = self.0.organizations_by_id(keys.to_vec()).await?;
        Ok(found.into_iter().map(|o| (o.id, o)).collect())
    }
}

/// Organizations by their place in a tree: parents, roots and ancestor chains.
pub struct OrganizationByPathLoader(pub Services);

impl BatchLoad for OrganizationByPathLoader {
    type Key = (NetworkId, TreePath);
    type Value = Organization;

    async fn load(
        &self,
        keys: &[(NetworkId, TreePath)],
    ) -> LoadResult<(NetworkId, TreePath), Organization> {
        let mut by_network: HashMap<NetworkId, Vec<TreePath>> = HashMap::new();
        for (network, path) in keys {
            by_network.entry(*network).or_default().push(path.clone());
        }
        let mut found = HashMap::with_capacity(keys.len());
        for (network, paths) in by_network {
            for org in self.0.organizations_by_path(network, paths).await? {
                found.insert((network, org.path.clone()), org);
            }
        }
        Ok(found)
    }
}

/// Contract accounts by id: every one asked for (`Organization.contractAccount`, shown to
/// whoever reads the organization), or only those `managed_by` manages (the others absent).
pub struct ContractAccountLoader {
    pub services: Services,
    pub managed_by: Option<AccountManager>,
}

impl BatchLoad for ContractAccountLoader {
    type Key = ContractAccountId;
    type Value = ContractAccount;

    async fn load(
        &self,
        keys: &[ContractAccountId],
    ) -> LoadResult<ContractAccountId, ContractAccount> {
        let found = match &self.managed_by {
            None => self.services.contract_accounts_by_id(keys.to_vec()).await?,
            Some(manager) => {
                self.services
                    .managed_accounts_by_id(manager.clone(), keys.to_vec())
                    .await?
            }
        };
        Ok(found.into_iter().map(|a| (a.id, a)).collect())
    }
}

/// Users by id (federation's `User` entities; visibility is the resolver's job).
pub struct UserLoader(pub Services);

impl BatchLoad for UserLoader {
    type Key = UserId;
    type Value = User;

    async fn load(&self, keys: &[UserId]) -> LoadResult<UserId, User> {
        let found = self.0.users_by_id(keys.to_vec()).await?;
        Ok(found.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// One page of one parent's children. Keys that differ only by parent batch into one
/// statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChildrenKey {
    pub network: NetworkId,
    pub parent: OrganizationId,
    pub after: Option<(String, String)>,
    /// Rows to fetch (the page size, plus one when `hasNextPage` is asked for).
    pub limit: i64,
    pub include_deleted: bool,
    /// Whether the children's settings chains come with the page: the selection reads the
    /// children's effective settings (see [`PrefetchedChains`]).
    pub with_chains: bool,
}

/// A page of children, with their settings chains when asked for.
#[derive(Clone, Default)]
pub struct ChildrenPage {
    pub rows: Vec<Organization>,
    pub chains: Option<Arc<ChainIndex>>,
}

pub struct ChildrenLoader(pub Services);

impl BatchLoad for ChildrenLoader {
    type Key = ChildrenKey;
    type Value = ChildrenPage;

    async fn load(&self, keys: &[ChildrenKey]) -> LoadResult<ChildrenKey, ChildrenPage> {
        type Batch = (NetworkId, Option<(String, String)>, i64, bool, bool);
        let mut batches: HashMap<Batch, Vec<OrganizationId>> = HashMap::new();
        for key in keys {
            batches
                .entry((
                    key.network,
                    key.after.clone(),
                    key.limit,
                    key.include_deleted,
                    key.with_chains,
                ))
                .or_default()
                .push(key.parent);
        }
        let mut pages: HashMap<ChildrenKey, ChildrenPage> = keys
            .iter()
            .map(|k| (k.clone(), ChildrenPage::default()))
            .collect();
        for ((network, after, limit, include_deleted, with_chains), parents) in batches {
            let listing = Listing {
                include_deleted,
                limit,
            };
            let rows = self
                .0
                .children_pages(network, parents, after.clone(), listing)
                .await?;
            let chains = if with_chains {
                // The page does not fail with them: without chains, each child's settings are
                // read (and fail, if they do) through `chain_settings` as usual.
                match chains_of(&self.0, network, rows.iter().map(|org| &org.path)).await {
                    Ok(chains) => Some(chains),
                    Err(error) => {
                        tracing::warn!(message = %error.message, "settings chains not prefetched");
                        None
                    }
                }
            } else {
                None
            };
            for org in rows {
                let Some(parent) = org.parent_id else {
                    continue;
                };
                let key = ChildrenKey {
                    network,
                    parent,
                    after: after.clone(),
                    limit,
                    include_deleted,
                    with_chains,
                };
                let page = pages.entry(key).or_default();
                page.chains.clone_from(&chains);
                page.rows.push(org);
            }
        }
        Ok(pages)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildCountKey {
    pub network: NetworkId,
    pub parent: OrganizationId,
    pub include_deleted: bool,
}

pub struct ChildCountLoader(pub Services);

impl BatchLoad for ChildCountLoader {
    type Key = ChildCountKey;
    type Value = i64;

    async fn load(&self, keys: &[ChildCountKey]) -> LoadResult<ChildCountKey, i64> {
        let mut batches: HashMap<(NetworkId, bool), Vec<OrganizationId>> = HashMap::new();
        for key in keys {
            batches
                .entry((key.network, key.include_deleted))
                .or_default()
                .push(key.parent);
        }
        let mut counts: HashMap<ChildCountKey, i64> = keys.iter().map(|k| (*k, 0)).collect();
        for ((network, include_deleted), parents) in batches {
            for (parent, n) in self
                .0
                .children_counts(network, parents, include_deleted)
                .await?
            {
                counts.insert(
                    ChildCountKey {
                        network,
                        parent,
                        include_deleted,
                    },
                    n,
                );
            }
        }
        Ok(counts)
    }
}

/// An organization's own setting definitions.
pub struct OwnSettingsLoader(pub Services);

impl BatchLoad for OwnSettingsLoader {
    type Key = (NetworkId, OrganizationId);
    type Value = Vec<StoredSetting>;

    async fn load(
        &self,
        keys: &[(NetworkId, OrganizationId)],
    ) -> LoadResult<(NetworkId, OrganizationId), Vec<StoredSetting>> {
        let services = &self.0;
        per_organization(
            keys,
            |setting: &StoredSetting| setting.organization_id,
            |network, ids| services.own_settings(network, ids),
        )
        .await
    }
}

/// The keys an organization locks.
pub struct OwnLocksLoader(pub Services);

impl BatchLoad for OwnLocksLoader {
    type Key = (NetworkId, OrganizationId);
    type Value = Vec<StoredLock>;

    async fn load(
        &self,
        keys: &[(NetworkId, OrganizationId)],
    ) -> LoadResult<(NetworkId, OrganizationId), Vec<StoredLock>> {
        let services = &self.0;
        per_organization(
            keys,
            |lock: &StoredLock| lock.organization_id,
            |network, ids| services.own_setting_locks(network, ids),
        )
        .await
    }
}

/// The shared body of the "everything an organization holds" loaders: one fetch per network
/// for a whole level of organizations, rows grouped back by their organization (every key
/// answered, with an empty list when it holds nothing).
async fn per_organization<T, Fetch, Fut>(
    keys: &[(NetworkId, OrganizationId)],
    organization_of: fn(&T) -> OrganizationId,
    fetch: Fetch,
) -> LoadResult<(NetworkId, OrganizationId), Vec<T>>
where
    Fetch: Fn(NetworkId, Vec<OrganizationId>) -> Fut,
    Fut: std::future::Future<Output = crate::service::ApiResult<Vec<T>>>,
{
    let mut found: HashMap<(NetworkId, OrganizationId), Vec<T>> =
        keys.iter().map(|k| (*k, Vec::new())).collect();
    for (network, ids) in by_network(keys) {
        for row in fetch(network, ids).await? {
            found
                .entry((network, organization_of(&row)))
                .or_default()
                .push(row);
        }
    }
    Ok(found)
}

fn by_network(keys: &[(NetworkId, OrganizationId)]) -> HashMap<NetworkId, Vec<OrganizationId>> {
    let mut grouped: HashMap<NetworkId, Vec<OrganizationId>> = HashMap::new();
    for (network, id) in keys {
        grouped.entry(*network).or_default().push(*id);
    }
    grouped
}

/// What the ancestor chain of the organization at a path defines and locks: for a whole
/// level of organizations, the union of their chains in one pair of statements per network,
/// parsed once and shared by every organization of the level.
pub struct ChainSettingsLoader(pub Services);

impl BatchLoad for ChainSettingsLoader {
    type Key = (NetworkId, TreePath);
    type Value = Arc<ChainIndex>;

    async fn load(
        &self,
        keys: &[(NetworkId, TreePath)],
    ) -> LoadResult<(NetworkId, TreePath), Arc<ChainIndex>> {
        let mut networks: Vec<NetworkId> = keys.iter().map(|(network, _)| *network).collect();
        networks.sort_unstable();
        networks.dedup();
        let mut found = HashMap::with_capacity(keys.len());
        for network in networks {
            let in_network = keys.iter().filter(|(n, _)| *n == network);
            let index =
                chains_of(&self.0, network, in_network.clone().map(|(_, path)| path)).await?;
            for key in in_network {
                found.insert(key.clone(), index.clone());
            }
        }
        Ok(found)
    }
}

/// The settings chains of the organizations at `paths` (all in `network`): the union of
/// their chains read in one pair of statements, parsed once and shared by all of them.
async fn chains_of<'a>(
    services: &Services,
    network: NetworkId,
    paths: impl Iterator<Item = &'a TreePath>,
) -> async_graphql::Result<Arc<ChainIndex>> {
    // Borrowed slices of the paths: siblings share all their ancestors, so 1,000 leaves
    // name some 1,100 distinct paths, allocated once each. Each chain is walked up from its
    // deepest path until one already known, whose ancestors are known too.
    let mut union: HashSet<&str> = HashSet::new();
    for path in paths {
        for path in path.self_and_ancestor_strs().rev() {
            if !union.insert(path) {
                break;
            }
        }
    }
    let union = union
        .into_iter()
        .map(|path| TreePath::from_stored(path.to_owned()))
        .collect();
    let stored = services.settings_on_paths(network, union).await?;
    Ok(Arc::new(ChainIndex::new(stored)?))
}

/// Settings chains that came with `children` pages, by organization: the children's
/// `effectiveSettings` read them at once instead of waiting for a batch of their own.
/// Waiting costs more than the statements: each of 1,000 leaves' futures is woken through
/// the dozen levels of the executor above it and polled again (some 9 ms of a 1,000-leaf
/// request), where a page that brings the chains answers them on their first poll. Queries
/// only: a mutation's later fields must read what its earlier fields wrote.
#[derive(Default)]
pub struct PrefetchedChains(Mutex<HashMap<OrganizationId, Arc<ChainIndex>>>);

impl PrefetchedChains {
    pub fn keep(&self, page: &ChildrenPage) {
        if let Some(chains) = &page.chains {
            let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            kept.extend(page.rows.iter().map(|org| (org.id, chains.clone())));
        }
    }

    pub fn of(&self, org: OrganizationId) -> Option<Arc<ChainIndex>> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(&org).cloned()
    }
}

/// Applications by id (the `application(id:)` query and federation entities; visibility is
/// the resolver's job).
pub struct ApplicationLoader(pub Services);

impl BatchLoad for ApplicationLoader {
    type Key = crate::domain::ids::ApplicationId;
    type Value = crate::domain::application::Application;

    async fn load(
        &self,
        keys: &[crate::domain::ids::ApplicationId],
    ) -> LoadResult<crate::domain::ids::ApplicationId, crate::domain::application::Application>
    {
        let found = self.0.applications_by_id(keys.to_vec()).await?;
        Ok(found.into_iter().map(|a| (a.id, a)).collect())
    }
}

/// Every application of an organization (`Organization.applications` keeps those the caller
/// may read): one statement per network for a whole level of organizations.
pub struct ApplicationsOfOrganizationLoader(pub Services);

impl BatchLoad for ApplicationsOfOrganizationLoader {
    type Key = (NetworkId, OrganizationId);
    type Value = Vec<crate::domain::application::Application>;

    async fn load(
        &self,
        keys: &[(NetworkId, OrganizationId)],
    ) -> LoadResult<(NetworkId, OrganizationId), Self::Value> {
        let services = &self.0;
        per_organization(
            keys,
            |app: &crate::domain::application::Application| app.organization_id,
            |network, ids| services.applications_of_organizations(network, ids),
        )
        .await
    }
}

/// Every integration of an organization: one statement per network for a whole level.
pub struct IntegrationsOfOrganizationLoader(pub Services);

impl BatchLoad for IntegrationsOfOrganizationLoader {
    type Key = (NetworkId, OrganizationId);
    type Value = Vec<crate::domain::integration::Integration>;

    async fn load(
        &self,
        keys: &[(NetworkId, OrganizationId)],
    ) -> LoadResult<(NetworkId, OrganizationId), Self::Value> {
        let services = &self.0;
        per_organization(
            keys,
            |integration: &crate::domain::integration::Integration| integration.organization_id,
            |network, ids| services.integrations_of_organizations(network, ids),
        )
        .await
    }
}

/// Directory groups by id, with their member counts.
pub struct DirectoryGroupLoader(pub Services);

impl BatchLoad for DirectoryGroupLoader {
    type Key = (NetworkId, DirectoryGroupId);
    type Value = (DirectoryGroup, i64);

    async fn load(&self, keys: &[Self::Key]) -> LoadResult<Self::Key, Self::Value> {
        let mut by_network: HashMap<NetworkId, Vec<DirectoryGroupId>> = HashMap::new();
        for (network, id) in keys {
            by_network.entry(*network).or_default().push(*id);
        }
        let mut found = HashMap::with_capacity(keys.len());
        for (network, ids) in by_network {
            for (group, count) in self.0.directory_groups_by_id(network, ids).await? {
                found.insert((network, group.id), (group, count));
            }
        }
        Ok(found)
    }
}

/// The directory groups each directory user belongs to.
pub struct DirectoryGroupsOfUserLoader(pub Services);

impl BatchLoad for DirectoryGroupsOfUserLoader {
    type Key = (NetworkId, DirectoryUserId);
    type Value = Vec<DirectoryGroupId>;

    async fn load(&self, keys: &[Self::Key]) -> LoadResult<Self::Key, Self::Value> {
        let mut by_network: HashMap<NetworkId, Vec<DirectoryUserId>> = HashMap::new();
        for (network, id) in keys {
            by_network.entry(*network).or_default().push(*id);
        }
        let mut found: HashMap<Self::Key, Vec<DirectoryGroupId>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for (network, ids) in by_network {
            for (user, group) in self.0.directory_groups_of_users(network, ids).await? {
                found.entry((network, user)).or_default().push(group);
            }
        }
        Ok(found)
    }
}

/// Members by (organization, person): what a directory user was onboarded as.
pub struct MemberOfPersonLoader(pub Services);

impl BatchLoad for MemberOfPersonLoader {
    type Key = (NetworkId, OrganizationId, UserId);
    type Value = Member;

    async fn load(&self, keys: &[Self::Key]) -> LoadResult<Self::Key, Self::Value> {
        let mut batches: HashMap<(NetworkId, OrganizationId), Vec<UserId>> = HashMap::new();
        for (network, org, user) in keys {
            batches.entry((*network, *org)).or_default().push(*user);
        }
        let mut found = HashMap::with_capacity(keys.len());
        for ((network, org), users) in batches {
            for member in self.0.members_of_persons(network, org, users).await? {
                found.insert((network, org, member.user_id), member);
            }
        }
        Ok(found)
    }
}

/// Everything a request needs beside the schema, attached with `Request::data`.
/// What kind of object an id names, and where (Relay's `node(id:)`): one statement for a
/// whole level of ids.
pub struct NodeKindLoader(pub Services);

impl BatchLoad for NodeKindLoader {
    type Key = String;
    type Value = (NodeKind, Option<NetworkId>);

    async fn load(&self, keys: &[String]) -> LoadResult<String, (NodeKind, Option<NetworkId>)> {
        let found = self.0.node_kinds(keys.to_vec()).await?;
        Ok(found
            .into_iter()
            .map(|(id, kind, network)| (id, (kind, network)))
            .collect())
    }
}

/// Members by (network, id) (visibility is the resolvers' job).
pub struct MemberLoader(pub Services);

impl BatchLoad for MemberLoader {
    type Key = (NetworkId, MemberId);
    type Value = Member;

    async fn load(
        &self,
        keys: &[(NetworkId, MemberId)],
    ) -> LoadResult<(NetworkId, MemberId), Member> {
        let found = self.0.members_by_id(keys.to_vec()).await?;
        Ok(found
            .into_iter()
            .map(|m| ((m.network_id, m.id), m))
            .collect())
    }
}

/// Custom roles by (network, id) (visibility is the resolvers' job).
pub struct CustomRoleLoader(pub Services);

impl BatchLoad for CustomRoleLoader {
    type Key = (NetworkId, CustomRoleId);
    type Value = CustomRole;

    async fn load(
        &self,
        keys: &[(NetworkId, CustomRoleId)],
    ) -> LoadResult<(NetworkId, CustomRoleId), CustomRole> {
        let found = self.0.custom_roles_by_id(keys.to_vec()).await?;
        Ok(found
            .into_iter()
            .map(|r| ((r.network_id, r.id), r))
            .collect())
    }
}

/// Integrations by (network, id) (visibility is the resolvers' job).
pub struct IntegrationLoader(pub Services);

impl BatchLoad for IntegrationLoader {
    type Key = (NetworkId, IntegrationId);
    type Value = Integration;

    async fn load(
        &self,
        keys: &[(NetworkId, IntegrationId)],
    ) -> LoadResult<(NetworkId, IntegrationId), Integration> {
        let found = self.0.integrations_by_id(keys.to_vec()).await?;
        Ok(found
            .into_iter()
            .map(|i| ((i.network_id, i.id), i))
            .collect())
    }
}

pub struct Loaders {
    pub organizations: BatchLoader<OrganizationLoader>,
    pub organizations_by_path: BatchLoader<OrganizationByPathLoader>,
    pub contract_accounts: BatchLoader<ContractAccountLoader>,
    /// Built on first use, with the caller's [`AccountManager`].
    pub managed_contract_accounts: tokio::sync::OnceCell<BatchLoader<ContractAccountLoader>>,
    pub users: BatchLoader<UserLoader>,
    pub children: BatchLoader<ChildrenLoader>,
    pub child_counts: BatchLoader<ChildCountLoader>,
    pub own_settings: BatchLoader<OwnSettingsLoader>,
    pub own_setting_locks: BatchLoader<OwnLocksLoader>,
    pub chain_settings: BatchLoader<ChainSettingsLoader>,
    pub prefetched_chains: PrefetchedChains,
    pub applications: BatchLoader<ApplicationLoader>,
    pub applications_of_organization: BatchLoader<ApplicationsOfOrganizationLoader>,
    pub integrations_of_organization: BatchLoader<IntegrationsOfOrganizationLoader>,
    pub directory_groups: BatchLoader<DirectoryGroupLoader>,
    pub directory_groups_of_user: BatchLoader<DirectoryGroupsOfUserLoader>,
    pub member_of_person: BatchLoader<MemberOfPersonLoader>,
    pub node_kinds: BatchLoader<NodeKindLoader>,
    pub members: BatchLoader<MemberLoader>,
    pub custom_roles: BatchLoader<CustomRoleLoader>,
    pub integrations: BatchLoader<IntegrationLoader>,
}

impl Loaders {
    pub fn new(services: &Services) -> Self {
        Self {
            organizations: BatchLoader::new(OrganizationLoader(services.clone())),
            organizations_by_path: BatchLoader::new(OrganizationByPathLoader(services.clone())),
            contract_accounts: BatchLoader::new(ContractAccountLoader {
                services: services.clone(),
                managed_by: None,
            }),
            managed_contract_accounts: tokio::sync::OnceCell::new(),
            users: BatchLoader::new(UserLoader(services.clone())),
            children: BatchLoader::new(ChildrenLoader(services.clone())),
            child_counts: BatchLoader::new(ChildCountLoader(services.clone())),
            own_settings: BatchLoader::new(OwnSettingsLoader(services.clone())),
            own_setting_locks: BatchLoader::new(OwnLocksLoader(services.clone())),
            chain_settings: BatchLoader::new(ChainSettingsLoader(services.clone())),
            prefetched_chains: PrefetchedChains::default(),
            applications: BatchLoader::new(ApplicationLoader(services.clone())),
            applications_of_organization: BatchLoader::new(ApplicationsOfOrganizationLoader(
                services.clone(),
            )),
            integrations_of_organization: BatchLoader::new(IntegrationsOfOrganizationLoader(
                services.clone(),
            )),
            directory_groups: BatchLoader::new(DirectoryGroupLoader(services.clone())),
            directory_groups_of_user: BatchLoader::new(DirectoryGroupsOfUserLoader(
                services.clone(),
            )),
            member_of_person: BatchLoader::new(MemberOfPersonLoader(services.clone())),
            node_kinds: BatchLoader::new(NodeKindLoader(services.clone())),
            members: BatchLoader::new(MemberLoader(services.clone())),
            custom_roles: BatchLoader::new(CustomRoleLoader(services.clone())),
            integrations: BatchLoader::new(IntegrationLoader(services.clone())),
        }
    }
}
