//! Children of many parents at once: the pages and counts the request's `children`
//! loaders ask for, one statement per level of a query.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::models::{organizations_from_rows, OrganizationRow};
use super::organizations::Listing;
use super::raw_sql::RawSql;
use super::sql_lists::{in_json_list, json_list, json_text_list};
use super::DbConnection;
use crate::domain::ids::{NetworkId, OrganizationId};
use crate::domain::organization::Organization;

/// The first page of children of each of several parents of one network, in one statement,
/// for the request's loader.
///
/// Each parent's page is a top-N read of the sibling-name index (`LIMIT` rows per parent, no
/// matter how many children it has): a `LATERAL` join on PostgreSQL, a correlated `rowid IN`
/// subquery on SQLite, which has no `LATERAL`. Ranking every child with a window function
/// instead read and sorted all ~9,000 children of 1,000 parents to keep 1,000. Deleted
/// children come from their own partial index, merged in by a second top-N arm.
pub fn children_pages(
    conn: &mut DbConnection,
    network: NetworkId,
    parents: &[OrganizationId],
    after: Option<(String, String)>,
    listing: &Listing,
) -> QueryResult<Vec<Organization>> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    // One statement text per shape, whatever the number of parents (a JSON array bound
    // once), so the statement stays prepared.
    let network = network.to_string();
    let limit = listing.limit;
    // A top-N arm reading `columns` of one parent's children (the parent is `p.parent`).
    let arm = |statement: RawSql, columns: &'static str, deleted: &'static str| {
        let statement = statement
            .sql(format!(
                "SELECT {columns} FROM organizations c WHERE c.network_id = "
            ))
            .bind::<Text, _>(network.clone())
            .sql(format!(
                " AND c.parent_id = p.parent AND c.deleted_at {deleted}"
            ));
        let statement = match &after {
            Some((name_key, id)) => statement
                .sql(" AND (c.name_key > ")
                .bind::<Text, _>(name_key.clone())
                .sql(" OR (c.name_key = ")
                .bind::<Text, _>(name_key.clone())
                .sql(" AND c.id > ")
                .bind::<Text, _>(id.clone())
                .sql("))"),
            None => statement,
        };
        statement
            .sql(" ORDER BY c.name_key, c.id LIMIT ")
            .bind::<BigInt, _>(limit)
    };
    let parents_json = json_list(parents);
    let query = match conn {
        DbConnection::Pg(_) => {
            let statement = json_text_list(conn, RawSql::new("SELECT o.* FROM ("), parents_json)
                .sql(") AS p(parent) CROSS JOIN LATERAL (");
            let statement = if listing.include_deleted {
                let statement = arm(statement.sql("("), "c.*", "IS NULL").sql(") UNION ALL (");
                arm(statement, "c.*", "IS NOT NULL")
                    .sql(") ORDER BY name_key, id LIMIT ")
                    .bind::<BigInt, _>(limit)
            } else {
                arm(statement, "c.*", "IS NULL")
            };
            statement.sql(") o ORDER BY o.parent_id, o.name_key, o.id")
        }
        DbConnection::Sqlite(_) => {
            let statement = json_text_list(conn, RawSql::new("WITH p(parent) AS ("), parents_json)
                .sql(") SELECT o.* FROM p JOIN organizations o ON o.rowid IN (");
            let statement = if listing.include_deleted {
                const COLUMNS: &str = "c.rowid AS r, c.name_key AS k, c.id AS i";
                let statement = arm(
                    statement.sql("SELECT r FROM (SELECT * FROM ("),
                    COLUMNS,
                    "IS NULL",
                )
                .sql(") UNION ALL SELECT * FROM (");
                arm(statement, COLUMNS, "IS NOT NULL")
                    .sql(")) ORDER BY k, i LIMIT ")
                    .bind::<BigInt, _>(limit)
            } else {
                arm(statement, "c.rowid", "IS NULL")
            };
            // Unordered: sorted below.
            statement.sql(")")
        }
    };
    let mut rows: Vec<OrganizationRow> = query.load(conn)?;
    if let DbConnection::Sqlite(_) = conn {
        // SQLite's BINARY collation is byte order, which is Rust's `str` order: sorting here
        // spares the statement a temporary B-tree holding every whole row (a third of its
        // time for 1,000 parents). PostgreSQL sorts in its own collation, so it keeps the
        // ORDER BY.
        rows.sort_unstable_by(|a, b| {
            (&a.parent_id, &a.name_key, &a.id).cmp(&(&b.parent_id, &b.name_key, &b.id))
        });
    }
    organizations_from_rows(rows)
}

/// Children counts of several parents of one network, in one statement: the live children
/// from the sibling-name index, the deleted ones (when asked for) from their own.
pub fn count_children_of(
    conn: &mut DbConnection,
    network: NetworkId,
    parents: &[OrganizationId],
    include_deleted: bool,
) -> QueryResult<Vec<(OrganizationId, i64)>> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let network = network.to_string();
    let parents_json = json_list(parents);
    let arm = |statement: RawSql, deleted: &'static str| {
        let statement = statement
            .sql("SELECT parent_id FROM organizations WHERE network_id = ")
            .bind::<Text, _>(network.clone())
            .sql(" AND ");
        in_json_list(conn, statement, "parent_id", parents_json.clone())
            .sql(format!(" AND deleted_at {deleted}"))
    };
    let statement = arm(
        RawSql::new("SELECT parent_id, COUNT(*) AS children FROM ("),
        "IS NULL",
    );
    let statement = if include_deleted {
        arm(statement.sql(" UNION ALL "), "IS NOT NULL")
    } else {
        statement
    };
    let query = statement.sql(") AS c GROUP BY parent_id");
    let rows: Vec<ChildCount> = query.load(conn)?;
    rows.into_iter()
        .map(|row| Ok((super::models::parse_id(&row.parent_id)?, row.children)))
        .collect()
}

#[derive(QueryableByName)]
struct ChildCount {
    #[diesel(sql_type = Text)]
    parent_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    children: i64,
}
