//! The key Orgraph signs Organization Connect access tokens with (ES256), and the tokens
//! themselves: JWTs of RFC 9068 (`typ: at+jwt`) carrying the claims of SPEC §5.
//!
//! The key is configured (a PKCS#8 PEM file) or, for development, generated once and kept in
//! the database so that restarts and every server process share it. Its public half is
//! published at `jwks_uri` for resource servers and clients that verify tokens themselves.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The media type of RFC 9068 access tokens, in the JWT header's `typ`.
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

#[derive(Debug, thiserror::Error)]
pub enum ConnectKeyError {
    #[error("the signing key must be a PKCS#8 PEM of a P-256 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)")]
    NotP256Pkcs8,
    #[error("cannot generate a signing key")]
    Generate,
    #[error("invalid access token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("not an access token of this server (typ must be at+jwt)")]
    WrongType,
}

/// The claims of an access token (SPEC §5; RFC 9068 §2.2), plus `sid`, the token family
/// that revocation checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The authorization's id.
    pub sub: String,
    pub client_id: String,
    /// The authorized organization's id.
    pub org: String,
    pub scope: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub sid: String,
}

pub struct ConnectKeys {
    issuer: String,
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    public_jwk: Value,
}

impl ConnectKeys {
    /// A new P-256 key, as PKCS#8 DER.
    pub fn generate_pkcs8() -> Result<Vec<u8>, ConnectKeyError> {
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map(|doc| doc.as_ref().to_vec())
            .map_err(|_| ConnectKeyError::Generate)
    }

    /// Reads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn pem_to_pkcs8(pem: &str) -> Result<Vec<u8>, ConnectKeyError> {
        let body: String = pem
            .lines()
            .map(str::trim)
            .filter(|line| !line.starts_with("-----"))
            .collect();
        if !pem.contains("-----BEGIN PRIVATE KEY-----") {
            return Err(ConnectKeyError::NotP256Pkcs8);
        }
        STANDARD
            .decode(body)
            .map_err(|_| ConnectKeyError::NotP256Pkcs8)
    }

    /// The keys of `pkcs8` (a P-256 private key), for tokens issued by `issuer` (Orgraph's
    /// public URL, which is also their audience).
    pub fn from_pkcs8(pkcs8: &[u8], issuer: &str) -> Result<Self, ConnectKeyError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
            .map_err(|_| ConnectKeyError::NotP256Pkcs8)?;
        // An uncompressed point: 0x04, then x and y, 32 bytes each.
        let point = pair.public_key().as_ref();
        if point.len() != 65 || point[0] != 4 {
            return Err(ConnectKeyError::NotP256Pkcs8);
        }
        let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
        let y = URL_SAFE_NO_PAD.encode(&point[33..]);
        // RFC 7638 thumbprint: the required members, in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        let decoding = DecodingKey::from_ec_components(&x, &y)?;
        Ok(Self {
            issuer: issuer.trim_end_matches('/').to_owned(),
            encoding: EncodingKey::from_ec_der(pkcs8),
            decoding,
            public_jwk: json!({
                "kty": "EC", "crv": "P-256", "x": x, "y": y,
                "kid": kid, "use": "sig", "alg": "ES256",
            }),
            kid,
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The JWK Set published at `jwks_uri`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.public_jwk] })
    }

    pub fn sign(&self, claims: &AccessClaims) -> Result<String, ConnectKeyError> {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some(ACCESS_TOKEN_TYPE.into());
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }

    /// Whether `token` claims to be one of this server's access tokens (`at+jwt` with this
    /// key's id; an identity provider's RFC 9068 tokens say `at+jwt` too): those are
    /// verified here, every other bearer token as a person's.
    pub fn claims_to_be_ours(&self, token: &str) -> bool {
        jsonwebtoken::decode_header(token).is_ok_and(|h| {
            h.typ.as_deref() == Some(ACCESS_TOKEN_TYPE) && h.kid.as_deref() == Some(&self.kid)
        })
    }

    /// Checks signature, `typ`, `iss`, `aud` and `exp` (no leeway: this server's own clock).
    pub fn verify(&self, token: &str) -> Result<AccessClaims, ConnectKeyError> {
        let header = jsonwebtoken::decode_header(token)?;
        if header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
            return Err(ConnectKeyError::WrongType);
        }
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        Ok(jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)?.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(issuer: &str, exp: i64) -> AccessClaims {
        AccessClaims {
            iss: issuer.into(),
            aud: issuer.into(),
            sub: "authorization".into(),
            client_id: "org_client".into(),
            org: "organization".into(),
            scope: "organization:read".into(),
            exp,
            iat: exp - 3600,
            jti: "jti".into(),
            sid: "family".into(),
        }
    }

    #[test]
    fn tokens_verify_with_their_key_and_issuer_only() {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        let keys = ConnectKeys::from_pkcs8(
            &ConnectKeys::generate_pkcs8().expect("key"),
            "http://127.0.0.1:8080/",
        )
        .expect("keys");
        assert_eq!(keys.issuer(), "http://127.0.0.1:8080");
        let token = keys.sign(&claims(keys.issuer(), now + 60)).expect("sign");
        assert!(keys.claims_to_be_ours(&token));
        assert_eq!(keys.verify(&token).expect("verify").sid, "family");

        let expired = keys.sign(&claims(keys.issuer(), now - 1)).expect("sign");
        assert!(keys.verify(&expired).is_err());
        let elsewhere = keys
            .sign(&claims("https://elsewhere.example", now + 60))
            .expect("sign");
        assert!(keys.verify(&elsewhere).is_err());
        let other = ConnectKeys::from_pkcs8(
            &ConnectKeys::generate_pkcs8().expect("key"),
            "http://127.0.0.1:8080",
        )
        .expect("keys");
        assert!(
            other.verify(&token).is_err(),
            "another key's token verified"
        );
        let jwks = keys.jwks();
        assert_eq!(jwks["keys"][0]["kty"], "EC");
        assert_eq!(jwks["keys"][0]["alg"], "ES256");
        assert!(
            jwks["keys"][0].get("d").is_none(),
            "the private key is published"
        );
    }

    #[test]
    fn a_pem_round_trips() {
        let der = ConnectKeys::generate_pkcs8().expect("key");
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(&der)
        );
        assert_eq!(ConnectKeys::pem_to_pkcs8(&pem).expect("pem"), der);
        assert!(ConnectKeys::pem_to_pkcs8("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n").is_err());
    }
}
