//! Access mutations: members, custom roles, grants.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::Utc;

use crate::domain::ids::{ApplicationId, CustomRoleId, GrantId, IntegrationId, OrganizationId};
use crate::graphql::access::{GrantNode, MemberNode, MemberStatusGql, RoleNode};
use crate::graphql::context::{principal, services};
use crate::graphql::error::parse_id;
use crate::service::members::{MemberRef, NewGrant, UserRef};
use crate::service::ApiError;

#[derive(InputObject)]
pub struct InviteMemberInput {
    pub organization_id: ID,
    pub email: String,
    /// A role to grant on the organization at once (built-in name or custom role id).
    pub role: Option<String>,
}

/// A member is named by `memberId`, or by `organizationId` and `userId`.
#[derive(InputObject)]
pub struct UpdateMemberStatusInput {
    pub member_id: Option<ID>,
    pub organization_id: Option<ID>,
    pub user_id: Option<ID>,
    pub status: MemberStatusGql,
}

/// A member is named by `memberId`, or by `organizationId` and `userId`.
#[derive(InputObject)]
pub struct RemoveMemberInput {
    pub member_id: Option<ID>,
    pub organization_id: Option<ID>,
    pub user_id: Option<ID>,
}

/// A member is named by `memberId`, or by `organizationId` and `userId`.
#[derive(InputObject)]
pub struct LinkMemberCalendarInput {
    pub member_id: Option<ID>,
    pub organization_id: Option<ID>,
    pub user_id: Option<ID>,
    /// One of the organization's calendar integrations; null unlinks.
    pub integration_id: Option<ID>,
}

/// The member an input names: by `memberId` alone, or by `organizationId` and `userId`.
fn member_ref(
    member_id: Option<&ID>,
    organization_id: Option<&ID>,
    user_id: Option<&ID>,
) -> async_graphql::Result<MemberRef> {
    match (member_id, organization_id, user_id) {
        (Some(member), None, None) => Ok(MemberRef::Id(parse_id("memberId", member)?)),
        (None, Some(organization), Some(user)) => Ok(MemberRef::Of {
            organization: parse_id("organizationId", organization)?,
            user: parse_id("userId", user)?,
        }),
        _ => Err(ApiError::bad_input(
            "memberId",
            "name the member by memberId alone, or by organizationId and userId",
        )
        .into()),
    }
}

#[derive(InputObject)]
pub struct CreateRoleInput {
    pub organization_id: ID,
    pub name: String,
    /// Permission names, e.g. `members:read`.
    pub permissions: Vec<String>,
}

#[derive(InputObject)]
pub struct DeleteRoleInput {
    pub organization_id: ID,
    pub role_id: ID,
}

#[derive(InputObject)]
pub struct GrantRoleInput {
    pub organization_id: ID,
    /// The user, by id…
    pub user_id: Option<ID>,
    /// …or by email (created on first sight).
    pub email: Option<String>,
    /// A built-in role's name or a custom role's id.
    pub role: String,
    /// Grant on this application of the organization only.
    pub application_id: Option<ID>,
}

#[derive(InputObject)]
pub struct RevokeGrantInput {
    pub organization_id: ID,
    pub grant_id: ID,
}

#[derive(SimpleObject)]
pub struct MemberPayload {
    pub member: MemberNode,
}

#[derive(SimpleObject)]
pub struct CreateRolePayload {
    pub role: RoleNode,
}

#[derive(SimpleObject)]
pub struct DeleteRolePayload {
    pub deleted_role_id: ID,
}

#[derive(SimpleObject)]
pub struct GrantRolePayload {
    pub grant: GrantNode,
}

#[derive(SimpleObject)]
pub struct RevokeGrantPayload {
    pub revoked_grant_id: ID,
}

#[derive(Default)]
pub struct AccessMutations;

