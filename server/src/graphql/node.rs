//! Relay's Global Object Identification: the `Node` interface and `node(id:)` /
//! `nodes(ids:)`, so that a client refetches any object by its id. Ids are UUIDs, unique
//! across types (a built-in role's id is its name); what an id names is found through the
//! global routing tables, the object through the loaders, and each kind is shown under the
//! rule of the field that lists it: an object the caller may not see is `null`, exactly as
//! one that doesn't exist.

use async_graphql::{Context, Interface, Object, ID};
use futures_util::future::try_join_all;

use crate::domain::ids::{
    ApplicationId, ContractAccountId, CustomRoleId, IntegrationId, MemberId, NetworkId,
    OrganizationId,
};
use crate::domain::organization::Organization;
use crate::domain::permissions::{BuiltInRole, Permission};
use crate::service::ApiError;
use crate::store::nodes::NodeKind;

use super::access::{MemberNode, RoleNode};
use super::application::{readable, ApplicationNode};
use super::context::{access, can_see, loaders, principal};
use super::contract_account::{managed_account, ContractAccountNode};
use super::integration::IntegrationNode;
use super::organization::OrganizationNode;

/// Most ids `nodes(ids:)` takes.
pub const MAX_NODES: usize = 100;

/// An object with a globally unique id, refetched with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Unique across all types."))]
pub enum Node {
    Organization(OrganizationNode),
    Member(MemberNode),
    Application(ApplicationNode),
    Integration(IntegrationNode),
    Role(RoleNode),
    ContractAccount(ContractAccountNode),
}

#[derive(Default)]
pub struct NodeQueries;

#[Object]
impl NodeQueries {
    /// Any object by its id (GraphQL Global Object Identification); `null` when it doesn't
    /// exist or the caller may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        principal(ctx)?;
        resolve(ctx, id.0).await
    }

    /// Several objects by id, in the order asked (at most 100); `null` for each one that
    /// doesn't exist or the caller may not see.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        principal(ctx)?;
        if ids.len() > MAX_NODES {
            return Err(
                ApiError::LimitExceeded(format!("nodes takes at most {MAX_NODES} ids")).into(),
            );
        }
        // Resolved together, so each loader reads a whole level at once.
        try_join_all(ids.into_iter().map(|id| resolve(ctx, id.0))).await
    }
}

#[Object]
impl MemberEntities {
    /// Federation: `Member` entities by id, seen as `node(id:)` sees them: with
    /// `members:read` where the member is; `null` otherwise, exactly like an unknown id.
    #[graphql(entity)]
    async fn find_member_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<MemberNode>> {
        principal(ctx)?;
        Ok(match resolve(ctx, id.0).await? {
            Some(Node::Member(member)) => Some(member),
            _ => None,
        })
    }
}

/// Federation's `Member` entity (merged into the query root).
#[derive(Default)]
pub struct MemberEntities;

async fn resolve(ctx: &Context<'_>, id: String) -> async_graphql::Result<Option<Node>> {
    if let Some(role) = BuiltInRole::parse(&id) {
        return Ok(Some(Node::Role(RoleNode::of_built_in(role))));
    }
    // Only UUIDs name objects: anything else is not looked up.
    if uuid::Uuid::parse_str(&id).is_err() {
        return Ok(None);
    }
    let Some((kind, network)) = loaders(ctx)?.node_kinds.load_one(id.clone()).await? else {
        return Ok(None);
    };
    let network = match (kind, network) {
        (NodeKind::Organization, _) => {
            let id: OrganizationId = parsed(&id)?;
            return Ok(match live(ctx, id).await? {
                Some(org) if can_see(ctx, &org).await? => {
                    Some(Node::Organization(OrganizationNode(org)))
                }
                _ => None,
            });
        }
        (NodeKind::Application, _) => {
            let id: ApplicationId = parsed(&id)?;
            return Ok(readable(ctx, id).await?.map(Node::Application));
        }
        (NodeKind::ContractAccount, _) => {
            let id: ContractAccountId = parsed(&id)?;
            return Ok(managed_account(ctx, id)
                .await?
                .map(|account| Node::ContractAccount(ContractAccountNode(account))));
        }
        (_, Some(network)) => network,
        // A network-scoped kind always has its network; a row without is not shown.
        (_, None) => return Ok(None),
    };
    // Held by an organization: shown under the rule of the field that lists it there.
    let loaders = loaders(ctx)?;
    let found = match kind {
        NodeKind::Integration => loaders
            .integrations
            .load_one((network, parsed::<IntegrationId>(&id)?))
            .await?
            .map(|i| {
                (
                    i.organization_id,
                    None,
                    Node::Integration(IntegrationNode(i)),
                )
            }),
        NodeKind::Member => loaders
            .members
            .load_one((network, parsed::<MemberId>(&id)?))
            .await?
            .map(|m| {
                let holder = m.organization_id;
                (
                    holder,
                    Some(Permission::MembersRead),
                    Node::Member(MemberNode(m)),
                )
            }),
        NodeKind::CustomRole => loaders
            .custom_roles
            .load_one((network, parsed::<CustomRoleId>(&id)?))
            .await?
            .map(|r| {
                let holder = r.organization_id;
                (
                    holder,
                    Some(Permission::MembersRead),
                    Node::Role(RoleNode::custom(r)),
                )
            }),
        NodeKind::Organization | NodeKind::Application | NodeKind::ContractAccount => None,
    };
    let Some((holder, needed, node)) = found else {
        return Ok(None);
    };
    Ok(holder_allows(ctx, network, holder, needed)
        .await?
        .then_some(node))
}

fn parsed<T: std::str::FromStr>(id: &str) -> async_graphql::Result<T> {
    id.parse()
        .map_err(|_| ApiError::Internal("a routed id is not an id".into()).into())
}

/// The organization, unless it is deleted (what it holds is gone with it).
async fn live(
    ctx: &Context<'_>,
    id: OrganizationId,
) -> async_graphql::Result<Option<Organization>> {
    Ok(loaders(ctx)?
        .organizations
        .load_one(id)
        .await?
        .filter(|org| !org.is_deleted()))
}

/// Whether the caller sees the live organization holding an object, and holds `permission`
/// there when one is named (the rule of the field that lists the object).
async fn holder_allows(
    ctx: &Context<'_>,
    network: NetworkId,
    holder: OrganizationId,
    permission: Option<Permission>,
) -> async_graphql::Result<bool> {
    let Some(org) = live(ctx, holder).await? else {
        return Ok(false);
    };
    if org.network_id != network || !can_see(ctx, &org).await? {
        return Ok(false);
    }
    Ok(match permission {
        None => true,
        Some(permission) => access(ctx)?
            .permissions_at(&org)
            .await?
            .contains(permission),
    })
}
