mod access;
mod applications;
mod contract_accounts;
mod directory;
mod integrations;
mod organizations;
mod settings;

use async_graphql::MergedObject;

// Named `Mutation` for federation, like the query root (see `QueryRoot`).
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    organizations::OrganizationMutations,
    contract_accounts::ContractAccountMutations,
    settings::SettingMutations,
    applications::ApplicationMutations,
    integrations::IntegrationMutations,
    access::AccessMutations,
    directory::DirectoryMutations,
    crate::graphql::authorization::AuthorizationMutations,
);
