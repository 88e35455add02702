//! Directory onboarding in GraphQL: an organization's SCIM tokens, onboarding rules, the
//! directory's users and groups as Orgraph sees them, and the provisioning events that say
//! why someone is or isn't a member.

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::domain::directory::{
    DirectoryGroup, DirectoryUser, OnboardingRule, ProvisioningOutcome, ScimToken,
};
use crate::domain::organization::Organization;
use crate::domain::permissions::Permission;
use crate::store::onboarding::ProvisioningEvent;

use super::access::MemberNode;
use super::context::{access, loaders, services};
use super::pagination::{decode_cursor, encode_cursor, page_info, page_size, split_page, PageInfo};
use crate::service::ApiError;

/// A directory's SCIM token (never its secret).
pub struct ScimTokenNode(pub ScimToken);

#[Object(name = "ScimToken")]
impl ScimTokenNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// False once revoked: its next request is refused.
    async fn active(&self) -> bool {
        self.0.revoked_at.is_none()
    }
}

/// Who the directory makes a member: all its users, or one group's, with a role.
pub struct OnboardingRuleNode(pub OnboardingRule);

#[Object(name = "OnboardingRule")]
impl OnboardingRuleNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The group whose members it onboards; null: every directory user.
    async fn directory_group(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<DirectoryGroupNode>> {
        let Some(id) = self.0.group_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .directory_groups
            .load_one((self.0.network_id, id))
            .await?
            .map(|(group, members)| DirectoryGroupNode(group, members)))
    }
    /// The role its members are granted here: a built-in role's name or a custom role's name.
    async fn role(&self) -> &str {
        &self.0.role
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A group of the organization's directory.
pub struct DirectoryGroupNode(pub DirectoryGroup, pub i64);

#[Object(name = "DirectoryGroup")]
impl DirectoryGroupNode {
    /// The SCIM id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    async fn member_count(&self) -> i64 {
        self.1
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A user of the organization's directory, as its identity provider pushed it.
pub struct DirectoryUserNode(pub DirectoryUser);

#[Object(name = "DirectoryUser")]
impl DirectoryUserNode {
    /// The SCIM id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn user_name(&self) -> &str {
        self.0.user_name()
    }
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id()
    }
    async fn display_name(&self) -> Option<&str> {
        self.0.display_name()
    }
    /// The work email (else the primary one).
    async fn email(&self) -> Option<&str> {
        self.0.email()
    }
    /// False when the directory deactivated the user.
    async fn active(&self) -> bool {
        self.0.active()
    }
    /// The directory groups the user belongs to.
    async fn groups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DirectoryGroupNode>> {
        let loaders = loaders(ctx)?;
        let network = self.0.network_id;
        let ids = loaders
            .directory_groups_of_user
            .load_one((network, self.0.id))
            .await?
            .unwrap_or_default();
        let found = loaders
            .directory_groups
            .load_many(ids.iter().map(|id| (network, *id)))
            .await?;
        let mut groups: Vec<DirectoryGroupNode> = found
            .into_values()
            .map(|(group, members)| DirectoryGroupNode(group, members))
            .collect();
        groups.sort_by_key(|g| (g.0.created_at, g.0.id));
        Ok(groups)
    }
    /// The membership the directory made (or found) for this user; null until onboarded.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MemberNode>> {
        let Some(person) = self.0.person_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .member_of_person
            .load_one((self.0.network_id, self.0.organization_id, person))
            .await?
            .map(MemberNode))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ProvisioningOutcome")]
