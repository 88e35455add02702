//! Applications of integrator organizations, routed by `application_identities`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use super::models::{naive, parse_id, utc};
use super::schema::{application_identities, applications, grants, organizations};
use super::DbConnection;
use crate::domain::application::{Application, Environment};
use crate::domain::ids::{ApplicationId, NetworkId, OrganizationId};
use crate::domain::permissions::{format_permission_list, parse_permission_list};
use crate::domain::tree_path::TreePath;

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = applications)]
struct ApplicationRow {
    network_id: String,
    id: String,
    organization_id: String,
    name: String,
    environment: String,
    client_id: String,
    redirect_uris: String,
    allowed_scopes: String,
    public: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl ApplicationRow {
    fn from_domain(app: &Application) -> QueryResult<Self> {
        Ok(Self {
            network_id: app.network_id.to_string(),
            id: app.id.to_string(),
            organization_id: app.organization_id.to_string(),
            name: app.name.clone(),
            environment: app.environment.as_str().to_owned(),
            client_id: app.client_id.clone(),
            redirect_uris: serde_json::to_string(&app.redirect_uris)
                .map_err(|e| DieselError::SerializationError(Box::new(e)))?,
            allowed_scopes: format_permission_list(app.allowed_scopes),
            public: app.public,
            created_at: naive(app.created_at),
            updated_at: naive(app.updated_at),
        })
    }

    fn into_domain(self) -> QueryResult<Application> {
        let environment = Environment::parse(&self.environment).ok_or_else(|| {
            DieselError::DeserializationError(
                format!("unknown environment {}", self.environment).into(),
            )
        })?;
        Ok(Application {
            id: parse_id(&self.id)?,
            network_id: parse_id(&self.network_id)?,
            organization_id: parse_id(&self.organization_id)?,
            name: self.name,
            environment,
            client_id: self.client_id,
            public: self.public,
            redirect_uris: serde_json::from_str(&self.redirect_uris)
                .map_err(|e| DieselError::DeserializationError(Box::new(e)))?,
            allowed_scopes: parse_permission_list(&self.allowed_scopes),
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
        })
    }
}

fn from_rows(rows: Vec<ApplicationRow>) -> QueryResult<Vec<Application>> {
    rows.into_iter().map(ApplicationRow::into_domain).collect()
}

/// Inserts an application (with its secret hash, `None` for a public one) and its routing row.
pub fn insert(
    conn: &mut DbConnection,
    app: &Application,
    secret_hash: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(applications::table)
        .values((
            ApplicationRow::from_domain(app)?,
            applications::client_secret_hash.eq(secret_hash),
        ))
        .execute(conn)?;
    diesel::insert_into(application_identities::table)
        .values((
            application_identities::id.eq(app.id.to_string()),
            application_identities::client_id.eq(&app.client_id),
            application_identities::network_id.eq(app.network_id.to_string()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The application with that OAuth client id, with its secret hash (`None` for a public
/// one): one indexed lookup, as every token request makes.
pub fn by_client_id(
    conn: &mut DbConnection,
    client_id: &str,
) -> QueryResult<Option<(Application, Option<String>)>> {
    // Through the routing table, whose unique index keeps client ids unique across networks
    // (the network-scoped `applications` has no index of its own on them).
    applications::table
        .inner_join(
            application_identities::table.on(application_identities::network_id
                .eq(applications::network_id)
                .and(application_identities::id.eq(applications::id))),
        )
        .filter(application_identities::client_id.eq(client_id))
        .select((
            ApplicationRow::as_select(),
            applications::client_secret_hash,
        ))
        .first::<(ApplicationRow, Option<String>)>(conn)
        .optional()?
        .map(|(row, secret_hash)| Ok((row.into_domain()?, secret_hash)))
        .transpose()
}

/// The applications held in the subtree at `root`.
pub fn ids_in_subtree(
    conn: &mut DbConnection,
    network: NetworkId,
    root: &TreePath,
) -> QueryResult<Vec<ApplicationId>> {
    let holders = organizations::table
        .filter(organizations::network_id.eq(network.to_string()))
        .filter(organizations::path.ge(root.as_str().to_owned()))
        .filter(organizations::path.lt(root.subtree_upper_bound()))
        .select(organizations::id);
    applications::table
        .filter(applications::network_id.eq(network.to_string()))
        .filter(applications::organization_id.eq_any(holders))
        .select(applications::id)
        .load::<String>(conn)?
        .iter()
        .map(|id| parse_id(id))
        .collect()
}

/// The networks of the given applications (ids that don't exist are absent).
pub fn networks_of(
    conn: &mut DbConnection,
    ids: &[ApplicationId],
) -> QueryResult<Vec<(ApplicationId, NetworkId)>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<(String, String)> = application_identities::table
        .filter(application_identities::id.eq_any(keys))
        .select((
            application_identities::id,
            application_identities::network_id,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, network)| Ok((parse_id(&id)?, parse_id(&network)?)))
        .collect()
}

/// Applications by id, in two indexed statements per network (route, then rows).
pub fn find_many(conn: &mut DbConnection, ids: &[ApplicationId]) -> QueryResult<Vec<Application>> {
    let mut by_network: std::collections::BTreeMap<NetworkId, Vec<ApplicationId>> =
        Default::default();
    for (id, network) in networks_of(conn, ids)? {
        by_network.entry(network).or_default().push(id);
    }
    let mut found = Vec::with_capacity(ids.len());
    for (network, ids) in by_network {
        found.extend(in_network(conn, network, &ids)?);
    }
    Ok(found)
}

pub fn in_network(
    conn: &mut DbConnection,
    network: NetworkId,
    ids: &[ApplicationId],
) -> QueryResult<Vec<Application>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = applications::table
        .filter(applications::network_id.eq(network.to_string()))
        .filter(applications::id.eq_any(keys))
        .select(ApplicationRow::as_select())
        .load(conn)?;
    from_rows(rows)
}

/// The applications of several organizations of one network, by name.
pub fn of_organizations(
    conn: &mut DbConnection,
    network: NetworkId,
    organizations: &[OrganizationId],
) -> QueryResult<Vec<Application>> {
    let keys: Vec<String> = organizations.iter().map(ToString::to_string).collect();
    let rows = applications::table
        .filter(applications::network_id.eq(network.to_string()))
        .filter(applications::organization_id.eq_any(keys))
        .order((applications::name.asc(), applications::id.asc()))
        .select(ApplicationRow::as_select())
        .load(conn)?;
    from_rows(rows)
}

/// Writes the changeable fields: name, redirect URIs, allowed scopes.
pub fn update(conn: &mut DbConnection, app: &Application) -> QueryResult<()> {
    let row = ApplicationRow::from_domain(app)?;
    diesel::update(applications::table.find((row.network_id.clone(), row.id.clone())))
        .set((
            applications::name.eq(row.name),
            applications::redirect_uris.eq(row.redirect_uris),
            applications::allowed_scopes.eq(row.allowed_scopes),
            applications::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn set_secret_hash(
    conn: &mut DbConnection,
    network: NetworkId,
    id: ApplicationId,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(applications::table.find((network.to_string(), id.to_string())))
        .set((
            applications::client_secret_hash.eq(secret_hash),
            applications::updated_at.eq(naive(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Removes an application with its routing row and the grants scoped to it (they would
/// otherwise keep making its organization visible). Returns the number of grants removed.
pub fn delete(
    conn: &mut DbConnection,
    network: NetworkId,
    id: ApplicationId,
) -> QueryResult<usize> {
    let removed_grants = diesel::delete(
        grants::table
            .filter(grants::network_id.eq(network.to_string()))
            .filter(grants::application_id.eq(id.to_string())),
    )
    .execute(conn)?;
    diesel::delete(application_identities::table.find(id.to_string())).execute(conn)?;
    diesel::delete(applications::table.find((network.to_string(), id.to_string())))
        .execute(conn)?;
    Ok(removed_grants)
}
