//! Organizations: the tree as a materialized path (see `domain::tree_path`).

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, max};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text, Timestamp};

use super::models::{naive, organizations_from_rows, OrganizationRow};
use super::raw_sql::RawSql;
use super::schema::{grants, organization_networks, organizations};
use super::sql_lists::{in_json_list, json_list, json_strings};
use super::DbConnection;
use crate::domain::ids::{ContractAccountId, DeletionId, NetworkId, OrganizationId};
use crate::domain::organization::Organization;
use crate::domain::permissions::{Reach, Scope};
use crate::domain::tree_path::TreePath;

type Backend = <DbConnection as diesel::Connection>::Backend;
type BoxedOrganizations<'a> = organizations::BoxedQuery<'a, Backend>;

/// Rows per INSERT statement: below SQLite's and PostgreSQL's bind-parameter limits.
const INSERT_CHUNK: usize = 1_000;

/// The networks of the given organizations (ids that don't exist are absent).
pub fn networks_of(
    conn: &mut DbConnection,
    ids: &[OrganizationId],
) -> QueryResult<Vec<(OrganizationId, NetworkId)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = in_json_list(
        conn,
        RawSql::new("SELECT id, network_id FROM organization_networks WHERE "),
        "id",
        json_list(ids),
    );
    let rows: Vec<Route> = query.load(conn)?;
    rows.into_iter().map(Route::parse).collect()
}

#[derive(QueryableByName)]
struct Route {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    network_id: String,
}

impl Route {
    fn parse(self) -> QueryResult<(OrganizationId, NetworkId)> {
        Ok((
            super::models::parse_id(&self.id)?,
            super::models::parse_id(&self.network_id)?,
        ))
    }
}

/// Organizations by id, wherever they are, in one statement: the routing table gives each
/// id's network, joined to its row. A nonexistent id must cost what a hidden one does (its
/// row read and decoded, then thrown away by the caller's visibility check), so when some id
/// routes nowhere the statement also reads one stored row in its place, the decoy, which is
/// thrown away unless it was asked for.
pub fn find_many(
    conn: &mut DbConnection,
    ids: &[OrganizationId],
) -> QueryResult<Vec<Organization>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let asked = i64::try_from(distinct.len()).unwrap_or(i64::MAX);
    let list = json_list(&distinct);
    let query = in_json_list(
        conn,
        RawSql::new(
            "SELECT o.* FROM organization_networks AS r JOIN organizations AS o \
             ON o.network_id = r.network_id AND o.id = r.id WHERE ",
        ),
        "r.id",
        list.clone(),
    );
    let query = in_json_list(
        conn,
        query.sql(
            " UNION ALL SELECT * FROM (SELECT * FROM organizations LIMIT 1) AS decoy \
             WHERE (SELECT count(*) FROM organization_networks WHERE ",
        ),
        "id",
        list,
    )
    .sql(") < ")
    .bind::<BigInt, _>(asked);
    let rows: Vec<OrganizationRow> = query.load(conn)?;
    let mut found = Vec::with_capacity(ids.len());
    for org in organizations_from_rows(rows)? {
        if ids.contains(&org.id) && !found.iter().any(|f: &Organization| f.id == org.id) {
            found.push(org);
        }
    }
    Ok(found)
}

pub fn find(conn: &mut DbConnection, id: OrganizationId) -> QueryResult<Option<Organization>> {
    Ok(find_many(conn, &[id])?.into_iter().next())
}

pub fn in_network(
    conn: &mut DbConnection,
    network: NetworkId,
    ids: &[OrganizationId],
) -> QueryResult<Vec<Organization>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = in_network_where(conn, network, "id", json_list(ids)).load(conn)?;
    organizations_from_rows(rows)
}

/// The organizations of `network` whose `column` is one of the JSON array `list`: the same
/// statement for 1 value or 1,000 (see `sql_lists`), left open for an `ORDER BY`.
fn in_network_where(
    conn: &DbConnection,
    network: NetworkId,
    column: &'static str,
    list: String,
) -> RawSql {
    in_json_list(
        conn,
        RawSql::new("SELECT * FROM organizations WHERE network_id = ")
            .bind::<Text, _>(network.to_string())
            .sql(" AND "),
        column,
        list,
    )
}

