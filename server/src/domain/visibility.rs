//! Who may see whom: the rule that decides whether a user id resolves for a caller.
//!
//! A user exists for a caller only when the caller could already meet them through the API:
//! as a member of, or a grantee on, an organization where the caller holds `members:read`
//! (which lists members and grants), or as the holder of a grant that reaches such an
//! organization from above (`effectiveGrants` lists those). Anyone else answers exactly as
//! an unknown id, so user ids are no oracle and strangers can't be attached to a network.

use super::organization::Organization;
use super::permissions::{effective_permissions, Permission, PlacedGrant, Reach};
use super::tree_path::TreePath;

/// Whether a caller holding `placed` (their grants in `org`'s network) may see `org` at all:
/// a deleted organization only shows to those who may manage (and so restore) it.
pub fn sees_organization(placed: &[PlacedGrant], org: &Organization) -> bool {
    let permissions = effective_permissions(placed, org);
    permissions.contains(Permission::OrganizationRead)
        && (!org.is_deleted() || permissions.contains(Permission::OrganizationManage))
}

/// Whether a caller holding `placed` sees below `org`: whoever sees an organization sees its
/// subtree, unless all they hold there is an authorization on that organization alone.
pub fn sees_below(placed: &[PlacedGrant], org: &Organization) -> bool {
    placed
        .iter()
        .any(|g| g.reach == Reach::Subtree && g.covers(&org.path))
}

/// Where a user appears in one network: a membership or a grant, on a live organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserPlacement {
    Member(TreePath),
    Grant(TreePath),
}

/// Whether a caller holding `reader` (their grants in the placement's network) may see a
/// user placed at `placement`.
pub fn sees_user_at(reader: &[PlacedGrant], placement: &UserPlacement) -> bool {
    let members_read_at = reader.iter().filter(|g| {
        g.application.is_none()
            && !g.organization_deleted
            && g.permissions.contains(Permission::MembersRead)
    });
    match placement {
        // Listed by `members` wherever the caller reads members at or above the organization.
        UserPlacement::Member(path) => members_read_at.into_iter().any(|g| g.covers(path)),
        // Listed by `grants` at the organization, and by `effectiveGrants` below it.
        UserPlacement::Grant(path) => members_read_at
            .into_iter()
            .any(|g| g.covers(path) || path.contains(&g.organization_path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::{built_in_permissions, PermissionSet};

    fn grant(role: &str, path: &TreePath) -> PlacedGrant {
        PlacedGrant {
            role: role.to_owned(),
            permissions: built_in_permissions(role).unwrap_or(PermissionSet::EMPTY),
            application: None,
            organization_path: path.clone(),
            organization_deletion: None,
            organization_deleted: false,
            reach: crate::domain::permissions::Reach::Subtree,
        }
    }

    #[test]
    fn members_show_at_and_below_where_the_reader_reads_members() {
        let root = TreePath::root(1);
        let region = root.child(2);
        let branch = region.child(3);
        let other_region = root.child(4);
        let reader = [grant("OPS_ADMIN", &region)];
        assert!(sees_user_at(
            &reader,
            &UserPlacement::Member(region.clone())
        ));
        assert!(sees_user_at(
            &reader,
            &UserPlacement::Member(branch.clone())
        ));
        assert!(!sees_user_at(&reader, &UserPlacement::Member(root.clone())));
        assert!(!sees_user_at(
            &reader,
            &UserPlacement::Member(other_region.clone())
        ));
        // Grants from above reach the reader's organization (effectiveGrants); a sibling's don't.
        assert!(sees_user_at(&reader, &UserPlacement::Grant(root)));
        assert!(sees_user_at(&reader, &UserPlacement::Grant(branch)));
        assert!(!sees_user_at(&reader, &UserPlacement::Grant(other_region)));
    }

    #[test]
    fn only_members_read_counts() {
        let root = TreePath::root(1);
        let developer = [grant("DEVELOPER", &root)];
        assert!(!developer[0].permissions.contains(Permission::MembersRead));
        assert!(!sees_user_at(
            &developer,
            &UserPlacement::Member(root.child(2))
        ));
        let mut on_app = grant("OPS_ADMIN", &root);
        on_app.application = Some(crate::domain::ids::ApplicationId::new_random());
        assert!(!sees_user_at(
            &[on_app],
            &UserPlacement::Member(root.clone())
        ));
        let mut deleted = grant("OPS_ADMIN", &root);
        deleted.organization_deleted = true;
        assert!(!sees_user_at(&[deleted], &UserPlacement::Member(root)));
    }
}
