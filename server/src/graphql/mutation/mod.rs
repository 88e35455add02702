mod contract_accounts;
mod organizations;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    organizations::OrganizationMutations,
    contract_accounts::ContractAccountMutations,
);
