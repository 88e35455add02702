//! The `Authorization` type (SPEC §5), `Organization.authorizations`,
//! `Application.authorizations`, the federation entity and `revokeAuthorization`.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::domain::authorization::Authorization;
use crate::domain::ids::AuthorizationId;
use crate::domain::organization::Organization;
use crate::domain::permissions::Permission;
use crate::service::applications::scope_names;

use super::application::{readable, ApplicationNode};
use super::context::{access, can_see, loaders, principal, services};
use super::error::parse_id;
use super::organization::OrganizationNode;
use super::user::UserNode;

/// An application's authorization on one customer organization.
pub struct AuthorizationNode(pub Authorization);

#[Object(name = "Authorization")]
impl AuthorizationNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The application, for whoever may read it (its integrator); see `applicationName`.
    async fn application(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ApplicationNode>> {
        readable(ctx, self.0.application_id).await
    }

    /// The application's name, as its consent page showed it.
    async fn application_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(loaders(ctx)?
            .applications
            .load_one(self.0.application_id)
            .await?
            .map(|app| app.name)
            .unwrap_or_default())
    }

    /// The authorized organization, for whoever may see it.
    async fn organization(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<OrganizationNode>> {
        match self.customer_organization(ctx).await? {
            Some(org) if can_see(ctx, &org).await? => Ok(Some(OrganizationNode(org))),
            _ => Ok(None),
        }
    }

    /// The permissions granted, as permission names.
    async fn scopes(&self) -> Vec<&'static str> {
        scope_names(self.0.scopes)
    }

    /// Whether the application also acts on the organization's sub-organizations.
    async fn includes_sub_organizations(&self) -> bool {
        self.0.include_sub_organizations
    }

    /// Who approved it last; for the customer's administrators who also read members.
    async fn granted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserNode>> {
        let Some(org) = self.customer_organization(ctx).await? else {
            return Ok(None);
        };
        let held = access(ctx)?.permissions_at(&org).await?;
        if !(held.contains(Permission::AuthorizationsManage)
            && held.contains(Permission::MembersRead))
        {
            return Ok(None);
        }
        Ok(loaders(ctx)?
            .users
            .load_one(self.0.granted_by)
            .await?
            .map(UserNode))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When tokens were last issued under it.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }

    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

impl AuthorizationNode {
    async fn customer_organization(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Organization>> {
        loaders(ctx)?
            .organizations
            .load_one(self.0.organization_id)
            .await
    }
}

/// The body of `Organization.authorizations`: needs `authorizations:manage` there.
pub async fn authorizations_of_organization(
    ctx: &Context<'_>,
    org: &Organization,
) -> async_graphql::Result<Vec<AuthorizationNode>> {
    access(ctx)?
        .require(org, Permission::AuthorizationsManage)
        .await?;
    Ok(services(ctx)?
        .authorizations_of_organization(org.network_id, org.id)
        .await?
        .into_iter()
        .map(AuthorizationNode)
        .collect())
}

/// The body of `Application.authorizations` (the application is already readable).
pub async fn authorizations_of_application(
    ctx: &Context<'_>,
    application: crate::domain::ids::ApplicationId,
) -> async_graphql::Result<Vec<AuthorizationNode>> {
    Ok(services(ctx)?
        .authorizations_of_application(application)
        .await?
        .into_iter()
        .map(AuthorizationNode)
        .collect())
}

/// The entity lookup: `null` for an authorization the caller may not see.
pub async fn find_authorization(
    ctx: &Context<'_>,
    id: &ID,
) -> async_graphql::Result<Option<AuthorizationNode>> {
    let principal = principal(ctx)?;
    let Ok(id) = parse_id::<AuthorizationId>("id", id) else {
        return Ok(None);
    };
    Ok(services(ctx)?
        .authorization(principal, id)
        .await?
        .map(AuthorizationNode))
}

#[derive(InputObject)]
pub struct RevokeAuthorizationInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct RevokeAuthorizationPayload {
    pub authorization: AuthorizationNode,
}

#[derive(Default)]
pub struct AuthorizationMutations;

#[Object]
impl AuthorizationMutations {
    /// Ends an authorization and every token issued under it, from the very next request.
    /// Needs `authorizations:manage` on the organization (the customer) or
    /// `applications:manage` on the application (the integrator).
    async fn revoke_authorization(
        &self,
        ctx: &Context<'_>,
        input: RevokeAuthorizationInput,
    ) -> async_graphql::Result<RevokeAuthorizationPayload> {
        let principal = principal(ctx)?;
        let id: AuthorizationId = parse_id("id", &input.id)?;
        let revoked = services(ctx)?
            .revoke_authorization(principal, id, Utc::now())
            .await?;
        Ok(RevokeAuthorizationPayload {
            authorization: AuthorizationNode(revoked),
        })
    }
}
