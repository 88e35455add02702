//! Bearer tokens: JWTs signed with HS256 by default, or verified with a public key
//! (RS256 / EdDSA) issued elsewhere.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const DEFAULT_ISSUER: &str = "orgraph";
pub const DEFAULT_AUDIENCE: &str = "orgraph";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid token: {0}")]
    InvalidToken(#[from] jsonwebtoken::errors::Error),
    #[error("the token has no email claim")]
    MissingEmail,
    #[error("this server only verifies tokens; give it a private key to sign them")]
    CannotSign,
    #[error("cannot read key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
}

/// What Orgraph reads from a user's token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserClaims {
    pub sub: String,
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// A verified identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUser {
    pub email: String,
    pub name: Option<String>,
}

#[derive(Clone)]
pub struct TokenKeys {
    algorithm: Algorithm,
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    issuer: String,
    audience: String,
}

/// Which algorithm a public key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublicKeyAlgorithm {
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "EdDSA")]
    EdDsa,
}

impl TokenKeys {
    pub fn hs256(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self {
            algorithm: Algorithm::HS256,
            decoding: DecodingKey::from_secret(secret),
            encoding: Some(EncodingKey::from_secret(secret)),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// Verifies with a PEM public key; signs only when the matching private key is given.
    pub fn asymmetric(
        algorithm: PublicKeyAlgorithm,
        public_key_pem: &Path,
        private_key_pem: Option<&Path>,
        issuer: &str,
        audience: &str,
    ) -> Result<Self, AuthError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| AuthError::KeyFile {
                path: path.display().to_string(),
                source,
            })
        };
        let public = read(public_key_pem)?;
        let private = private_key_pem.map(read).transpose()?;
        let (algorithm, decoding, encoding) = match algorithm {
            PublicKeyAlgorithm::Rs256 => (
                Algorithm::RS256,
                DecodingKey::from_rsa_pem(&public)?,
                private.map(|p| EncodingKey::from_rsa_pem(&p)).transpose()?,
            ),
            PublicKeyAlgorithm::EdDsa => (
                Algorithm::EdDSA,
                DecodingKey::from_ed_pem(&public)?,
                private.map(|p| EncodingKey::from_ed_pem(&p)).transpose()?,
            ),
        };
        Ok(Self {
            algorithm,
            decoding,
            encoding,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// Signs a token for a user, valid from `now` for `ttl`.
    pub fn issue_user_token(
        &self,
        email: &str,
        name: Option<&str>,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        let key = self.encoding.as_ref().ok_or(AuthError::CannotSign)?;
        let claims = UserClaims {
            sub: email.trim().to_owned(),
            email: Some(email.trim().to_owned()),
            name: name.map(str::to_owned),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: (now + ttl).timestamp(),
            iat: now.timestamp(),
            nbf: Some(now.timestamp()),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(self.algorithm),
            &claims,
            key,
        )?)
    }

    /// Checks signature, algorithm (never `none`), issuer, audience, expiry and not-before.
    pub fn verify_user_token(&self, token: &str) -> Result<VerifiedUser, AuthError> {
        let mut validation = Validation::new(self.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        let claims = jsonwebtoken::decode::<UserClaims>(token, &self.decoding, &validation)?.claims;
        let email = claims
            .email
            .filter(|e| !e.trim().is_empty())
            .ok_or(AuthError::MissingEmail)?;
        Ok(VerifiedUser {
            email,
            name: claims.name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() -> Result<(), AuthError> {
        let keys = TokenKeys::hs256(b"secret-secret-secret-secret-1234", "orgraph", "orgraph");
        let now = Utc::now();
        let token =
            keys.issue_user_token("Ada@Example.com", Some("Ada"), now, Duration::hours(1))?;
        let user = keys.verify_user_token(&token)?;
        assert_eq!(user.email, "Ada@Example.com");

        let other = TokenKeys::hs256(b"another-secret-another-secret-12", "orgraph", "orgraph");
        assert!(other.verify_user_token(&token).is_err());
        let wrong_aud = TokenKeys::hs256(b"secret-secret-secret-secret-1234", "orgraph", "else");
        assert!(wrong_aud.verify_user_token(&token).is_err());
        let expired =
            keys.issue_user_token("a@b.co", None, now - Duration::hours(3), Duration::hours(1))?;
        assert!(keys.verify_user_token(&expired).is_err());
        Ok(())
    }
}
