//! The `Organization` type and its connection.

use async_graphql::parser::types::OperationType;
use async_graphql::{ComplexObject, Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::domain::organization::{Organization, OrganizationKind};
use crate::domain::tree_path::TreePath;
use crate::service::queries::{CountQuery, Listing};
use crate::service::ApiError;

use super::access::{
    self, AuditEventConnection, GrantNode, MemberConnection, MemberStatusGql, RoleNode,
};
use super::context::{access, can_see, loaders, services};
use super::contract_account::ContractAccountNode;
use super::loaders::{ChildCountKey, ChildrenKey};
use super::pagination::{
    connection_complexity, decode_cursor, encode_cursor, page_info_between, page_size,
    rows_to_fetch, split_page, PageInfo,
};
use super::settings::{
    self, EffectiveSettingList, EffectiveSettingNode, SettingLockNode, SettingNode,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "OrganizationKind")]
pub enum OrganizationKindGql {
    Customer,
    Integrator,
    Mixed,
}

impl From<OrganizationKind> for OrganizationKindGql {
    fn from(kind: OrganizationKind) -> Self {
        match kind {
            OrganizationKind::Customer => Self::Customer,
            OrganizationKind::Integrator => Self::Integrator,
            OrganizationKind::Mixed => Self::Mixed,
        }
    }
}

impl From<OrganizationKindGql> for OrganizationKind {
    fn from(kind: OrganizationKindGql) -> Self {
        match kind {
            OrganizationKindGql::Customer => Self::Customer,
            OrganizationKindGql::Integrator => Self::Integrator,
            OrganizationKindGql::Mixed => Self::Mixed,
        }
    }
}

/// An organizational unit: a node of a tree (a network).
pub struct OrganizationNode(pub Organization);

