//! What resolvers read from the request: the caller's [`Access`], the services and the
//! loaders. Resolvers ask `Access` every question about rights; nothing here decides.

use async_graphql::Context;

use crate::auth::Principal;
use crate::domain::organization::Organization;
use crate::service::access::Access;
use crate::service::Services;

use super::loaders::Loaders;

/// The one access layer, for this request's caller.
pub fn access<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Access> {
    ctx.data::<Access>()
}

/// The caller; `UNAUTHENTICATED` for an anonymous request.
pub fn principal<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Principal> {
    Ok(access(ctx)?.principal()?)
}

pub fn services<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Services> {
    ctx.data::<Services>()
}

pub fn loaders<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Loaders> {
    ctx.data::<Loaders>()
}

/// Whether the caller may see `org` (see [`Access::sees`]).
pub async fn can_see(ctx: &Context<'_>, org: &Organization) -> async_graphql::Result<bool> {
    Ok(access(ctx)?.sees(org).await?)
}

/// `org` if the caller may see it, else `NOT_FOUND` (see [`Access::visible`]).
pub async fn visible(
    ctx: &Context<'_>,
    org: Option<Organization>,
) -> async_graphql::Result<Organization> {
    Ok(access(ctx)?.visible(org).await?)
}

/// Where this deployment serves SCIM (`<public URL>/scim/v2`), for `createScimToken`.
pub struct ScimBaseUrl(pub String);
