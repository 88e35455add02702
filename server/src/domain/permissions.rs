//! Permissions, roles and additive inheritance down the tree (SPEC §3).

use super::ids::{ApplicationId, DeletionId};
use super::organization::Organization;
use super::tree_path::TreePath;

pub use orgraph_rules::permission::{Permission, PermissionSet};

/// The built-in roles. Custom roles arrive with the access-control work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltInRole {
    OpsAdmin,
    EngineeringManager,
    Developer,
    SchedulingCoordinator,
    Employee,
}

impl BuiltInRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpsAdmin => "OPS_ADMIN",
            Self::EngineeringManager => "ENGINEERING_MANAGER",
            Self::Developer => "DEVELOPER",
            Self::SchedulingCoordinator => "SCHEDULING_COORDINATOR",
            Self::Employee => "EMPLOYEE",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::OpsAdmin,
            Self::EngineeringManager,
            Self::Developer,
            Self::SchedulingCoordinator,
            Self::Employee,
        ]
        .into_iter()
        .find(|r| r.as_str() == raw)
    }

    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        match self {
            Self::OpsAdmin => PermissionSet::all(),
            Self::EngineeringManager => PermissionSet::of(&[
                OrganizationRead,
                MembersRead,
                MembersManage,
                SettingsRead,
                ApplicationsRead,
                ApplicationsManage,
                IntegrationsManage,
                EventsRead,
                AuditRead,
            ]),
            Self::Developer => PermissionSet::of(&[
                OrganizationRead,
                SettingsRead,
                ApplicationsRead,
                ApplicationsManage,
            ]),
            Self::SchedulingCoordinator => PermissionSet::of(&[
                OrganizationRead,
                MembersRead,
                SettingsRead,
                SchedulingManage,
                SchedulingActOnBehalf,
                EventsRead,
            ]),
            Self::Employee => PermissionSet::of(&[OrganizationRead, MembersRead, SettingsRead]),
        }
    }
}

/// A principal's grant, located in the tree by the path of the organization it is on, with
/// its role already resolved to permissions (built-in or custom).
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedGrant {
    pub role: String,
    pub permissions: PermissionSet,
    /// Set for a grant on one application: its permissions apply to that application only.
    pub application: Option<ApplicationId>,
    pub organization_path: TreePath,
    /// Set when the granted organization is soft-deleted.
    pub organization_deletion: Option<DeletionId>,
    pub organization_deleted: bool,
    pub reach: Reach,
}

/// How far down a grant's permissions flow from the organization it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The organization and its whole subtree: every role grant (inheritance is additive).
    Subtree,
    /// The organization alone: an application's authorization consented without its
    /// sub-organizations.
    OrganizationOnly,
}

impl PlacedGrant {
    /// Whether the grant's permissions apply at `path`: on the granted organization, or below
    /// it when the grant reaches the subtree.
    pub fn covers(&self, path: &TreePath) -> bool {
        match self.reach {
            Reach::Subtree => self.organization_path.contains(path),
            Reach::OrganizationOnly => self.organization_path == *path,
        }
    }

    /// Whether the grant reaches `target`: on it or an ancestor, and not removed by a
    /// deletion — except towards the very deletion it was removed with, so that whoever could
    /// manage a subtree before it was deleted can still see and restore it.
    fn reaches(&self, target: &Organization) -> bool {
        self.covers(&target.path)
            && (!self.organization_deleted
                || (target.deletion_id.is_some()
                    && self.organization_deletion == target.deletion_id))
    }
}

/// Union of the permissions of the organization-wide grants on `target` and on each of its
/// ancestors (inheritance is additive). A grant on one application only makes the
/// organization visible (`organization:read`), so its holder can reach the application.
pub fn effective_permissions(grants: &[PlacedGrant], target: &Organization) -> PermissionSet {
    grants
        .iter()
        .filter(|g| g.reaches(target))
        .fold(PermissionSet::EMPTY, |set, g| match g.application {
            None => set.union(g.permissions),
            Some(_) => set.union(PermissionSet::of(&[Permission::OrganizationRead])),
        })
}

/// The permissions on one application of `target`: the organization-wide ones plus those
/// of the grants on that application.
pub fn effective_permissions_on_application(
    grants: &[PlacedGrant],
    target: &Organization,
    application: ApplicationId,
) -> PermissionSet {
    grants
        .iter()
        .filter(|g| g.reaches(target))
        .filter(|g| g.application.is_none_or(|a| a == application))
        .fold(PermissionSet::EMPTY, |set, g| set.union(g.permissions))
}

/// The permissions a role name stands for, when it is built in.
pub fn built_in_permissions(role: &str) -> Option<PermissionSet> {
    BuiltInRole::parse(role).map(BuiltInRole::permissions)
}

/// Parses a custom role's stored permission list (space-separated names).
pub fn parse_permission_list(raw: &str) -> PermissionSet {
    let names: Vec<Permission> = raw
        .split_whitespace()
        .filter_map(Permission::parse)
        .collect();
    PermissionSet::of(&names)
}

