//! Settings: flags with environment fallbacks (see the README's configuration table).

use std::path::{Path, PathBuf};

use clap::Args;

use crate::auth::{
    OidcSettings, OidcVerifier, PublicKeyAlgorithm, TokenKeys, TokenVerifier, DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
};
use crate::domain::organization::{TreeLimits, DEFAULT_DEPTH_LIMIT, DEFAULT_RETENTION_DAYS};
use crate::domain::session::SessionLifetime;
use crate::store::DatabaseUrl;

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://PATH` (or a bare path) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://orgraph.db",
        global = true
    )]
    pub database_url: String,

    /// Connections per pool.
    #[arg(long, env = "ORGRAPH_POOL_SIZE", default_value_t = 8, global = true)]
    pub pool_size: u32,
}

impl DatabaseArgs {
    pub fn url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&self.database_url)
    }
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// HS256 secret for bearer tokens. Without it (and without a public key) a development
    /// secret is generated and kept next to the SQLite database.
    #[arg(
        long,
        env = "ORGRAPH_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,

    /// Verify tokens with this PEM public key instead of a shared secret.
    #[arg(long, env = "ORGRAPH_JWT_PUBLIC_KEY", global = true)]
    pub jwt_public_key: Option<PathBuf>,

    /// The algorithm of `--jwt-public-key`.
    #[arg(
        long,
        env = "ORGRAPH_JWT_ALGORITHM",
        value_enum,
        default_value = "RS256",
        global = true
    )]
    pub jwt_algorithm: PublicKeyAlgorithm,

    /// PEM private key matching `--jwt-public-key`, for `orgraph token` only.
    #[arg(long, env = "ORGRAPH_JWT_PRIVATE_KEY", global = true)]
    pub jwt_private_key: Option<PathBuf>,

    /// Expected `iss` claim.
    #[arg(long, env = "ORGRAPH_JWT_ISSUER", default_value = DEFAULT_ISSUER, global = true)]
    pub jwt_issuer: String,

    /// Expected `aud` claim.
    #[arg(long, env = "ORGRAPH_JWT_AUDIENCE", default_value = DEFAULT_AUDIENCE, global = true)]
    pub jwt_audience: String,

    /// Verify bearer tokens with this OpenID Connect provider's published keys (found through
    /// `<issuer>/.well-known/openid-configuration`) instead of a secret or a public key.
    #[arg(long, env = "ORGRAPH_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,

    /// The `aud` a provider's access token must carry (the API's identifier at the provider).
    #[arg(long, env = "ORGRAPH_OIDC_AUDIENCE", default_value = DEFAULT_AUDIENCE, global = true)]
    pub oidc_audience: String,

    /// Refetch the provider's keys when the cached set is older than this: how soon a
    /// retired key stops working.
    #[arg(
        long,
        env = "ORGRAPH_OIDC_JWKS_MAX_AGE_SECS",
        default_value_t = 600,
        global = true
    )]
    pub oidc_jwks_max_age_secs: u64,

    /// A token naming an unknown key refetches the provider's keys at most this often.
    #[arg(
        long,
        env = "ORGRAPH_OIDC_JWKS_MIN_REFETCH_SECS",
        default_value_t = 10,
        global = true
    )]
    pub oidc_jwks_min_refetch_secs: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Auth(#[from] crate::auth::AuthError),
    #[error("{0}")]
    Oidc(#[from] crate::auth::OidcError),
    #[error(
        "no JWT secret: set ORGRAPH_JWT_SECRET (or --jwt-secret, or --jwt-public-key); a \
         development secret is only generated for SQLite databases"
    )]
    MissingSecret,
    #[error("the JWT secret must be at least 32 bytes")]
    WeakSecret,
    #[error("cannot keep the development JWT secret in {path}: {source}")]
    SecretFile {
        path: String,
        source: std::io::Error,
    },
}

impl TokenArgs {
    /// How the server verifies bearer tokens: the OpenID Connect provider when one is
    /// configured (its discovery document is read now), else the key from [`Self::keys`].
    pub fn verifier(&self, database: &DatabaseUrl) -> Result<TokenVerifier, ConfigError> {
        let Some(issuer) = &self.oidc_issuer else {
            return Ok(TokenVerifier::Keys(self.keys(database)?));
        };
        let verifier = OidcVerifier::discover(OidcSettings {
            issuer: issuer.clone(),
            audience: self.oidc_audience.clone(),
            max_age: std::time::Duration::from_secs(self.oidc_jwks_max_age_secs),
            min_refetch: std::time::Duration::from_secs(self.oidc_jwks_min_refetch_secs),
        })?;
        tracing::info!(issuer = %issuer, "bearer tokens are verified with the OpenID Connect provider");
        Ok(TokenVerifier::Oidc(std::sync::Arc::new(verifier)))
    }