pub enum ProvisioningOutcomeGql {
    /// The user became an active member.
    MemberAdded,
    /// A suspended member became active again.
    MemberReactivated,
    /// Still an active member; its source or rule roles changed.
    MemberUpdated,
    /// Nothing about the membership changed.
    MemberUnchanged,
    /// The membership was suspended (deactivated, deleted, or no rule matches any more).
    MemberSuspended,
    /// Not a member: no rule matches, or the user is inactive.
    NotOnboarded,
    /// The person is a member added by hand; the directory never changes such members.
    ManualMemberUntouched,
    /// An administrator removed the member; the directory does not bring them back.
    RemovedMemberUntouched,
    /// An administrator suspended the member; the directory does not lift that.
    SuspendedMemberUntouched,
    /// Neither the userName nor an email is an email address to know the person by.
    NoEmail,
}

impl From<ProvisioningOutcome> for ProvisioningOutcomeGql {
    fn from(outcome: ProvisioningOutcome) -> Self {
        match outcome {
            ProvisioningOutcome::MemberAdded => Self::MemberAdded,
            ProvisioningOutcome::MemberReactivated => Self::MemberReactivated,
            ProvisioningOutcome::MemberUpdated => Self::MemberUpdated,
            ProvisioningOutcome::MemberUnchanged => Self::MemberUnchanged,
            ProvisioningOutcome::MemberSuspended => Self::MemberSuspended,
            ProvisioningOutcome::NotOnboarded => Self::NotOnboarded,
            ProvisioningOutcome::ManualMemberUntouched => Self::ManualMemberUntouched,
            ProvisioningOutcome::RemovedMemberUntouched => Self::RemovedMemberUntouched,
            ProvisioningOutcome::SuspendedMemberUntouched => Self::SuspendedMemberUntouched,
            ProvisioningOutcome::NoEmail => Self::NoEmail,
        }
    }
}

/// What one provisioning step did to one directory user's membership, and why.
pub struct ProvisioningEventNode(pub ProvisioningEvent);

#[Object(name = "ProvisioningEvent")]
impl ProvisioningEventNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The SCIM request (`PATCH /Users`) or the mutation (`createOnboardingRule`) behind it.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    async fn directory_user_id(&self) -> Option<ID> {
        self.0.directory_user_id.map(|id| ID(id.to_string()))
    }
    async fn user_name(&self) -> Option<&str> {
        self.0.user_name.as_deref()
    }
    async fn outcome(&self) -> ProvisioningOutcomeGql {
        self.0.outcome.into()
    }
    /// Why, in words: the rules that matched, or why none did.
    async fn detail(&self) -> &str {
        &self.0.detail
    }
    /// The SCIM token that made the request; null for a change an administrator made.
    async fn scim_token_id(&self) -> Option<ID> {
        self.0.scim_token_id.map(|id| ID(id.to_string()))
    }
}

#[derive(SimpleObject)]
pub struct DirectoryUserEdge {
    pub cursor: String,
    pub node: DirectoryUserNode,
}

#[derive(SimpleObject)]
pub struct DirectoryUserConnection {
    pub edges: Vec<DirectoryUserEdge>,
    pub page_info: PageInfo,
    pub total_count: i64,
}

#[derive(SimpleObject)]
pub struct DirectoryGroupEdge {
    pub cursor: String,
    pub node: DirectoryGroupNode,
}

#[derive(SimpleObject)]
pub struct DirectoryGroupConnection {
    pub edges: Vec<DirectoryGroupEdge>,
    pub page_info: PageInfo,
    pub total_count: i64,
}

#[derive(SimpleObject)]
pub struct ProvisioningEventEdge {
    pub cursor: String,
    pub node: ProvisioningEventNode,
}

#[derive(SimpleObject)]
pub struct ProvisioningEventConnection {
    pub edges: Vec<ProvisioningEventEdge>,
    pub page_info: PageInfo,
}

fn time_cursor(cursor: Option<String>) -> async_graphql::Result<Option<(DateTime<Utc>, String)>> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let mut parts = decode_cursor(&cursor, 2)?;
    let id = parts.pop().unwrap_or_default();
    let time = DateTime::parse_from_rfc3339(&parts.pop().unwrap_or_default())
        .map_err(|_| ApiError::bad_input("after", "is not a cursor from this list"))?
        .with_timezone(&Utc);
    Ok(Some((time, id)))
}

