//! SCIM 2.0 (RFC 7643/7644) as the rules of a resource, with no I/O: the schemas, filters,
//! PATCH and the checks of a request body. `http::scim` speaks the protocol with these;
//! `service::directory` stores what they produce.

pub mod error;
pub mod filter;
pub mod patch;
pub mod resource;
pub mod schema;

pub use error::{ScimError, ScimResult};
