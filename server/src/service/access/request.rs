//! The caller's access for one request: its placed grants, read once and shared by every
//! check the request makes (a caller holds few grants; one statement, whatever the number of
//! organizations checked).

use std::collections::HashMap;
use std::sync::Arc;

use crate::auth::Principal;
use crate::domain::application::{access_to_application, ApplicationAccess};
use crate::domain::contract_account::AccountManager;
use crate::domain::ids::{ApplicationId, NetworkId};
use crate::domain::organization::Organization;
use crate::domain::permissions::{
    effective_permissions, effective_permissions_on_application, scopes_with, Permission,
    PermissionSet, PlacedGrant, Scope,
};
use crate::domain::tree_path::TreePath;
use crate::domain::visibility::{sees_below, sees_organization};
use crate::service::cache::{Cached, Key};
use crate::service::contract_accounts::manager_from;
use crate::service::{ApiError, ApiResult, Services};

use super::{by_network, check, placed_grants, GrantsByNetwork};

/// What one request's caller may see and do, for reads (write transactions ask the functions
/// of `service::access`, over the same grants read fresh); the rules themselves are `domain`
/// functions over those grants. Anonymous requests get `UNAUTHENTICATED` from every question.
pub struct Access {
    services: Services,
    principal: Option<Principal>,
    grants: tokio::sync::OnceCell<Arc<GrantsByNetwork>>,
}

impl Access {
    pub fn new(services: Services, principal: Option<Principal>) -> Self {
        Self {
            services,
            principal,
            grants: tokio::sync::OnceCell::new(),
        }
    }

    /// Who is calling; `UNAUTHENTICATED` without a token or session.
    pub fn principal(&self) -> ApiResult<&Principal> {
        self.principal.as_ref().ok_or(ApiError::Unauthenticated)
    }

    /// The caller's grants in every network.
    pub async fn everywhere(&self) -> ApiResult<&GrantsByNetwork> {
        let principal = self.principal()?.clone();
        let grants = self
            .grants
            .get_or_try_init(|| async {
                // Found live when the request was authenticated: no second read.
                let found = match &principal {
                    Principal::Application(caller) => Some((caller.network_id, &caller.grant)),
                    Principal::Directory(caller) => Some((caller.network_id, &caller.grant)),
                    Principal::User(_) => None,
                };
                match found {
                    Some((network, grant)) => {
                        Ok(Arc::new(HashMap::from([(network, vec![grant.clone()])])))
                    }
                    None => self.person_grants(principal).await,
                }
            })
            .await?;
        Ok(grants)
    }

    /// A person's grants everywhere, from the cache while the database is unchanged.
    async fn person_grants(&self, principal: Principal) -> ApiResult<Arc<GrantsByNetwork>> {
        let services = &self.services;
        let key = principal.user_id().map(Key::Grants);
        let (cached, stamp) = match &key {
            Some(key) => services.cache.lookup(services.store.changes(), key),
            None => (None, None),
        };
        if let Some(Cached::Grants(grants)) = cached {
            return Ok(grants);
        }
        let placed = services
            .store
            .read(move |conn| placed_grants(conn, &principal, None))
            .await?;
        let grouped = Arc::new(by_network(placed));
        if let Some(key) = key {
            services
                .cache
                .put(key, Cached::Grants(grouped.clone()), stamp);
        }
        Ok(grouped)
    }

