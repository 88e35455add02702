//! Newtype ids: an `OrganizationId` can't be passed where a `NetworkId` is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self)
            }
        }
    };
}

uuid_id!(
    /// An organization (a node of a tree).
    OrganizationId
);
uuid_id!(
    /// A tree; stable for the tree's life, whatever happens to its root.
    NetworkId
);

impl NetworkId {
    /// The network that holds nothing (the nil UUID): where lookups of ids that route
    /// nowhere go, so that they cost what a hidden one does.
    pub const NONE: Self = Self(Uuid::nil());
}
uuid_id!(UserId);
uuid_id!(ContractAccountId);
uuid_id!(GrantId);
uuid_id!(
    /// Marks the rows one `deleteOrganization` removed, so a restore brings back exactly those.
    DeletionId
);
uuid_id!(MemberId);
uuid_id!(CustomRoleId);
uuid_id!(ApplicationId);
uuid_id!(IntegrationId);
uuid_id!(AuditEventId);
