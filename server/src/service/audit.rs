//! Appending audit events from inside a mutation's transaction.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::auth::Principal;
use crate::domain::audit::AuditEvent;
use crate::domain::ids::{AuditEventId, NetworkId, OrganizationId};
use crate::domain::organization::Organization;
use crate::store::{audit, DbConnection};

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

fn record_in(
    conn: &mut DbConnection,
    principal: &Principal,
    place: Option<(NetworkId, OrganizationId)>,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    audit::append(
        conn,
        &AuditEvent {
            id: AuditEventId::new_random(),
            network_id: place.map(|(n, _)| n),
            organization_id: place.map(|(_, o)| o),
            actor: principal.user().id,
            action: change.action.to_owned(),
            target_id: change.target_id,
            before: change.before,
            after: change.after,
            occurred_at: now,
        },
    )?;
    Ok(())
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
    /// One page of an organization's audit log, newest first.
    pub async fn audit_page(
        &self,
        org: &Organization,
        after: Option<(DateTime<Utc>, AuditEventId)>,
        limit: i64,
    ) -> ApiResult<Vec<AuditEvent>> {
        let (network, id) = (org.network_id, org.id);
        self.store
            .read(move |conn| {
                Ok::<_, super::ApiError>(audit::page_for_organization(
                    conn, network, id, after, limit,
                )?)
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
