//! Bearer tokens from an OpenID Connect provider, verified against the keys it publishes.
//!
//! The keys are found through the provider's discovery document and cached. They rotate, so
//! a token with a key id the cache doesn't know refetches the key set — but at most once per
//! `min_refetch`, so forged key ids can't turn every request into a fetch. The whole set is
//! also refetched once it is older than `max_age`, which is how a retired key stops working.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::verified_tokens::{VerifiedToken, VerifiedTokens};
use crate::domain::user::ExternalIdentity;

/// Largest discovery document or key set read from a provider.
const MAX_DOCUMENT_BYTES: u64 = 256 * 1024;
/// How long one request to the provider may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Verified access tokens remembered at most (see [`VerifiedTokens`]).
const VERIFIED_TOKENS: usize = 100_000;
/// Clock skew allowed on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("cannot reach the OpenID Connect provider at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error("the provider's {what} is not usable: {cause}")]
    BadDocument { what: &'static str, cause: String },
    #[error("the discovery document names the issuer {found}, not {expected}")]
    IssuerMismatch { expected: String, found: String },
    #[error("invalid token: {0}")]
    InvalidToken(#[from] jsonwebtoken::errors::Error),
    #[error("the token names no key the provider publishes")]
    UnknownKey,
    #[error("the token's algorithm is not accepted (RS256, ES256 and EdDSA are)")]
    Algorithm,
    #[error("the ID token's nonce is not the sign-in's")]
    Nonce,
}

/// What to trust and how often to look at the provider again.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub audience: String,
    pub max_age: Duration,
    pub min_refetch: Duration,
}

pub struct OidcVerifier {
    settings: OidcSettings,
    jwks_uri: String,
    endpoints: Option<ProviderEndpoints>,
    cache: RwLock<KeyCache>,
    /// One fetch at a time; whoever waited finds the keys the fetch brought.
    fetching: tokio::sync::Mutex<()>,
    verified: VerifiedTokens,
}

struct KeyCache {
    keys: HashMap<String, (Algorithm, DecodingKey)>,
    fetched_at: Option<Instant>,
    fetches: u64,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
    #[serde(default)]
    authorization_endpoint: Option<String>,
    #[serde(default)]
    token_endpoint: Option<String>,
}

/// Where a browser signs in and where its code is exchanged (from the discovery document).
#[derive(Debug, Clone)]
pub struct ProviderEndpoints {
    pub authorization: String,
    pub token: String,
}

/// The claims read from a provider's token.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
    exp: u64,
    #[serde(default)]
    nbf: Option<u64>,
}

