//! Read use cases behind the GraphQL queries: plain store reads, run off the executor.
//! Authorization of individual organizations happens in the resolvers (with request-scoped
//! grant loaders); these functions take the scopes the caller was found to have.

use crate::domain::contract_account::{AccountManager, ContractAccount};
use crate::domain::ids::{ContractAccountId, NetworkId, OrganizationId, UserId};
use crate::domain::organization::Organization;
use crate::domain::permissions::Scope;
use crate::domain::tree_path::TreePath;
use crate::domain::user::User;
use crate::store::{children, contract_accounts, organizations, users};

use super::cache::{Cached, Key};
use super::error::{ApiError, ApiResult};
use super::Services;

pub use crate::store::organizations::{Listing, Search};

/// How a listing is counted when its `totalCount` is asked for.
#[derive(Debug, Clone)]
pub enum CountQuery {
    Children {
        network: NetworkId,
        parent: OrganizationId,
        include_deleted: bool,
    },
    Descendants {
        network: NetworkId,
        root: TreePath,
        max_depth: Option<i32>,
        include_deleted: bool,
    },
    Search {
        scopes: Vec<(NetworkId, Scope)>,
        search: Search,
    },
    ManagedAccounts {
        manager: AccountManager,
    },
    /// A list the caller may not see into: always empty.
    Nothing,
}

impl Services {
    pub async fn organizations_by_id(
        &self,
        ids: Vec<OrganizationId>,
    ) -> ApiResult<Vec<Organization>> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(organizations::find_many(conn, &ids)?))
            .await
    }

    pub async fn organizations_by_path(
        &self,
        network: NetworkId,
        paths: Vec<TreePath>,
    ) -> ApiResult<Vec<Organization>> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(organizations::by_paths(conn, network, &paths)?))
            .await
    }

    pub async fn contract_accounts_by_id(
        &self,
        ids: Vec<ContractAccountId>,
    ) -> ApiResult<Vec<ContractAccount>> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(contract_accounts::find_many(conn, &ids)?))
            .await
    }

    pub async fn users_by_id(&self, ids: Vec<UserId>) -> ApiResult<Vec<User>> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(users::find_many(conn, &ids)?))
            .await
    }

    pub async fn descendants_page(
        &self,
        root: &Organization,
        max_depth: Option<i32>,
        after: Option<String>,
        listing: Listing,
    ) -> ApiResult<Vec<Organization>> {
        let (network, path) = (root.network_id, root.path.clone());
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(organizations::descendants_page(
                    conn, network, &path, max_depth, after, &listing,
                )?)
            })
            .await
    }

    pub async fn search_page(
        &self,
        scopes: Vec<(NetworkId, Scope)>,
        search: Search,
        after: Option<(String, String)>,
        limit: i64,
    ) -> ApiResult<Vec<Organization>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(organizations::search_page(
                    conn, &scopes, &search, after, limit,
                )?)
            })
            .await
    }

    /// The accounts among `ids` that `manager` manages.
    pub async fn managed_accounts_by_id(
        &self,
        manager: AccountManager,
        ids: Vec<ContractAccountId>,
    ) -> ApiResult<Vec<ContractAccount>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(contract_accounts::managed_many(conn, &manager, &ids)?)
            })
            .await
    }

    pub async fn managed_accounts_page(
        &self,
        manager: AccountManager,
        after: Option<String>,
        limit: i64,
    ) -> ApiResult<Vec<ContractAccount>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(contract_accounts::managed_page(
                    conn, &manager, after, limit,
                )?)
            })
            .await
    }

    pub async fn count(&self, query: CountQuery) -> ApiResult<i64> {
        self.store
            .read(move |conn| {
                let count = match query {
                    CountQuery::Children {
                        network,
                        parent,
                        include_deleted,
                    } => children::count_children_of(conn, network, &[parent], include_deleted)?
                        .first()
                        .map_or(0, |(_, n)| *n),
                    CountQuery::Descendants {
                        network,
                        root,
                        max_depth,
                        include_deleted,
                    } => organizations::count_descendants(
                        conn,
                        network,
                        &root,
                        max_depth,
                        include_deleted,
                    )?,
                    CountQuery::Search { scopes, search } => {
                        organizations::count_search(conn, &scopes, &search)?
                    }
                    CountQuery::ManagedAccounts { manager } => {
                        contract_accounts::count_managed(conn, &manager)?
                    }
                    CountQuery::Nothing => 0,
                };
                Ok::<_, ApiError>(count)
            })
            .await
    }

    /// The user behind a verified token, created on first sight.
    pub async fn user_for_token(
        &self,
        email: String,
        name: Option<String>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ApiResult<User> {
        let key = Key::Email(email.clone());
        let (cached, stamp) = self.cache.lookup(self.store.changes(), &key);
        if let Some(Cached::User(user)) = cached {
            return Ok(user);
        }
        let known = {
            let email = email.clone();
            self.store
                .read(move |conn| Ok::<_, ApiError>(users::find_by_email(conn, &email)?))
                .await?
        };
        if let Some(user) = known {
            self.cache.put(key, Cached::User(user.clone()), stamp);
            return Ok(user);
        }
        self.store
            .write(move |conn| {
                Ok::<_, ApiError>(users::find_or_create(conn, &email, name.as_deref(), now)?)
            })
            .await
    }
}

impl Services {
    /// First pages of the children of several parents (one statement).
    pub async fn children_pages(
        &self,
        network: NetworkId,
        parents: Vec<OrganizationId>,
        after: Option<(String, String)>,
        listing: Listing,
    ) -> ApiResult<Vec<Organization>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(children::children_pages(
                    conn, network, &parents, after, &listing,
                )?)
            })
            .await
    }

    pub async fn children_counts(
        &self,
        network: NetworkId,
        parents: Vec<OrganizationId>,
        include_deleted: bool,
    ) -> ApiResult<Vec<(OrganizationId, i64)>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(children::count_children_of(
                    conn,
                    network,
                    &parents,
                    include_deleted,
                )?)
            })
            .await
    }
}
