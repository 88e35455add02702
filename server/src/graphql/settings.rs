//! Settings types: own definitions, locks and effective values with provenance.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, Json, Object};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::ids::OrganizationId;
use crate::domain::organization::Organization;
use crate::domain::permissions::Permission;
use crate::domain::settings::{Effective, MergeStrategy, SettingKey};
use crate::service::settings::{effective_in_chain, keys_in};
use crate::service::ApiError;
use crate::store::settings::{StoredLock, StoredSetting};

use super::context::{can_see, loaders, permissions_at};
use super::organization::OrganizationNode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "MergeStrategy")]
pub enum MergeStrategyGql {
    /// The nearest definition wins.
    Replace,
    /// Objects deep-merged, the nearer field wins.
    Merge,
    /// Lists concatenated root first, duplicates dropped.
    Append,
}

impl From<MergeStrategy> for MergeStrategyGql {
    fn from(strategy: MergeStrategy) -> Self {
        match strategy {
            MergeStrategy::Replace => Self::Replace,
            MergeStrategy::Merge => Self::Merge,
            MergeStrategy::Append => Self::Append,
        }
    }
}

/// A definition made on this organization itself.
pub struct SettingNode(pub StoredSetting);

#[Object(name = "Setting")]
impl SettingNode {
    async fn key(&self) -> &str {
        &self.0.key
    }

    async fn value(&self) -> async_graphql::Result<Json<Value>> {
        parse_stored(&self.0.value)
    }

    /// False when this definition blocks what is above it.
    async fn inherit(&self) -> bool {
        self.0.inherit
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A key this organization locks for its whole subtree.
pub struct SettingLockNode(pub StoredLock);

#[Object(name = "SettingLock")]
impl SettingLockNode {
    async fn key(&self) -> &str {
        &self.0.key
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The value a key takes at an organization, folded down from the root.
pub struct EffectiveSettingNode {
    key: String,
    effective: Effective<OrganizationId>,
    /// The organizations of the chain that hold definitions or locks.
    holders: Arc<HashMap<OrganizationId, Organization>>,
}

#[Object(name = "EffectiveSetting")]
impl EffectiveSettingNode {
    async fn key(&self) -> &str {
        &self.key
    }

    async fn value(&self) -> Json<Value> {
        Json(self.effective.value.clone())
    }

    async fn strategy(&self) -> MergeStrategyGql {
        self.effective.strategy.into()
    }

    /// The organizations whose definitions made the value, nearest last (those the caller
    /// may see).
    async fn sources(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrganizationNode>> {
        let mut sources = Vec::with_capacity(self.effective.sources.len());
        for id in &self.effective.sources {
            if let Some(org) = self.holders.get(id) {
                if can_see(ctx, org).await? {
                    sources.push(OrganizationNode(org.clone()));
                }
            }
        }
        Ok(sources)
    }

    /// Whether an organization on the chain locks this key.
    async fn locked(&self) -> bool {
        self.effective.locked_by.is_some()
    }

    /// The topmost organization locking this key, if the caller may see it.
    async fn locked_by(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<OrganizationNode>> {
        let Some(id) = self.effective.locked_by else {
            return Ok(None);
        };
        match self.holders.get(&id) {
            Some(org) if can_see(ctx, org).await? => Ok(Some(OrganizationNode(org.clone()))),
            _ => Ok(None),
        }
    }
}

fn parse_stored(json: &str) -> async_graphql::Result<Json<Value>> {
    serde_json::from_str(json)
        .map(Json)
        .map_err(|e| ApiError::Internal(Box::new(e)).into())
}

async fn require_settings_read(ctx: &Context<'_>, org: &Organization) -> async_graphql::Result<()> {
    if permissions_at(ctx, org)
        .await?
        .contains(Permission::SettingsRead)
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden("this requires the permission settings:read".into()).into())
    }
}

pub async fn own_settings(
    ctx: &Context<'_>,
    org: &Organization,
) -> async_graphql::Result<Vec<SettingNode>> {
    require_settings_read(ctx, org).await?;
    let found = loaders(ctx)?
        .own_settings
        .load_one((org.network_id, org.id))
        .await?;
    Ok(found
        .unwrap_or_default()
        .into_iter()
        .map(SettingNode)
        .collect())
}

pub async fn own_locks(
    ctx: &Context<'_>,
    org: &Organization,
) -> async_graphql::Result<Vec<SettingLockNode>> {
    require_settings_read(ctx, org).await?;
    let found = loaders(ctx)?
        .own_setting_locks
        .load_one((org.network_id, org.id))
        .await?;
    Ok(found
        .unwrap_or_default()
        .into_iter()
        .map(SettingLockNode)
        .collect())
}

/// Effective values of `keys` (default: every key defined or locked on the chain).
pub async fn effective_settings(
    ctx: &Context<'_>,
    org: &Organization,
    keys: Option<Vec<String>>,
) -> async_graphql::Result<Vec<EffectiveSettingNode>> {
    require_settings_read(ctx, org).await?;
    let requested: Option<Vec<SettingKey>> = match keys {
        Some(keys) if keys.len() > 100 => {
            return Err(ApiError::LimitExceeded("keys: at most 100 keys".into()).into())
        }
        Some(keys) => {
            let mut parsed = Vec::with_capacity(keys.len());
            for raw in &keys {
                let key = SettingKey::parse(raw).map_err(ApiError::from)?;
                if !parsed.contains(&key) {
                    parsed.push(key);
                }
            }
            Some(parsed)
        }
        None => None,
    };
    let chain = loaders(ctx)?
        .chain_settings
        .load_one((org.network_id, org.path.clone()))
        .await?
        .unwrap_or_default();
    // Without `keys`: every key defined or locked on the chain.
    let keys: Vec<SettingKey> = requested.unwrap_or_else(|| {
        keys_in(&chain)
            .iter()
            .filter_map(|k| SettingKey::parse(k).ok())
            .collect()
    });
    let mut effective = Vec::with_capacity(keys.len());
    let holders = Arc::new(chain.holders.clone());
    for key in keys {
        if let Some(value) = effective_in_chain(&chain, &org.path, &key)? {
            effective.push(EffectiveSettingNode {
                key: key.as_str().to_owned(),
                effective: value,
                holders: holders.clone(),
            });
        }
    }
    Ok(effective)
}