/// The organizations at the given paths: with the ancestor paths of a node this is its
/// ancestor chain, in one indexed lookup.
pub fn by_paths(
    conn: &mut DbConnection,
    network: NetworkId,
    paths: &[TreePath],
) -> QueryResult<Vec<Organization>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let paths = json_strings(paths.iter().map(TreePath::as_str));
    let query = in_network_where(conn, network, "path", paths).sql(" ORDER BY path");
    let rows: Vec<OrganizationRow> = query.load(conn)?;
    organizations_from_rows(rows)
}

fn subtree_of<'a>(network: NetworkId, root: &TreePath) -> BoxedOrganizations<'a> {
    organizations::table
        .filter(organizations::network_id.eq(network.to_string()))
        .filter(organizations::path.ge(root.as_str().to_owned()))
        .filter(organizations::path.lt(root.subtree_upper_bound()))
        .into_boxed()
}

/// Which rows of a listing are wanted.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub include_deleted: bool,
    pub limit: i64,
}

/// Descendants of the node at `root` (excluding it), in tree order, down to `max_depth`
/// (absolute), after the cursor path.
pub fn descendants_page(
    conn: &mut DbConnection,
    network: NetworkId,
    root: &TreePath,
    max_depth: Option<i32>,
    after_path: Option<String>,
    listing: &Listing,
) -> QueryResult<Vec<Organization>> {
    let mut query = descendants_query(network, root, max_depth, listing.include_deleted);
    if let Some(after) = after_path {
        query = query.filter(organizations::path.gt(after));
    }
    let rows = query
        .order(organizations::path.asc())
        .limit(listing.limit)
        .select(OrganizationRow::as_select())
        .load(conn)?;
    organizations_from_rows(rows)
}

pub fn count_descendants(
    conn: &mut DbConnection,
    network: NetworkId,
    root: &TreePath,
    max_depth: Option<i32>,
    include_deleted: bool,
) -> QueryResult<i64> {
    descendants_query(network, root, max_depth, include_deleted)
        .select(count_star())
        .get_result(conn)
}

fn descendants_query<'a>(
    network: NetworkId,
    root: &TreePath,
    max_depth: Option<i32>,
    include_deleted: bool,
) -> BoxedOrganizations<'a> {
    let mut query =
        subtree_of(network, root).filter(organizations::path.ne(root.as_str().to_owned()));
    if let Some(depth) = max_depth {
        query = query.filter(organizations::depth.le(depth));
    }
    if !include_deleted {
        query = query.filter(organizations::deleted_at.is_null());
    }
    query
}

/// Every row of a subtree in tree order (parents before children).
pub fn subtree(
    conn: &mut DbConnection,
    network: NetworkId,
    root: &TreePath,
    live_only: bool,
) -> QueryResult<Vec<Organization>> {
    let mut query = subtree_of(network, root);
    if live_only {
        query = query.filter(organizations::deleted_at.is_null());
    }
    let rows = query
        .order(organizations::path.asc())
        .select(OrganizationRow::as_select())
        .load(conn)?;
    organizations_from_rows(rows)
}

/// Depth of the deepest node of a subtree, deleted ones included (they may come back).
pub fn deepest_in_subtree(
    conn: &mut DbConnection,
    network: NetworkId,
    root: &TreePath,
) -> QueryResult<i32> {
    let deepest: Option<i32> = subtree_of(network, root)
        .select(max(organizations::depth))
        .get_result(conn)?;
    Ok(deepest.unwrap_or(0))
}

/// Filters of the `organizations` query.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub contract_account: Option<ContractAccountId>,
    /// Lowercase text that `name_key` must contain.
    pub name_contains: Option<String>,
    pub include_deleted: bool,
}

