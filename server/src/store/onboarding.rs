//! Onboarding rules, the grants they make, and the provisioning events that say what each
//! directory step did.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{naive, parse_id, utc};
use super::schema::{grants, onboarding_rules, provisioning_events};
use super::DbConnection;
use crate::domain::directory::{OnboardingRule, ProvisioningOutcome};
use crate::domain::ids::{
    DirectoryUserId, GrantId, NetworkId, OnboardingRuleId, OrganizationId, ProvisioningEventId,
    ScimTokenId, UserId,
};

type RuleRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);

macro_rules! rule_columns {
    () => {
        (
            onboarding_rules::network_id,
            onboarding_rules::id,
            onboarding_rules::organization_id,
            onboarding_rules::group_id,
            onboarding_rules::role,
            onboarding_rules::custom_role_id,
            onboarding_rules::created_at,
            onboarding_rules::updated_at,
        )
    };
}

fn rule(row: RuleRow) -> QueryResult<OnboardingRule> {
    let (network, id, organization, group, role, custom_role, created, updated) = row;
    Ok(OnboardingRule {
        id: parse_id(&id)?,
        network_id: parse_id(&network)?,
        organization_id: parse_id(&organization)?,
        group_id: group.as_deref().map(parse_id).transpose()?,
        role,
        custom_role_id: custom_role.as_deref().map(parse_id).transpose()?,
        created_at: utc(created),
        updated_at: utc(updated),
    })
}

