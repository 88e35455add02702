//! Settings mutations: define, clear, lock, unlock.

use async_graphql::{Context, InputObject, Json, Object, SimpleObject, ID};
use chrono::Utc;
use serde_json::Value;

use crate::domain::ids::OrganizationId;
use crate::graphql::context::{loaders, principal, services, visible};
use crate::graphql::error::parse_id;
use crate::graphql::organization::OrganizationNode;
use crate::graphql::settings::SettingNode;

#[derive(InputObject)]
pub struct SetSettingInput {
    pub organization_id: ID,
    /// A known key (`address`, `branding`, `bookingSettings`, `timeGrid`, `workingHours`,
    /// `publicHolidays`) or a custom `x-` key.
    pub key: String,
    pub value: Json<Value>,
    /// `false` blocks what is above: the fold starts afresh at this organization.
    #[graphql(default = true)]
    pub inherit: bool,
}

#[derive(InputObject)]
pub struct SettingKeyInput {
    pub organization_id: ID,
    pub key: String,
}

#[derive(SimpleObject)]
pub struct SetSettingPayload {
    pub setting: SettingNode,
    pub organization: OrganizationNode,
}

#[derive(SimpleObject)]
pub struct ClearSettingPayload {
    /// False when the organization had no definition of the key.
    pub cleared: bool,
    pub organization: OrganizationNode,
}

#[derive(SimpleObject)]
pub struct SettingLockPayload {
    /// False when the lock was already in that state.
    pub changed: bool,
    pub organization: OrganizationNode,
}

#[derive(Default)]
pub struct SettingMutations;

async fn organization(
    ctx: &Context<'_>,
    id: OrganizationId,
) -> async_graphql::Result<OrganizationNode> {
    let org = loaders(ctx)?.organizations.load_one(id).await?;
    Ok(OrganizationNode(visible(ctx, org).await?))
}

#[Object]
impl SettingMutations {
    /// Defines a setting on an organization; refused (`FORBIDDEN`) below a lock on the key.
    async fn set_setting(
        &self,
        ctx: &Context<'_>,
        input: SetSettingInput,
    ) -> async_graphql::Result<SetSettingPayload> {
        let principal = principal(ctx)?;
        let id: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let setting = services(ctx)?
            .set_setting(
                principal,
                id,
                &input.key,
                input.value.0,
                input.inherit,
                Utc::now(),
            )
            .await?;
        Ok(SetSettingPayload {
            setting: SettingNode(setting),
            organization: organization(ctx, id).await?,
        })
    }

    /// Removes the organization's own definition: it inherits the key again.
    async fn clear_setting(
        &self,
        ctx: &Context<'_>,
        input: SettingKeyInput,
    ) -> async_graphql::Result<ClearSettingPayload> {
        let principal = principal(ctx)?;
        let id: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let cleared = services(ctx)?
            .clear_setting(principal, id, &input.key, Utc::now())
            .await?;
        Ok(ClearSettingPayload {
            cleared,
            organization: organization(ctx, id).await?,
        })
    }

    /// Locks a key for the organization's subtree: definitions below are refused and ignored.
    async fn lock_setting(
        &self,
        ctx: &Context<'_>,
        input: SettingKeyInput,
    ) -> async_graphql::Result<SettingLockPayload> {
        let principal = principal(ctx)?;
        let id: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let changed = services(ctx)?
            .set_setting_lock(principal, id, &input.key, true, Utc::now())
            .await?;
        Ok(SettingLockPayload {
            changed,
            organization: organization(ctx, id).await?,
        })
    }

    async fn unlock_setting(
        &self,
        ctx: &Context<'_>,
        input: SettingKeyInput,
    ) -> async_graphql::Result<SettingLockPayload> {
        let principal = principal(ctx)?;
        let id: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let changed = services(ctx)?
            .set_setting_lock(principal, id, &input.key, false, Utc::now())
            .await?;
        Ok(SettingLockPayload {
            changed,
            organization: organization(ctx, id).await?,
        })
    }
}
