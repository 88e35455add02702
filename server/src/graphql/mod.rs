//! The GraphQL schema: thin resolvers over the services, nested fields through batching loaders.

pub mod access;
pub mod application;
pub mod authorization;
pub mod batch_loader;
pub mod batches;
pub mod context;
pub mod contract_account;
pub mod directory;
pub mod document_cost;
pub mod document_limits;
pub mod document_scan;
pub mod entities;
pub mod error;
pub mod integration;
pub mod loaders;
pub mod mutation;
pub mod node;
pub mod organization;
pub mod pagination;
pub mod permission_checks;
pub mod persisted_queries;
pub mod query;
pub mod required_variables;
pub mod settings;
pub mod shared_answers;
pub mod user;

use async_graphql::{EmptySubscription, SDLExportOptions, Schema};

use crate::service::Services;

/// The query root: one object per area, merged. Named `Query` (and the mutation root
/// `Mutation`): a federated subgraph's SDL has no `schema { query: ... }` block, so
/// composition finds the roots by these names only.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    query::OrganizationQueries,
    access::AccessQueries,
    permission_checks::PermissionQueries,
    application::ApplicationQueries,
    node::NodeQueries,
    node::MemberEntities,
);

/// The root the schema serves: [`QueryRoot`], with federation entities it cannot resolve
/// answered as `null` (see [`entities`]).
pub type Root = entities::NullForUnresolvable<QueryRoot>;

pub type OrgraphSchema = Schema<Root, mutation::MutationRoot, EmptySubscription>;

/// Nesting deeper than this is refused before execution.
pub const MAX_QUERY_DEPTH: usize = 16;
/// Each field costs 1, a connection field its page size times its children: 1,000
/// organizations with some twenty fields each fit, a hundred times that does not.
pub const MAX_QUERY_COMPLEXITY: usize = 50_000;
/// A document whose size with its fragment spreads expanded (fields, arguments, values,
/// directives; see [`document_cost`]) is over this is refused before it is validated:
/// validation walks that expansion, and a few hundred bytes of fragments spreading each
/// other expand exponentially. 1,000 aliased fields with two arguments each (a batch of
/// permission checks) count about 6,000; 10,000 unknown fields take ~15 ms to refuse.
pub const MAX_DOCUMENT_COST: u64 = 10_000;

/// The schema twice. Most requests run `plain`, which has no extension: async-graphql then
/// resolves each field directly, where any extension costs every field a `ResolveInfo` and a
/// walk of the extension chain (a fifth of the CPU of a read of 55 organizations). Requests
/// naming a persisted document run `persisted`, whose [`persisted_queries::DocumentCache`]
/// skips their parsing and validation instead. The checks every request needs before
/// async-graphql sees it ([`document_limits`], [`required_variables`]) are made by the HTTP
/// layer, the one way into the schema.
#[derive(Clone)]
pub struct Schemas {
    pub plain: OrgraphSchema,
    pub persisted: OrgraphSchema,
}

pub fn build_schemas(services: Services) -> Schemas {
    Schemas {
        plain: schema_builder().data(services.clone()).finish(),
        persisted: schema_builder()
            .extension(persisted_queries::DocumentCache)
            .data(services)
            .finish(),
    }
}

/// [`Schemas`] without runtime data (benchmarks of the checks before execution).
pub fn schemas_without_data() -> Schemas {
    Schemas {
        plain: schema_builder().finish(),
        persisted: schema_builder()
            .extension(persisted_queries::DocumentCache)
            .finish(),
    }
}

impl Schemas {
    /// Runs one operation: refused before async-graphql parses and validates it when it is
    /// over the document limits or leaves out a required variable (as async-graphql's own
    /// request errors are), else on the schema its request needs.
    pub async fn execute(&self, mut request: async_graphql::Request) -> async_graphql::Response {
        if let Err(refused) = document_limits::check(&mut request)
            .and_then(|()| required_variables::check(&mut request))
        {
            return async_graphql::Response::from_errors(vec![refused]);
        }
        let schema = if persisted_queries::is_persisted(&request) {
            &self.persisted
        } else {
            &self.plain
        };
        schema.execute(request).await
    }
}

/// The schema without runtime data: enough to export the SDL.
pub fn schema_without_data() -> OrgraphSchema {
    schema_builder().finish()
}

fn schema_builder() -> async_graphql::SchemaBuilder<Root, mutation::MutationRoot, EmptySubscription>
{
    Schema::build(
        Root::default(),
        mutation::MutationRoot::default(),
        EmptySubscription,
    )
    .limit_depth(MAX_QUERY_DEPTH)
    .limit_complexity(MAX_QUERY_COMPLEXITY)
    .limit_recursive_depth(64)
    .enable_federation()
}

/// The SDL as published in `schema.graphql` and to a supergraph.
pub fn export_sdl(schema: &OrgraphSchema) -> String {
    schema.sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}