/// Organizations inside any of `scopes` (where the caller may read), by name then
/// id, after the keyset cursor.
pub fn search_page(
    conn: &mut DbConnection,
    scopes: &[(NetworkId, Scope)],
    search: &Search,
    after: Option<(String, String)>,
    limit: i64,
) -> QueryResult<Vec<Organization>> {
    let Some(mut query) = search_query(scopes, search) else {
        return Ok(Vec::new());
    };
    if let Some((name_key, id)) = after {
        query = query.filter(
            organizations::name_key
                .gt(name_key.clone())
                .or(organizations::name_key
                    .eq(name_key)
                    .and(organizations::id.gt(id))),
        );
    }
    let rows = query
        .order((organizations::name_key.asc(), organizations::id.asc()))
        .limit(limit)
        .select(OrganizationRow::as_select())
        .load(conn)?;
    organizations_from_rows(rows)
}

pub fn count_search(
    conn: &mut DbConnection,
    scopes: &[(NetworkId, Scope)],
    search: &Search,
) -> QueryResult<i64> {
    match search_query(scopes, search) {
        Some(query) => query.select(count_star()).get_result(conn),
        None => Ok(0),
    }
}

fn search_query<'a>(
    scopes: &[(NetworkId, Scope)],
    search: &Search,
) -> Option<BoxedOrganizations<'a>> {
    type Condition = Box<dyn BoxableExpression<organizations::table, Backend, SqlType = Bool>>;
    let in_scope = |(network, scope): &(NetworkId, Scope)| -> Condition {
        let in_network = organizations::network_id.eq(network.to_string());
        match scope.reach {
            Reach::Subtree => Box::new(
                in_network
                    .and(organizations::path.ge(scope.root.as_str().to_owned()))
                    .and(organizations::path.lt(scope.root.subtree_upper_bound())),
            ),
            Reach::OrganizationOnly => {
                Box::new(in_network.and(organizations::path.eq(scope.root.as_str().to_owned())))
            }
        }
    };
    let mut scopes = scopes.iter();
    let first = in_scope(scopes.next()?);
    let any_scope = scopes.fold(first, |acc, scope| Box::new(acc.or(in_scope(scope))));
    let mut query = organizations::table.filter(any_scope).into_boxed();
    if let Some(account) = search.contract_account {
        query = query.filter(organizations::contract_account_id.eq(account.to_string()));
    }
    if let Some(text) = &search.name_contains {
        let pattern = format!("%{}%", escape_like(text));
        query = query.filter(organizations::name_key.like(pattern).escape('\\'));
    }
    if !search.include_deleted {
        query = query.filter(organizations::deleted_at.is_null());
    }
    Some(query)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The live sibling of that name under `parent`, if any (roots have no siblings).
pub fn live_sibling_named(
    conn: &mut DbConnection,
    network: NetworkId,
    parent: OrganizationId,
    name_key: &str,
) -> QueryResult<Option<OrganizationId>> {
    let id: Option<String> = organizations::table
        .filter(organizations::network_id.eq(network.to_string()))
        .filter(organizations::parent_id.eq(parent.to_string()))
        .filter(organizations::name_key.eq(name_key))
        .filter(organizations::deleted_at.is_null())
        .select(organizations::id)
        .first(conn)
        .optional()?;
    id.as_deref().map(super::models::parse_id).transpose()
}

/// Inserts organizations with their routing rows, in multi-row statements.
pub fn insert(conn: &mut DbConnection, orgs: &[Organization]) -> QueryResult<()> {
    for chunk in orgs.chunks(INSERT_CHUNK) {
        let rows: Vec<OrganizationRow> = chunk.iter().map(OrganizationRow::from_domain).collect();
        let routes: Vec<_> = chunk
            .iter()
            .map(|o| {
                (
                    organization_networks::id.eq(o.id.to_string()),
                    organization_networks::network_id.eq(o.network_id.to_string()),
                )
            })
            .collect();
        // Multi-row inserts don't compile for the MultiConnection: one arm per backend.
        match conn {
            DbConnection::Pg(pg) => {
                diesel::insert_into(organization_networks::table)
                    .values(&routes)
                    .execute(pg)?;
                diesel::insert_into(organizations::table)
                    .values(&rows)
                    .execute(pg)?;
            }
            DbConnection::Sqlite(sqlite) => {
                diesel::insert_into(organization_networks::table)
                    .values(&routes)
                    .execute(sqlite)?;
                diesel::insert_into(organizations::table)
                    .values(&rows)
                    .execute(sqlite)?;
            }
        }
    }
    Ok(())
}