#[Object(name = "Organization")]
impl OrganizationNode {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The network (tree) this organization belongs to; it never changes.
    async fn network_id(&self) -> ID {
        ID(self.0.network_id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> OrganizationKindGql {
        self.0.kind.into()
    }

    /// Distance from the root (the root has depth 0).
    async fn depth(&self) -> i32 {
        self.0.depth
    }

    async fn is_root(&self) -> bool {
        self.0.is_root()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Set when the organization is soft-deleted (seen only with `includeDeleted`).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }

    /// When a deleted organization will be removed for good.
    async fn purge_after(&self) -> Option<DateTime<Utc>> {
        self.0.purge_after
    }

    /// The parent, or null for a root or a parent the caller may not see.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrganizationNode>> {
        // By id, not by path: a concurrent move may have changed the parent's path since this
        // organization was read, but never its parent's id.
        let Some(parent_id) = self.0.parent_id else {
            return Ok(None);
        };
        match loaders(ctx)?.organizations.load_one(parent_id).await? {
            Some(org) if can_see(ctx, &org).await? => Ok(Some(OrganizationNode(org))),
            _ => Ok(None),
        }
    }

    /// The root of the network, or null when the caller may not see it.
    async fn root(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrganizationNode>> {
        self.visible_at(ctx, self.0.path.root_path()).await
    }

    /// The ancestors the caller may see, root first.
    async fn ancestors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrganizationNode>> {
        let keys = self
            .0
            .path
            .ancestors()
            .into_iter()
            .map(|p| (self.0.network_id, p));
        let found = loaders(ctx)?.organizations_by_path.load_many(keys).await?;
        let mut chain: Vec<Organization> = found.into_values().collect();
        chain.sort_by_key(|o| o.depth);
        let mut visible = Vec::with_capacity(chain.len());
        for org in chain {
            if can_see(ctx, &org).await? {
                visible.push(OrganizationNode(org));
            }
        }
        Ok(visible)
    }

    async fn contract_account(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ContractAccountNode>> {
        let account = loaders(ctx)?
            .contract_accounts
            .load_one(self.0.contract_account_id)
            .await?;
        Ok(account.map(ContractAccountNode))
    }

    /// The SCIM tokens of this organization's directory (never their secrets); needs
    /// `members:manage`.
    async fn scim_tokens(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::directory::ScimTokenNode>> {
        super::directory::scim_tokens(ctx, &self.0).await
    }

    /// Who the directory makes a member here; needs `members:read`.
    async fn onboarding_rules(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::directory::OnboardingRuleNode>> {
        super::directory::onboarding_rules(ctx, &self.0).await
    }

    /// The users this organization's directory pushed over SCIM, oldest first; needs
    /// `members:read`.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn directory_users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<super::directory::DirectoryUserConnection> {
        super::directory::directory_users(ctx, &self.0, first, after).await
    }

    /// The groups this organization's directory pushed over SCIM, oldest first; needs
    /// `members:read`.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn directory_groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<super::directory::DirectoryGroupConnection> {
        super::directory::directory_groups(ctx, &self.0, first, after).await
    }

    /// What each provisioning step did to whose membership, and why, newest first; needs
    /// `members:read`.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn provisioning_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<super::directory::ProvisioningEventConnection> {
        super::directory::provisioning_events(ctx, &self.0, first, after).await
    }

    /// Members of this organization (with `includeSubOrganizations`, of its whole subtree);
    /// needs `members:read`.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<MemberStatusGql>,
        #[graphql(
            desc = "Only members holding a grant of this role (name) on their organization."
        )]
        role: Option<String>,
        #[graphql(default = false)] include_sub_organizations: bool,
    ) -> async_graphql::Result<MemberConnection> {
        access::members(
            ctx,
            &self.0,
            first,
            after,
            status,
            role,
            include_sub_organizations,
        )
        .await
    }

    /// Grants made on this organization itself; needs `members:read`.
    async fn grants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GrantNode>> {
        access::grants(ctx, &self.0, false).await
    }

    /// Grants that apply here: made on this organization or any ancestor (each tells its
    /// organization); needs `members:read`.
    async fn effective_grants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GrantNode>> {
        access::grants(ctx, &self.0, true).await
    }

    /// Roles usable here: the built-in ones and the custom roles defined here or above.
    async fn roles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RoleNode>> {
        access::roles(ctx, &self.0).await
    }

    /// What happened to this organization, newest first; needs `audit:read`.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<AuditEventConnection> {
        access::audit_log(ctx, &self.0, first, after).await
    }

    /// Settings defined on this organization itself.
    async fn settings(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SettingNode>> {
        settings::own_settings(ctx, &self.0).await
    }

    /// Keys this organization locks for its subtree.
    async fn setting_locks(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<SettingLockNode>> {
        settings::own_locks(ctx, &self.0).await
    }

    /// Effective values here, folded from the root down (default: every key defined or
    /// locked on the way). Keys without a value are left out.
    async fn effective_settings(
        &self,
        ctx: &Context<'_>,
        keys: Option<Vec<String>>,
    ) -> async_graphql::Result<EffectiveSettingList> {
        settings::effective_settings(ctx, &self.0, keys).await
    }

    /// The effective value of one key, or null when nothing defines it.
    async fn effective_setting(
        &self,
        ctx: &Context<'_>,
        key: String,
    ) -> async_graphql::Result<Option<EffectiveSettingNode>> {
        settings::effective_setting(ctx, &self.0, key).await
    }

    /// The applications held here that the caller may read (`applications:read` here or on
    /// the application), by name. Only integrator organizations hold applications.
    #[graphql(complexity = "super::application::list_complexity(child_complexity)")]
    async fn applications(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::application::ApplicationNode>> {
        super::application::applications_of(ctx, &self.0).await
    }

    /// The applications authorized here (Organization Connect), newest first; needs
    /// `authorizations:manage`.
    async fn authorizations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::authorization::AuthorizationNode>> {
        super::authorization::authorizations_of_organization(ctx, &self.0).await
    }

    /// The integrations held here, by display name (readable with `organization:read`;
    /// configurations never hold secrets). Only customer organizations hold integrations.
    #[graphql(complexity = "super::integration::list_complexity(child_complexity)")]
    async fn integrations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::integration::IntegrationNode>> {
        super::integration::integrations_of(ctx, &self.0).await
    }

    /// Direct children, by name.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] include_deleted: bool,
    ) -> async_graphql::Result<OrganizationConnection> {
        let limit = page_size(first)?;
        if !access(ctx)?
            .may_list_below(&self.0, include_deleted)
            .await?
        {
            return Ok(OrganizationConnection::by_name(
                Vec::new(),
                limit,
                CountQuery::Nothing,
            ));
        }
        let after = name_cursor_after(after)?;
        let listing = Listing {
            include_deleted,
            limit: rows_to_fetch(ctx, limit),
        };
        let nodes = ctx.look_ahead().field("edges").field("node");
        let key = ChildrenKey {
            network: self.0.network_id,
            parent: self.0.id,
            after,
            limit: listing.limit,
            include_deleted: listing.include_deleted,
            // Not in mutations: their fields run one after another, and a chain read for one
            // would be stale for the next after a write.
            with_chains: ctx.query_env.operation.node.ty == OperationType::Query
                && (nodes.field("effectiveSettings").exists()
                    || nodes.field("effectiveSetting").exists()),
        };
        let loaders = loaders(ctx)?;
        let page = loaders.children.load_one(key).await?.unwrap_or_default();
        loaders.prefetched_chains.keep(&page);
        Ok(OrganizationConnection::by_name(
            page.rows,
            limit,
            CountQuery::Children {
                network: self.0.network_id,
                parent: self.0.id,
                include_deleted,
            },
        ))
    }

    /// The whole subtree below this organization in tree order (parents before children),
    /// down to `maxDepth` levels below it.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn descendants(
        &self,
        ctx: &Context<'_>,
        max_depth: Option<i32>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] include_deleted: bool,
    ) -> async_graphql::Result<OrganizationConnection> {
        if max_depth.is_some_and(|d| d < 1) {
            return Err(ApiError::bad_input("maxDepth", "must be at least 1").into());
        }
        let limit = page_size(first)?;
        if !access(ctx)?
            .may_list_below(&self.0, include_deleted)
            .await?
        {
            return Ok(OrganizationConnection::by_path(
                Vec::new(),
                limit,
                CountQuery::Nothing,
            ));
        }
        let after = after
            .map(|c| decode_cursor(&c, 1))
            .transpose()?
            .and_then(|mut p| p.pop());
        let absolute_depth = max_depth.map(|d| self.0.depth.saturating_add(d));
        let listing = Listing {
            include_deleted,
            limit: rows_to_fetch(ctx, limit),
        };
        let rows = services(ctx)?
            .descendants_page(&self.0, absolute_depth, after, listing)
            .await?;
        Ok(OrganizationConnection::by_path(
            rows,
            limit,
            CountQuery::Descendants {
                network: self.0.network_id,
                root: self.0.path.clone(),
                max_depth: absolute_depth,
                include_deleted,
            },
        ))
    }
}