#[Object]
impl AccessMutations {
    /// Invites a user (by email) as an `INVITED` member; needs `members:manage`.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        input: InviteMemberInput,
    ) -> async_graphql::Result<MemberPayload> {
        let principal = principal(ctx)?;
        let org: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let member = services(ctx)?
            .invite_member(principal, org, &input.email, input.role, Utc::now())
            .await?;
        Ok(MemberPayload {
            member: MemberNode(member),
        })
    }

    /// Sets a member's status; `SUSPENDED` and `REMOVED` stop their grants there from applying.
    async fn update_member_status(
        &self,
        ctx: &Context<'_>,
        input: UpdateMemberStatusInput,
    ) -> async_graphql::Result<MemberPayload> {
        let principal = principal(ctx)?;
        let target = member_ref(
            input.member_id.as_ref(),
            input.organization_id.as_ref(),
            input.user_id.as_ref(),
        )?;
        let member = services(ctx)?
            .set_member_status(principal, target, input.status.into(), Utc::now())
            .await?;
        Ok(MemberPayload {
            member: MemberNode(member),
        })
    }

    /// Removes a member: a status change to `REMOVED`; nothing about them is lost.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveMemberInput,
    ) -> async_graphql::Result<MemberPayload> {
        let principal = principal(ctx)?;
        let target = member_ref(
            input.member_id.as_ref(),
            input.organization_id.as_ref(),
            input.user_id.as_ref(),
        )?;
        let member = services(ctx)?
            .set_member_status(
                principal,
                target,
                MemberStatusGql::Removed.into(),
                Utc::now(),
            )
            .await?;
        Ok(MemberPayload {
            member: MemberNode(member),
        })
    }

    async fn link_member_calendar(
        &self,
        ctx: &Context<'_>,
        input: LinkMemberCalendarInput,
    ) -> async_graphql::Result<MemberPayload> {
        let principal = principal(ctx)?;
        let target = member_ref(
            input.member_id.as_ref(),
            input.organization_id.as_ref(),
            input.user_id.as_ref(),
        )?;
        let integration: Option<IntegrationId> = input
            .integration_id
            .as_ref()
            .map(|id| parse_id("integrationId", id))
            .transpose()?;
        let member = services(ctx)?
            .link_member_calendar(principal, target, integration, Utc::now())
            .await?;
        Ok(MemberPayload {
            member: MemberNode(member),
        })
    }

    /// A custom role usable in the organization's subtree; needs `roles:manage` and every
    /// permission it contains.
    async fn create_role(
        &self,
        ctx: &Context<'_>,
        input: CreateRoleInput,
    ) -> async_graphql::Result<CreateRolePayload> {
        let principal = principal(ctx)?;
        let org: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let role = services(ctx)?
            .create_role(principal, org, &input.name, &input.permissions, Utc::now())
            .await?;
        Ok(CreateRolePayload {
            role: RoleNode::custom(role),
        })
    }

    /// Deletes a custom role; refused with `CONFLICT` while grants use it.
    async fn delete_role(
        &self,
        ctx: &Context<'_>,
        input: DeleteRoleInput,
    ) -> async_graphql::Result<DeleteRolePayload> {
        let principal = principal(ctx)?;
        let org: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let role: CustomRoleId = parse_id("roleId", &input.role_id)?;
        let deleted = services(ctx)?
            .delete_role(principal, org, role, Utc::now())
            .await?;
        Ok(DeleteRolePayload {
            deleted_role_id: ID(deleted.to_string()),
        })
    }

    /// Grants a role on the organization and its subtree (or on one application); needs
    /// `roles:manage` and never hands out more than the caller holds there.
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        input: GrantRoleInput,
    ) -> async_graphql::Result<GrantRolePayload> {
        let principal = principal(ctx)?;
        let organization_id: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let user = match (&input.user_id, &input.email) {
            (Some(id), None) => UserRef::Id(parse_id("userId", id)?),
            (None, Some(email)) => UserRef::Email(email.clone()),
            _ => {
                return Err(
                    ApiError::bad_input("userId", "give exactly one of userId and email").into(),
                )
            }
        };
        let application_id: Option<ApplicationId> = input
            .application_id
            .as_ref()
            .map(|id| parse_id("applicationId", id))
            .transpose()?;
        let grant = services(ctx)?
            .grant_role(
                principal,
                NewGrant {
                    organization_id,
                    user,
                    role: input.role,
                    application_id,
                },
                Utc::now(),
            )
            .await?;
        Ok(GrantRolePayload {
            grant: GrantNode(grant),
        })
    }

    async fn revoke_grant(
        &self,
        ctx: &Context<'_>,
        input: RevokeGrantInput,
    ) -> async_graphql::Result<RevokeGrantPayload> {
        let principal = principal(ctx)?;
        let org: OrganizationId = parse_id("organizationId", &input.organization_id)?;
        let grant: GrantId = parse_id("grantId", &input.grant_id)?;
        let revoked = services(ctx)?
            .revoke_grant(principal, org, grant, Utc::now())
            .await?;
        Ok(RevokeGrantPayload {
            revoked_grant_id: ID(revoked.to_string()),
        })
    }
}