impl OidcVerifier {
    /// Reads the provider's discovery document (blocking: call it before serving).
    pub fn discover(settings: OidcSettings) -> Result<Self, OidcError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            settings.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = fetch_json(&url, "discovery document")?;
        if discovery.issuer != settings.issuer {
            return Err(OidcError::IssuerMismatch {
                expected: settings.issuer,
                found: discovery.issuer,
            });
        }
        let endpoints = match (discovery.authorization_endpoint, discovery.token_endpoint) {
            (Some(authorization), Some(token)) => Some(ProviderEndpoints {
                authorization,
                token,
            }),
            _ => None,
        };
        Ok(Self {
            settings,
            jwks_uri: discovery.jwks_uri,
            endpoints,
            cache: RwLock::new(KeyCache {
                keys: HashMap::new(),
                fetched_at: None,
                fetches: 0,
            }),
            fetching: tokio::sync::Mutex::new(()),
            verified: VerifiedTokens::new(VERIFIED_TOKENS),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// How many times the key set was fetched (for the logs and the tests).
    pub fn key_set_fetches(&self) -> u64 {
        self.cache.read().map_or(0, |c| c.fetches)
    }

    /// The provider's sign-in endpoints, if its discovery document names them.
    pub fn endpoints(&self) -> Option<&ProviderEndpoints> {
        self.endpoints.as_ref()
    }

    /// Checks an access token's signature, algorithm, issuer, audience (Orgraph's), expiry
    /// and not-before, and says who signed in.
    pub async fn verify(&self, token: &str) -> Result<ExternalIdentity, OidcError> {
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(known) = self.verified.get(token, now) {
            if self.trusts(&known.key_id) {
                return Ok(known.identity);
            }
        }
        let audience = self.settings.audience.clone();
        let (verified, _) = self.verify_for(token, &audience).await?;
        self.verified.insert(token, verified.clone(), now);
        Ok(verified.identity)
    }

    /// An ID token from a sign-in: as [`Self::verify`], for the audience `client_id`, and
    /// bound to the sign-in by its `nonce`.
    pub async fn verify_id_token(
        &self,
        token: &str,
        client_id: &str,
        nonce: &str,
    ) -> Result<ExternalIdentity, OidcError> {
        let (verified, sent) = self.verify_for(token, client_id).await?;
        if sent.as_deref() != Some(nonce) {
            return Err(OidcError::Nonce);
        }
        Ok(verified.identity)
    }

    async fn verify_for(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<(VerifiedToken, Option<String>), OidcError> {
        let header = jsonwebtoken::decode_header(token)?;
        if !matches!(
            header.alg,
            Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA
        ) {
            return Err(OidcError::Algorithm);
        }
        let kid = header.kid.ok_or(OidcError::UnknownKey)?;
        let (algorithm, key) = match self.cached(&kid, false) {
            Some(found) => found,
            None => {
                self.refresh(&kid).await;
                self.cached(&kid, true).ok_or(OidcError::UnknownKey)?
            }
        };
        if algorithm != header.alg {
            return Err(OidcError::Algorithm);
        }
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)?.claims;
        Ok((
            VerifiedToken {
                identity: ExternalIdentity {
                    issuer: claims.iss,
                    subject: claims.sub,
                    email: claims.email.filter(|e| !e.trim().is_empty()),
                    email_verified: claims
                        .email_verified
                        .is_some_and(|v| v == true || v == "true"),
                    name: claims.name,
                },
                key_id: kid,
                usable_from: claims.nbf.map_or(0, |nbf| nbf.saturating_sub(LEEWAY_SECS)),
                usable_until: claims.exp.saturating_add(LEEWAY_SECS),
            },
            claims.nonce,
        ))
    }

    /// Whether the key `kid` is in a key set that is not too old.
    fn trusts(&self, kid: &str) -> bool {
        self.cache.read().is_ok_and(|cache| {
            cache
                .fetched_at
                .is_some_and(|at| at.elapsed() < self.settings.max_age)
                && cache.keys.contains_key(kid)
        })
    }

    /// The key `kid`, if cached (and, unless `stale_ok`, the cache is not too old).
    fn cached(&self, kid: &str, stale_ok: bool) -> Option<(Algorithm, DecodingKey)> {
        let cache = self.cache.read().ok()?;
        let fresh = cache
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.settings.max_age);
        if !fresh && !stale_ok {
            return None;
        }
        cache.keys.get(kid).cloned()
    }

    /// Refetches the key set when it is too old, or when `kid` is unknown and the last fetch
    /// was longer than `min_refetch` ago. A failed fetch keeps the keys there were.
    async fn refresh(&self, kid: &str) {
        let _one_at_a_time = self.fetching.lock().await;
        let due = {
            let Ok(cache) = self.cache.read() else {
                return;
            };
            match cache.fetched_at {
                None => true,
                Some(at) if at.elapsed() >= self.settings.max_age => true,
                Some(at) => {
                    !cache.keys.contains_key(kid) && at.elapsed() >= self.settings.min_refetch
                }
            }
        };
        if !due {
            return;
        }
        let uri = self.jwks_uri.clone();
        let fetched = tokio::task::spawn_blocking(move || fetch_json::<JwkSet>(&uri, "key set"))
            .await
            .unwrap_or_else(|e| {
                Err(OidcError::Unreachable {
                    url: self.jwks_uri.clone(),
                    cause: e.to_string(),
                })
            });
        let Ok(mut cache) = self.cache.write() else {
            return;
        };
        cache.fetches += 1;
        // A failed fetch counts as an attempt too: no storm against a provider that is down.
        cache.fetched_at = Some(Instant::now());
        match fetched {
            Ok(set) => {
                cache.keys = set.keys.iter().filter_map(usable_key).collect();
                // A key id may come back with another key: verify every token again.
                self.verified.clear();
                tracing::info!(keys = cache.keys.len(), "fetched the provider's key set");
            }
            Err(error) => tracing::warn!(%error, "cannot refresh the provider's key set"),
        }
    }
}

/// A signing key of a kind we accept, by its key id.
fn usable_key(jwk: &Jwk) -> Option<(String, (Algorithm, DecodingKey))> {
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return None;
    }
    let algorithm = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => return None,
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some((jwk.common.key_id.clone()?, (algorithm, key)))
}

