//! Integration mutations: create, update, delete.

use async_graphql::{Context, InputObject, Json, Object, SimpleObject, ID};
use chrono::Utc;
use serde_json::Value;

use crate::domain::ids::{IntegrationId, OrganizationId};
use crate::graphql::context::{loaders, principal, services, visible};
use crate::graphql::error::parse_id;
use crate::graphql::integration::{IntegrationKindGql, IntegrationNode, ProviderGql, StatusGql};
use crate::graphql::organization::OrganizationNode;
use crate::service::integrations::{IntegrationUpdate, NewIntegration};

#[derive(InputObject)]
pub struct CreateIntegrationInput {
    /// A `CUSTOMER` or `MIXED` organization.
    pub organization_id: ID,
    pub kind: IntegrationKindGql,
    /// Calendars: `GOOGLE`, `MICROSOFT_365`; conferencing: `ZOOM`, `MICROSOFT_TEAMS`,
    /// `GOOGLE`; `OTHER` for anything.
    pub provider: ProviderGql,
    /// 1–200 characters.
    pub display_name: String,
    /// A JSON object of at most 16 KiB, without secrets: keys such as `clientSecret`,
    /// `password`, `token` or `apiKey`, and values holding a private key, `Bearer`/`Basic`
    /// credentials or a JSON Web Token are refused.
    #[graphql(default_with = "Json(Value::Object(Default::default()))")]
    pub configuration: Json<Value>,
    /// Defaults to `ACTIVE`.
    pub status: Option<StatusGql>,
}

/// Omitted fields keep their value; at least one must be given.
#[derive(InputObject)]
pub struct UpdateIntegrationInput {
    pub id: ID,
    pub display_name: Option<String>,
    pub status: Option<StatusGql>,
    /// Replaces the whole configuration (same rules as at creation).
    pub configuration: Option<Json<Value>>,
}

#[derive(InputObject)]
pub struct DeleteIntegrationInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct CreateIntegrationPayload {
    pub integration: IntegrationNode,
}

#[derive(SimpleObject)]
pub struct UpdateIntegrationPayload {
    pub integration: IntegrationNode,
}

#[derive(SimpleObject)]
pub struct DeleteIntegrationPayload {
    pub deleted_integration_id: ID,
    /// The organization that held it.
    pub organization: Option<OrganizationNode>,
}

#[derive(Default)]
pub struct IntegrationMutations;

#[Object]
impl IntegrationMutations {
    /// A new integration of a customer organization; needs `integrations:manage` there.
    async fn create_integration(
        &self,
        ctx: &Context<'_>,
        input: CreateIntegrationInput,
    ) -> async_graphql::Result<CreateIntegrationPayload> {
        let principal = principal(ctx)?;
        let organization_id: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let integration = services(ctx)?
            .create_integration(
                principal,
                NewIntegration {
                    organization_id,
                    kind: input.kind.into(),
                    provider: input.provider.into(),
                    display_name: input.display_name,
                    configuration: input.configuration.0,
                    status: input.status.map(Into::into),
                },
                Utc::now(),
            )
            .await?;
        Ok(CreateIntegrationPayload {
            integration: IntegrationNode(integration),
        })
    }

    /// Changes an integration's display name, status or configuration; needs
    /// `integrations:manage` on its organization.
    async fn update_integration(
        &self,
        ctx: &Context<'_>,
        input: UpdateIntegrationInput,
    ) -> async_graphql::Result<UpdateIntegrationPayload> {
        let principal = principal(ctx)?;
        let id: IntegrationId = parse_id("id", &input.id)?;
        let integration = services(ctx)?
            .update_integration(
                principal,
                id,
                IntegrationUpdate {
                    display_name: input.display_name,
                    status: input.status.map(Into::into),
                    configuration: input.configuration.map(|c| c.0),
                },
                Utc::now(),
            )
            .await?;
        Ok(UpdateIntegrationPayload {
            integration: IntegrationNode(integration),
        })
    }

    /// Removes an integration for good; refused (`CONFLICT`) while members link their
    /// calendar to it.
    async fn delete_integration(
        &self,
        ctx: &Context<'_>,
        input: DeleteIntegrationInput,
    ) -> async_graphql::Result<DeleteIntegrationPayload> {
        let principal = principal(ctx)?;
        let id: IntegrationId = parse_id("id", &input.id)?;
        let integration = services(ctx)?
            .delete_integration(principal, id, Utc::now())
            .await?;
        let org = loaders(ctx)?
            .organizations
            .load_one(integration.organization_id)
            .await?;
        Ok(DeleteIntegrationPayload {
            deleted_integration_id: ID(integration.id.to_string()),
            organization: visible(ctx, org).await.ok().map(OrganizationNode),
        })
    }
}
