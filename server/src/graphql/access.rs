//! Members, roles, grants and the audit log: the access-control side of the schema (the
//! permission checks are in `permission_checks`).

use async_graphql::{ComplexObject, Context, Enum, Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::audit::{Actor, AuditEntry};
use crate::domain::ids::{AuditEventId, MemberId, OrganizationId};
use crate::domain::members::{CustomRole, Grant, Member, MemberStatus, OnboardingSource};
use crate::domain::organization::Organization;
use crate::domain::permissions::{BuiltInRole, Permission, PermissionSet};
use crate::service::ApiError;
use crate::store::members::MemberListing;

use super::context::{access, can_see, loaders, principal, services};
use super::organization::OrganizationNode;
use super::pagination::{
    decode_cursor, encode_cursor, page_info, page_size, rows_to_fetch, split_page, PageInfo,
};
use super::user::UserNode;
use crate::service::access::person;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "MemberStatus")]
pub enum MemberStatusGql {
    Invited,
    Active,
    Suspended,
    Removed,
}

impl From<MemberStatus> for MemberStatusGql {
    fn from(status: MemberStatus) -> Self {
        match status {
            MemberStatus::Invited => Self::Invited,
            MemberStatus::Active => Self::Active,
            MemberStatus::Suspended => Self::Suspended,
            MemberStatus::Removed => Self::Removed,
        }
    }
}

impl From<MemberStatusGql> for MemberStatus {
    fn from(status: MemberStatusGql) -> Self {
        match status {
            MemberStatusGql::Invited => Self::Invited,
            MemberStatusGql::Active => Self::Active,
            MemberStatusGql::Suspended => Self::Suspended,
            MemberStatusGql::Removed => Self::Removed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "OnboardingSource")]
pub enum OnboardingSourceGql {
    Manual,
    Directory,
    DirectoryGroup,
}

impl From<OnboardingSource> for OnboardingSourceGql {
    fn from(source: OnboardingSource) -> Self {
        match source {
            OnboardingSource::Manual => Self::Manual,
            OnboardingSource::Directory => Self::Directory,
            OnboardingSource::DirectoryGroup => Self::DirectoryGroup,
        }
    }
}

fn permission_names(set: PermissionSet) -> Vec<String> {
    set.iter().map(|p| p.as_str().to_owned()).collect()
}

pub async fn organization_of(
    ctx: &Context<'_>,
    id: OrganizationId,
) -> async_graphql::Result<Option<OrganizationNode>> {
    match loaders(ctx)?.organizations.load_one(id).await? {
        Some(org) if can_see(ctx, &org).await? => Ok(Some(OrganizationNode(org))),
        _ => Ok(None),
    }
}

/// A user's membership in an organization.
pub struct MemberNode(pub Member);

#[Object(name = "Member")]
impl MemberNode {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserNode>> {
        Ok(loaders(ctx)?
            .users
            .load_one(self.0.user_id)
            .await?
            .map(UserNode))
    }

    async fn organization(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<OrganizationNode>> {
        organization_of(ctx, self.0.organization_id).await
    }

    async fn status(&self) -> MemberStatusGql {
        self.0.status.into()
    }

    async fn onboarding_source(&self) -> OnboardingSourceGql {
        self.0.onboarding_source.into()
    }

    /// The member's id in the directory that onboarded them.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// The organization's calendar integration hosting this member's calendar.
    async fn calendar_integration_id(&self) -> Option<ID> {
        self.0.calendar_integration_id.map(|i| ID(i.to_string()))
    }

    /// What the member may do in their organization (union of their grants there and above).
    async fn effective_permissions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let org = loaders(ctx)?
            .organizations
            .load_one(self.0.organization_id)
            .await?
            .ok_or(ApiError::NotFound)?;
        access(ctx)?.require(&org, Permission::MembersRead).await?;
        let set = services(ctx)?
            .permissions_of_user(self.0.user_id, &org)
            .await?;
        Ok(permission_names(set))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(SimpleObject)]
#[graphql(name = "MemberEdge")]
pub struct MemberEdge {
    pub cursor: String,
    pub node: MemberNode,
}

#[derive(SimpleObject)]
#[graphql(name = "MemberConnection", complex)]
pub struct MemberConnection {
    pub edges: Vec<MemberEdge>,
    pub page_info: PageInfo,
    #[graphql(skip)]
    pub listing: MemberListing,
}

#[ComplexObject]
impl MemberConnection {
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(services(ctx)?.member_count(self.listing.clone()).await?)
    }
}

/// `Organization.members`.
pub async fn members(
    ctx: &Context<'_>,
    org: &Organization,
    first: Option<i32>,
    after: Option<String>,
    status: Option<MemberStatusGql>,
    role: Option<String>,
    include_sub_organizations: bool,
) -> async_graphql::Result<MemberConnection> {
    let access = access(ctx)?;
    access.require(org, Permission::MembersRead).await?;
    if include_sub_organizations && !access.may_list_below(org, false).await? {
        return Err(ApiError::Forbidden(
            "includeSubOrganizations: this caller is authorized on the organization alone".into(),
        )
        .into());
    }
    let limit = page_size(first)?;
    let after: Option<MemberId> = match after {
        Some(cursor) => {
            let raw = decode_cursor(&cursor, 1)?.pop().unwrap_or_default();
            Some(
                raw.parse()
                    .map_err(|_| ApiError::bad_input("after", "is not a cursor from this list"))?,
            )
        }
        None => None,
    };
    let listing = MemberListing {
        network: org.network_id,
        organization: org.id,
        subtree: include_sub_organizations.then(|| org.path.clone()),
        status: status.map(Into::into),
        role,
    };
    let rows = services(ctx)?
        .member_page(listing.clone(), after, rows_to_fetch(ctx, limit))
        .await?;
    let (rows, more) = split_page(rows, limit);
    let edges: Vec<MemberEdge> = rows
        .into_iter()
        .map(|m| MemberEdge {
            cursor: encode_cursor(&[&m.id.to_string()]),
            node: MemberNode(m),
        })
        .collect();
    let cursors: Vec<String> = edges.iter().map(|e| e.cursor.clone()).collect();
    Ok(MemberConnection {
        edges,
        page_info: page_info(&cursors, more),
        listing,
    })
}

/// A role usable on an organization: built in, or custom (defined on it or above).
pub struct RoleNode {
    name: String,
    permissions: PermissionSet,
    custom: Option<CustomRole>,
}

#[Object(name = "Role")]
impl RoleNode {
    /// The id to grant: the name of a built-in role, the id of a custom one.
    pub async fn id(&self) -> ID {
        ID(self
            .custom
            .as_ref()
            .map_or_else(|| self.name.clone(), |c| c.id.to_string()))
    }

