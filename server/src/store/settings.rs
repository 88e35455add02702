//! Settings definitions and locks, per organization.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use std::collections::HashMap;

use diesel::sql_types::{Bool, Text, Timestamp};

use super::models::{naive, parse_id, utc, OrganizationRow};
use super::raw_sql::RawSql;
use super::schema::{setting_locks, settings};
use super::sql_lists::{in_json_list, json_list, json_strings};
use super::timestamps::StoredTime;
use super::DbConnection;
use crate::domain::ids::{NetworkId, OrganizationId};
use crate::domain::organization::Organization;
use crate::domain::tree_path::TreePath;

/// Paths per `IN (…)` list, below both backends' bind-parameter limits.
const PATH_CHUNK: usize = 5_000;

/// A stored definition.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSetting {
    pub organization_id: OrganizationId,
    pub key: String,
    /// JSON text, as written (validated on the way in).
    pub value: String,
    pub inherit: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredLock {
    pub organization_id: OrganizationId,
    pub key: String,
    pub created_at: DateTime<Utc>,
}

/// What an ancestor chain holds, by the path of the organization holding it, with the
/// holding organizations themselves (the provenance of effective values).
#[derive(Debug, Clone, Default)]
pub struct ChainSettings {
    pub definitions: Vec<(TreePath, StoredSetting)>,
    pub locks: Vec<(TreePath, StoredLock)>,
    pub holders: HashMap<OrganizationId, Organization>,
}

