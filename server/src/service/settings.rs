//! Settings use cases: define, clear, lock and unlock keys; fold a chain into effective values.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::auth::Principal;
use crate::domain::ids::{NetworkId, OrganizationId};
use crate::domain::organization::Organization;
use crate::domain::permissions::Permission;
use crate::domain::settings::{
    effective_setting, validate_value, ChainLink, Definition, Effective, SettingKey,
};
use crate::domain::tree_path::TreePath;
use crate::store::settings::{self, ChainSettings, StoredLock, StoredSetting};
use crate::store::{organizations, DbConnection};

use super::access::{locked_live, require};
use super::audit::{record, Change};
use super::error::{ApiError, ApiResult};
use super::Services;

impl Services {
    /// Defines `key` on an organization. Refused below a lock on the key.
    pub async fn set_setting(
        &self,
        principal: &Principal,
        organization: OrganizationId,
        key: &str,
        value: Value,
        inherit: bool,
        now: DateTime<Utc>,
    ) -> ApiResult<StoredSetting> {
        let key = SettingKey::parse(key)?;
        validate_value(&key, &value)?;
        let json = serde_json::to_string(&value).map_err(|e| ApiError::Internal(Box::new(e)))?;
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, organization)?;
                require(conn, &principal, &org, Permission::SettingsManage)?;
                refuse_below_lock(conn, network, &org.path, &key)?;
                settings::put(conn, network, org.id, key.as_str(), &json, inherit, now)?;
                record(
                    conn,
                    &principal,
                    Change::of("setSetting", &org)
                        .target(key.as_str())
                        .after(serde_json::json!({ "key": key.as_str(), "value": value, "inherit": inherit })),
                    now,
                )?;
                Ok(StoredSetting {
                    organization_id: org.id,
                    key: key.as_str().to_owned(),
                    value: json,
                    inherit,
                    updated_at: now,
                })
            })
            .await
    }

    /// Removes an organization's own definition, so that it inherits again. Returns whether
    /// there was one.
    pub async fn clear_setting(
        &self,
        principal: &Principal,
        organization: OrganizationId,
        key: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<bool> {
        let key = SettingKey::parse(key)?;
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, organization)?;
                require(conn, &principal, &org, Permission::SettingsManage)?;
                let cleared = settings::remove(conn, network, org.id, key.as_str())?;
                if cleared {
                    record(
                        conn,
                        &principal,
                        Change::of("clearSetting", &org).target(key.as_str()),
                        now,
                    )?;
                }
                Ok(cleared)
            })
            .await
    }

    /// Locks (or unlocks) `key` for the organization's subtree. Returns whether anything changed.
    pub async fn set_setting_lock(
        &self,
        principal: &Principal,
        organization: OrganizationId,
        key: &str,
        locked: bool,
        now: DateTime<Utc>,
    ) -> ApiResult<bool> {
        let key = SettingKey::parse(key)?;
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, organization)?;
                require(conn, &principal, &org, Permission::SettingsManage)?;
                let changed = if locked {
                    settings::add_lock(conn, network, org.id, key.as_str(), now)?
                } else {
                    settings::remove_lock(conn, network, org.id, key.as_str())?
                };
                if changed {
                    let action = if locked {
                        "lockSetting"
                    } else {
                        "unlockSetting"
                    };
                    record(
                        conn,
                        &principal,
                        Change::of(action, &org).target(key.as_str()),
                        now,
                    )?;
                }
                Ok(changed)
            })
            .await
    }

    pub async fn own_settings(
        &self,
        network: NetworkId,
        ids: Vec<OrganizationId>,
    ) -> ApiResult<Vec<StoredSetting>> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(settings::of_organizations(conn, network, &ids)?))
            .await
    }

    pub async fn own_setting_locks(
        &self,
        network: NetworkId,
        ids: Vec<OrganizationId>,
    ) -> ApiResult<Vec<StoredLock>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(settings::locks_of_organizations(conn, network, &ids)?)
            })
            .await
    }

    /// Everything defined or locked on the organizations at `paths`.
    pub async fn settings_on_paths(
        &self,
        network: NetworkId,
        paths: Vec<TreePath>,
    ) -> ApiResult<ChainSettings> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(settings::on_paths(conn, network, &paths)?))
            .await
    }
}

fn refuse_below_lock(
    conn: &mut DbConnection,
    network: NetworkId,
    path: &TreePath,
    key: &SettingKey,
) -> ApiResult<()> {
    let above = settings::on_paths(conn, network, &path.ancestors())?;
    let topmost = above
        .locks
        .iter()
        .filter(|(_, lock)| lock.key == key.as_str())
        .min_by_key(|(lock_path, _)| lock_path.depth());
    let Some((lock_path, lock)) = topmost else {
        return Ok(());
    };
    let holder = organizations::by_paths(conn, network, std::slice::from_ref(lock_path))?;
    let name = holder.first().map_or("?", |o| o.name.as_str());
    Err(ApiError::Forbidden(format!(
        "`{}` is locked by the organization \"{name}\" ({}): it can't be defined below it",
        key.as_str(),
        lock.organization_id
    )))
}

