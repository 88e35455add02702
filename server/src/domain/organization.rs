//! Organizations and the rules that keep the tree a tree.

use chrono::{DateTime, Duration, Utc};

use super::error::{DomainError, DomainResult};
use super::ids::{ContractAccountId, DeletionId, NetworkId, OrganizationId};
use super::name::Name;
use super::tree_path::TreePath;

pub const NAME_MAX_CHARS: usize = 200;
pub const DEFAULT_DEPTH_LIMIT: i32 = 32;
pub const DEFAULT_RETENTION_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationKind {
    Customer,
    Integrator,
    Mixed,
}

impl OrganizationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "CUSTOMER",
            Self::Integrator => "INTEGRATOR",
            Self::Mixed => "MIXED",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "CUSTOMER" => Some(Self::Customer),
            "INTEGRATOR" => Some(Self::Integrator),
            "MIXED" => Some(Self::Mixed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: OrganizationId,
    pub network_id: NetworkId,
    pub seq: i64,
    pub parent_id: Option<OrganizationId>,
    pub path: TreePath,
    pub depth: i32,
    pub name: String,
    pub kind: OrganizationKind,
    pub contract_account_id: ContractAccountId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub purge_after: Option<DateTime<Utc>>,
    pub deletion_id: Option<DeletionId>,
    /// Whether the contract account is chosen here rather than inherited: on a root, or where
    /// it differs from the parent's. The accounts used in a subtree are its root's and those
    /// of its organizations that set one (who manages an account, SPEC §3).
    pub sets_contract_account: bool,
}

impl Organization {
    pub fn is_root(&self) -> bool {
        self.parent_id.is_none()
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// A validated organization name (see [`super::name`]) and the key that makes sibling names
/// unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationName {
    pub display: String,
    pub key: String,
}

impl OrganizationName {
    pub fn parse(raw: &str) -> DomainResult<Self> {
        let name = Name::parse("name", raw, NAME_MAX_CHARS)?;
        Ok(Self {
            key: name.key(),
            display: name.into_string(),
        })
    }

    /// The name an organization already has, unchecked: moving or restoring an organization
    /// compares it with its new siblings but does not judge it again.
    pub fn stored(name: &str) -> Self {
        Self {
            display: name.to_owned(),
            key: name_key(name),
        }
    }
}

/// Case-insensitive comparison key of a name (see [`super::name::key`]; same on both
/// backends).
pub fn name_key(name: &str) -> String {
    super::name::key(name)
}

/// Structural limits, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct TreeLimits {
    pub depth_limit: i32,
    pub retention: Duration,
}

impl Default for TreeLimits {
    fn default() -> Self {
        Self {
            depth_limit: DEFAULT_DEPTH_LIMIT,
            retention: Duration::days(DEFAULT_RETENTION_DAYS),
        }
    }
}

impl TreeLimits {
    pub fn check_depth(&self, depth: i32) -> DomainResult<()> {
        if depth > self.depth_limit {
            return Err(DomainError::LimitExceeded(format!(
                "the tree would be {depth} levels deep; the depth limit is {}",
                self.depth_limit
            )));
        }
        Ok(())
    }
}

/// A new child may be added under a live parent that is not at the depth limit.
pub fn check_add_child(parent: &Organization, limits: &TreeLimits) -> DomainResult<()> {
    limits.check_depth(parent.depth + 1)
}

/// `addRootOrganization` puts a new root above an existing root, pushing every level down one.
pub fn check_add_root(
    target: &Organization,
    deepest_in_network: i32,
    limits: &TreeLimits,
) -> DomainResult<()> {
    if !target.is_root() {
        return Err(DomainError::invalid(
            "rootId",
            "is not the root of its network; a new root can only be added above a root",
        ));
    }
    limits.check_depth(deepest_in_network + 1)
}

/// The moves that would break the tree or cross a boundary are refused.
pub fn check_move(
    org: &Organization,
    new_parent: &Organization,
    deepest_in_subtree: i32,
    limits: &TreeLimits,
) -> DomainResult<()> {
    if org.is_root() {
        return Err(DomainError::invalid(
            "id",
            "a root cannot be moved; add a new root above it instead",
        ));
    }
    if org.network_id != new_parent.network_id {
        return Err(DomainError::invalid(
            "newParentId",
            "is in another network; organizations move only within their network",
        ));
    }
    if org.path.contains(&new_parent.path) {
        return Err(DomainError::invalid(
            "newParentId",
            "is the organization itself or one of its descendants",
        ));
    }
    let shift = new_parent.depth + 1 - org.depth;
    limits.check_depth(deepest_in_subtree + shift)
}

/// A soft-deleted subtree can come back while its retention lasts and its parent is live.
pub fn check_restore(
    org: &Organization,
    parent: Option<&Organization>,
    now: DateTime<Utc>,
) -> DomainResult<DeletionId> {
    let Some(deletion_id) = org.deletion_id else {
        return Err(DomainError::invalid(
            "id",
            "the organization is not deleted",
        ));
    };
    if org
        .purge_after
        .is_some_and(|purge_after| purge_after <= now)
    {
        return Err(DomainError::Conflict(
            "the retention period of this deletion is over; it can no longer be restored".into(),
        ));
    }
    if let Some(parent) = parent {
        if parent.is_deleted() {
            return Err(DomainError::Conflict(format!(
                "the parent organization {} is deleted; restore it first",
                parent.id
            )));
        }
    }
    Ok(deletion_id)
}

/// When a deletion made now may be purged.
pub fn purge_after(deleted_at: DateTime<Utc>, limits: &TreeLimits) -> DateTime<Utc> {
    deleted_at + limits.retention
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(path: TreePath, parent: Option<OrganizationId>) -> Organization {
        let now = Utc::now();
        Organization {
            id: OrganizationId::new_random(),
            network_id: NetworkId(uuid::Uuid::nil()),
            seq: 1,
            parent_id: parent,
            depth: path.depth(),
            path,
            name: "x".into(),
            kind: OrganizationKind::Customer,
            contract_account_id: ContractAccountId::new_random(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
            purge_after: None,
            deletion_id: None,
            sets_contract_account: parent.is_none(),
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        let name = OrganizationName::parse("  Région Nord ").ok();
        assert_eq!(
            name.as_ref().map(|n| n.display.as_str()),
            Some("Région Nord")
        );
        assert_eq!(name.map(|n| n.key), Some("région nord".to_owned()));
        assert!(OrganizationName::parse("   ").is_err());
        assert!(OrganizationName::parse(&"a".repeat(201)).is_err());
        assert!(OrganizationName::parse(&"é".repeat(200)).is_ok());
        assert!(OrganizationName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn moves_that_break_the_tree_are_refused() {
        let limits = TreeLimits::default();
        let root = org(TreePath::root(1), None);
        let a = org(TreePath::root(1).child(2), Some(root.id));
        let a_child = org(TreePath::root(1).child(2).child(3), Some(a.id));
        let b = org(TreePath::root(1).child(4), Some(root.id));
        assert!(check_move(&a, &b, a_child.depth, &limits).is_ok());
        assert!(check_move(&a, &a, a_child.depth, &limits).is_err());
        assert!(check_move(&a, &a_child, a_child.depth, &limits).is_err());
        assert!(check_move(&root, &b, 2, &limits).is_err());
        let tight = TreeLimits {
            depth_limit: 2,
            ..limits
        };
        assert!(matches!(
            check_move(&a, &b, a_child.depth, &tight),
            Err(DomainError::LimitExceeded(_))
        ));
    }
}
