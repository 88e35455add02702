//! Application mutations: create, update, rotate the secret, delete.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::Utc;

use crate::domain::ids::{ApplicationId, OrganizationId};
use crate::graphql::application::{ApplicationNode, EnvironmentGql};
use crate::graphql::context::{loaders, principal, services, visible};
use crate::graphql::error::parse_id;
use crate::graphql::organization::OrganizationNode;
use crate::service::applications::{ApplicationUpdate, NewApplication};

#[derive(InputObject)]
pub struct CreateApplicationInput {
    /// An `INTEGRATOR` or `MIXED` organization.
    pub organization_id: ID,
    /// 1–200 characters, unique in the organization (case-insensitively).
    pub name: String,
    pub environment: EnvironmentGql,
    /// At most 20 absolute URLs: `https`, or `http` to `localhost`/`127.0.0.1` outside
    /// `PRODUCTION`; no fragment. Compared by exact match.
    #[graphql(default)]
    pub redirect_uris: Vec<String>,
    /// Permission names the application may ask customers for, e.g. `members:read`.
    #[graphql(default)]
    pub allowed_scopes: Vec<String>,
    /// A browser application: no client secret, PKCE instead.
    #[graphql(default = false)]
    pub public: bool,
}

/// Omitted fields keep their value; at least one must be given.
#[derive(InputObject)]
pub struct UpdateApplicationInput {
    pub id: ID,
    pub name: Option<String>,
    /// Replaces the whole list.
    pub redirect_uris: Option<Vec<String>>,
    /// Replaces the whole list.
    pub allowed_scopes: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct RotateApplicationSecretInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct DeleteApplicationInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct CreateApplicationPayload {
    pub application: ApplicationNode,
    /// The client secret, shown this once (Orgraph keeps only a hash); null for a public
    /// application.
    pub client_secret: Option<String>,
}

#[derive(SimpleObject)]
pub struct UpdateApplicationPayload {
    pub application: ApplicationNode,
}

#[derive(SimpleObject)]
pub struct RotateApplicationSecretPayload {
    pub application: ApplicationNode,
    /// The new client secret, shown this once; the previous one no longer works.
    pub client_secret: String,
}

#[derive(SimpleObject)]
pub struct DeleteApplicationPayload {
    pub deleted_application_id: ID,
    /// The organization that held it.
    pub organization: Option<OrganizationNode>,
}

#[derive(Default)]
pub struct ApplicationMutations;

#[Object]
impl ApplicationMutations {
    /// A new application of an integrator organization; needs `applications:manage` there.
    async fn create_application(
        &self,
        ctx: &Context<'_>,
        input: CreateApplicationInput,
    ) -> async_graphql::Result<CreateApplicationPayload> {
        let principal = principal(ctx)?;
        let organization_id: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let created = services(ctx)?
            .create_application(
                principal,
                NewApplication {
                    organization_id,
                    name: input.name,
                    environment: input.environment.into(),
                    redirect_uris: input.redirect_uris,
                    allowed_scopes: input.allowed_scopes,
                    public: input.public,
                },
                Utc::now(),
            )
            .await?;
        Ok(CreateApplicationPayload {
            application: ApplicationNode(created.application),
            client_secret: created.client_secret,
        })
    }

    /// Changes an application's name, redirect URIs or allowed scopes; needs
    /// `applications:manage` on its organization or on the application.
    async fn update_application(
        &self,
        ctx: &Context<'_>,
        input: UpdateApplicationInput,
    ) -> async_graphql::Result<UpdateApplicationPayload> {
        let principal = principal(ctx)?;
        let id: ApplicationId = parse_id("id", &input.id)?;
        let app = services(ctx)?
            .update_application(
                principal,
                id,
                ApplicationUpdate {
                    name: input.name,
                    redirect_uris: input.redirect_uris,
                    allowed_scopes: input.allowed_scopes,
                },
                Utc::now(),
            )
            .await?;
        Ok(UpdateApplicationPayload {
            application: ApplicationNode(app),
        })
    }

    /// A new client secret for a confidential application, shown once.
    async fn rotate_application_secret(
        &self,
        ctx: &Context<'_>,
        input: RotateApplicationSecretInput,
    ) -> async_graphql::Result<RotateApplicationSecretPayload> {
        let principal = principal(ctx)?;
        let id: ApplicationId = parse_id("id", &input.id)?;
        let rotated = services(ctx)?
            .rotate_application_secret(principal, id, Utc::now())
            .await?;
        Ok(RotateApplicationSecretPayload {
            application: ApplicationNode(rotated.application),
            client_secret: rotated.client_secret,
        })
    }

    /// Removes an application for good, with the grants scoped to it.
    async fn delete_application(
        &self,
        ctx: &Context<'_>,
        input: DeleteApplicationInput,
    ) -> async_graphql::Result<DeleteApplicationPayload> {
        let principal = principal(ctx)?;
        let id: ApplicationId = parse_id("id", &input.id)?;
        let app = services(ctx)?
            .delete_application(principal, id, Utc::now())
            .await?;
        let org = loaders(ctx)?
            .organizations
            .load_one(app.organization_id)
            .await?;
        Ok(DeleteApplicationPayload {
            deleted_application_id: ID(app.id.to_string()),
            organization: visible(ctx, org).await.ok().map(OrganizationNode),
        })
    }
}
