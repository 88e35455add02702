//! Settings types: own definitions, locks and effective values with provenance.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{
    Context, ContextSelectionSet, Enum, Json, Object, OutputType, Positioned, SelectionField,
    ServerResult, Value,
};
use chrono::{DateTime, Utc};
use serde_json::Value as JsonValue;

use crate::domain::ids::OrganizationId;
use crate::domain::organization::Organization;
use crate::domain::permissions::Permission;
use crate::domain::settings::{Effective, MergeStrategy, SettingKey};
use crate::service::settings::ChainIndex;
use crate::service::ApiError;
use crate::store::settings::{StoredLock, StoredSetting};

use super::context::{access, loaders};
use super::organization::OrganizationNode;
use super::shared_answers::{SharedAnswers, SharedValue};

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

    async fn value(&self) -> async_graphql::Result<Json<JsonValue>> {
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

/// One key's effective value at an organization, as the schema's `EffectiveSetting`.
///
/// Resolved through [`SharedAnswers`] when its selection allows: the branches below one
/// office share the folded value, and so the whole answer.
pub struct EffectiveSettingNode {
    fields: EffectiveSettingFields,
    /// Whether the selection's answer depends on the value alone (see [`SharedAnswers`]).
    shareable: bool,
}

impl OutputType for EffectiveSettingNode {
    fn type_name() -> Cow<'static, str> {
        EffectiveSettingFields::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        EffectiveSettingFields::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let shared = ctx
            .data_opt::<SharedAnswers>()
            .filter(|shared| self.shareable && shared.may_share(ctx.query_env, field));
        let Some(shared) = shared else {
            return self.fields.resolve(ctx, field).await;
        };
        shared
            .answer(field, SharedValue::whole(&self.fields.effective), || {
                self.fields.resolve(ctx, field)
            })
            .await
    }
}

/// An organization's `effectiveSettings`, as the schema's `[EffectiveSetting!]!`.
///
/// Organizations with the same deepest holder on their chain have equal lists, so when the
/// selection allows, the list is answered once per holder (see [`SharedAnswers`]) and the
/// others copy it without building their items.
pub enum EffectiveSettingList {
    /// Copied from an organization with the same deepest holder.
    Answered(Value),
    Items {
        items: Vec<EffectiveSettingNode>,
        /// The chain and the deepest holder (an address in it) to keep the answer under.
        keep_under: Option<(Arc<ChainIndex>, usize)>,
    },
}

impl OutputType for EffectiveSettingList {
    fn type_name() -> Cow<'static, str> {
        <Vec<EffectiveSettingNode>>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<EffectiveSettingNode>>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<EffectiveSettingNode>>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match self {
            Self::Answered(value) => Ok(value.clone()),
            Self::Items { items, keep_under } => {
                let value = items.resolve(ctx, field).await?;
                if let (Some((chain, holder)), Some(shared)) =
                    (keep_under, ctx.data_opt::<SharedAnswers>())
                {
                    let made_of = SharedValue {
                        shared: chain,
                        part: *holder,
                    };
                    return Ok(shared.keep(field, &made_of, value));
                }
                Ok(value)
            }
        }
    }
}

/// The value a key takes at an organization, folded down from the root.
struct EffectiveSettingFields {
    key: String,
    effective: Arc<Effective<OrganizationId>>,
    /// The chain it was folded from (whose holders are the sources and the lock).
    chain: Arc<ChainIndex>,
    /// The sources the caller may see, nearest last.
    visible_sources: Vec<OrganizationId>,
    /// Whether the caller may see the locking organization.
    lock_visible: bool,
}

#[Object(name = "EffectiveSetting")]
impl EffectiveSettingFields {
    async fn key(&self) -> &str {
        &self.key
    }

    async fn value(&self) -> Json<&JsonValue> {
        Json(&self.effective.value)
    }

    async fn strategy(&self) -> MergeStrategyGql {
        self.effective.strategy.into()
    }

    /// The organizations whose definitions made the value, nearest last (those the caller
    /// may see).
    async fn sources(&self) -> Vec<OrganizationNode> {
        self.visible_sources
            .iter()
            .filter_map(|id| self.chain.holder(*id))
            .map(|org| OrganizationNode(org.clone()))
            .collect()
    }

    /// Whether an organization on the chain locks this key.
    async fn locked(&self) -> bool {
        self.effective.locked_by.is_some()
    }

    /// The topmost organization locking this key, if the caller may see it.
    async fn locked_by(&self) -> Option<OrganizationNode> {
        let id = self.effective.locked_by.filter(|_| self.lock_visible)?;
        self.chain
            .holder(id)
            .map(|org| OrganizationNode(org.clone()))
    }
}

/// Whether the answer to an `EffectiveSetting` selection is made of its value alone: its
/// own fields, and on `sources` and `lockedBy` only [`OrganizationNode::ROW_FIELDS`]. Any
/// other field (arguments, connections, permission checks) could differ or fail per object.
fn depends_on_value_alone(selection: SelectionField<'_>) -> bool {
    fn plain(field: &SelectionField<'_>) -> bool {
        field
            .arguments()
            .is_ok_and(|arguments| arguments.is_empty())
    }
    selection.selection_set().all(|field| {
        plain(&field)
            && match field.name() {
                "key" | "value" | "strategy" | "locked" | "__typename" => true,
                "sources" | "lockedBy" => field.selection_set().all(|field| {
                    plain(&field) && OrganizationNode::ROW_FIELDS.contains(&field.name())
                }),
                _ => false,
            }
    })
}