    /// The caller's access in one network, for deciding about many of its organizations
    /// without waiting again.
    pub async fn in_network(&self, network: NetworkId) -> ApiResult<NetworkAccess<'_>> {
        Ok(NetworkAccess {
            grants: self
                .everywhere()
                .await?
                .get(&network)
                .map_or(&[], Vec::as_slice),
        })
    }

    /// The caller's permissions at `org` (additive over the org and its ancestors).
    pub async fn permissions_at(&self, org: &Organization) -> ApiResult<PermissionSet> {
        Ok(self.in_network(org.network_id).await?.permissions_at(org))
    }

    /// Whether the caller may see `org` at all.
    pub async fn sees(&self, org: &Organization) -> ApiResult<bool> {
        Ok(self.in_network(org.network_id).await?.sees(org))
    }

    /// `org` if the caller may see it, else `NOT_FOUND` (never a hint that it exists).
    pub async fn visible(&self, org: Option<Organization>) -> ApiResult<Organization> {
        match org {
            Some(org) if self.sees(&org).await? => Ok(org),
            Some(_) => Err(ApiError::NotFound),
            None => {
                // The work a hidden organization costs (reading the caller's grants), so that
                // the time of the answer does not tell the two apart.
                self.everywhere().await?;
                Err(ApiError::NotFound)
            }
        }
    }

    /// Refuses unless the caller holds `permission` at `org`: `NOT_FOUND` when it can't see
    /// the organization, `FORBIDDEN` when it sees it without the permission.
    pub async fn require(&self, org: &Organization, permission: Permission) -> ApiResult<()> {
        self.in_network(org.network_id)
            .await?
            .require(org, permission)
    }

    /// How far the caller may go with one application of `holder`.
    pub async fn on_application(
        &self,
        holder: &Organization,
        application: ApplicationId,
    ) -> ApiResult<ApplicationAccess> {
        Ok(access_to_application(
            self.in_network(holder.network_id).await?.grants,
            holder,
            application,
        ))
    }

    /// Whether the caller may list `org`'s sub-organizations: everyone who sees an
    /// organization sees its subtree, except an application authorized on that organization
    /// alone. Deleted ones need `organization:manage` (`FORBIDDEN` otherwise).
    pub async fn may_list_below(
        &self,
        org: &Organization,
        include_deleted: bool,
    ) -> ApiResult<bool> {
        let network = self.in_network(org.network_id).await?;
        if include_deleted
            && !network
                .permissions_at(org)
                .contains(Permission::OrganizationManage)
        {
            return Err(ApiError::Forbidden(
                "includeDeleted requires the permission organization:manage".into(),
            ));
        }
        Ok(sees_below(network.grants, org))
    }

    /// Who the caller manages contract accounts as.
    pub async fn account_manager(&self) -> ApiResult<AccountManager> {
        Ok(manager_from(self.principal()?, self.everywhere().await?))
    }

    /// Where the caller holds `permission`, in every network (or inside `within`): what a
    /// search may list.
    pub async fn scopes_with(
        &self,
        permission: Permission,
        within: Option<&(NetworkId, TreePath)>,
    ) -> ApiResult<Vec<(NetworkId, Scope)>> {
        Ok(scopes_with(
            self.everywhere()
                .await?
                .iter()
                .map(|(network, grants)| (*network, grants.as_slice())),
            permission,
            within,
        ))
    }
}

/// The caller's grants in one network, with the questions asked of them.
#[derive(Clone, Copy)]
pub struct NetworkAccess<'a> {
    grants: &'a [PlacedGrant],
}

impl NetworkAccess<'_> {
    pub fn permissions_at(&self, org: &Organization) -> PermissionSet {
        effective_permissions(self.grants, org)
    }

    /// Whether the caller may see `org`: a deleted organization only shows to those who may
    /// manage (and so restore) it.
    pub fn sees(&self, org: &Organization) -> bool {
        sees_organization(self.grants, org)
    }

    pub fn require(&self, org: &Organization, permission: Permission) -> ApiResult<()> {
        if !self.sees(org) {
            return Err(ApiError::NotFound);
        }
        check(self.permissions_at(org), permission)
    }

    /// Whether the caller sees `org` and holds `permission` there (on `application` when
    /// given).
    pub fn holds(
        &self,
        org: &Organization,
        permission: Permission,
        application: Option<ApplicationId>,
    ) -> bool {
        let held = match application {
            Some(app) => effective_permissions_on_application(self.grants, org, app),
            None => effective_permissions(self.grants, org),
        };
        self.sees(org) && held.contains(permission)
    }
}
