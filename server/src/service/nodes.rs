//! Reads behind Relay's `node(id:)` and federation entities found by id alone: what kind of
//! object an id names, and members, custom roles and integrations by id within a network
//! (visibility is the resolvers' job, as for the other loaders' reads); which users a caller
//! may see.

use std::collections::{BTreeMap, HashSet};

use crate::auth::Principal;
use crate::domain::ids::{CustomRoleId, IntegrationId, MemberId, NetworkId, UserId};
use crate::domain::integration::Integration;
use crate::domain::members::{CustomRole, Member};
use crate::store::nodes::{kinds_of, NodeKind};
use crate::store::{integrations, members, roles, DbConnection};
use diesel::QueryResult;

use super::access::visible_users;
use super::error::{ApiError, ApiResult};
use super::Services;

impl Services {
    /// The kind and network of each id that names an object.
    pub async fn node_kinds(
        &self,
        ids: Vec<String>,
    ) -> ApiResult<Vec<(String, NodeKind, Option<NetworkId>)>> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(kinds_of(conn, &ids)?))
            .await
    }

    /// Members by (network, id): one statement per network.
    pub async fn members_by_id(&self, keys: Vec<(NetworkId, MemberId)>) -> ApiResult<Vec<Member>> {
        self.per_network(keys, members::in_network).await
    }

    /// Custom roles by (network, id): one statement per network.
    pub async fn custom_roles_by_id(
        &self,
        keys: Vec<(NetworkId, CustomRoleId)>,
    ) -> ApiResult<Vec<CustomRole>> {
        self.per_network(keys, roles::in_network).await
    }

    /// Integrations by (network, id): one statement per network.
    pub async fn integrations_by_id(
        &self,
        keys: Vec<(NetworkId, IntegrationId)>,
    ) -> ApiResult<Vec<Integration>> {
        self.per_network(keys, integrations::in_network).await
    }

    /// Rows by (network, id), read by `in_network` once per network (the distribution key).
    async fn per_network<K, V>(
        &self,
        keys: Vec<(NetworkId, K)>,
        in_network: fn(&mut DbConnection, NetworkId, &[K]) -> QueryResult<Vec<V>>,
    ) -> ApiResult<Vec<V>>
    where
        K: Send + 'static,
        V: Send + 'static,
    {
        self.store
            .read(move |conn| {
                let mut found = Vec::new();
                for (network, ids) in by_network(keys) {
                    found.extend(in_network(conn, network, &ids)?);
                }
                Ok::<_, ApiError>(found)
            })
            .await
    }
}

fn by_network<T>(keys: Vec<(NetworkId, T)>) -> BTreeMap<NetworkId, Vec<T>> {
    let mut grouped: BTreeMap<NetworkId, Vec<T>> = BTreeMap::new();
    for (network, id) in keys {
        grouped.entry(network).or_default().push(id);
    }
    grouped
}

impl Services {
    /// The users among `ids` the principal may see (`domain::visibility`): themselves, and
    /// those who are members where the principal holds `members:read`.
    pub async fn visible_users_among(
        &self,
        principal: &Principal,
        ids: Vec<UserId>,
    ) -> ApiResult<HashSet<UserId>> {
        let principal = principal.clone();
        self.store
            .read(move |conn| visible_users(conn, &principal, &ids))
            .await
    }
}