fn parse_stored(json: &str) -> async_graphql::Result<Json<JsonValue>> {
    serde_json::from_str(json)
        .map(Json)
        .map_err(|e| ApiError::Internal(Box::new(e)).into())
}

pub async fn own_settings(
    ctx: &Context<'_>,
    org: &Organization,
) -> async_graphql::Result<Vec<SettingNode>> {
    access(ctx)?.require(org, Permission::SettingsRead).await?;
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
    access(ctx)?.require(org, Permission::SettingsRead).await?;
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

/// `effectiveSettings`: the effective values of `keys` (default: every key defined or
/// locked on the chain), copied from an organization with the same deepest holder when the
/// selection depends on the values alone.
pub async fn effective_settings(
    ctx: &Context<'_>,
    org: &Organization,
    keys: Option<Vec<String>>,
) -> async_graphql::Result<EffectiveSettingList> {
    access(ctx)?.require(org, Permission::SettingsRead).await?;
    let requested = requested_keys(keys)?;
    let chain = chain_of(ctx, org).await?;
    let shareable = depends_on_value_alone(ctx.field());
    let shared = ctx
        .data_opt::<SharedAnswers>()
        .filter(|shared| shareable && shared.may_share(ctx.query_env, ctx.item));
    // The holder's address in the chain: the chain's `Arc` is kept with the answer, so no
    // other holder can take that address while the answer is kept.
    let holder = chain
        .deepest_holding(&org.path)
        .map_or(0, |path| std::ptr::from_ref(path).addr());
    let made_of = SharedValue {
        shared: &chain,
        part: holder,
    };
    if let Some(value) = shared.and_then(|shared| shared.given(ctx.item, &made_of)) {
        return Ok(EffectiveSettingList::Answered(value));
    }
    let items = effective_items(ctx, org, requested, &chain, shareable).await?;
    Ok(EffectiveSettingList::Items {
        items,
        keep_under: shared.is_some().then(|| (chain.clone(), holder)),
    })
}

/// `effectiveSetting(key)`: the effective value of one key, if any.
pub async fn effective_setting(
    ctx: &Context<'_>,
    org: &Organization,
    key: String,
) -> async_graphql::Result<Option<EffectiveSettingNode>> {
    access(ctx)?.require(org, Permission::SettingsRead).await?;
    let requested = requested_keys(Some(vec![key]))?;
    let chain = chain_of(ctx, org).await?;
    let shareable = depends_on_value_alone(ctx.field());
    let items = effective_items(ctx, org, requested, &chain, shareable).await?;
    Ok(items.into_iter().next())
}

/// The keys asked for, parsed (`None`: all of them).
fn requested_keys(keys: Option<Vec<String>>) -> async_graphql::Result<Option<Vec<SettingKey>>> {
    match keys {
        Some(keys) if keys.len() > 100 => {
            Err(ApiError::LimitExceeded("keys: at most 100 keys".into()).into())
        }
        Some(keys) => {
            let mut parsed = Vec::with_capacity(keys.len());
            for raw in &keys {
                let key = SettingKey::parse(raw).map_err(ApiError::from)?;
                if !parsed.contains(&key) {
                    parsed.push(key);
                }
            }
            Ok(Some(parsed))
        }
        None => Ok(None),
    }
}

async fn chain_of(ctx: &Context<'_>, org: &Organization) -> async_graphql::Result<Arc<ChainIndex>> {
    let loaders = loaders(ctx)?;
    if let Some(chain) = loaders.prefetched_chains.of(org.id) {
        return Ok(chain);
    }
    Ok(loaders
        .chain_settings
        .load_one((org.network_id, org.path.clone()))
        .await?
        .unwrap_or_default())
}

/// One item per requested key that has a value at `org`.
async fn effective_items(
    ctx: &Context<'_>,
    org: &Organization,
    requested: Option<Vec<SettingKey>>,
    chain: &Arc<ChainIndex>,
    shareable: bool,
) -> async_graphql::Result<Vec<EffectiveSettingNode>> {
    // Without `keys`: every key defined or locked on the chain.
    let keys: Vec<SettingKey> = requested.unwrap_or_else(|| {
        chain
            .keys_at(&org.path)
            .into_iter()
            .filter_map(|k| SettingKey::parse(k).ok())
            .collect()
    });
    // Who may be named as a source: decided here, once per holder, with the caller's grants.
    let network = access(ctx)?.in_network(org.network_id).await?;
    let visible = |id: &OrganizationId| chain.holder(*id).is_some_and(|o| network.sees(o));
    Ok(keys
        .into_iter()
        .filter_map(|key| {
            let effective = chain.effective_at(&org.path, &key)?;
            Some(EffectiveSettingNode {
                fields: EffectiveSettingFields {
                    key: key.as_str().to_owned(),
                    visible_sources: effective.sources.iter().copied().filter(visible).collect(),
                    lock_visible: effective.locked_by.as_ref().is_some_and(visible),
                    effective,
                    chain: chain.clone(),
                },
                shareable,
            })
        })
        .collect())
}
