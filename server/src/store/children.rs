//! Children of many parents at once: the pages and counts the request's `children`
//! DataLoaders ask for, one statement per level of a query.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::models::{organizations_from_rows, OrganizationRow};
use super::organizations::Listing;
use super::sql_lists::{in_json_list, json_list, json_text_list, numbered_parameters};
use super::DbConnection;
use crate::domain::ids::{NetworkId, OrganizationId};
use crate::domain::organization::Organization;

type Backend = <DbConnection as diesel::Connection>::Backend;

/// The first page of children of each of several parents of one network, in one statement,
/// for the request's DataLoader.
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
    // $1 network, $2 limit, $3 the parents (a JSON array), [$4 $5 the cursor]: one SQL text
    // per shape, whatever the number of parents, so the prepared statement is reused.
    let cursor = if after.is_some() {
        " AND (c.name_key > $4 OR (c.name_key = $4 AND c.id > $5))"
    } else {
        ""
    };
    let arm = |columns: &str, deleted: &str| {
        format!(
            "SELECT {columns} FROM organizations c WHERE c.network_id = $1 \
             AND c.parent_id = p.parent AND c.deleted_at {deleted}{cursor} \
             ORDER BY c.name_key, c.id LIMIT $2"
        )
    };
    let parents_table = json_text_list(conn, "$3");
    let sql = match conn {
        DbConnection::Pg(_) => {
            let page = if listing.include_deleted {
                format!(
                    "({}) UNION ALL ({}) ORDER BY name_key, id LIMIT $2",
                    arm("c.*", "IS NULL"),
                    arm("c.*", "IS NOT NULL")
                )
            } else {
                arm("c.*", "IS NULL")
            };
            format!(
                "SELECT o.* FROM ({parents_table}) AS p(parent) CROSS JOIN LATERAL ({page}) o \
                 ORDER BY o.parent_id, o.name_key, o.id"
            )
        }
        DbConnection::Sqlite(_) => {
            let page = if listing.include_deleted {
                format!(
                    "SELECT r FROM (SELECT * FROM ({}) UNION ALL SELECT * FROM ({})) \
                     ORDER BY k, i LIMIT $2",
                    arm("c.rowid AS r, c.name_key AS k, c.id AS i", "IS NULL"),
                    arm("c.rowid AS r, c.name_key AS k, c.id AS i", "IS NOT NULL")
                )
            } else {
                arm("c.rowid", "IS NULL")
            };
            // Unordered: sorted below.
            format!(
                "WITH p(parent) AS ({parents_table}) SELECT o.* FROM p JOIN organizations o \
                 ON o.rowid IN ({page})"
            )
        }
    };
    let mut query = diesel::sql_query(numbered_parameters(conn, sql))
        .into_boxed::<Backend>()
        .bind::<Text, _>(network.to_string())
        .bind::<diesel::sql_types::BigInt, _>(listing.limit)
        .bind::<Text, _>(json_list(parents));
    if let Some((name_key, id)) = after {
        query = query.bind::<Text, _>(name_key).bind::<Text, _>(id);
    }
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
    let arm = |deleted: &str| {
        format!(
            "SELECT parent_id FROM organizations WHERE network_id = $1 \
             AND {} AND deleted_at {deleted}",
            in_json_list(conn, "parent_id", "$2")
        )
    };
    let children = if include_deleted {
        format!("{} UNION ALL {}", arm("IS NULL"), arm("IS NOT NULL"))
    } else {
        arm("IS NULL")
    };
    let sql =
        format!("SELECT parent_id, COUNT(*) AS children FROM ({children}) AS c GROUP BY parent_id");
    let query = diesel::sql_query(numbered_parameters(conn, sql))
        .into_boxed::<Backend>()
        .bind::<Text, _>(network.to_string())
        .bind::<Text, _>(json_list(parents));
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
