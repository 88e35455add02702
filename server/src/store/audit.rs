//! The audit log: one row per mutation, written in the mutation's transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::models::{naive, parse_id, utc};
use super::schema::{account_audit_events, audit_events};
use super::DbConnection;
use crate::domain::audit::{Actor, AuditEvent};
use crate::domain::ids::{AuditEventId, NetworkId, OrganizationId};

/// `None` inserted as NULL, not DEFAULT: what lets SQLite take many rows in one statement.
#[derive(Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
struct NewEvent {
    id: String,
    network_id: Option<String>,
    organization_id: Option<String>,
    actor_user_id: Option<String>,
    actor_application_id: Option<String>,
    actor_scim_token_id: Option<String>,
    action: String,
    target_id: Option<String>,
    before_state: Option<String>,
    after_state: Option<String>,
    occurred_at: NaiveDateTime,
}

impl NewEvent {
    fn of(event: &AuditEvent) -> Self {
        let (mut user, mut application, mut token) = (None, None, None);
        match event.actor {
            Actor::User(id) => user = Some(id.to_string()),
            Actor::Application(id) => application = Some(id.to_string()),
            Actor::Directory(id) => token = Some(id.to_string()),
        }
        Self {
            id: event.id.to_string(),
            network_id: event.network_id.map(|n| n.to_string()),
            organization_id: event.organization_id.map(|o| o.to_string()),
            actor_user_id: user,
            actor_application_id: application,
            actor_scim_token_id: token,
            action: event.action.clone(),
            target_id: event.target_id.clone(),
            before_state: event.before.as_ref().map(ToString::to_string),
            after_state: event.after.as_ref().map(ToString::to_string),
            occurred_at: naive(event.occurred_at),
        }
    }
}

/// Events of a network go to `audit_events`, kept with the network's rows; events of no
/// network (contract accounts, global like them) to `account_audit_events`.
pub fn append(conn: &mut DbConnection, event: &AuditEvent) -> QueryResult<()> {
    let row = NewEvent::of(event);
    if row.network_id.is_none() {
        use account_audit_events as a;
        return diesel::insert_into(a::table)
            .values((
                a::id.eq(row.id),
                a::actor_user_id.eq(row.actor_user_id),
                a::actor_application_id.eq(row.actor_application_id),
                a::actor_scim_token_id.eq(row.actor_scim_token_id),
                a::action.eq(row.action),
                a::target_id.eq(row.target_id),
                a::before_state.eq(row.before_state),
                a::after_state.eq(row.after_state),
                a::occurred_at.eq(row.occurred_at),
            ))
            .execute(conn)
            .map(|_| ());
    }
    diesel::insert_into(audit_events::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Appends events several hundred per statement: a directory step audits a member, its
/// grants and the directory's own change together.
pub fn append_many(conn: &mut DbConnection, events: &[AuditEvent]) -> QueryResult<()> {
    if events.iter().any(|e| e.network_id.is_none()) {
        return events.iter().try_for_each(|e| append(conn, e));
    }
    let rows: Vec<NewEvent> = events.iter().map(NewEvent::of).collect();
    // A multi-row insert is backend-specific in diesel (see STACK-NOTES).
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(audit_events::table).values(chunk);
        match conn {
            DbConnection::Pg(pg) => insert.execute(pg)?,
            DbConnection::Sqlite(sqlite) => insert.execute(sqlite)?,
        };
    }
    Ok(())
}

type EventRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
);

fn event(row: EventRow) -> QueryResult<AuditEvent> {
    let (
        id,
        network,
        organization,
        user,
        application,
        scim_token,
        action,
        target_id,
        before,
        after,
        occurred_at,
    ) = row;
    let actor = match (user, application, scim_token) {
        (Some(user), None, None) => Actor::User(parse_id(&user)?),
        (None, Some(app), None) => Actor::Application(parse_id(&app)?),
        (None, None, Some(token)) => Actor::Directory(parse_id(&token)?),
        _ => {
            return Err(diesel::result::Error::DeserializationError(
                "an audit event names no single actor".into(),
            ))
        }
    };
    let json = |raw: Option<String>| -> QueryResult<Option<serde_json::Value>> {
        raw.map(|r| {
            serde_json::from_str(&r)
                .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
        })
        .transpose()
    };
    Ok(AuditEvent {
        id: parse_id(&id)?,
        network_id: network.as_deref().map(parse_id).transpose()?,
        organization_id: organization.as_deref().map(parse_id).transpose()?,
        actor,
        action,
        target_id,
        before: json(before)?,
        after: json(after)?,
        occurred_at: utc(occurred_at),
    })
}

/// Events of one organization, newest first, after the keyset cursor `(time, id)`.
pub fn page_for_organization(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    after: Option<(DateTime<Utc>, AuditEventId)>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .filter(audit_events::network_id.eq(network.to_string()))
        .filter(audit_events::organization_id.eq(organization.to_string()))
        .into_boxed();
    if let Some((time, id)) = after {
        query = query.filter(
            audit_events::occurred_at
                .lt(naive(time))
                .or(audit_events::occurred_at
                    .eq(naive(time))
                    .and(audit_events::id.lt(id.to_string()))),
        );
    }
    query
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select((
            audit_events::id,
            audit_events::network_id,
            audit_events::organization_id,
            audit_events::actor_user_id,
            audit_events::actor_application_id,
            audit_events::actor_scim_token_id,
            audit_events::action,
            audit_events::target_id,
            audit_events::before_state,
            audit_events::after_state,
            audit_events::occurred_at,
        ))
        .load::<EventRow>(conn)?
        .into_iter()
        .map(event)
        .collect()
}

pub fn count_for_organization(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
) -> QueryResult<i64> {
    audit_events::table
        .filter(audit_events::network_id.eq(network.to_string()))
        .filter(audit_events::organization_id.eq(organization.to_string()))
        .count()
        .get_result(conn)
}
