//! Members of organizations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{naive, parse_id, utc};
use super::schema::{grants, member_networks, members, organizations};
use super::DbConnection;
use crate::domain::ids::{IntegrationId, MemberId, NetworkId, OrganizationId, UserId};
use crate::domain::members::{Member, MemberStatus, OnboardingSource};
use crate::domain::tree_path::TreePath;
use crate::domain::visibility::UserPlacement;

type MemberRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
    bool,
);

macro_rules! member_columns {
    () => {
        (
            members::network_id,
            members::id,
            members::organization_id,
            members::user_id,
            members::status,
            members::onboarding_source,
            members::external_id,
            members::calendar_integration_id,
            members::created_at,
            members::updated_at,
            members::suspended_by_directory,
        )
    };
}

fn member(row: MemberRow) -> QueryResult<Member> {
    let (
        network,
        id,
        organization,
        user,
        status,
        source,
        external_id,
        calendar,
        created,
        updated,
        suspended_by_directory,
    ) = row;
    let bad = |what: &str| diesel::result::Error::DeserializationError(what.to_owned().into());
    Ok(Member {
        id: parse_id(&id)?,
        network_id: parse_id(&network)?,
        organization_id: parse_id(&organization)?,
        user_id: parse_id(&user)?,
        status: MemberStatus::parse(&status).ok_or_else(|| bad("member status"))?,
        onboarding_source: OnboardingSource::parse(&source)
            .ok_or_else(|| bad("onboarding source"))?,
        external_id,
        calendar_integration_id: calendar.as_deref().map(parse_id).transpose()?,
        created_at: utc(created),
        updated_at: utc(updated),
        suspended_by_directory,
    })
}

