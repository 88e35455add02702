//! Appending audit events from inside a mutation's transaction.

use chrono::{DateTime, Utc};
use serde_json::Value;

use std::collections::{HashMap, HashSet};

use crate::auth::Principal;
use crate::domain::audit::{Actor, AuditEntry, AuditEvent, Reference};
use crate::domain::ids::{ApplicationId, AuditEventId, NetworkId, OrganizationId};
use crate::domain::organization::Organization;
use crate::domain::permissions::{effective_permissions_on_application, Permission, PlacedGrant};
use crate::domain::visibility::sees_organization;
use crate::store::{applications, audit, contract_accounts, organizations, DbConnection};

use super::access::{placed_grants, visible_users};
use super::contract_accounts::account_manager;
use super::error::ApiResult;

/// What one mutation did, to be appended to the audit log.
pub struct Change<'a> {
    pub action: &'a str,
    pub organization: Option<&'a Organization>,
    pub target_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Change<'a> {
    /// A change of an organization itself.
    pub fn of(action: &'a str, organization: &'a Organization) -> Self {
        Self {
            action,
            organization: Some(organization),
            target_id: None,
            before: None,
            after: None,
        }
    }

    pub fn target(mut self, id: impl ToString) -> Self {
        self.target_id = Some(id.to_string());
        self
    }

    pub fn before(mut self, state: Value) -> Self {
        self.before = Some(state);
        self
    }

    pub fn after(mut self, state: Value) -> Self {
        self.after = Some(state);
        self
    }
}

pub fn record(
    conn: &mut DbConnection,
    principal: &Principal,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    record_in(
        conn,
        principal,
        change.organization.map(|o| (o.network_id, o.id)),
        change,
        now,
    )
}

/// Records a change of a global object (no network).
pub fn record_global(
    conn: &mut DbConnection,
    principal: &Principal,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    record_in(conn, principal, None, change, now)
}

/// Records what an application did with its client credentials alone (no token, so no
/// principal): ending its own authorization at `/oauth/revoke`.
pub fn record_by_application(
    conn: &mut DbConnection,
    application: ApplicationId,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let place = change.organization.map(|o| (o.network_id, o.id));
    append(conn, Actor::Application(application), place, change, now)
}

fn record_in(
    conn: &mut DbConnection,
    principal: &Principal,
    place: Option<(NetworkId, OrganizationId)>,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    append(conn, actor_of(principal), place, change, now)
}

/// The entry `record` would write, kept for [`record_all`]: a use case that audits many
/// changes writes them in one statement.
pub fn entry(principal: &Principal, change: Change<'_>, now: DateTime<Utc>) -> AuditEvent {
    let place = change.organization.map(|o| (o.network_id, o.id));
    event(actor_of(principal), place, change, now)
}

/// Writes entries made by [`entry`].
pub fn record_all(conn: &mut DbConnection, entries: &[AuditEvent]) -> ApiResult<()> {
    audit::append_many(conn, entries)?;
    Ok(())
}

fn actor_of(principal: &Principal) -> Actor {
    match principal {
        Principal::User(user) => Actor::User(user.id),
        Principal::Application(caller) => Actor::Application(caller.application_id),
        Principal::Directory(caller) => Actor::Directory(caller.token_id),
    }
}

fn append(
    conn: &mut DbConnection,
    actor: Actor,
    place: Option<(NetworkId, OrganizationId)>,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    audit::append(conn, &event(actor, place, change, now))?;
    Ok(())
}

