//! Orgraph: organizational hierarchies served as a GraphQL API.
//!
//! Layers, outermost first: `http` (routes) → `graphql` (thin resolvers, loaders) →
//! `service` (use cases, transactions, authorization) → `domain` (pure rules) and `store`
//! (the only SQL). `auth` turns tokens into principals; `cli` and `config` wire it together.

pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod graphql;
pub mod http;
pub mod service;
pub mod store;
