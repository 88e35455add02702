//! Integrations of customer organizations: create, update, delete, with
//! `integrations:manage` on the organization.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::auth::Principal;
use crate::domain::ids::{IntegrationId, NetworkId, OrganizationId};
use crate::domain::integration::{
    check_holder, check_provider, parse_display_name, validate_configuration, Integration,
    IntegrationKind, IntegrationStatus, Provider, MAX_INTEGRATIONS_PER_ORGANIZATION,
};
use crate::domain::organization::Organization;
use crate::domain::permissions::Permission;
use crate::store::{integrations, networks, organizations, DbConnection};

use super::access::{locked_live, require};
use super::applications::as_stored;
use super::audit::{record, Change};
use super::error::{ApiError, ApiResult};
use super::Services;

#[derive(Debug, Clone)]
pub struct NewIntegration {
    pub organization_id: OrganizationId,
    pub kind: IntegrationKind,
    pub provider: Provider,
    pub display_name: String,
    pub configuration: Value,
    /// Defaults to `ACTIVE`.
    pub status: Option<IntegrationStatus>,
}

/// The fields to change; `None` keeps the current value. A configuration replaces the
/// current one as a whole.
#[derive(Debug, Clone, Default)]
pub struct IntegrationUpdate {
    pub display_name: Option<String>,
    pub status: Option<IntegrationStatus>,
    pub configuration: Option<Value>,
}

impl Services {
    pub async fn create_integration(
        &self,
        principal: &Principal,
        input: NewIntegration,
        now: DateTime<Utc>,
    ) -> ApiResult<Integration> {
        let now = as_stored(now);
        let display_name = parse_display_name(&input.display_name)?;
        check_provider(input.kind, input.provider)?;
        validate_configuration(&input.configuration)?;
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, input.organization_id)?;
                require(conn, &principal, &org, Permission::IntegrationsManage)?;
                check_holder(&org)?;
                let held = integrations::count_in_organization(conn, network, org.id)?;
                if usize::try_from(held).unwrap_or(usize::MAX) >= MAX_INTEGRATIONS_PER_ORGANIZATION
                {
                    return Err(ApiError::LimitExceeded(format!(
                        "an organization holds at most {MAX_INTEGRATIONS_PER_ORGANIZATION} \
                         integrations"
                    )));
                }
                let integration = Integration {
                    id: IntegrationId::new_random(),
                    network_id: network,
                    organization_id: org.id,
                    kind: input.kind,
                    provider: input.provider,
                    status: input.status.unwrap_or(IntegrationStatus::Active),
                    display_name,
                    configuration: input.configuration,
                    created_at: now,
                    updated_at: now,
                };
                integrations::insert(conn, &integration)?;
                record(
                    conn,
                    &principal,
                    Change::of("createIntegration", &org)
                        .target(integration.id)
                        .after(integration_state(&integration)),
                    now,
                )?;
                Ok(integration)
            })
            .await
    }

    pub async fn update_integration(
        &self,
        principal: &Principal,
        id: IntegrationId,
        update: IntegrationUpdate,
        now: DateTime<Utc>,
    ) -> ApiResult<Integration> {
        let now = as_stored(now);
        if update.display_name.is_none()
            && update.status.is_none()
            && update.configuration.is_none()
        {
            return Err(ApiError::bad_input(
                "input",
                "nothing to change: give displayName, status or configuration",
            ));
        }
        let display_name = update
            .display_name
            .as_deref()
            .map(parse_display_name)
            .transpose()?;
        if let Some(configuration) = &update.configuration {
            validate_configuration(configuration)?;
        }
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (org, before) = locked_integration(conn, id)?;
                require(conn, &principal, &org, Permission::IntegrationsManage)?;
                let mut integration = before.clone();
                if let Some(name) = display_name {
                    integration.display_name = name;
                }
                if let Some(status) = update.status {
                    integration.status = status;
                }
                if let Some(configuration) = update.configuration {
                    integration.configuration = configuration;
                }
                integration.updated_at = now;
                integrations::update(conn, &integration)?;
                record(
                    conn,
                    &principal,
                    Change::of("updateIntegration", &org)
                        .target(integration.id)
                        .before(integration_state(&before))
                        .after(integration_state(&integration)),
                    now,
                )?;
                Ok(integration)
            })
            .await
    }

    /// Removes an integration for good. Refused (`CONFLICT`) while members link their
    /// calendar to it: relink them first, or set the integration `DISABLED`.
    pub async fn delete_integration(
        &self,
        principal: &Principal,
        id: IntegrationId,
        now: DateTime<Utc>,
    ) -> ApiResult<Integration> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (org, integration) = locked_integration(conn, id)?;
                require(conn, &principal, &org, Permission::IntegrationsManage)?;
                let linked = integrations::linked_members(conn, org.network_id, integration.id)?;
                if linked > 0 {
                    return Err(ApiError::Conflict(format!(
                        "{linked} member(s) link their calendar to this integration: link \
                         them elsewhere first, or set the integration DISABLED"
                    )));
                }
                integrations::delete(conn, org.network_id, integration.id)?;
                record(
                    conn,
                    &principal,
                    Change::of("deleteIntegration", &org)
                        .target(integration.id)
                        .before(integration_state(&integration)),
                    now,
                )?;
                Ok(integration)
            })
            .await
    }

    /// The integrations of several organizations of one network (visibility is the
    /// caller's job).
    pub async fn integrations_of_organizations(
        &self,
        network: NetworkId,
        organizations: Vec<OrganizationId>,
    ) -> ApiResult<Vec<Integration>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(integrations::of_organizations(
                    conn,
                    network,
                    &organizations,
                )?)
            })
            .await
    }
}

/// Locks the network of an integration for this transaction and returns the integration
/// with its organization, which must be live.
fn locked_integration(
    conn: &mut DbConnection,
    id: IntegrationId,
) -> ApiResult<(Organization, Integration)> {
    let network = integrations::network_of(conn, id)?.ok_or(ApiError::NotFound)?;
    networks::lock_and_allocate(conn, network, 0)?;
    let integration = integrations::in_network(conn, network, &[id])?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    let org = organizations::in_network(conn, network, &[integration.organization_id])?
        .into_iter()
        .find(|o| !o.is_deleted())
        .ok_or(ApiError::NotFound)?;
    Ok((org, integration))
}

/// The public shape of an integration in audit states (its configuration holds no secrets).
pub fn integration_state(integration: &Integration) -> Value {
    json!({
        "id": integration.id.to_string(),
        "organizationId": integration.organization_id.to_string(),
        "kind": integration.kind.as_str(),
        "provider": integration.provider.as_str(),
        "status": integration.status.as_str(),
        "displayName": integration.display_name,
        "configuration": integration.configuration,
    })
}
