//! Use cases: each runs one transaction, applies the domain rules and the authorization
//! checks, and calls the store. GraphQL resolvers and CLI commands call into here.

pub mod access;
pub mod applications;
pub mod audit;
pub mod authorizations;
pub mod cache;
pub mod connect;
pub mod contract_accounts;
pub mod copy;
pub mod directory;
mod error;
pub mod identities;
pub mod integrations;
pub mod members;
pub mod nodes;
pub mod onboarding;
pub mod organizations;
pub mod queries;
pub mod seed;
pub mod sessions;
pub mod settings;

pub use error::{ApiError, ApiResult};

use crate::domain::organization::TreeLimits;
use std::sync::Arc;

use crate::store::{StatementCounter, Store};

/// What every use case needs.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub limits: TreeLimits,
    /// Shared by every clone (see [`cache::ReadCache`]).
    pub cache: Arc<cache::ReadCache>,
}

impl Services {
    pub fn new(store: Store, limits: TreeLimits) -> Self {
        Self {
            store,
            limits,
            cache: Arc::default(),
        }
    }

    /// The same services, counting the statements they run into `counter`.
    pub fn counting(&self, counter: StatementCounter) -> Self {
        Self {
            store: self.store.counting(counter),
            ..self.clone()
        }
    }
}
