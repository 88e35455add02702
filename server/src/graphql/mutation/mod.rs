mod contract_accounts;
mod organizations;
mod settings;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    organizations::OrganizationMutations,
    contract_accounts::ContractAccountMutations,
    settings::SettingMutations,
);