    async fn name(&self) -> &str {
        &self.name
    }

    async fn built_in(&self) -> bool {
        self.custom.is_none()
    }

    async fn permissions(&self) -> Vec<String> {
        permission_names(self.permissions)
    }

    /// Where a custom role is defined (null for built-in roles).
    async fn organization(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<OrganizationNode>> {
        match &self.custom {
            Some(custom) => organization_of(ctx, custom.organization_id).await,
            None => Ok(None),
        }
    }
}

impl RoleNode {
    pub fn of_built_in(role: BuiltInRole) -> Self {
        Self {
            name: role.as_str().to_owned(),
            permissions: role.permissions(),
            custom: None,
        }
    }

    pub fn custom(role: CustomRole) -> Self {
        Self {
            name: role.name.clone(),
            permissions: role.permissions,
            custom: Some(role),
        }
    }
}

/// `Organization.roles`: the built-in roles, then the custom ones usable here.
pub async fn roles(ctx: &Context<'_>, org: &Organization) -> async_graphql::Result<Vec<RoleNode>> {
    access(ctx)?.require(org, Permission::MembersRead).await?;
    let mut roles: Vec<RoleNode> = [
        BuiltInRole::OpsAdmin,
        BuiltInRole::EngineeringManager,
        BuiltInRole::Developer,
        BuiltInRole::SchedulingCoordinator,
        BuiltInRole::Employee,
    ]
    .into_iter()
    .map(RoleNode::of_built_in)
    .collect();
    roles.extend(
        services(ctx)?
            .roles_on_chain(org)
            .await?
            .into_iter()
            .map(RoleNode::custom),
    );
    Ok(roles)
}

/// A role held by a user on an organization and its subtree, maybe on one application.
pub struct GrantNode(pub Grant);

#[Object(name = "Grant")]
impl GrantNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserNode>> {
        Ok(loaders(ctx)?
            .users
            .load_one(self.0.user_id)
            .await?
            .map(UserNode))
    }

    /// The role's name (built-in or custom).
    async fn role(&self) -> &str {
        &self.0.role
    }

    async fn custom_role_id(&self) -> Option<ID> {
        self.0.custom_role_id.map(|r| ID(r.to_string()))
    }

