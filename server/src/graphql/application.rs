//! The `Application` type, `Organization.applications`, the `application(id:)` query and the
//! federation entity. No field ever carries a client secret or its hash: the domain value
//! behind [`ApplicationNode`] doesn't hold them.

use async_graphql::{Context, Enum, Object, ID};
use chrono::{DateTime, Utc};

use crate::domain::application::{
    Application, ApplicationAccess, Environment, MAX_APPLICATIONS_PER_ORGANIZATION,
};
use crate::domain::ids::ApplicationId;
use crate::domain::organization::Organization;
use crate::service::applications::scope_names;
use crate::service::ApiError;

use super::context::{can_see, loaders, principal};
use super::error::parse_id;
use super::organization::OrganizationNode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ApplicationEnvironment")]
pub enum EnvironmentGql {
    Production,
    Staging,
    Development,
}

impl From<Environment> for EnvironmentGql {
    fn from(environment: Environment) -> Self {
        match environment {
            Environment::Production => Self::Production,
            Environment::Staging => Self::Staging,
            Environment::Development => Self::Development,
        }
    }
}

impl From<EnvironmentGql> for Environment {
    fn from(environment: EnvironmentGql) -> Self {
        match environment {
            EnvironmentGql::Production => Self::Production,
            EnvironmentGql::Staging => Self::Staging,
            EnvironmentGql::Development => Self::Development,
        }
    }
}

/// An integrator's OAuth client. Its secret is shown once, by `createApplication` and
/// `rotateApplicationSecret`, and never again.
pub struct ApplicationNode(pub Application);

#[Object(name = "Application")]
impl ApplicationNode {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The integrator organization holding the application (null if the caller may not see
    /// it).
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

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn environment(&self) -> EnvironmentGql {
        self.0.environment.into()
    }

    /// The OAuth `client_id`.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }

    /// A browser application: it has no client secret and uses PKCE.
    async fn public(&self) -> bool {
        self.0.public
    }

    /// Where authorizations may send the browser back to; compared by exact match.
    async fn redirect_uris(&self) -> &[String] {
        &self.0.redirect_uris
    }

    /// The permissions the application may ask customers for, as permission names.
    async fn allowed_scopes(&self) -> Vec<&'static str> {
        scope_names(self.0.allowed_scopes)
    }

    /// The customer organizations that authorized it, one authorization each, newest first.
    async fn authorizations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::authorization::AuthorizationNode>> {
        super::authorization::authorizations_of_application(ctx, self.0.id).await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// `Organization.applications` is a list, not a connection: an organization holds at most
/// this many.
pub fn list_complexity(child_complexity: usize) -> usize {
    MAX_APPLICATIONS_PER_ORGANIZATION
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// The body of `Organization.applications`: those the caller may read, by name.
pub async fn applications_of(
    ctx: &Context<'_>,
    org: &Organization,
) -> async_graphql::Result<Vec<ApplicationNode>> {
    let held = loaders(ctx)?
        .applications_of_organization
        .load_one((org.network_id, org.id))
        .await?
        .unwrap_or_default();
    let mut readable = Vec::with_capacity(held.len());
    for app in held {
        if access(ctx, org, app.id).await? != ApplicationAccess::Hidden {
            readable.push(ApplicationNode(app));
        }
    }
    Ok(readable)
}

async fn access(
    ctx: &Context<'_>,
    holder: &Organization,
    application: ApplicationId,
) -> async_graphql::Result<ApplicationAccess> {
    Ok(super::context::access(ctx)?
        .on_application(holder, application)
        .await?)
}

/// The application if the caller may read it and its organization is live.
pub async fn readable(
    ctx: &Context<'_>,
    id: ApplicationId,
) -> async_graphql::Result<Option<ApplicationNode>> {
    principal(ctx)?;
    let Some(app) = loaders(ctx)?.applications.load_one(id).await? else {
        return Ok(None);
    };
    let holder = loaders(ctx)?
        .organizations
        .load_one(app.organization_id)
        .await?;
    match holder {
        Some(org)
            if !org.is_deleted() && access(ctx, &org, id).await? != ApplicationAccess::Hidden =>
        {
            Ok(Some(ApplicationNode(app)))
        }
        _ => Ok(None),
    }
}

/// Query fields of applications, merged into the query root.
#[derive(Default)]
pub struct ApplicationQueries;

#[Object]
impl ApplicationQueries {
    /// One application; `NOT_FOUND` when it doesn't exist or the caller may not read it
    /// (`applications:read` on its organization or on the application itself).
    async fn application(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<ApplicationNode>> {
        principal(ctx)?;
        let id: ApplicationId = parse_id("id", &id)?;
        match readable(ctx, id).await? {
            Some(app) => Ok(Some(app)),
            None => Err(ApiError::NotFound.into()),
        }
    }

    /// Federation: `Application` entities by id. An application the caller may not read
    /// resolves to null, exactly like an id that doesn't exist.
    #[graphql(entity)]
    async fn find_application_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<ApplicationNode>> {
        principal(ctx)?;
        let Ok(id) = parse_id::<ApplicationId>("id", &id) else {
            return Ok(None);
        };
        readable(ctx, id).await
    }
}
