//! Newtype ids: an `OrganizationId` can't be passed where a `NetworkId` is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// Text that is not an id in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an id: ids are written as 36 characters, lowercase hexadecimal digits and hyphens (8-4-4-4-12)")]
pub struct NotAnId;

/// A UUID in the one spelling ids are given out in: lowercase, hyphenated, 36 characters,
/// nothing around it. Upper case, braces, `urn:uuid:`, the 32-digit form and surrounding
/// whitespace are refused, so each id has exactly one text form (cursors, logs and joins
/// compare text).
pub fn parse_canonical(text: &str) -> Result<Uuid, NotAnId> {
    let canonical = text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        });
    if !canonical {
        return Err(NotAnId);
    }
    Uuid::parse_str(text).map_err(|_| NotAnId)
}

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

        /// Only the canonical spelling (see [`parse_canonical`]).
        impl FromStr for $name {
            type Err = NotAnId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_canonical(s).map(Self)
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
uuid_id!(AuthorizationId);
uuid_id!(
    /// The tokens one code exchange started (see `domain::authorization`).
    TokenFamilyId
);
uuid_id!(
    /// A directory's SCIM bearer token for one organization.
    ScimTokenId
);
uuid_id!(
    /// A user as the organization's directory pushed it (the SCIM `id`).
    DirectoryUserId
);
uuid_id!(
    /// A group as the organization's directory pushed it (the SCIM `id`).
    DirectoryGroupId
);
uuid_id!(OnboardingRuleId);
uuid_id!(ProvisioningEventId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_accepted_in_their_canonical_spelling_only() {
        // Starts with a letter, so that upper-casing its first character changes it.
        let id = OrganizationId(Uuid::from_u128(0xa1b2_c3d4_e5f6_4789_8abc_def0_1234_5678));
        let text = id.to_string();
        assert_eq!(text.parse::<OrganizationId>(), Ok(id));
        let upper = text.to_uppercase();
        let braced = format!("{{{text}}}");
        let urn = format!("urn:uuid:{text}");
        let simple = text.replace('-', "");
        let padded = format!(" {text} ");
        let mixed = format!("{}{}", &text[..1].to_uppercase(), &text[1..]);
        let moved_hyphen = format!("{}-{}{}", &text[..7], &text[7..8], &text[9..]);
        for bad in [
            upper.as_str(),
            &braced,
            &urn,
            &simple,
            &padded,
            &mixed,
            &moved_hyphen,
            "",
            "not-a-uuid",
            "00000000-0000-0000-0000-00000000000g",
        ] {
            assert_eq!(bad.parse::<OrganizationId>(), Err(NotAnId), "{bad:?}");
        }
        assert!("00000000-0000-0000-0000-000000000000"
            .parse::<UserId>()
            .is_ok());
    }
}
