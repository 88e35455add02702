use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::Utc;

use crate::domain::ids::ContractAccountId;
use crate::graphql::context::{principal, services};
use crate::graphql::contract_account::ContractAccountNode;
use crate::graphql::error::parse_id;
use crate::service::contract_accounts::{ContractAccountPatch, NewContractAccount};

#[derive(InputObject)]
pub struct CreateContractAccountInput {
    pub name: String,
    pub billing_email: String,
    /// Defaults to `standard`.
    pub plan: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateContractAccountInput {
    pub id: ID,
    pub name: Option<String>,
    pub billing_email: Option<String>,
    pub plan: Option<String>,
}

#[derive(InputObject)]
pub struct DeleteContractAccountInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct CreateContractAccountPayload {
    pub contract_account: ContractAccountNode,
}

#[derive(SimpleObject)]
pub struct UpdateContractAccountPayload {
    pub contract_account: ContractAccountNode,
}

#[derive(SimpleObject)]
pub struct DeleteContractAccountPayload {
    pub deleted_contract_account_id: ID,
}

#[derive(Default)]
pub struct ContractAccountMutations;

#[Object]
impl ContractAccountMutations {
    async fn create_contract_account(
        &self,
        ctx: &Context<'_>,
        input: CreateContractAccountInput,
    ) -> async_graphql::Result<CreateContractAccountPayload> {
        let principal = principal(ctx)?;
        let new = NewContractAccount {
            name: input.name,
            billing_email: input.billing_email,
            plan: input.plan,
        };
        let account = services(ctx)?
            .create_contract_account(principal, new, Utc::now())
            .await?;
        Ok(CreateContractAccountPayload {
            contract_account: ContractAccountNode(account),
        })
    }

    async fn update_contract_account(
        &self,
        ctx: &Context<'_>,
        input: UpdateContractAccountInput,
    ) -> async_graphql::Result<UpdateContractAccountPayload> {
        let principal = principal(ctx)?;
        let id: ContractAccountId = parse_id("id", &input.id)?;
        let patch = ContractAccountPatch {
            name: input.name,
            billing_email: input.billing_email,
            plan: input.plan,
        };
        let account = services(ctx)?
            .update_contract_account(principal, id, patch, Utc::now())
            .await?;
        Ok(UpdateContractAccountPayload {
            contract_account: ContractAccountNode(account),
        })
    }

    /// Refused with `CONFLICT` while organizations (deleted ones included) use the account.
    async fn delete_contract_account(
        &self,
        ctx: &Context<'_>,
        input: DeleteContractAccountInput,
    ) -> async_graphql::Result<DeleteContractAccountPayload> {
        let principal = principal(ctx)?;
        let id: ContractAccountId = parse_id("id", &input.id)?;
        let deleted = services(ctx)?
            .delete_contract_account(principal, id, Utc::now())
            .await?;
        Ok(DeleteContractAccountPayload {
            deleted_contract_account_id: ID(deleted.to_string()),
        })
    }
}