impl OrganizationNode {
    /// The fields answered from the organization's row alone: no arguments, no caller, no
    /// database. An answer made only of them may be shared between objects (see
    /// `graphql::shared_answers`); a field that starts to depend on more must leave the list.
    pub const ROW_FIELDS: &'static [&'static str] = &[
        "__typename",
        "id",
        "networkId",
        "name",
        "kind",
        "depth",
        "isRoot",
        "createdAt",
        "updatedAt",
        "deletedAt",
        "purgeAfter",
    ];

    async fn visible_at(
        &self,
        ctx: &Context<'_>,
        path: TreePath,
    ) -> async_graphql::Result<Option<OrganizationNode>> {
        let found = loaders(ctx)?
            .organizations_by_path
            .load_one((self.0.network_id, path))
            .await?;
        match found {
            Some(org) if can_see(ctx, &org).await? => Ok(Some(OrganizationNode(org))),
            _ => Ok(None),
        }
    }
}

fn pair(mut parts: Vec<String>) -> (String, String) {
    let second = parts.pop().unwrap_or_default();
    let first = parts.pop().unwrap_or_default();
    (first, second)
}

pub fn name_cursor_after(cursor: Option<String>) -> Result<Option<(String, String)>, ApiError> {
    Ok(cursor.map(|c| decode_cursor(&c, 2)).transpose()?.map(pair))
}

/// An organization of a page, with the order its cursor is written in.
pub struct OrganizationEdge {
    node: OrganizationNode,
    order: CursorOrder,
}

#[Object(name = "OrganizationEdge")]
impl OrganizationEdge {
    // Made when asked for: most queries walk pages without reading their cursors.
    async fn cursor(&self) -> String {
        self.order.cursor_of(&self.node.0)
    }

    async fn node(&self) -> &OrganizationNode {
        &self.node
    }
}

/// The keyset a page is ordered by, and so what its cursors hold.
#[derive(Clone, Copy)]
enum CursorOrder {
    /// Siblings and search results: (name key, id).
    ByName,
    /// Subtrees in tree order: the path.
    ByPath,
}

impl CursorOrder {
    fn cursor_of(self, org: &Organization) -> String {
        match self {
            Self::ByName => encode_cursor(&[
                &crate::domain::organization::name_key(&org.name),
                &org.id.to_string(),
            ]),
            Self::ByPath => encode_cursor(&[org.path.as_str()]),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "OrganizationConnection", complex)]
pub struct OrganizationConnection {
    pub edges: Vec<OrganizationEdge>,
    #[graphql(skip)]
    pub has_next_page: bool,
    #[graphql(skip)]
    pub count: CountQuery,
}

#[ComplexObject]
impl OrganizationConnection {
    // Made when asked for, like the edges' cursors: a nested walk builds a page per parent.
    async fn page_info(&self) -> PageInfo {
        let cursor =
            |edge: Option<&OrganizationEdge>| edge.map(|edge| edge.order.cursor_of(&edge.node.0));
        page_info_between(
            cursor(self.edges.first()),
            cursor(self.edges.last()),
            self.has_next_page,
        )
    }

    /// All items of the list, over every page (counted only when asked for).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        if let CountQuery::Children {
            network,
            parent,
            include_deleted,
        } = &self.count
        {
            let key = ChildCountKey {
                network: *network,
                parent: *parent,
                include_deleted: *include_deleted,
            };
            return Ok(loaders(ctx)?.child_counts.load_one(key).await?.unwrap_or(0));
        }
        Ok(services(ctx)?.count(self.count.clone()).await?)
    }
}

impl OrganizationConnection {
    pub fn by_name(rows: Vec<Organization>, limit: i64, count: CountQuery) -> Self {
        Self::build(rows, limit, count, CursorOrder::ByName)
    }

    pub fn by_path(rows: Vec<Organization>, limit: i64, count: CountQuery) -> Self {
        Self::build(rows, limit, count, CursorOrder::ByPath)
    }

    fn build(rows: Vec<Organization>, limit: i64, count: CountQuery, order: CursorOrder) -> Self {
        let (rows, has_next_page) = split_page(rows, limit);
        let edges = rows
            .into_iter()
            .map(|org| OrganizationEdge {
                node: OrganizationNode(org),
                order,
            })
            .collect();
        Self {
            edges,
            has_next_page,
            count,
        }
    }
}
