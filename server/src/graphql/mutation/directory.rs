//! Directory onboarding mutations: SCIM tokens and onboarding rules.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::Utc;

use crate::domain::ids::{DirectoryGroupId, OnboardingRuleId, OrganizationId, ScimTokenId};
use crate::graphql::context::{principal, services, ScimBaseUrl};
use crate::graphql::directory::{OnboardingRuleNode, ScimTokenNode};
use crate::graphql::error::parse_id;

#[derive(InputObject)]
pub struct CreateScimTokenInput {
    pub organization_id: ID,
    /// What the token is for, e.g. "Microsoft Entra ID provisioning".
    pub description: String,
}

#[derive(SimpleObject)]
pub struct CreateScimTokenPayload {
    /// The bearer token for the identity provider: shown this once, stored only as a hash.
    pub token: String,
    /// The SCIM base URL to give the identity provider (the token decides the organization).
    pub base_url: String,
    pub scim_token: ScimTokenNode,
}

#[derive(InputObject)]
pub struct RevokeScimTokenInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct RevokeScimTokenPayload {
    pub scim_token: ScimTokenNode,
}

#[derive(InputObject)]
pub struct CreateOnboardingRuleInput {
    pub organization_id: ID,
    /// Onboard the members of this directory group; leave out for every directory user.
    pub directory_group_id: Option<ID>,
    /// The role granted on the organization: a built-in role's name or a custom role's id.
    pub role: String,
}

#[derive(InputObject)]
pub struct UpdateOnboardingRuleInput {
    pub id: ID,
    pub role: String,
}

#[derive(InputObject)]
pub struct DeleteOnboardingRuleInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct OnboardingRulePayload {
    pub onboarding_rule: OnboardingRuleNode,
}

#[derive(SimpleObject)]
pub struct DeleteOnboardingRulePayload {
    pub deleted_onboarding_rule_id: ID,
}

#[derive(Default)]
pub struct DirectoryMutations;

#[Object]
impl DirectoryMutations {
    /// A SCIM token for the organization's identity provider; needs `members:manage`.
    async fn create_scim_token(
        &self,
        ctx: &Context<'_>,
        input: CreateScimTokenInput,
    ) -> async_graphql::Result<CreateScimTokenPayload> {
        let principal = principal(ctx)?;
        let org: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let (token, secret) = services(ctx)?
            .create_scim_token(principal, org, &input.description, Utc::now())
            .await?;
        Ok(CreateScimTokenPayload {
            token: secret,
            base_url: ctx.data::<ScimBaseUrl>()?.0.clone(),
            scim_token: ScimTokenNode(token),
        })
    }

    /// Ends a SCIM token at once; needs `members:manage`.
    async fn revoke_scim_token(
        &self,
        ctx: &Context<'_>,
        input: RevokeScimTokenInput,
    ) -> async_graphql::Result<RevokeScimTokenPayload> {
        let principal = principal(ctx)?;
        let id: ScimTokenId = parse_id("id", &input.id)?;
        let token = services(ctx)?
            .revoke_scim_token(principal, id, Utc::now())
            .await?;
        Ok(RevokeScimTokenPayload {
            scim_token: ScimTokenNode(token),
        })
    }

    /// Makes every directory user (or one group's) a member with a role; needs
    /// `members:manage`, `roles:manage` and every permission of the role.
    async fn create_onboarding_rule(
        &self,
        ctx: &Context<'_>,
        input: CreateOnboardingRuleInput,
    ) -> async_graphql::Result<OnboardingRulePayload> {
        let principal = principal(ctx)?;
        let org: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let group: Option<DirectoryGroupId> = input
            .directory_group_id
            .as_ref()
            .map(|id| parse_id("directoryGroupId", id))
            .transpose()?;
        let rule = services(ctx)?
            .create_onboarding_rule(principal, org, group, input.role, Utc::now())
            .await?;
        Ok(OnboardingRulePayload {
            onboarding_rule: OnboardingRuleNode(rule),
        })
    }

    /// Changes the role a rule grants; its members hold the new role instead.
    async fn update_onboarding_rule(
        &self,
        ctx: &Context<'_>,
        input: UpdateOnboardingRuleInput,
    ) -> async_graphql::Result<OnboardingRulePayload> {
        let principal = principal(ctx)?;
        let id: OnboardingRuleId = parse_id("id", &input.id)?;
        let rule = services(ctx)?
            .update_onboarding_rule(principal, id, input.role, Utc::now())
            .await?;
        Ok(OnboardingRulePayload {
            onboarding_rule: OnboardingRuleNode(rule),
        })
    }

    /// Deletes a rule and the grants it made; members no other rule matches are suspended.
    async fn delete_onboarding_rule(
        &self,
        ctx: &Context<'_>,
        input: DeleteOnboardingRuleInput,
    ) -> async_graphql::Result<DeleteOnboardingRulePayload> {
        let principal = principal(ctx)?;
        let id: OnboardingRuleId = parse_id("id", &input.id)?;
        let rule = services(ctx)?
            .delete_onboarding_rule(principal, id, Utc::now())
            .await?;
        Ok(DeleteOnboardingRulePayload {
            deleted_onboarding_rule_id: ID(rule.id.to_string()),
        })
    }
}
