//! Settings use cases: define, clear, lock and unlock keys; fold a chain into effective values.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::auth::Principal;
use crate::domain::ids::{NetworkId, OrganizationId};
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

/// The keys a chain defines or locks, sorted.
pub fn keys_in(chain: &ChainSettings) -> BTreeSet<String> {
    chain
        .definitions
        .iter()
        .map(|(_, d)| d.key.clone())
        .chain(chain.locks.iter().map(|(_, l)| l.key.clone()))
        .collect()
}

/// Folds the chain of the organization at `target` for one key.
pub fn effective_in_chain(
    chain: &ChainSettings,
    target: &TreePath,
    key: &SettingKey,
) -> ApiResult<Option<Effective<OrganizationId>>> {
    let mut links: Vec<(i32, ChainLink<OrganizationId>)> = Vec::new();
    for path in target.self_and_ancestors() {
        let definition = chain
            .definitions
            .iter()
            .find(|(p, d)| *p == path && d.key == key.as_str())
            .map(|(_, d)| d);
        let lock = chain
            .locks
            .iter()
            .find(|(p, l)| *p == path && l.key == key.as_str())
            .map(|(_, l)| l);
        let organization = match (definition, lock) {
            (Some(d), _) => d.organization_id,
            (None, Some(l)) => l.organization_id,
            (None, None) => continue,
        };
        let definition = definition
            .map(|d| {
                serde_json::from_str(&d.value)
                    .map(|value| Definition {
                        value,
                        inherit: d.inherit,
                    })
                    .map_err(|e| ApiError::Internal(Box::new(e)))
            })
            .transpose()?;
        links.push((
            path.depth(),
            ChainLink {
                organization,
                definition,
                locked: lock.is_some(),
            },
        ));
    }
    links.sort_by_key(|(depth, _)| *depth);
    let links: Vec<_> = links.into_iter().map(|(_, link)| link).collect();
    Ok(effective_setting(key, &links))
}