/// Defines (or redefines) a key on an organization.
pub fn put(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    key: &str,
    value: &str,
    inherit: bool,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    remove(conn, network, organization, key)?;
    diesel::insert_into(settings::table)
        .values((
            settings::network_id.eq(network.to_string()),
            settings::organization_id.eq(organization.to_string()),
            settings::key.eq(key),
            settings::value.eq(value),
            settings::inherit.eq(inherit),
            settings::updated_at.eq(naive(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Removes a definition; returns whether there was one.
pub fn remove(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    key: &str,
) -> QueryResult<bool> {
    diesel::delete(settings::table.find((network.to_string(), organization.to_string(), key)))
        .execute(conn)
        .map(|n| n > 0)
}

/// Locks a key; returns false when it was locked already.
pub fn add_lock(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    key: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let exists: bool = diesel::select(diesel::dsl::exists(setting_locks::table.find((
        network.to_string(),
        organization.to_string(),
        key,
    ))))
    .get_result(conn)?;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(setting_locks::table)
        .values((
            setting_locks::network_id.eq(network.to_string()),
            setting_locks::organization_id.eq(organization.to_string()),
            setting_locks::key.eq(key),
            setting_locks::created_at.eq(naive(now)),
        ))
        .execute(conn)
        .map(|_| true)
}

pub fn remove_lock(
    conn: &mut DbConnection,
    network: NetworkId,
    organization: OrganizationId,
    key: &str,
) -> QueryResult<bool> {
    diesel::delete(setting_locks::table.find((network.to_string(), organization.to_string(), key)))
        .execute(conn)
        .map(|n| n > 0)
}

/// Own definitions of several organizations of one network.
pub fn of_organizations(
    conn: &mut DbConnection,
    network: NetworkId,
    ids: &[OrganizationId],
) -> QueryResult<Vec<StoredSetting>> {
    let query = own(conn, SETTING_COLUMNS, "settings", network, ids);
    let rows: Vec<SettingColumns> = query.load(conn)?;
    rows.into_iter().map(SettingColumns::into_stored).collect()
}

/// Own locks of several organizations of one network.
pub fn locks_of_organizations(
    conn: &mut DbConnection,
    network: NetworkId,
    ids: &[OrganizationId],
) -> QueryResult<Vec<StoredLock>> {
    let query = own(conn, LOCK_COLUMNS, "setting_locks", network, ids);
    let rows: Vec<LockColumns> = query.load(conn)?;
    rows.into_iter().map(LockColumns::into_stored).collect()
}

/// The rows of `table` (as `h`) held by the organizations `ids`, by organization and key.
fn own(
    conn: &DbConnection,
    columns: &'static str,
    table: &'static str,
    network: NetworkId,
    ids: &[OrganizationId],
) -> RawSql {
    let statement = RawSql::new(format!(
        "SELECT {columns} FROM {table} h WHERE h.network_id = "
    ))
    .bind::<Text, _>(network.to_string())
    .sql(" AND ");
    in_json_list(conn, statement, "h.organization_id", json_list(ids))
        .sql(" ORDER BY h.organization_id, h.key")
}

/// Definitions and locks held by the organizations at `paths` (live or not: callers pass
/// the chains of live organizations, whose ancestors are all live), in two statements
/// whatever the number of paths.
pub fn on_paths(
    conn: &mut DbConnection,
    network: NetworkId,
    paths: &[TreePath],
) -> QueryResult<ChainSettings> {
    let mut chain = ChainSettings::default();
    if paths.is_empty() {
        return Ok(chain);
    }
    let paths = json_strings(paths.iter().map(TreePath::as_str));
    // `held` joins the holders at `paths` to one of their tables (`h`).
    let held = |columns: &'static str, table: &'static str| {
        let statement = RawSql::new(format!(
            "SELECT o.*, {columns} FROM organizations o JOIN {table} h \
             ON h.network_id = o.network_id AND h.organization_id = o.id \
             WHERE o.network_id = "
        ))
        .bind::<Text, _>(network.to_string())
        .sql(" AND ");
        in_json_list(conn, statement, "o.path", paths.clone())
    };
    let definitions = held(SETTING_COLUMNS, "settings");
    let locks = held(LOCK_COLUMNS, "setting_locks");
    let definitions: Vec<HeldSetting> = definitions.load(conn)?;
    for row in definitions {
        let holder = row.holder.into_domain()?;
        chain
            .definitions
            .push((holder.path.clone(), row.setting.into_stored()?));
        chain.holders.insert(holder.id, holder);
    }
    let locks: Vec<HeldLock> = locks.load(conn)?;
    for row in locks {
        let holder = row.holder.into_domain()?;
        chain
            .locks
            .push((holder.path.clone(), row.lock.into_stored()?));
        chain.holders.insert(holder.id, holder);
    }
    Ok(chain)
}

/// A definition's columns as [`SettingColumns`] reads them, from `settings` as `h`.
const SETTING_COLUMNS: &str = "h.organization_id AS held_by, h.key AS held_key, \
    h.value AS held_value, h.inherit AS held_inherit, h.updated_at AS held_updated_at";

/// A lock's columns as [`LockColumns`] reads them, from `setting_locks` as `h`.
const LOCK_COLUMNS: &str =
    "h.organization_id AS held_by, h.key AS held_key, h.created_at AS held_created_at";

#[derive(QueryableByName)]
struct SettingColumns {
    #[diesel(sql_type = Text)]
    held_by: String,
    #[diesel(sql_type = Text)]
    held_key: String,
    #[diesel(sql_type = Text)]
    held_value: String,
    #[diesel(sql_type = Bool)]
    held_inherit: bool,
    #[diesel(sql_type = Timestamp, deserialize_as = StoredTime)]
    held_updated_at: NaiveDateTime,
}

impl SettingColumns {
    fn into_stored(self) -> QueryResult<StoredSetting> {
        Ok(StoredSetting {
            organization_id: parse_id(&self.held_by)?,
            key: self.held_key,
            value: self.held_value,
            inherit: self.held_inherit,
            updated_at: utc(self.held_updated_at),
        })
    }
}

#[derive(QueryableByName)]
struct LockColumns {
    #[diesel(sql_type = Text)]
    held_by: String,
    #[diesel(sql_type = Text)]
    held_key: String,
    #[diesel(sql_type = Timestamp, deserialize_as = StoredTime)]
    held_created_at: NaiveDateTime,
}

impl LockColumns {
    fn into_stored(self) -> QueryResult<StoredLock> {
        Ok(StoredLock {
            organization_id: parse_id(&self.held_by)?,
            key: self.held_key,
            created_at: utc(self.held_created_at),
        })
    }
}

/// A definition with the organization holding it.
#[derive(QueryableByName)]
struct HeldSetting {
    #[diesel(embed)]
    holder: OrganizationRow,
    #[diesel(embed)]
    setting: SettingColumns,
}

/// A lock with the organization holding it.
#[derive(QueryableByName)]
struct HeldLock {
    #[diesel(embed)]
    holder: OrganizationRow,
    #[diesel(embed)]
    lock: LockColumns,
}

/// Copies the definitions and locks of `pairs` (source → copy) into `target` network.
pub fn copy_between(
    conn: &mut DbConnection,
    source: NetworkId,
    target: NetworkId,
    pairs: &[(OrganizationId, OrganizationId)],
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let mut copied = 0;
    for chunk in pairs.chunks(PATH_CHUNK) {
        let sources: Vec<OrganizationId> = chunk.iter().map(|(s, _)| *s).collect();
        let to: std::collections::HashMap<OrganizationId, OrganizationId> =
            chunk.iter().copied().collect();
        for definition in of_organizations(conn, source, &sources)? {
            if let Some(copy) = to.get(&definition.organization_id) {
                put(
                    conn,
                    target,
                    *copy,
                    &definition.key,
                    &definition.value,
                    definition.inherit,
                    now,
                )?;
                copied += 1;
            }
        }
        for held in locks_of_organizations(conn, source, &sources)? {
            if let Some(copy) = to.get(&held.organization_id) {
                add_lock(conn, target, *copy, &held.key, now)?;
            }
        }
    }
    Ok(copied)
}
