//! Orgraph: organizational hierarchies served as a GraphQL API.

pub mod domain;
pub mod store;
pub mod auth;
pub mod service;
