//! Structural mutations of the tree (names fixed by SPEC §1).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::Utc;

use crate::domain::ids::{ContractAccountId, OrganizationId};
use crate::service::copy::CopyOrganization;
use crate::service::organizations::NewOrganization;

use crate::graphql::context::{principal, services};
use crate::graphql::error::parse_id;
use crate::graphql::organization::{OrganizationKindGql, OrganizationNode};

#[derive(InputObject)]
pub struct AddOrganizationInput {
    pub name: String,
    pub kind: Option<OrganizationKindGql>,
    /// An account the caller manages; without one, a new account is opened for the network.
    pub contract_account_id: Option<ID>,
}

#[derive(InputObject)]
pub struct AddRootOrganizationInput {
    /// The current root; it becomes the new root's child.
    pub root_id: ID,
    pub name: String,
    pub kind: Option<OrganizationKindGql>,
    /// Defaults to the current root's account.
    pub contract_account_id: Option<ID>,
}

#[derive(InputObject)]
pub struct AddSubOrganizationInput {
    pub parent_id: ID,
    pub name: String,
    pub kind: Option<OrganizationKindGql>,
    /// Defaults to the parent's account.
    pub contract_account_id: Option<ID>,
}

#[derive(InputObject)]
pub struct CopyOrganizationInput {
    pub source_id: ID,
    /// Where the copy goes; without it the copy is the root of a new network.
    pub parent_id: Option<ID>,
    /// The copy's name; defaults to the source's.
    pub name: Option<String>,
    /// Copy the live subtree too, not only the organization.
    #[graphql(default = false)]
    pub include_sub_organizations: bool,
    /// Copy the settings defined (and locked) on the copied organizations.
    #[graphql(default = false)]
    pub include_settings: bool,
    /// Copy the custom roles defined on the copied organizations (never the grants that use
    /// them).
    #[graphql(default = false)]
    pub include_custom_roles: bool,
    /// Copy the integrations of the copied organizations: configuration only (never secrets
    /// or status; copies start ACTIVE).
    #[graphql(default = false)]
    pub include_integrations: bool,
    /// Account of every copied organization; defaults to the new parent's (or a new account).
    pub contract_account_id: Option<ID>,
}

#[derive(InputObject)]
pub struct MoveOrganizationInput {
    pub id: ID,
    pub new_parent_id: ID,
}

#[derive(InputObject)]
pub struct DeleteOrganizationInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct RestoreOrganizationInput {
    pub id: ID,
}

macro_rules! organization_payload {
    ($name:ident) => {
        #[derive(SimpleObject)]
        pub struct $name {
            pub organization: OrganizationNode,
        }
    };
}

organization_payload!(AddOrganizationPayload);
organization_payload!(AddRootOrganizationPayload);
organization_payload!(AddSubOrganizationPayload);
organization_payload!(CopyOrganizationPayload);
organization_payload!(MoveOrganizationPayload);
organization_payload!(DeleteOrganizationPayload);
organization_payload!(RestoreOrganizationPayload);

fn account_id(id: Option<&ID>) -> Result<Option<ContractAccountId>, crate::service::ApiError> {
    id.map(|id| parse_id("contractAccountId", id)).transpose()
}

#[derive(Default)]
pub struct OrganizationMutations;

#[Object]
impl OrganizationMutations {
    /// A new network, with the new organization as its root; the caller becomes its OPS_ADMIN.
    async fn add_organization(
        &self,
        ctx: &Context<'_>,
        input: AddOrganizationInput,
    ) -> async_graphql::Result<AddOrganizationPayload> {
        let principal = principal(ctx)?;
        let new = NewOrganization {
            name: input.name,
            kind: input.kind.map(Into::into),
            contract_account_id: account_id(input.contract_account_id.as_ref())?,
        };
        let org = services(ctx)?
            .add_organization(principal, new, Utc::now())
            .await?;
        Ok(AddOrganizationPayload {
            organization: OrganizationNode(org),
        })
    }

