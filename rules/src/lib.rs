//! The rules Orgraph's server and its WebAssembly SDK both run, so a client can check and
//! preview what the server will decide: permission (scope) names, the public error codes,
//! PKCE, and the settings fold (SPEC §2, §3, §5, §6).
//!
//! Nothing here does I/O or knows about databases or HTTP; CI checks that the SDK's
//! dependency tree stays free of the server's. `no_std` (with `alloc`): the SDK's WebAssembly
//! build leaves out std's panic and I/O machinery to stay small.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod codes;
pub mod permission;
pub mod pkce;
pub mod settings;

pub use codes::{ErrorCode, OAuthErrorCode};
pub use permission::{Permission, PermissionSet};