fn event(
    actor: Actor,
    place: Option<(NetworkId, OrganizationId)>,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> AuditEvent {
    AuditEvent {
        id: AuditEventId::new_random(),
        network_id: place.map(|(n, _)| n),
        organization_id: place.map(|(_, o)| o),
        actor,
        action: change.action.to_owned(),
        target_id: change.target_id,
        before: change.before,
        after: change.after,
        occurred_at: now,
    }
}

/// The public shape of an organization in audit states.
pub fn organization_state(org: &Organization) -> Value {
    serde_json::json!({
        "id": org.id.to_string(),
        "name": org.name,
        "kind": org.kind.as_str(),
        "parentId": org.parent_id.map(|p| p.to_string()),
        "depth": org.depth,
        "contractAccountId": org.contract_account_id.to_string(),
        "deletedAt": org.deleted_at,
    })
}

impl super::Services {
    /// One page of an organization's audit log, newest first, as `reader` may see it: every
    /// id the reader could not look up themselves is redacted (`domain::audit::REDACTED`).
    pub async fn audit_page(
        &self,
        reader: &Principal,
        org: &Organization,
        after: Option<(DateTime<Utc>, AuditEventId)>,
        limit: i64,
    ) -> ApiResult<Vec<AuditEntry>> {
        let (reader, org) = (reader.clone(), org.clone());
        self.store
            .read(move |conn| {
                let events =
                    audit::page_for_organization(conn, org.network_id, org.id, after, limit)?;
                let references: HashSet<Reference> =
                    events.iter().flat_map(AuditEvent::references).collect();
                let visible = visible_references(conn, &reader, &org, references)?;
                Ok::<_, super::ApiError>(
                    events
                        .into_iter()
                        .map(|event| event.redacted(|r| visible.contains(r)))
                        .collect(),
                )
            })
            .await
    }

    pub async fn audit_count(&self, org: &Organization) -> ApiResult<i64> {
        let (network, id) = (org.network_id, org.id);
        self.store
            .read(move |conn| {
                Ok::<_, super::ApiError>(audit::count_for_organization(conn, network, id)?)
            })
            .await
    }
}

/// The references among `references` that `reader` could look up themselves, by the rules
/// the API answers them with: organizations they can see, contract accounts they own or that
/// `org` (whose log this is) uses, users `visible_users` lets through, applications they
/// hold `applications:read` on.
fn visible_references(
    conn: &mut DbConnection,
    reader: &Principal,
    org: &Organization,
    references: HashSet<Reference>,
) -> ApiResult<HashSet<Reference>> {
    let (mut organization_ids, mut account_ids, mut user_ids, mut application_ids) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for reference in &references {
        match *reference {
            Reference::Organization(id) => organization_ids.push(id),
            Reference::ContractAccount(id) => account_ids.push(id),
            Reference::User(id) => user_ids.push(id),
            Reference::Application(id) => application_ids.push(id),
        }
    }
    let applications = applications::find_many(conn, &application_ids)?;
    organization_ids.extend(applications.iter().map(|a| a.organization_id));
    let organizations: HashMap<OrganizationId, Organization> =
        organizations::find_many(conn, &organization_ids)?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
    let networks: Vec<NetworkId> = organizations.values().map(|o| o.network_id).collect();
    let mut placed: HashMap<NetworkId, Vec<PlacedGrant>> = HashMap::new();
    for (network, grant) in placed_grants(conn, reader, Some(&networks))? {
        placed.entry(network).or_default().push(grant);
    }
    let grants_in = |o: &Organization| {
        placed
            .get(&o.network_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let sees = |id: &OrganizationId| {
        organizations
            .get(id)
            .is_some_and(|o| sees_organization(grants_in(o), o))
    };
    let mut visible: HashSet<Reference> = HashSet::new();
    visible.extend(
        organization_ids
            .iter()
            .filter(|id| sees(id))
            .map(|id| Reference::Organization(*id)),
    );
    // The log's own organization's account shows; any other, to whoever manages it.
    account_ids.retain(|id| *id != org.contract_account_id);
    visible.insert(Reference::ContractAccount(org.contract_account_id));
    if !account_ids.is_empty() {
        let manager = account_manager(conn, reader)?;
        visible.extend(
            contract_accounts::managed_many(conn, &manager, &account_ids)?
                .into_iter()
                .map(|a| Reference::ContractAccount(a.id)),
        );
    }
    visible.extend(
        visible_users(conn, reader, &user_ids)?
            .into_iter()
            .map(Reference::User),
    );
    visible.extend(
        applications
            .iter()
            .filter(|a| {
                organizations.get(&a.organization_id).is_some_and(|o| {
                    effective_permissions_on_application(grants_in(o), o, a.id)
                        .contains(Permission::ApplicationsRead)
                })
            })
            .map(|a| Reference::Application(a.id)),
    );
    Ok(visible)
}
