//! Request-scoped DataLoaders: created per request, so nothing cached leaks between callers.
//! Each turns the keys one resolver level asks for into one batched store call.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::domain::contract_account::ContractAccount;
use crate::domain::ids::{ContractAccountId, NetworkId, OrganizationId, UserId};
use crate::domain::organization::Organization;
use crate::domain::permissions::PlacedGrant;
use crate::domain::tree_path::TreePath;
use crate::service::Services;

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

/// Organizations by id (deleted ones included; visibility is the resolvers' job).
pub struct OrganizationLoader(pub Services);

impl Loader<OrganizationId> for OrganizationLoader {
    type Value = Organization;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[OrganizationId]) -> LoadResult<OrganizationId, Organization> {
        let found = self.0.organizations_by_id(keys.to_vec()).await?;
        Ok(found.into_iter().map(|o| (o.id, o)).collect())
    }
}

/// Organizations by their place in a tree: parents, roots and ancestor chains.
pub struct OrganizationByPathLoader(pub Services);

impl Loader<(NetworkId, TreePath)> for OrganizationByPathLoader {
    type Value = Organization;
    type Error = async_graphql::Error;

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

pub struct ContractAccountLoader(pub Services);

impl Loader<ContractAccountId> for ContractAccountLoader {
    type Value = ContractAccount;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ContractAccountId],
    ) -> LoadResult<ContractAccountId, ContractAccount> {
        let found = self.0.contract_accounts_by_id(keys.to_vec()).await?;
        Ok(found.into_iter().map(|a| (a.id, a)).collect())
    }
}

/// The calling user's grants, per network.
pub struct GrantsLoader {
    pub services: Services,
    pub user: UserId,
}

impl Loader<NetworkId> for GrantsLoader {
    type Value = Vec<PlacedGrant>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[NetworkId]) -> LoadResult<NetworkId, Vec<PlacedGrant>> {
        let placed = self
            .services
            .placed_grants(self.user, keys.to_vec())
            .await?;
        let mut by_network: HashMap<NetworkId, Vec<PlacedGrant>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (network, grant) in placed {
            by_network.entry(network).or_default().push(grant);
        }
        Ok(by_network)
    }
}

/// Everything a request needs beside the schema, attached with `Request::data`.
pub struct Loaders {
    pub organizations: DataLoader<OrganizationLoader>,
    pub organizations_by_path: DataLoader<OrganizationByPathLoader>,
    pub contract_accounts: DataLoader<ContractAccountLoader>,
    pub grants: Option<DataLoader<GrantsLoader>>,
}

impl Loaders {
    pub fn new(services: &Services, user: Option<UserId>) -> Self {
        Self {
            organizations: DataLoader::new(OrganizationLoader(services.clone()), tokio::spawn),
            organizations_by_path: DataLoader::new(
                OrganizationByPathLoader(services.clone()),
                tokio::spawn,
            ),
            contract_accounts: DataLoader::new(
                ContractAccountLoader(services.clone()),
                tokio::spawn,
            ),
            grants: user.map(|user| {
                DataLoader::new(
                    GrantsLoader {
                        services: services.clone(),
                        user,
                    },
                    tokio::spawn,
                )
            }),
        }
    }
}
