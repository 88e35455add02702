//! The rules of the product, free of HTTP and SQL. Functions that depend on time take `now`.

pub mod application;
pub mod audit;
pub mod authorization;
pub mod contract_account;
pub mod directory;
pub mod error;
pub mod ids;
pub mod integration;
pub mod members;
pub mod name;
pub mod organization;
pub mod permissions;
pub mod scim;
pub mod session;
pub mod settings;
pub mod tree_path;
pub mod user;
pub mod visibility;

pub use error::{DomainError, DomainResult};
