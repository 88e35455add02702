//! Integrations of customer organizations.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use super::models::{naive, parse_id, utc};
use super::schema::{integration_networks, integrations, members};
use super::DbConnection;
use crate::domain::ids::{IntegrationId, NetworkId, OrganizationId};
use crate::domain::integration::{Integration, IntegrationKind, IntegrationStatus, Provider};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = integrations)]
struct IntegrationRow {
    network_id: String,
    id: String,
    organization_id: String,
    kind: String,
    provider: String,
    status: String,
    display_name: String,
    configuration: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn corrupt(what: &str, raw: &str) -> DieselError {
    DieselError::DeserializationError(format!("unknown {what} {raw}").into())
}

impl IntegrationRow {
    fn from_domain(integration: &Integration) -> Self {
        Self {
            network_id: integration.network_id.to_string(),
            id: integration.id.to_string(),
            organization_id: integration.organization_id.to_string(),
            kind: integration.kind.as_str().to_owned(),
            provider: integration.provider.as_str().to_owned(),
            status: integration.status.as_str().to_owned(),
            display_name: integration.display_name.clone(),
            configuration: integration.configuration.to_string(),
            created_at: naive(integration.created_at),
            updated_at: naive(integration.updated_at),
        }
    }

    fn into_domain(self) -> QueryResult<Integration> {
        Ok(Integration {
            id: parse_id(&self.id)?,
            network_id: parse_id(&self.network_id)?,
            organization_id: parse_id(&self.organization_id)?,
            kind: IntegrationKind::parse(&self.kind).ok_or_else(|| corrupt("kind", &self.kind))?,
            provider: Provider::parse(&self.provider)
                .ok_or_else(|| corrupt("provider", &self.provider))?,
            status: IntegrationStatus::parse(&self.status)
                .ok_or_else(|| corrupt("status", &self.status))?,
            display_name: self.display_name,
            configuration: serde_json::from_str(&self.configuration)
                .map_err(|e| DieselError::DeserializationError(Box::new(e)))?,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
        })
    }
}

fn from_rows(rows: Vec<IntegrationRow>) -> QueryResult<Vec<Integration>> {
    rows.into_iter().map(IntegrationRow::into_domain).collect()
}

/// Inserts an integration and its routing row.
pub fn insert(conn: &mut DbConnection, integration: &Integration) -> QueryResult<()> {
    diesel::insert_into(integrations::table)
        .values(IntegrationRow::from_domain(integration))
        .execute(conn)?;
    diesel::insert_into(integration_networks::table)
        .values((
            integration_networks::id.eq(integration.id.to_string()),
            integration_networks::network_id.eq(integration.network_id.to_string()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The network of an integration, if it exists.
pub fn network_of(conn: &mut DbConnection, id: IntegrationId) -> QueryResult<Option<NetworkId>> {
    let network: Option<String> = integration_networks::table
        .find(id.to_string())
        .select(integration_networks::network_id)
        .first(conn)
        .optional()?;
    network.as_deref().map(parse_id).transpose()
}

pub fn in_network(
    conn: &mut DbConnection,
    network: NetworkId,
    ids: &[IntegrationId],
) -> QueryResult<Vec<Integration>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = integrations::table
        .filter(integrations::network_id.eq(network.to_string()))
        .filter(integrations::id.eq_any(keys))
        .select(IntegrationRow::as_select())
        .load(conn)?;
    from_rows(rows)
}

/// The integrations of several organizations of one network, by display name.
pub fn of_organizations(
    conn: &mut DbConnection,
    network: NetworkId,
    organizations: &[OrganizationId],
) -> QueryResult<Vec<Integration>> {
    let keys: Vec<String> = organizations.iter().map(ToString::to_string).collect();
    let rows = integrations::table
        .filter(integrations::network_id.eq(network.to_string()))
        .filter(integrations::organization_id.eq_any(keys))
        .order((integrations::display_name.asc(), integrations::id.asc()))
        .select(IntegrationRow::as_select())
        .load(conn)?;
    from_rows(rows)
}

pub fn count_in_organization(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
) -> QueryResult<i64> {
    integrations::table
        .filter(integrations::network_id.eq(network.to_string()))
        .filter(integrations::organization_id.eq(organization.to_string()))
        .select(count_star())
        .get_result(conn)
}

/// Writes the changeable fields: display name, status, configuration.
pub fn update(conn: &mut DbConnection, integration: &Integration) -> QueryResult<()> {
    let row = IntegrationRow::from_domain(integration);
    diesel::update(integrations::table.find((row.network_id.clone(), row.id.clone())))
        .set((
            integrations::display_name.eq(row.display_name),
            integrations::status.eq(row.status),
            integrations::configuration.eq(row.configuration),
            integrations::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// How many members (whatever their status) link their calendar to the integration.
pub fn linked_members(
    conn: &mut DbConnection,
    network: NetworkId,
    id: IntegrationId,
) -> QueryResult<i64> {
    members::table
        .filter(members::network_id.eq(network.to_string()))
        .filter(members::calendar_integration_id.eq(id.to_string()))
        .select(count_star())
        .get_result(conn)
}

/// Removes an integration with its routing row.
pub fn delete(conn: &mut DbConnection, network: NetworkId, id: IntegrationId) -> QueryResult<()> {
    diesel::delete(integration_networks::table.find(id.to_string())).execute(conn)?;
    diesel::delete(integrations::table.find((network.to_string(), id.to_string())))
        .execute(conn)
        .map(|_| ())
}