/// Moves the subtree at `old_root` so that its root gets the path `new_root`, with one
/// set-based UPDATE of every row of the subtree (deleted ones too: they may be restored).
pub fn rebase_subtree(
    conn: &mut DbConnection,
    network: NetworkId,
    old_root: &TreePath,
    new_root: &TreePath,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let depth_shift = new_root.depth() - old_root.depth();
    let keep_from = i32::try_from(old_root.as_str().len() + 1).unwrap_or(i32::MAX);
    diesel::sql_query(
        "UPDATE organizations SET path = $1 || substr(path, $2), depth = depth + $3, \
         updated_at = $4 WHERE network_id = $5 AND path >= $6 AND path < $7",
    )
    .bind::<Text, _>(new_root.as_str())
    .bind::<Integer, _>(keep_from)
    .bind::<Integer, _>(depth_shift)
    .bind::<Timestamp, _>(naive(now))
    .bind::<Text, _>(network.to_string())
    .bind::<Text, _>(old_root.as_str())
    .bind::<Text, _>(old_root.subtree_upper_bound())
    .execute(conn)
}

/// Puts every row of a network one level down, under a new root segment.
pub fn push_down_under(
    conn: &mut DbConnection,
    network: NetworkId,
    new_root: &TreePath,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE organizations SET path = $1 || path, depth = depth + 1, updated_at = $2 \
         WHERE network_id = $3",
    )
    .bind::<Text, _>(new_root.as_str())
    .bind::<Timestamp, _>(naive(now))
    .bind::<Text, _>(network.to_string())
    .execute(conn)
}

/// Gives an organization a new parent; `sets_contract_account` says whether its account now
/// differs from the parent's.
pub fn set_parent(
    conn: &mut DbConnection,
    network: NetworkId,
    id: OrganizationId,
    parent: OrganizationId,
    sets_contract_account: bool,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(organizations::table.find((network.to_string(), id.to_string())))
        .set((
            organizations::parent_id.eq(parent.to_string()),
            organizations::sets_contract_account.eq(sets_contract_account),
            organizations::updated_at.eq(naive(now)),
        ))
        .execute(conn)
}

/// Soft-deletes the live rows of a subtree, marking them with `deletion`.
pub fn soft_delete_subtree(
    conn: &mut DbConnection,
    network: NetworkId,
    root: &TreePath,
    deletion: DeletionId,
    now: DateTime<Utc>,
    purge_after: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        organizations::table
            .filter(organizations::network_id.eq(network.to_string()))
            .filter(organizations::path.ge(root.as_str()))
            .filter(organizations::path.lt(root.subtree_upper_bound()))
            .filter(organizations::deleted_at.is_null()),
    )
    .set((
        organizations::deleted_at.eq(naive(now)),
        organizations::purge_after.eq(naive(purge_after)),
        organizations::deletion_id.eq(deletion.to_string()),
        organizations::updated_at.eq(naive(now)),
    ))
    .execute(conn)
}

/// Brings back exactly the rows one deletion removed.
pub fn restore_deletion(
    conn: &mut DbConnection,
    network: NetworkId,
    root: &TreePath,
    deletion: DeletionId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        organizations::table
            .filter(organizations::network_id.eq(network.to_string()))
            .filter(organizations::path.ge(root.as_str()))
            .filter(organizations::path.lt(root.subtree_upper_bound()))
            .filter(organizations::deletion_id.eq(deletion.to_string())),
    )
    .set((
        organizations::deleted_at.eq(None::<chrono::NaiveDateTime>),
        organizations::purge_after.eq(None::<chrono::NaiveDateTime>),
        organizations::deletion_id.eq(None::<String>),
        organizations::updated_at.eq(naive(now)),
    ))
    .execute(conn)
}