fn fetch_json<T: serde::de::DeserializeOwned>(
    url: &str,
    what: &'static str,
) -> Result<T, OidcError> {
    let unreachable = |cause: String| OidcError::Unreachable {
        url: url.to_owned(),
        cause,
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(FETCH_TIMEOUT))
        .build()
        .into();
    let mut response = agent
        .get(url)
        .header("accept", "application/json")
        .call()
        .map_err(|e| unreachable(e.to_string()))?;
    response
        .body_mut()
        .with_config()
        .limit(MAX_DOCUMENT_BYTES)
        .read_json()
        .map_err(|e| OidcError::BadDocument {
            what,
            cause: e.to_string(),
        })
}

/// Orgraph as a confidential client of the provider, for signing people in to its pages.
#[derive(Debug, Clone)]
pub struct OidcClient {
    pub client_id: String,
    pub client_secret: String,
    /// `<public URL>/auth/callback`, registered at the provider.
    pub redirect_uri: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: String,
}

impl OidcVerifier {
    /// Redeems an authorization code (with its PKCE verifier) at the token endpoint and
    /// returns who signed in, from the ID token, checked against `nonce`.
    pub async fn redeem_code(
        &self,
        client: &OidcClient,
        code: &str,
        code_verifier: &str,
        nonce: &str,
    ) -> Result<ExternalIdentity, OidcError> {
        let endpoint =
            self.endpoints
                .as_ref()
                .map(|e| e.token.clone())
                .ok_or(OidcError::BadDocument {
                    what: "discovery document",
                    cause: "it names no token endpoint".into(),
                })?;
        let form = [
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", client.redirect_uri.clone()),
            ("code_verifier", code_verifier.to_owned()),
        ];
        let basic = client_secret_basic(&client.client_id, &client.client_secret);
        let response = tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(FETCH_TIMEOUT))
                .build()
                .into();
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            agent
                .post(&endpoint)
                .header("accept", "application/json")
                .header("authorization", &basic)
                .send_form(form)
                .map_err(|e| OidcError::Unreachable {
                    url: endpoint.clone(),
                    cause: e.to_string(),
                })?
                .body_mut()
                .with_config()
                .limit(MAX_DOCUMENT_BYTES)
                .read_json::<TokenResponse>()
                .map_err(|e| OidcError::BadDocument {
                    what: "token response",
                    cause: e.to_string(),
                })
        })
        .await
        .map_err(|e| OidcError::Unreachable {
            url: "the token endpoint".into(),
            cause: e.to_string(),
        })??;
        self.verify_id_token(&response.id_token, &client.client_id, nonce)
            .await
    }
}

/// `client_secret_basic` (RFC 6749 §2.3.1): id and secret form-encoded, then base64.
fn client_secret_basic(client_id: &str, client_secret: &str) -> String {
    use base64::Engine;
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(client_id), encode(client_secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}
