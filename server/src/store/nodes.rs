//! What an id names, without knowing its type or network: Relay's `node(id:)` refetches any
//! object by its id. One statement over the global routing tables (and the global contract
//! accounts); the rows themselves are then read per network.

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use super::raw_sql::RawSql;
use super::sql_lists::{in_json_list, json_strings};
use super::DbConnection;
use crate::domain::ids::NetworkId;

/// The kinds of object `node(id:)` finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Organization,
    Application,
    Integration,
    Member,
    CustomRole,
    ContractAccount,
}

impl NodeKind {
    const ROUTES: [(Self, &'static str, &'static str); 6] = [
        (Self::Organization, "organization_networks", "network_id"),
        (Self::Application, "application_identities", "network_id"),
        (Self::Integration, "integration_networks", "network_id"),
        (Self::Member, "member_networks", "network_id"),
        (Self::CustomRole, "custom_role_networks", "network_id"),
        // Global: no network.
        (
            Self::ContractAccount,
            "contract_accounts",
            "CAST(NULL AS TEXT)",
        ),
    ];

    fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "Organization",
            Self::Application => "Application",
            Self::Integration => "Integration",
            Self::Member => "Member",
            Self::CustomRole => "CustomRole",
            Self::ContractAccount => "ContractAccount",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        Self::ROUTES
            .iter()
            .map(|(kind, _, _)| *kind)
            .find(|kind| kind.as_str() == raw)
    }
}

/// Each of `ids` that names an object: its kind and network (none for a contract account).
/// Ids that name nothing are left out.
pub fn kinds_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, NodeKind, Option<NetworkId>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = json_strings(ids.iter().map(String::as_str));
    let mut query = RawSql::new("");
    for (i, (kind, table, network)) in NodeKind::ROUTES.iter().enumerate() {
        if i > 0 {
            query = query.sql(" UNION ALL ");
        }
        query = query.sql(format!(
            "SELECT id, '{}' AS kind, {network} AS network_id FROM {table} WHERE ",
            kind.as_str()
        ));
        query = in_json_list(conn, query, "id", list.clone());
    }
    let rows: Vec<Routed> = query.load(conn)?;
    rows.into_iter()
        .filter_map(|row| {
            let kind = NodeKind::parse(&row.kind)?;
            let network = match row.network_id.as_deref().map(super::models::parse_id) {
                Some(Ok(network)) => Some(network),
                Some(Err(error)) => return Some(Err(error)),
                None => None,
            };
            Some(Ok((row.id, kind, network)))
        })
        .collect()
}

#[derive(QueryableByName)]
struct Routed {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    network_id: Option<String>,
}