pub fn insert(conn: &mut DbConnection, m: &Member) -> QueryResult<()> {
    diesel::insert_into(members::table)
        .values((
            members::network_id.eq(m.network_id.to_string()),
            members::id.eq(m.id.to_string()),
            members::organization_id.eq(m.organization_id.to_string()),
            members::user_id.eq(m.user_id.to_string()),
            members::status.eq(m.status.as_str()),
            members::onboarding_source.eq(m.onboarding_source.as_str()),
            members::external_id.eq(&m.external_id),
            members::calendar_integration_id.eq(m.calendar_integration_id.map(|i| i.to_string())),
            members::created_at.eq(naive(m.created_at)),
            members::updated_at.eq(naive(m.updated_at)),
            members::suspended_by_directory.eq(m.suspended_by_directory),
        ))
        .execute(conn)?;
    diesel::insert_into(member_networks::table)
        .values((
            member_networks::id.eq(m.id.to_string()),
            member_networks::network_id.eq(m.network_id.to_string()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConnection, m: &Member) -> QueryResult<usize> {
    diesel::update(members::table.find((m.network_id.to_string(), m.id.to_string())))
        .set((
            members::status.eq(m.status.as_str()),
            members::onboarding_source.eq(m.onboarding_source.as_str()),
            members::external_id.eq(&m.external_id),
            members::calendar_integration_id.eq(m.calendar_integration_id.map(|i| i.to_string())),
            members::updated_at.eq(naive(m.updated_at)),
            members::suspended_by_directory.eq(m.suspended_by_directory),
        ))
        .execute(conn)
}

/// Members of one network by id.
pub fn in_network(
    conn: &mut DbConnection,
    network: NetworkId,
    ids: &[MemberId],
) -> QueryResult<Vec<Member>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    members::table
        .filter(members::network_id.eq(network.to_string()))
        .filter(members::id.eq_any(keys))
        .select(member_columns!())
        .load::<MemberRow>(conn)?
        .into_iter()
        .map(member)
        .collect()
}

/// The network of a member, by its id alone (`member_networks`).
pub fn network_of(conn: &mut DbConnection, id: MemberId) -> QueryResult<Option<NetworkId>> {
    let network: Option<String> = member_networks::table
        .find(id.to_string())
        .select(member_networks::network_id)
        .first(conn)
        .optional()?;
    network.as_deref().map(super::models::parse_id).transpose()
}

pub fn find_for_user(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    user: UserId,
) -> QueryResult<Option<Member>> {
    members::table
        .filter(members::network_id.eq(network.to_string()))
        .filter(members::organization_id.eq(organization.to_string()))
        .filter(members::user_id.eq(user.to_string()))
        .select(member_columns!())
        .first::<MemberRow>(conn)
        .optional()?
        .map(member)
        .transpose()
}

/// The memberships of `users` in one organization.
pub fn of_users_in(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    users: &[UserId],
) -> QueryResult<Vec<Member>> {
    let keys: Vec<String> = users.iter().map(ToString::to_string).collect();
    members::table
        .filter(members::network_id.eq(network.to_string()))
        .filter(members::organization_id.eq(organization.to_string()))
        .filter(members::user_id.eq_any(keys))
        .select(member_columns!())
        .load::<MemberRow>(conn)?
        .into_iter()
        .map(member)
        .collect()
}

/// A user's memberships everywhere.
pub fn of_user(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<Member>> {
    members::table
        .filter(members::user_id.eq(user.to_string()))
        .order(members::created_at.asc())
        .select(member_columns!())
        .load::<MemberRow>(conn)?
        .into_iter()
        .map(member)
        .collect()
}

/// Filters of `Organization.members`.
#[derive(Debug, Clone)]
pub struct MemberListing {
    pub network: NetworkId,
    pub organization: OrganizationId,
    /// Set to list the whole subtree of the organization at this path.
    pub subtree: Option<TreePath>,
    pub status: Option<MemberStatus>,
    /// Only members holding a grant of this role on their organization.
    pub role: Option<String>,
}

type Boxed<'a> = members::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

fn listing_query<'a>(listing: &MemberListing) -> Boxed<'a> {
    let mut query = members::table
        .filter(members::network_id.eq(listing.network.to_string()))
        .into_boxed();
    query = match &listing.subtree {
        None => query.filter(members::organization_id.eq(listing.organization.to_string())),
        Some(path) => query.filter(
            members::organization_id.eq_any(
                organizations::table
                    .filter(organizations::network_id.eq(listing.network.to_string()))
                    .filter(organizations::path.ge(path.as_str().to_owned()))
                    .filter(organizations::path.lt(path.subtree_upper_bound()))
                    .filter(organizations::deleted_at.is_null())
                    .select(organizations::id),
            ),
        ),
    };
    if let Some(status) = listing.status {
        query = query.filter(members::status.eq(status.as_str()));
    }
    if let Some(role) = &listing.role {
        query = query.filter(diesel::dsl::exists(
            grants::table
                .filter(grants::network_id.eq(listing.network.to_string()))
                .filter(grants::user_id.eq(members::user_id))
                .filter(grants::organization_id.eq(members::organization_id))
                .filter(grants::role.eq(role.clone())),
        ));
    }
    query
}

/// One page of members, by id, after the cursor.
pub fn page(
    conn: &mut DbConnection,
    listing: &MemberListing,
    after: Option<MemberId>,
    limit: i64,
) -> QueryResult<Vec<Member>> {
    let mut query = listing_query(listing);
    if let Some(after) = after {
        query = query.filter(members::id.gt(after.to_string()));
    }
    query
        .order(members::id.asc())
        .limit(limit)
        .select(member_columns!())
        .load::<MemberRow>(conn)?
        .into_iter()
        .map(member)
        .collect()
}

pub fn count(conn: &mut DbConnection, listing: &MemberListing) -> QueryResult<i64> {
    listing_query(listing).count().get_result(conn)
}

/// Whether `integration` is a calendar integration of `organization`.
pub fn is_calendar_of(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    integration: IntegrationId,
) -> QueryResult<bool> {
    use super::schema::integrations;
    diesel::select(diesel::dsl::exists(
        integrations::table
            .filter(integrations::network_id.eq(network.to_string()))
            .filter(integrations::id.eq(integration.to_string()))
            .filter(integrations::organization_id.eq(organization.to_string()))
            .filter(integrations::kind.eq("CALENDAR")),
    ))
    .get_result(conn)
}

/// Where `users` appear in `networks` (memberships and grants), on live organizations: what
/// the user-visibility rule (`domain::visibility`) needs.
pub fn placements_of_users(
    conn: &mut DbConnection,
    networks: &[NetworkId],
    users: &[UserId],
) -> QueryResult<Vec<(UserId, NetworkId, UserPlacement)>> {
    if networks.is_empty() || users.is_empty() {
        return Ok(Vec::new());
    }
    let networks: Vec<String> = networks.iter().map(ToString::to_string).collect();
    let users: Vec<String> = users.iter().map(ToString::to_string).collect();
    let memberships: Vec<(String, String, String)> = members::table
        .inner_join(
            organizations::table.on(organizations::network_id
                .eq(members::network_id)
                .and(organizations::id.eq(members::organization_id))),
        )
        .filter(members::network_id.eq_any(&networks))
        .filter(members::user_id.eq_any(&users))
        .filter(organizations::deleted_at.is_null())
        .select((members::user_id, members::network_id, organizations::path))
        .load(conn)?;
    let granted: Vec<(String, String, String)> = grants::table
        .inner_join(
            organizations::table.on(organizations::network_id
                .eq(grants::network_id)
                .and(organizations::id.eq(grants::organization_id))),
        )
        .filter(grants::network_id.eq_any(&networks))
        .filter(grants::user_id.eq_any(&users))
        .filter(organizations::deleted_at.is_null())
        .select((grants::user_id, grants::network_id, organizations::path))
        .load(conn)?;
    let placed = |rows: Vec<(String, String, String)>, place: fn(TreePath) -> UserPlacement| {
        rows.into_iter().map(move |(user, network, path)| {
            Ok((
                parse_id(&user)?,
                parse_id(&network)?,
                place(TreePath::from_stored(path)),
            ))
        })
    };
    placed(memberships, UserPlacement::Member)
        .chain(placed(granted, UserPlacement::Grant))
        .collect()
}
