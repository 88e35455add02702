//! The `Integration` type and `Organization.integrations`.
//!
//! Reading an organization's integrations takes `organization:read` there, like the
//! organization itself: members need to see which calendars their organization connects
//! (they link to one), and a configuration holds no secrets (refused on write).
//! Changing them takes `integrations:manage`.

use async_graphql::{Context, Enum, Json, Object, ID};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::integration::{
    Integration, IntegrationKind, IntegrationStatus, Provider, MAX_INTEGRATIONS_PER_ORGANIZATION,
};
use crate::domain::organization::Organization;
use crate::domain::permissions::Permission;

use super::context::{access, can_see, loaders};
use super::organization::OrganizationNode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "IntegrationKind")]
pub enum IntegrationKindGql {
    Calendar,
    Conferencing,
    /// An integrator's application, authorized on the organization.
    IntegratorApp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "IntegrationProvider")]
pub enum ProviderGql {
    Google,
    #[graphql(name = "MICROSOFT_365")]
    Microsoft365,
    Zoom,
    MicrosoftTeams,
    Other,
}

/// `ACTIVE`: in use (the default). `DISABLED`: switched off by an administrator, kept with
/// its configuration and its members' links. `ERROR`: the connection to the provider fails;
/// set when that is noticed, left by setting `ACTIVE` again once fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "IntegrationStatus")]
pub enum StatusGql {
    Active,
    Disabled,
    Error,
}

macro_rules! both_ways {
    ($gql:ident, $domain:ident, [$($variant:ident),*]) => {
        impl From<$domain> for $gql {
            fn from(value: $domain) -> Self {
                match value {
                    $($domain::$variant => Self::$variant,)*
                }
            }
        }

        impl From<$gql> for $domain {
            fn from(value: $gql) -> Self {
                match value {
                    $($gql::$variant => Self::$variant,)*
                }
            }
        }
    };
}

both_ways!(
    IntegrationKindGql,
    IntegrationKind,
    [Calendar, Conferencing, IntegratorApp]
);
both_ways!(
    ProviderGql,
    Provider,
    [Google, Microsoft365, Zoom, MicrosoftTeams, Other]
);
both_ways!(StatusGql, IntegrationStatus, [Active, Disabled, Error]);

/// A calendar, conferencing or integrator-application connection of a customer organization.
pub struct IntegrationNode(pub Integration);

#[Object(name = "Integration")]
impl IntegrationNode {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The customer organization holding the integration (null if the caller may not see it).
    async fn organization(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<OrganizationNode>> {
        match loaders(ctx)?
            .organizations
            .load_one(self.0.organization_id)
            .await?
        {
            Some(org) if can_see(ctx, &org).await? => Ok(Some(OrganizationNode(org))),
            _ => Ok(None),
        }
    }

    async fn kind(&self) -> IntegrationKindGql {
        self.0.kind.into()
    }

    async fn provider(&self) -> ProviderGql {
        self.0.provider.into()
    }

    async fn status(&self) -> StatusGql {
        self.0.status.into()
    }

    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// Provider settings (tenant, calendars, options), never secrets.
    async fn configuration(&self) -> Json<Value> {
        Json(self.0.configuration.clone())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// `Organization.integrations` is a list, not a connection: an organization holds at most
/// this many.
pub fn list_complexity(child_complexity: usize) -> usize {
    MAX_INTEGRATIONS_PER_ORGANIZATION
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// The body of `Organization.integrations`, by display name.
pub async fn integrations_of(
    ctx: &Context<'_>,
    org: &Organization,
) -> async_graphql::Result<Vec<IntegrationNode>> {
    access(ctx)?
        .require(org, Permission::OrganizationRead)
        .await?;
    let held = loaders(ctx)?
        .integrations_of_organization
        .load_one((org.network_id, org.id))
        .await?
        .unwrap_or_default();
    Ok(held.into_iter().map(IntegrationNode).collect())
}
