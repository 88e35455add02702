//! The permissions of SPEC §3, which are also Organization Connect's scope names (SPEC §5).

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

    pub fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
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
