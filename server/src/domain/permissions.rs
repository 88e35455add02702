//! Permissions, roles and additive inheritance down the tree (SPEC §3).

use super::ids::{ApplicationId, DeletionId};
use super::organization::Organization;
use super::tree_path::TreePath;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Permission {
    OrganizationRead,
    OrganizationManage,
    MembersRead,
    MembersManage,
    RolesManage,
    SettingsRead,
    SettingsManage,
    ApplicationsRead,
    ApplicationsManage,
    IntegrationsManage,
    AuthorizationsManage,
    SchedulingManage,
    SchedulingActOnBehalf,
    EventsRead,
    BillingManage,
    AuditRead,
}

impl Permission {
    pub const ALL: [Permission; 16] = [
        Self::OrganizationRead,
        Self::OrganizationManage,
        Self::MembersRead,
        Self::MembersManage,
        Self::RolesManage,
        Self::SettingsRead,
        Self::SettingsManage,
        Self::ApplicationsRead,
        Self::ApplicationsManage,
        Self::IntegrationsManage,
        Self::AuthorizationsManage,
        Self::SchedulingManage,
        Self::SchedulingActOnBehalf,
        Self::EventsRead,
        Self::BillingManage,
        Self::AuditRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrganizationRead => "organization:read",
            Self::OrganizationManage => "organization:manage",
            Self::MembersRead => "members:read",
            Self::MembersManage => "members:manage",
            Self::RolesManage => "roles:manage",
            Self::SettingsRead => "settings:read",
            Self::SettingsManage => "settings:manage",
            Self::ApplicationsRead => "applications:read",
            Self::ApplicationsManage => "applications:manage",
            Self::IntegrationsManage => "integrations:manage",
            Self::AuthorizationsManage => "authorizations:manage",
            Self::SchedulingManage => "scheduling:manage",
            Self::SchedulingActOnBehalf => "scheduling:act_on_behalf",
            Self::EventsRead => "events:read",
            Self::BillingManage => "billing:manage",
            Self::AuditRead => "audit:read",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

/// A set of permissions as a bit set: unions are cheap enough to run per organization.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PermissionSet(u32);

impl PermissionSet {
    pub const EMPTY: Self = Self(0);

    pub fn of(permissions: &[Permission]) -> Self {
        permissions
            .iter()
            .fold(Self::EMPTY, |set, p| Self(set.0 | 1 << (*p as u8)))
    }

    pub fn all() -> Self {
        Self::of(&Permission::ALL)
    }

    pub fn contains(self, permission: Permission) -> bool {
        self.0 & (1 << (permission as u8)) != 0
    }

    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

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
}

impl PlacedGrant {
    /// Whether the grant reaches `target`: on it or an ancestor, and not removed by a
    /// deletion — except towards the very deletion it was removed with, so that whoever could
    /// manage a subtree before it was deleted can still see and restore it.
    fn reaches(&self, target: &Organization) -> bool {
        self.organization_path.contains(&target.path)
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

/// The roots of the subtrees in which the grants give `permission` (used to list what a
/// principal may see without scanning a network). Nested paths are dropped.
pub fn subtrees_with(grants: &[PlacedGrant], permission: Permission) -> Vec<TreePath> {
    let mut paths: Vec<TreePath> = grants
        .iter()
        .filter(|g| !g.organization_deleted)
        .filter(|g| match g.application {
            None => g.permissions.contains(permission),
            Some(_) => permission == Permission::OrganizationRead,
        })
        .map(|g| g.organization_path.clone())
        .collect();
    paths.sort();
    let mut minimal: Vec<TreePath> = Vec::with_capacity(paths.len());
    for path in paths {
        if !minimal.last().is_some_and(|outer| outer.contains(&path)) {
            minimal.push(path);
        }
    }
    minimal
}

/// Over several networks: the subtrees where the grants give `permission`, narrowed to the
/// subtree `within` when given (for listing what a principal may see).
pub fn scopes_with<'a, N: Copy + PartialEq + 'a>(
    grants_by_network: impl IntoIterator<Item = (N, &'a [PlacedGrant])>,
    permission: Permission,
    within: Option<&(N, TreePath)>,
) -> Vec<(N, TreePath)> {
    let mut scopes = Vec::new();
    for (network, grants) in grants_by_network {
        for path in subtrees_with(grants, permission) {
            match within {
                None => scopes.push((network, path)),
                Some((only, inner)) if *only == network => {
                    if path.contains(inner) {
                        scopes.push((network, inner.clone()));
                    } else if inner.contains(&path) {
                        scopes.push((network, path));
                    }
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
        };
        let a = TreePath::root(1).child(2);
        let grants = vec![
            grant(a.child(3)),
            grant(a.clone()),
            grant(TreePath::root(1).child(20)),
        ];
        let roots = subtrees_with(&grants, Permission::OrganizationRead);
        assert_eq!(roots, vec![a, TreePath::root(1).child(20)]);
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
        assert_eq!(narrowed, vec![(1, inner)]);
        assert!(scopes_with(networks, Permission::AuditRead, None).is_empty());
    }
}
