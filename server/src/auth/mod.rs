//! Authentication: tokens in, principals out.

mod principal;
mod tokens;

pub use principal::Principal;
pub use tokens::{
    AuthError, PublicKeyAlgorithm, TokenKeys, VerifiedUser, DEFAULT_AUDIENCE, DEFAULT_ISSUER,
};