    /// The organization the grant is made on (for an effective grant: where it comes from).
    async fn organization(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<OrganizationNode>> {
        organization_of(ctx, self.0.organization_id).await
    }

    /// Set when the grant covers one application only.
    async fn application_id(&self) -> Option<ID> {
        self.0.application_id.map(|a| ID(a.to_string()))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// `Organization.grants` (direct) or `effectiveGrants` (here and on every ancestor).
pub async fn grants(
    ctx: &Context<'_>,
    org: &Organization,
    inherited: bool,
) -> async_graphql::Result<Vec<GrantNode>> {
    access(ctx)?.require(org, Permission::MembersRead).await?;
    let ids: Vec<OrganizationId> = if inherited {
        let chain = loaders(ctx)?
            .organizations_by_path
            .load_many(
                org.path
                    .self_and_ancestors()
                    .into_iter()
                    .map(|p| (org.network_id, p)),
            )
            .await?;
        chain.values().map(|o| o.id).collect()
    } else {
        vec![org.id]
    };
    let found = services(ctx)?.grants_on(org.network_id, ids).await?;
    Ok(found.into_iter().map(GrantNode).collect())
}

/// One entry of the audit log, as the reader may see it.
pub struct AuditEventNode(pub AuditEntry);

#[Object(name = "AuditEvent")]
impl AuditEventNode {
    async fn id(&self) -> ID {
        ID(self.0.event.id.to_string())
    }

    /// The mutation, e.g. `moveOrganization`.
    async fn action(&self) -> &str {
        &self.0.event.action
    }

    /// The person who did it; `null` when the reader may not see that user, or when an
    /// application did it (see `actorApplicationName`).
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserNode>> {
        let Actor::User(user) = self.0.event.actor else {
            return Ok(None);
        };
        if !self.0.actor_visible {
            return Ok(None);
        }
        Ok(loaders(ctx)?.users.load_one(user).await?.map(UserNode))
    }

    /// The application that did it through its Organization Connect authorization, for
    /// readers of the application (its integrator).
    async fn actor_application(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::application::ApplicationNode>> {
        match self.0.event.actor {
            Actor::Application(app) if self.0.actor_visible => {
                super::application::readable(ctx, app).await
            }
            _ => Ok(None),
        }
    }

    /// The name of the application that did it, for every reader of the event: the
    /// organization authorized that application, so its name is no secret here.
    async fn actor_application_name(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<String>> {
        let Actor::Application(app) = self.0.event.actor else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .applications
            .load_one(app)
            .await?
            .map(|app| app.name))
    }

    /// The SCIM token through which the organization's directory did it.
    async fn actor_scim_token_id(&self) -> Option<ID> {
        match self.0.event.actor {
            Actor::Directory(token) => Some(ID(token.to_string())),
            _ => None,
        }
    }

    /// The id of the object changed when it isn't the organization itself.
    async fn target_id(&self) -> Option<&str> {
        self.0.event.target_id.as_deref()
    }

    /// The state before the change; ids the reader may not see read `"REDACTED"`.
    async fn before(&self) -> Option<Json<Value>> {
        self.0.event.before.clone().map(Json)
    }

    /// The state after the change; ids the reader may not see read `"REDACTED"`.
    async fn after(&self) -> Option<Json<Value>> {
        self.0.event.after.clone().map(Json)
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.event.occurred_at
    }
}

#[derive(SimpleObject)]
#[graphql(name = "AuditEventEdge")]
pub struct AuditEventEdge {
    pub cursor: String,
    pub node: AuditEventNode,
}

#[derive(SimpleObject)]
#[graphql(name = "AuditEventConnection", complex)]
pub struct AuditEventConnection {
    pub edges: Vec<AuditEventEdge>,
    pub page_info: PageInfo,
    #[graphql(skip)]
    pub organization: Organization,
}

#[ComplexObject]
impl AuditEventConnection {
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(services(ctx)?.audit_count(&self.organization).await?)
    }
}

/// `Organization.auditLog`: newest first; needs `audit:read` (inherited down the tree).
pub async fn audit_log(
    ctx: &Context<'_>,
    org: &Organization,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<AuditEventConnection> {
    access(ctx)?.require(org, Permission::AuditRead).await?;
    let limit = page_size(first)?;
    let after = match after {
        Some(cursor) => {
            let parts = decode_cursor(&cursor, 2)?;
            let malformed = || ApiError::bad_input("after", "is not a cursor from this list");
            let time = DateTime::parse_from_rfc3339(&parts[0])
                .map_err(|_| malformed())?
                .with_timezone(&Utc);
            let id: AuditEventId = parts[1].parse().map_err(|_| malformed())?;
            Some((time, id))
        }
        None => None,
    };
    let rows = services(ctx)?
        .audit_page(principal(ctx)?, org, after, rows_to_fetch(ctx, limit))
        .await?;
    let (rows, more) = split_page(rows, limit);
    let edges: Vec<AuditEventEdge> = rows
        .into_iter()
        .map(|e| AuditEventEdge {
            cursor: encode_cursor(&[&e.event.occurred_at.to_rfc3339(), &e.event.id.to_string()]),
            node: AuditEventNode(e),
        })
        .collect();
    let cursors: Vec<String> = edges.iter().map(|e| e.cursor.clone()).collect();
    Ok(AuditEventConnection {
        edges,
        page_info: page_info(&cursors, more),
        organization: org.clone(),
    })
}

/// The signed-in user, with their memberships.
pub struct ViewerNode(pub crate::domain::user::User);

#[Object(name = "Viewer")]
impl ViewerNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Null when the identity provider never told it.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    async fn user(&self) -> UserNode {
        UserNode(self.0.clone())
    }

    /// Every organization the viewer is a member of, in any network.
    async fn memberships(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MemberNode>> {
        let found = services(ctx)?.memberships_of(self.0.id).await?;
        Ok(found.into_iter().map(MemberNode).collect())
    }
}

#[derive(Default)]
pub struct AccessQueries;

#[Object]
impl AccessQueries {
    /// The signed-in user, their memberships, and (through `organizations`) what they may see.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<ViewerNode> {
        Ok(ViewerNode(person(principal(ctx)?)?.clone()))
    }
}
