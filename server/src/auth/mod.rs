//! Authentication: tokens in, principals out.

pub mod connect_keys;
mod oidc;
mod principal;
pub mod scim_tokens;
pub mod secrets;
mod tokens;
mod verified_tokens;

use std::sync::Arc;

pub use oidc::{OidcClient, OidcError, OidcSettings, OidcVerifier, ProviderEndpoints};
pub use principal::{ApplicationCaller, DirectoryCaller, Principal};
pub use tokens::{
    AuthError, PublicKeyAlgorithm, TokenKeys, VerifiedUser, DEFAULT_AUDIENCE, DEFAULT_ISSUER,
};

use crate::domain::user::ExternalIdentity;

/// How bearer tokens are verified: with the deployment's OpenID Connect provider, or with a
/// key Orgraph holds (a shared secret or a public key, for development and tests).
#[derive(Clone)]
pub enum TokenVerifier {
    Oidc(Arc<OidcVerifier>),
    Keys(TokenKeys),
}

/// Who a valid token says is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// From a provider: known by (issuer, subject).
    Identity(ExternalIdentity),
    /// From a key Orgraph holds: known by email, as tokens minted by `orgraph token` are.
    Email(VerifiedUser),
}

impl TokenVerifier {
    pub async fn verify(&self, token: &str) -> Result<Verified, String> {
        match self {
            Self::Oidc(oidc) => oidc
                .verify(token)
                .await
                .map(Verified::Identity)
                .map_err(|e| e.to_string()),
            Self::Keys(keys) => keys
                .verify_user_token(token)
                .map(Verified::Email)
                .map_err(|e| e.to_string()),
        }
    }
}