pub fn insert_rule(conn: &mut DbConnection, r: &OnboardingRule) -> QueryResult<()> {
    diesel::insert_into(onboarding_rules::table)
        .values((
            onboarding_rules::network_id.eq(r.network_id.to_string()),
            onboarding_rules::id.eq(r.id.to_string()),
            onboarding_rules::organization_id.eq(r.organization_id.to_string()),
            onboarding_rules::group_id.eq(r.group_id.map(|g| g.to_string())),
            onboarding_rules::role.eq(&r.role),
            onboarding_rules::custom_role_id.eq(r.custom_role_id.map(|c| c.to_string())),
            onboarding_rules::created_at.eq(naive(r.created_at)),
            onboarding_rules::updated_at.eq(naive(r.updated_at)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Changes a rule's role, and the role of every grant it made.
pub fn update_rule(conn: &mut DbConnection, r: &OnboardingRule) -> QueryResult<()> {
    diesel::update(onboarding_rules::table.find((r.network_id.to_string(), r.id.to_string())))
        .set((
            onboarding_rules::role.eq(&r.role),
            onboarding_rules::custom_role_id.eq(r.custom_role_id.map(|c| c.to_string())),
            onboarding_rules::updated_at.eq(naive(r.updated_at)),
        ))
        .execute(conn)?;
    diesel::update(grants::table)
        .filter(grants::network_id.eq(r.network_id.to_string()))
        .filter(grants::onboarding_rule_id.eq(r.id.to_string()))
        .set((
            grants::role.eq(&r.role),
            grants::custom_role_id.eq(r.custom_role_id.map(|c| c.to_string())),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Deletes a rule and the grants it made.
pub fn delete_rule(conn: &mut DbConnection, r: &OnboardingRule) -> QueryResult<()> {
    diesel::delete(grants::table)
        .filter(grants::network_id.eq(r.network_id.to_string()))
        .filter(grants::onboarding_rule_id.eq(r.id.to_string()))
        .execute(conn)?;
    diesel::delete(onboarding_rules::table.find((r.network_id.to_string(), r.id.to_string())))
        .execute(conn)
        .map(|_| ())
}

pub fn rules_of(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
) -> QueryResult<Vec<OnboardingRule>> {
    onboarding_rules::table
        .filter(onboarding_rules::network_id.eq(network.to_string()))
        .filter(onboarding_rules::organization_id.eq(organization.to_string()))
        .order((
            onboarding_rules::created_at.asc(),
            onboarding_rules::id.asc(),
        ))
        .select(rule_columns!())
        .load::<RuleRow>(conn)?
        .into_iter()
        .map(rule)
        .collect()
}

pub fn find_rule(
    conn: &mut DbConnection,
    network: NetworkId,
    id: OnboardingRuleId,
) -> QueryResult<Option<OnboardingRule>> {
    onboarding_rules::table
        .filter(onboarding_rules::network_id.eq(network.to_string()))
        .filter(onboarding_rules::id.eq(id.to_string()))
        .select(rule_columns!())
        .first::<RuleRow>(conn)
        .optional()?
        .map(rule)
        .transpose()
}

/// A rule by id alone (a mutation names a rule by its id; its network is then known).
pub fn find_rule_anywhere(
    conn: &mut DbConnection,
    id: OnboardingRuleId,
) -> QueryResult<Option<OnboardingRule>> {
    onboarding_rules::table
        .filter(onboarding_rules::id.eq(id.to_string()))
        .select(rule_columns!())
        .first::<RuleRow>(conn)
        .optional()?
        .map(rule)
        .transpose()
}

/// The grants rules made on `organization` to `persons`: (person, rule, grant).
pub fn rule_grants(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    persons: &[UserId],
) -> QueryResult<Vec<(UserId, OnboardingRuleId, GrantId)>> {
    let mut out = Vec::new();
    for chunk in persons.chunks(1_000) {
        let keys: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        // By person only, so that the per-user index is the one that fits (SQLite, without
        // statistics, otherwise walks the organization's grants); the organization and the
        // rule are checked here.
        let rows: Vec<(String, String, Option<String>, String)> = grants::table
            .filter(grants::user_id.eq_any(keys))
            .filter(grants::network_id.eq(network.to_string()))
            .select((
                grants::user_id,
                grants::organization_id,
                grants::onboarding_rule_id,
                grants::id,
            ))
            .load(conn)?;
        let organization = organization.to_string();
        for (user, granted_on, rule, grant) in rows {
            if granted_on != organization {
                continue;
            }
            if let Some(rule) = rule {
                out.push((parse_id(&user)?, parse_id(&rule)?, parse_id(&grant)?));
            }
        }
    }
    Ok(out)
}

pub fn insert_rule_grant(
    conn: &mut DbConnection,
    rule: &OnboardingRule,
    person: UserId,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<GrantId> {
    let id = GrantId::new_random();
    diesel::insert_into(grants::table)
        .values((
            grants::network_id.eq(rule.network_id.to_string()),
            grants::id.eq(id.to_string()),
            grants::user_id.eq(person.to_string()),
            grants::role.eq(&rule.role),
            grants::custom_role_id.eq(rule.custom_role_id.map(|c| c.to_string())),
            grants::organization_id.eq(rule.organization_id.to_string()),
            grants::onboarding_rule_id.eq(rule.id.to_string()),
            grants::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn delete_grants(
    conn: &mut DbConnection,
    network: NetworkId,
    ids: &[GrantId],
) -> QueryResult<usize> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    diesel::delete(grants::table)
        .filter(grants::network_id.eq(network.to_string()))
        .filter(grants::id.eq_any(keys))
        .execute(conn)
}

/// What one provisioning step did to one directory user's membership.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisioningEvent {
    pub id: ProvisioningEventId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    /// The directory's token, when the directory made the change (a rule change is a person's).
    pub scim_token_id: Option<ScimTokenId>,
    /// E.g. `PATCH /Users`, or `updateOnboardingRule`.
    pub operation: String,
    pub directory_user_id: Option<DirectoryUserId>,
    pub user_name: Option<String>,
    pub outcome: ProvisioningOutcome,
    pub detail: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
}

/// `None` inserted as NULL, not DEFAULT: what lets SQLite take many rows in one statement.
#[derive(Insertable)]
#[diesel(table_name = provisioning_events, treat_none_as_default_value = false)]
struct NewEvent {
    network_id: String,
    id: String,
    organization_id: String,
    scim_token_id: Option<String>,
    operation: String,
    directory_user_id: Option<String>,
    user_name: Option<String>,
    outcome: &'static str,
    detail: String,
    occurred_at: NaiveDateTime,
}

/// Appends events, several hundred per statement (a group change writes one per member).
pub fn insert_events(conn: &mut DbConnection, events: &[ProvisioningEvent]) -> QueryResult<()> {
    let rows: Vec<NewEvent> = events
        .iter()
        .map(|e| NewEvent {
            network_id: e.network_id.to_string(),
            id: e.id.to_string(),
            organization_id: e.organization_id.to_string(),
            scim_token_id: e.scim_token_id.map(|t| t.to_string()),
            operation: e.operation.clone(),
            directory_user_id: e.directory_user_id.map(|d| d.to_string()),
            user_name: e.user_name.clone(),
            outcome: e.outcome.as_str(),
            detail: e.detail.clone(),
            occurred_at: naive(e.occurred_at),
        })
        .collect();
    // A multi-row insert is backend-specific in diesel (see STACK-NOTES).
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(provisioning_events::table).values(chunk);
        match conn {
            DbConnection::Pg(pg) => insert.execute(pg)?,
            DbConnection::Sqlite(sqlite) => insert.execute(sqlite)?,
        };
    }
    Ok(())
}

type EventRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    NaiveDateTime,
);

/// The newest events first, before the `before` (occurred_at, id) key when given.
pub fn events_of(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<ProvisioningEvent>> {
    let mut query = provisioning_events::table
        .filter(provisioning_events::network_id.eq(network.to_string()))
        .filter(provisioning_events::organization_id.eq(organization.to_string()))
        .into_boxed();
    if let Some((time, id)) = before {
        query = query.filter(
            provisioning_events::occurred_at
                .lt(time)
                .or(provisioning_events::occurred_at
                    .eq(time)
                    .and(provisioning_events::id.lt(id))),
        );
    }
    let rows: Vec<EventRow> = query
        .order((
            provisioning_events::occurred_at.desc(),
            provisioning_events::id.desc(),
        ))
        .limit(limit)
        .select((
            provisioning_events::network_id,
            provisioning_events::id,
            provisioning_events::organization_id,
            provisioning_events::scim_token_id,
            provisioning_events::operation,
            provisioning_events::directory_user_id,
            provisioning_events::user_name,
            provisioning_events::outcome,
            provisioning_events::detail,
            provisioning_events::occurred_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(
                network,
                id,
                organization,
                token,
                operation,
                user,
                user_name,
                outcome,
                detail,
                at,
            )| {
                Ok(ProvisioningEvent {
                    id: parse_id(&id)?,
                    network_id: parse_id(&network)?,
                    organization_id: parse_id(&organization)?,
                    scim_token_id: token.as_deref().map(parse_id).transpose()?,
                    operation,
                    directory_user_id: user.as_deref().map(parse_id).transpose()?,
                    user_name,
                    outcome: ProvisioningOutcome::parse(&outcome).ok_or_else(|| {
                        diesel::result::Error::DeserializationError("provisioning outcome".into())
                    })?,
                    detail,
                    occurred_at: utc(at),
                })
            },
        )
        .collect()
}
