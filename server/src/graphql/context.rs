//! What resolvers read from the request: the principal, the services, the loaders, and the
//! permission checks built on them.

use async_graphql::Context;

use crate::auth::Principal;
use crate::domain::ids::NetworkId;
use crate::domain::organization::Organization;
use crate::domain::permissions::{effective_permissions, PermissionSet, PlacedGrant};
use crate::service::{ApiError, Services};

use super::loaders::{Loaders, RequestGrants};

pub fn principal<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Principal> {
    ctx.data_opt::<Principal>()
        .ok_or_else(|| ApiError::Unauthenticated.into())
}

pub fn services<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Services> {
    ctx.data::<Services>()
}

pub fn loaders<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Loaders> {
    ctx.data::<Loaders>()
}

/// The caller's permissions at `org` (additive over the org and its ancestors).
pub async fn permissions_at(
    ctx: &Context<'_>,
    org: &Organization,
) -> async_graphql::Result<PermissionSet> {
    Ok(effective_permissions(
        grants_in(ctx, org.network_id).await?,
        org,
    ))
}

/// The signed-in caller's grants, read once per request and shared by every check.
pub fn request_grants<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestGrants> {
    principal(ctx)?;
    loaders(ctx)?
        .grants
        .as_ref()
        .ok_or_else(|| ApiError::Unauthenticated.into())
}

/// The caller's grants in one network.
pub async fn grants_in<'a>(
    ctx: &Context<'a>,
    network: NetworkId,
) -> async_graphql::Result<&'a [PlacedGrant]> {
    request_grants(ctx)?.in_network(network).await
}

/// Whether the caller may see `org` at all: a deleted organization only shows to those who
/// may manage (and so restore) it.
pub async fn can_see(ctx: &Context<'_>, org: &Organization) -> async_graphql::Result<bool> {
    Ok(sees(grants_in(ctx, org.network_id).await?, org))
}

/// [`can_see`] with the caller's grants in `org`'s network at hand.
pub use crate::domain::visibility::sees_organization as sees;

/// `org` if the caller may see it, else `NOT_FOUND` (never a hint that it exists).
pub async fn visible(
    ctx: &Context<'_>,
    org: Option<Organization>,
) -> async_graphql::Result<Organization> {
    match org {
        Some(org) if can_see(ctx, &org).await? => Ok(org),
        Some(_) => Err(ApiError::NotFound.into()),
        None => {
            // The work a hidden organization costs (reading the caller's grants), so that
            // the time of the answer does not tell the two apart.
            request_grants(ctx)?.everywhere().await?;
            Err(ApiError::NotFound.into())
        }
    }
}