fn encode_time_cursor(time: DateTime<Utc>, id: &str) -> String {
    encode_cursor(&[
        &time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        id,
    ])
}

// The `Organization` fields, each asking the access layer first.

pub async fn scim_tokens(
    ctx: &Context<'_>,
    org: &Organization,
) -> async_graphql::Result<Vec<ScimTokenNode>> {
    access(ctx)?.require(org, Permission::MembersManage).await?;
    Ok(services(ctx)?
        .scim_tokens_of(org.clone())
        .await?
        .into_iter()
        .map(ScimTokenNode)
        .collect())
}

pub async fn onboarding_rules(
    ctx: &Context<'_>,
    org: &Organization,
) -> async_graphql::Result<Vec<OnboardingRuleNode>> {
    access(ctx)?.require(org, Permission::MembersRead).await?;
    Ok(services(ctx)?
        .onboarding_rules_of(org.clone())
        .await?
        .into_iter()
        .map(OnboardingRuleNode)
        .collect())
}

pub async fn directory_users(
    ctx: &Context<'_>,
    org: &Organization,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<DirectoryUserConnection> {
    access(ctx)?.require(org, Permission::MembersRead).await?;
    let limit = page_size(first)?;
    let after = time_cursor(after)?;
    let (users, total_count) = services(ctx)?
        .directory_user_page(org.clone(), after, limit + 1)
        .await?;
    let (users, more) = split_page(users, limit);
    let edges: Vec<DirectoryUserEdge> = users
        .into_iter()
        .map(|user| DirectoryUserEdge {
            cursor: encode_time_cursor(user.created_at, &user.id.to_string()),
            node: DirectoryUserNode(user),
        })
        .collect();
    let cursors: Vec<String> = edges.iter().map(|e| e.cursor.clone()).collect();
    Ok(DirectoryUserConnection {
        edges,
        page_info: page_info(&cursors, more),
        total_count,
    })
}

pub async fn directory_groups(
    ctx: &Context<'_>,
    org: &Organization,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<DirectoryGroupConnection> {
    access(ctx)?.require(org, Permission::MembersRead).await?;
    let limit = page_size(first)?;
    let after = time_cursor(after)?;
    let (groups, total_count) = services(ctx)?
        .directory_group_page(org.clone(), after, limit + 1)
        .await?;
    let (groups, more) = split_page(groups, limit);
    let edges: Vec<DirectoryGroupEdge> = groups
        .into_iter()
        .map(|(group, members)| DirectoryGroupEdge {
            cursor: encode_time_cursor(group.created_at, &group.id.to_string()),
            node: DirectoryGroupNode(group, members),
        })
        .collect();
    let cursors: Vec<String> = edges.iter().map(|e| e.cursor.clone()).collect();
    Ok(DirectoryGroupConnection {
        edges,
        page_info: page_info(&cursors, more),
        total_count,
    })
}

pub async fn provisioning_events(
    ctx: &Context<'_>,
    org: &Organization,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<ProvisioningEventConnection> {
    access(ctx)?.require(org, Permission::MembersRead).await?;
    let limit = page_size(first)?;
    let before = time_cursor(after)?;
    let events = services(ctx)?
        .provisioning_event_page(org.clone(), before, limit + 1)
        .await?;
    let (events, more) = split_page(events, limit);
    let edges: Vec<ProvisioningEventEdge> = events
        .into_iter()
        .map(|event| ProvisioningEventEdge {
            cursor: encode_time_cursor(event.occurred_at, &event.id.to_string()),
            node: ProvisioningEventNode(event),
        })
        .collect();
    let cursors: Vec<String> = edges.iter().map(|e| e.cursor.clone()).collect();
    Ok(ProvisioningEventConnection {
        edges,
        page_info: page_info(&cursors, more),
    })
}
