//! Query root: entry points into the graph.

use async_graphql::{Context, InputObject, Object, ID};

use crate::domain::ids::{ContractAccountId, NetworkId, OrganizationId, UserId};
use crate::domain::organization::name_key;
use crate::domain::permissions::Permission;
use crate::service::queries::{CountQuery, Search};
use crate::service::ApiError;

use super::context::{access, loaders, principal, services, visible};
use super::contract_account::{managed_account, ContractAccountConnection, ContractAccountNode};
use super::error::parse_id;
use super::organization::{name_cursor_after, OrganizationConnection, OrganizationNode};
use super::pagination::{connection_complexity, decode_cursor, page_size, rows_to_fetch};
use super::user::UserNode;

/// Narrows the `organizations` list.
#[derive(InputObject, Default)]
pub struct OrganizationFilter {
    /// Only this network.
    pub network_id: Option<ID>,
    /// Only this organization and its subtree (a network's root gives the whole network).
    pub root_id: Option<ID>,
    pub contract_account_id: Option<ID>,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
    /// Also soft-deleted organizations, where the caller holds `organization:manage`.
    #[graphql(default = false)]
    pub include_deleted: bool,
}

const NAME_FILTER_MAX_CHARS: usize = 200;

/// Organizations, contract accounts and federation entities.
#[derive(Default)]
pub struct OrganizationQueries;

#[Object]
impl OrganizationQueries {
    /// One organization; `NOT_FOUND` when it doesn't exist or the caller may not see it.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default = false)] include_deleted: bool,
    ) -> async_graphql::Result<Option<OrganizationNode>> {
        principal(ctx)?;
        let id: OrganizationId = parse_id("id", &id)?;
        let org = loaders(ctx)?.organizations.load_one(id).await?;
        let org = org.filter(|o| include_deleted || !o.is_deleted());
        Ok(Some(OrganizationNode(visible(ctx, org).await?)))
    }

    /// The organizations the caller may see, by name.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<OrganizationFilter>,
    ) -> async_graphql::Result<OrganizationConnection> {
        principal(ctx)?;
        let filter = filter.unwrap_or_default();
        let limit = page_size(first)?;
        let after = name_cursor_after(after)?;
        let network: Option<NetworkId> = filter
            .network_id
            .as_ref()
            .map(|id| parse_id("filter.networkId", id))
            .transpose()?;
        let within = match &filter.root_id {
            Some(id) => {
                let id: OrganizationId = parse_id("filter.rootId", id)?;
                let org = loaders(ctx)?.organizations.load_one(id).await?;
                let org = visible(ctx, org.filter(|o| !o.is_deleted())).await?;
                Some((org.network_id, org.path))
            }
            None => None,
        };
        let name_contains = match filter.name_contains.as_deref().map(str::trim) {
            Some(text) if text.chars().count() > NAME_FILTER_MAX_CHARS => {
                return Err(ApiError::bad_input(
                    "filter.nameContains",
                    format!("must be at most {NAME_FILTER_MAX_CHARS} characters"),
                )
                .into())
            }
            Some("") | None => None,
            Some(text) => Some(name_key(text)),
        };
        let permission = if filter.include_deleted {
            Permission::OrganizationManage
        } else {
            Permission::OrganizationRead
        };
        let services = services(ctx)?;
        let mut scopes = access(ctx)?
            .scopes_with(permission, within.as_ref())
            .await?;
        if let Some(network) = network {
            scopes.retain(|(n, _)| *n == network);
        }
        let search = Search {
            contract_account: filter
                .contract_account_id
                .as_ref()
                .map(|id| parse_id::<ContractAccountId>("filter.contractAccountId", id))
                .transpose()?,
            name_contains,
            include_deleted: filter.include_deleted,
        };
        let rows = services
            .search_page(
                scopes.clone(),
                search.clone(),
                after,
                rows_to_fetch(ctx, limit),
            )
            .await?;
        Ok(OrganizationConnection::by_name(
            rows,
            limit,
            CountQuery::Search { scopes, search },
        ))
    }

    /// A contract account the caller manages: it holds `billing:manage` on an organization
    /// that uses it, or created it and no organization uses it yet.
    async fn contract_account(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<ContractAccountNode>> {
        principal(ctx)?;
        let id: ContractAccountId = parse_id("id", &id)?;
        match managed_account(ctx, id).await? {
            Some(account) => Ok(Some(ContractAccountNode(account))),
            None => Err(ApiError::NotFound.into()),
        }
    }

    /// The contract accounts the caller manages.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn contract_accounts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ContractAccountConnection> {
        let manager = access(ctx)?.account_manager().await?;
        let limit = page_size(first)?;
        let after = after
            .map(|c| decode_cursor(&c, 1))
            .transpose()?
            .and_then(|mut p| p.pop());
        let rows = services(ctx)?
            .managed_accounts_page(manager.clone(), after, rows_to_fetch(ctx, limit))
            .await?;
        Ok(ContractAccountConnection::build(
            rows,
            limit,
            CountQuery::ManagedAccounts { manager },
        ))
    }

    /// Federation: `Organization` entities by id, through the same loader.
    #[graphql(entity)]
    async fn find_organization_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<OrganizationNode>> {
        principal(ctx)?;
        let Ok(id) = parse_id::<OrganizationId>("id", &id) else {
            return Ok(None);
        };
        let org = loaders(ctx)?.organizations.load_one(id).await?;
        let org = org.filter(|o| !o.is_deleted());
        Ok(visible(ctx, org).await.ok().map(OrganizationNode))
    }

    /// Federation entity: an authorization the caller may see (`null` otherwise).
    #[graphql(entity)]
    async fn find_authorization_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<super::authorization::AuthorizationNode>> {
        super::authorization::find_authorization(ctx, &id).await
    }

    /// Federation: `ContractAccount` entities by id, as `contractAccount(id:)` finds them: to
    /// whoever manages the account; any other id resolves to null, exactly like an id that
    /// doesn't exist.
    #[graphql(entity)]
    async fn find_contract_account_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<ContractAccountNode>> {
        principal(ctx)?;
        let Ok(id) = parse_id::<ContractAccountId>("id", &id) else {
            return Ok(None);
        };
        Ok(managed_account(ctx, id).await?.map(ContractAccountNode))
    }

    /// Federation: `User` entities by id, through a loader: the caller themselves, and the
    /// users who are members where the caller holds `members:read` (as `Organization.members`
    /// shows them); any other id resolves to null, exactly like an id that doesn't exist.
    #[graphql(entity)]
    async fn find_user_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<UserNode>> {
        let caller = principal(ctx)?;
        let Ok(id) = parse_id::<UserId>("id", &id) else {
            return Ok(None);
        };
        let Some(user) = loaders(ctx)?.users.load_one(id).await? else {
            return Ok(None);
        };
        let visible = services(ctx)?
            .visible_users_among(caller, vec![user.id])
            .await?;
        Ok(visible.contains(&user.id).then_some(UserNode(user)))
    }
}