/// Networks holding rows whose retention is over.
pub fn networks_with_expired(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> QueryResult<Vec<NetworkId>> {
    let ids: Vec<String> = organizations::table
        .filter(organizations::purge_after.le(naive(now)))
        .select(organizations::network_id)
        .distinct()
        .load(conn)?;
    ids.iter().map(|id| super::models::parse_id(id)).collect()
}

/// The routing tables (id → network) of what a purge removes: the organizations, and the
/// members, roles, integrations and applications that go with them (ON DELETE CASCADE). Each
/// with its table and the column naming the organization its row belongs to.
const PURGED_ROUTES: [(&str, &str, &str); 5] = [
    ("organization_networks", "organizations", "id"),
    ("member_networks", "members", "organization_id"),
    ("custom_role_networks", "custom_roles", "organization_id"),
    ("integration_networks", "integrations", "organization_id"),
    ("application_identities", "applications", "organization_id"),
];

/// Removes for good the rows of one network whose retention is over, with their grants and
/// routing rows. Descendants are always deleted no later than their ancestors, so the rows
/// removed never leave a live child without its parent.
pub fn purge_expired(
    conn: &mut DbConnection,
    network: NetworkId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let expired = || {
        organizations::table
            .filter(organizations::network_id.eq(network.to_string()))
            .filter(organizations::purge_after.le(naive(now)))
            .select(organizations::id)
    };
    diesel::delete(
        grants::table
            .filter(grants::network_id.eq(network.to_string()))
            .filter(grants::organization_id.eq_any(expired())),
    )
    .execute(conn)?;
    // Routing rows keep no foreign key (docs/SCALING.md): they go here, before their rows.
    for (routing, table, owner) in PURGED_ROUTES {
        diesel::sql_query(format!(
            "DELETE FROM {routing} WHERE id IN (SELECT t.id FROM {table} AS t \
             JOIN organizations AS o ON o.network_id = t.network_id AND o.id = t.{owner} \
             WHERE o.network_id = $1 AND o.purge_after <= $2)"
        ))
        .bind::<Text, _>(network.to_string())
        .bind::<Timestamp, _>(naive(now))
        .execute(conn)?;
    }
    // One statement: the parent foreign key is checked at its end, when parent and children
    // are gone together (descendants expire no later than their ancestors).
    diesel::sql_query("DELETE FROM organizations WHERE network_id = $1 AND purge_after <= $2")
        .bind::<Text, _>(network.to_string())
        .bind::<Timestamp, _>(naive(now))
        .execute(conn)
}

pub fn count_in_network(conn: &mut DbConnection, network: NetworkId) -> QueryResult<i64> {
    organizations::table
        .filter(organizations::network_id.eq(network.to_string()))
        .select(count_star())
        .get_result(conn)
}

pub fn deepest_in_network(conn: &mut DbConnection, network: NetworkId) -> QueryResult<i32> {
    let deepest: Option<i32> = organizations::table
        .filter(organizations::network_id.eq(network.to_string()))
        .select(max(organizations::depth))
        .get_result(conn)?;
    Ok(deepest.unwrap_or(0))
}

/// Whether any organization, deleted or not, still uses the account.
pub fn account_in_use(conn: &mut DbConnection, account: ContractAccountId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organizations::table.filter(organizations::contract_account_id.eq(account.to_string())),
    ))
    .get_result(conn)
}

/// The deepest live organization of a network (benchmarks and seeding report it).
pub fn deepest_live(
    conn: &mut DbConnection,
    network: NetworkId,
) -> QueryResult<Option<Organization>> {
    let row = organizations::table
        .filter(organizations::network_id.eq(network.to_string()))
        .filter(organizations::deleted_at.is_null())
        .order((organizations::depth.desc(), organizations::path.asc()))
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?;
    row.map(OrganizationRow::into_domain).transpose()
}

/// Refreshes the planner statistics of the tree tables after a bulk load (`orgraph seed`):
/// until autovacuum gets to it, PostgreSQL would plan the range scans of a freshly loaded
/// network from empty-table statistics. SQLite's planner does well without `sqlite_stat1`.
pub fn refresh_statistics(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Pg(pg) => pg.batch_execute("ANALYZE organizations, organization_networks"),
        DbConnection::Sqlite(_) => Ok(()),
    }
}