    pub fn keys(&self, database: &DatabaseUrl) -> Result<TokenKeys, ConfigError> {
        if let Some(public_key) = &self.jwt_public_key {
            return Ok(TokenKeys::asymmetric(
                self.jwt_algorithm,
                public_key,
                self.jwt_private_key.as_deref(),
                &self.jwt_issuer,
                &self.jwt_audience,
            )?);
        }
        let secret = match &self.jwt_secret {
            Some(secret) => secret.clone(),
            None => match database {
                DatabaseUrl::Sqlite(path) => development_secret(path)?,
                DatabaseUrl::Postgres(_) => return Err(ConfigError::MissingSecret),
            },
        };
        if secret.len() < 32 {
            return Err(ConfigError::WeakSecret);
        }
        Ok(TokenKeys::hs256(
            secret.as_bytes(),
            &self.jwt_issuer,
            &self.jwt_audience,
        ))
    }
}

/// A random secret kept in `<database>.jwt-secret`, created on first use (development only).
fn development_secret(database: &Path) -> Result<String, ConfigError> {
    let mut file = database.as_os_str().to_owned();
    file.push(".jwt-secret");
    let file = PathBuf::from(file);
    let io_error = |source| ConfigError::SecretFile {
        path: file.display().to_string(),
        source,
    };
    if let Ok(existing) = std::fs::read_to_string(&file) {
        if existing.trim().len() >= 32 {
            return Ok(existing.trim().to_owned());
        }
    }
    use rand::Rng;
    let secret: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(48)
        .map(char::from)
        .collect();
    write_private(&file, &secret).map_err(io_error)?;
    tracing::warn!(
        "no ORGRAPH_JWT_SECRET set: using a generated development secret kept in {}; set a real \
         secret in production",
        file.display()
    );
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[derive(Debug, Clone, Args)]
pub struct TreeArgs {
    /// How long a deleted organization can be restored before it is purged.
    #[arg(long, env = "ORGRAPH_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS, global = true)]
    pub retention_days: i64,

    /// Deepest level a tree may reach (the root is level 0).
    #[arg(long, env = "ORGRAPH_DEPTH_LIMIT", default_value_t = DEFAULT_DEPTH_LIMIT, global = true)]
    pub depth_limit: i32,
}

impl TreeArgs {
    pub fn limits(&self) -> TreeLimits {
        TreeLimits {
            depth_limit: self.depth_limit.max(0),
            retention: chrono::Duration::days(self.retention_days.max(0)),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct SignInArgs {
    /// Orgraph's client id at the OpenID Connect provider: enables signing people in to
    /// Orgraph's pages through the provider (with `--oidc-issuer`).
    #[arg(long, env = "ORGRAPH_OIDC_CLIENT_ID", global = true)]
    pub oidc_client_id: Option<String>,

    /// The client secret that goes with `--oidc-client-id`.
    #[arg(
        long,
        env = "ORGRAPH_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub oidc_client_secret: Option<String>,

    /// The URL people reach Orgraph at (the provider redirects back to `<url>/auth/callback`;
    /// with https, cookies are `Secure` and `__Host-`). Default: `http://` + the bind address.
    #[arg(long, env = "ORGRAPH_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// PKCS#8 PEM file of the P-256 key Organization Connect access tokens are signed with
    /// (ES256). Without one, a key is generated once and kept in the database (development).
    #[arg(long, env = "ORGRAPH_OAUTH_SIGNING_KEY", global = true)]
    pub oauth_signing_key: Option<std::path::PathBuf>,

    /// A sign-in form that signs in any email, without a provider. On by itself only while
    /// the generated development secret is in use; this flag turns it on elsewhere (tests).
    #[arg(long, env = "ORGRAPH_DEV_SIGN_IN", global = true)]
    pub dev_sign_in: bool,

    /// A session ends after this many minutes unused.
    #[arg(
        long,
        env = "ORGRAPH_SESSION_IDLE_MINUTES",
        default_value_t = 120,
        global = true
    )]
    pub session_idle_minutes: i64,

    /// A session ends this many hours after sign-in, used or not.
    #[arg(
        long,
        env = "ORGRAPH_SESSION_MAX_HOURS",
        default_value_t = 24,
        global = true
    )]
    pub session_max_hours: i64,
}

impl SignInArgs {
    /// The URL people and clients reach Orgraph at, without a trailing slash: the issuer of
    /// its access tokens and the base of its redirect URIs.
    pub fn public_url(&self, bind: &str) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn lifetime(&self) -> SessionLifetime {
        SessionLifetime {
            idle: chrono::Duration::minutes(self.session_idle_minutes.max(1)),
            absolute: chrono::Duration::hours(self.session_max_hours.max(1)),
        }
    }
}

impl TokenArgs {
    /// Whether tokens are signed with the generated development secret (no secret, no key, no
    /// provider, a SQLite database): the only setup where the development sign-in is on by
    /// itself.
    pub fn uses_development_secret(&self, database: &DatabaseUrl) -> bool {
        self.jwt_secret.is_none()
            && self.jwt_public_key.is_none()
            && self.oidc_issuer.is_none()
            && matches!(database, DatabaseUrl::Sqlite(_))
    }
}