/// What the ancestor chains of a set of organizations hold, indexed by the path of the
/// holding organization, with every stored value parsed once. One index serves a whole level
/// of organizations (a loader batch): each reads only its own chain's paths.
///
/// Folds are memoized per holder: the holders on an organization's chain are exactly those on
/// the chain of its deepest holder, so organizations below the same deepest holder (1,000
/// branches under one regional office) share every effective value, folded once.
#[derive(Debug, Default)]
pub struct ChainIndex {
    held: HashMap<TreePath, HeldHere>,
    holders: HashMap<OrganizationId, Organization>,
}

/// What one organization of a chain defines and locks.
#[derive(Debug)]
struct HeldHere {
    organization: OrganizationId,
    definitions: BTreeMap<String, Definition>,
    locks: BTreeSet<String>,
    /// Effective values on the chain ending here, by key, folded when first asked for.
    folded: Mutex<HashMap<String, Option<Arc<Effective<OrganizationId>>>>>,
}

impl ChainIndex {
    /// Parses what the store read (JSON written by `set_setting`, validated then).
    pub fn new(chain: ChainSettings) -> ApiResult<Self> {
        fn here(
            held: &mut HashMap<TreePath, HeldHere>,
            path: TreePath,
            organization: OrganizationId,
        ) -> &mut HeldHere {
            held.entry(path).or_insert_with(|| HeldHere {
                organization,
                definitions: BTreeMap::new(),
                locks: BTreeSet::new(),
                folded: Mutex::default(),
            })
        }
        let mut held: HashMap<TreePath, HeldHere> = HashMap::new();
        for (path, stored) in chain.definitions {
            let value =
                serde_json::from_str(&stored.value).map_err(|e| ApiError::Internal(Box::new(e)))?;
            here(&mut held, path, stored.organization_id)
                .definitions
                .insert(
                    stored.key,
                    Definition {
                        value,
                        inherit: stored.inherit,
                    },
                );
        }
        for (path, lock) in chain.locks {
            here(&mut held, path, lock.organization_id)
                .locks
                .insert(lock.key);
        }
        Ok(Self {
            held,
            holders: chain.holders,
        })
    }

    /// An organization holding definitions or locks on the indexed chains.
    pub fn holder(&self, id: OrganizationId) -> Option<&Organization> {
        self.holders.get(&id)
    }

    /// The deepest organization of `target`'s chain that defines or locks anything (by its
    /// path, as held here). Whatever is effective at `target` is decided at or above it, so
    /// organizations below the same deepest holder have the same effective settings.
    pub fn deepest_holding(&self, target: &TreePath) -> Option<&TreePath> {
        let deepest = target
            .self_and_ancestor_strs()
            .rev()
            .find(|path| self.held.contains_key(*path))?;
        self.held.get_key_value(deepest).map(|(path, _)| path)
    }

    /// The keys defined or locked on the chain of the organization at `target`, sorted.
    pub fn keys_at(&self, target: &TreePath) -> BTreeSet<&str> {
        let mut keys = BTreeSet::new();
        for here in target
            .self_and_ancestor_strs()
            .filter_map(|path| self.held.get(path))
        {
            keys.extend(here.definitions.keys().map(String::as_str));
            keys.extend(here.locks.iter().map(String::as_str));
        }
        keys
    }

    /// The effective value of `key` at the organization at `target`.
    pub fn effective_at(
        &self,
        target: &TreePath,
        key: &SettingKey,
    ) -> Option<Arc<Effective<OrganizationId>>> {
        let deepest = target
            .self_and_ancestor_strs()
            .rev()
            .find(|path| self.held.contains_key(*path))?;
        let (deepest_path, here) = self.held.get_key_value(deepest)?;
        let mut folded = here.folded.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(done) = folded.get(key.as_str()) {
            return done.clone();
        }
        let links: Vec<ChainLink<OrganizationId>> = deepest_path
            .self_and_ancestor_strs()
            .filter_map(|path| self.held.get(path))
            .filter_map(|here| {
                let definition = here.definitions.get(key.as_str()).cloned();
                let locked = here.locks.contains(key.as_str());
                (definition.is_some() || locked).then_some(ChainLink {
                    organization: here.organization,
                    definition,
                    locked,
                })
            })
            .collect();
        let effective = effective_setting(key, &links).map(Arc::new);
        folded.insert(key.as_str().to_owned(), effective.clone());
        effective
    }
}