/// Writes a permission set as stored for custom roles.
pub fn format_permission_list(set: PermissionSet) -> String {
    set.iter()
        .map(Permission::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where a caller may list organizations: a subtree, or (for an authorization without its
/// sub-organizations) one organization alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub root: TreePath,
    pub reach: Reach,
}

impl Scope {
    fn contains(&self, other: &Scope) -> bool {
        match self.reach {
            Reach::Subtree => self.root.contains(&other.root),
            Reach::OrganizationOnly => *self == *other,
        }
    }
}

/// Where the grants give `permission` (used to list what a principal may see without
/// scanning a network). Scopes inside another are dropped.
pub fn subtrees_with(grants: &[PlacedGrant], permission: Permission) -> Vec<Scope> {
    let mut scopes: Vec<Scope> = grants
        .iter()
        .filter(|g| !g.organization_deleted)
        .filter(|g| match g.application {
            None => g.permissions.contains(permission),
            Some(_) => permission == Permission::OrganizationRead,
        })
        .map(|g| Scope {
            root: g.organization_path.clone(),
            reach: g.reach,
        })
        .collect();
    // Sorted by path, a subtree comes before everything inside it.
    scopes.sort_by(|a, b| {
        a.root.cmp(&b.root).then_with(|| {
            (a.reach == Reach::OrganizationOnly).cmp(&(b.reach == Reach::OrganizationOnly))
        })
    });
    let mut minimal: Vec<Scope> = Vec::with_capacity(scopes.len());
    for scope in scopes {
        if !minimal.iter().any(|outer| outer.contains(&scope)) {
            minimal.push(scope);
        }
    }
    minimal
}

/// Over several networks: where the grants give `permission`, narrowed to the subtree
/// `within` when given (for listing what a principal may see).
pub fn scopes_with<'a, N: Copy + PartialEq + 'a>(
    grants_by_network: impl IntoIterator<Item = (N, &'a [PlacedGrant])>,
    permission: Permission,
    within: Option<&(N, TreePath)>,
) -> Vec<(N, Scope)> {
    let mut scopes = Vec::new();
    for (network, grants) in grants_by_network {
        for scope in subtrees_with(grants, permission) {
            match within {
                None => scopes.push((network, scope)),
                Some((only, inner)) if *only == network => {
                    let narrowed = match scope.reach {
                        Reach::Subtree if scope.root.contains(inner) => Some(Scope {
                            root: inner.clone(),
                            reach: Reach::Subtree,
                        }),
                        _ if inner.contains(&scope.root) => Some(scope),
                        _ => None,
                    };
                    scopes.extend(narrowed.map(|scope| (network, scope)));
                }
                Some(_) => {}
            }
        }
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        assert_eq!(PermissionSet::all().iter().count(), 16);
    }

    #[test]
    fn nested_subtrees_collapse() {
        let grant = |path: TreePath| PlacedGrant {
            role: "OPS_ADMIN".into(),
            permissions: PermissionSet::all(),
            application: None,
            organization_path: path,
            organization_deletion: None,
            organization_deleted: false,
            reach: Reach::Subtree,
        };
        let a = TreePath::root(1).child(2);
        let grants = vec![
            grant(a.child(3)),
            grant(a.clone()),
            grant(TreePath::root(1).child(20)),
        ];
        let roots = subtrees_with(&grants, Permission::OrganizationRead);
        assert_eq!(
            roots,
            vec![subtree(a), subtree(TreePath::root(1).child(20))]
        );
    }

    fn subtree(root: TreePath) -> Scope {
        Scope {
            root,
            reach: Reach::Subtree,
        }
    }

    /// An authorization without its sub-organizations covers its organization alone: not its
    /// children, not its ancestors, and its scope lists that one organization.
    #[test]
    fn an_organization_only_grant_stays_on_its_organization() {
        let at = TreePath::root(1).child(2);
        let grant = PlacedGrant {
            role: "authorization".into(),
            permissions: PermissionSet::of(&[Permission::OrganizationRead]),
            application: None,
            organization_path: at.clone(),
            organization_deletion: None,
            organization_deleted: false,
            reach: Reach::OrganizationOnly,
        };
        assert!(grant.covers(&at));
        assert!(!grant.covers(&at.child(3)));
        assert!(!grant.covers(&TreePath::root(1)));
        let only = Scope {
            root: at.clone(),
            reach: Reach::OrganizationOnly,
        };
        assert_eq!(
            subtrees_with(std::slice::from_ref(&grant), Permission::OrganizationRead),
            vec![only.clone()]
        );
        let networks = [(1_u8, std::slice::from_ref(&grant))];
        let within =
            |path: TreePath| scopes_with(networks, Permission::OrganizationRead, Some(&(1, path)));
        assert_eq!(within(TreePath::root(1)), vec![(1, only.clone())]);
        assert_eq!(within(at.clone()), vec![(1, only)]);
        assert!(within(at.child(3)).is_empty());
        // A subtree grant on the same organization takes it over.
        let wider = PlacedGrant {
            reach: Reach::Subtree,
            ..grant.clone()
        };
        assert_eq!(
            subtrees_with(&[grant, wider], Permission::OrganizationRead),
            vec![subtree(at)]
        );
    }

    #[test]
    fn scopes_are_narrowed_to_a_subtree() {
        let grant = |path: TreePath| PlacedGrant {
            role: "EMPLOYEE".into(),
            permissions: BuiltInRole::Employee.permissions(),
            application: None,
            organization_path: path,
            organization_deletion: None,
            organization_deleted: false,
            reach: Reach::Subtree,
        };
        let root = TreePath::root(1);
        let inner = root.child(2);
        let a = vec![grant(root.clone())];
        let b = vec![grant(TreePath::root(7).child(8))];
        let networks = [(1_u8, a.as_slice()), (2_u8, b.as_slice())];
        let all = scopes_with(networks, Permission::OrganizationRead, None);
        assert_eq!(all.len(), 2);
        let narrowed = scopes_with(
            networks,
            Permission::OrganizationRead,
            Some(&(1, inner.clone())),
        );
        assert_eq!(narrowed, vec![(1, subtree(inner))]);
        assert!(scopes_with(networks, Permission::AuditRead, None).is_empty());
    }
}