    /// A new root above the current root of a network (which keeps its `networkId`).
    async fn add_root_organization(
        &self,
        ctx: &Context<'_>,
        input: AddRootOrganizationInput,
    ) -> async_graphql::Result<AddRootOrganizationPayload> {
        let principal = principal(ctx)?;
        let root_id: OrganizationId = parse_id("rootId", &input.root_id)?;
        let new = NewOrganization {
            name: input.name,
            kind: input.kind.map(Into::into),
            contract_account_id: account_id(input.contract_account_id.as_ref())?,
        };
        let org = services(ctx)?
            .add_root_organization(principal, root_id, new, Utc::now())
            .await?;
        Ok(AddRootOrganizationPayload {
            organization: OrganizationNode(org),
        })
    }

    async fn add_sub_organization(
        &self,
        ctx: &Context<'_>,
        input: AddSubOrganizationInput,
    ) -> async_graphql::Result<AddSubOrganizationPayload> {
        let principal = principal(ctx)?;
        let parent_id: OrganizationId = parse_id("parentId", &input.parent_id)?;
        let new = NewOrganization {
            name: input.name,
            kind: input.kind.map(Into::into),
            contract_account_id: account_id(input.contract_account_id.as_ref())?,
        };
        let org = services(ctx)?
            .add_sub_organization(principal, parent_id, new, Utc::now())
            .await?;
        Ok(AddSubOrganizationPayload {
            organization: OrganizationNode(org),
        })
    }

    /// Duplicates an organization as a template; members, grants and secrets never come along.
    async fn copy_organization(
        &self,
        ctx: &Context<'_>,
        input: CopyOrganizationInput,
    ) -> async_graphql::Result<CopyOrganizationPayload> {
        let principal = principal(ctx)?;
        let copy = CopyOrganization {
            source_id: parse_id("sourceId", &input.source_id)?,
            parent_id: input
                .parent_id
                .as_ref()
                .map(|id| parse_id("parentId", id))
                .transpose()?,
            name: input.name,
            include_sub_organizations: input.include_sub_organizations,
            include_settings: input.include_settings,
            include_custom_roles: input.include_custom_roles,
            include_integrations: input.include_integrations,
            contract_account_id: account_id(input.contract_account_id.as_ref())?,
        };
        let org = services(ctx)?
            .copy_organization(principal, copy, Utc::now())
            .await?;
        Ok(CopyOrganizationPayload {
            organization: OrganizationNode(org),
        })
    }

    /// Re-parents an organization with its subtree, within its network.
    async fn move_organization(
        &self,
        ctx: &Context<'_>,
        input: MoveOrganizationInput,
    ) -> async_graphql::Result<MoveOrganizationPayload> {
        let principal = principal(ctx)?;
        let id: OrganizationId = parse_id("id", &input.id)?;
        let new_parent: OrganizationId = parse_id("newParentId", &input.new_parent_id)?;
        let org = services(ctx)?
            .move_organization(principal, id, new_parent, Utc::now())
            .await?;
        Ok(MoveOrganizationPayload {
            organization: OrganizationNode(org),
        })
    }

    /// Soft-deletes the organization and its subtree; restorable during the retention period.
    async fn delete_organization(
        &self,
        ctx: &Context<'_>,
        input: DeleteOrganizationInput,
    ) -> async_graphql::Result<DeleteOrganizationPayload> {
        let principal = principal(ctx)?;
        let id: OrganizationId = parse_id("id", &input.id)?;
        let org = services(ctx)?
            .delete_organization(principal, id, Utc::now())
            .await?;
        Ok(DeleteOrganizationPayload {
            organization: OrganizationNode(org),
        })
    }

    /// Brings back exactly the subtree that deleting this organization removed.
    async fn restore_organization(
        &self,
        ctx: &Context<'_>,
        input: RestoreOrganizationInput,
    ) -> async_graphql::Result<RestoreOrganizationPayload> {
        let principal = principal(ctx)?;
        let id: OrganizationId = parse_id("id", &input.id)?;
        let org = services(ctx)?
            .restore_organization(principal, id, Utc::now())
            .await?;
        Ok(RestoreOrganizationPayload {
            organization: OrganizationNode(org),
        })
    }
}
