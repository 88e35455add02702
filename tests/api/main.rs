//! Cross-component tests: the real `orgraph` binary, over HTTP, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

/// Documents built to be expensive to check; shared with the `documents` benchmark.
#[path = "../../server/benches/support/adversarial.rs"]
mod adversarial;

mod access;
mod access_cache;
mod applications;
mod bad_input;
mod billing;
mod concurrency;
mod connect;
mod copy;
mod crash;
mod distribution;
mod document_limits;
mod exposure;
mod federation;
mod graphql_over_http;
mod loose_input;
mod oidc;
mod pages;
mod pagination;
mod pool;
mod prepared;
mod protocol;
mod relay;
mod schema;
mod scim;
mod sessions;
mod settings;
mod statements;
mod tokens;
mod tree;
