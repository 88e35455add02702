//! Browser sessions and the sign-ins that start them.

use chrono::{DateTime, Duration, Utc};

use crate::auth::secrets::{random_secret, secret_hash};
use crate::domain::ids::UserId;
use crate::domain::session::{Session, SessionLifetime};
use crate::domain::user::User;
use crate::store::sessions::{self, SignInAttempt};

use super::cache::{Cached, Key};
use super::error::{ApiError, ApiResult};
use super::Services;

/// How long a sign-in at the provider may take.
pub const SIGN_IN_TIMEOUT: Duration = Duration::minutes(10);

/// A new session: the secret goes into the cookie (and nowhere else), the CSRF token into
/// the pages the session may call the API from.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf_token: String,
}

/// A sign-in to send to the provider: `state` (also kept in a cookie), `nonce` and the PKCE
/// verifier's challenge.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
}

impl Services {
    pub async fn start_session(
        &self,
        user: UserId,
        lifetime: SessionLifetime,
        now: DateTime<Utc>,
    ) -> ApiResult<NewSession> {
        let secret = random_secret();
        let session = Session {
            user_id: user,
            csrf_token: random_secret(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + lifetime.absolute,
            revoked_at: None,
        };
        let new = NewSession {
            secret: secret.clone(),
            csrf_token: session.csrf_token.clone(),
        };
        self.store
            .write(move |conn| {
                Ok::<_, ApiError>(sessions::insert(conn, &secret_hash(&secret), &session)?)
            })
            .await?;
        Ok(new)
    }

    /// The user of a live session, with its CSRF token; `None` for an unknown, expired or
    /// revoked one. Moves the idle clock at most once a minute.
    pub async fn session_user(
        &self,
        secret: &str,
        lifetime: SessionLifetime,
        now: DateTime<Utc>,
    ) -> ApiResult<Option<(User, String)>> {
        let hash = secret_hash(secret);
        let key = Key::Session(hash.clone());
        // A cached session serves while live and untouched for long (its activity is read
        // fresh, and written, when due).
        let (cached, stamp) = self.cache.lookup(self.store.changes(), &key);
        if let Some(Cached::Session(session, user)) = cached {
            if session.is_live(now, lifetime) && !session.needs_touch(now) {
                return Ok(Some((user, session.csrf_token)));
            }
        }
        let found = {
            let hash = hash.clone();
            self.store
                .read(move |conn| Ok::<_, ApiError>(sessions::find(conn, &hash)?))
                .await?
        };
        let Some((mut session, user)) = found.filter(|(s, _)| s.is_live(now, lifetime)) else {
            return Ok(None);
        };
        if session.needs_touch(now) {
            let hash = hash.clone();
            // Activity is no change a cache must hear of: the session itself is read fresh
            // whenever the cached copy falls due.
            self.store
                .write_quietly(move |conn| Ok::<_, ApiError>(sessions::touch(conn, &hash, now)?))
                .await?;
            session.last_seen_at = now;
        }
        self.cache
            .put(key, Cached::Session(session.clone(), user.clone()), stamp);
        Ok(Some((user, session.csrf_token)))
    }

    pub async fn end_session(&self, secret: &str, now: DateTime<Utc>) -> ApiResult<bool> {
        let hash = secret_hash(secret);
        self.store
            .write(move |conn| Ok::<_, ApiError>(sessions::revoke(conn, &hash, now)?))
            .await
    }

    /// Records a sign-in about to be sent to the provider.
    pub async fn begin_sign_in(
        &self,
        return_to: String,
        now: DateTime<Utc>,
    ) -> ApiResult<PendingSignIn> {
        let (state, nonce, code_verifier) = (random_secret(), random_secret(), random_secret());
        let pending = PendingSignIn {
            state: state.clone(),
            nonce: nonce.clone(),
            code_challenge: crate::auth::secrets::pkce_challenge(&code_verifier),
        };
        let attempt = SignInAttempt {
            code_verifier,
            nonce,
            return_to,
            created_at: now,
        };
        self.store
            .write(move |conn| {
                sessions::delete_attempts_before(conn, now - SIGN_IN_TIMEOUT)?;
                Ok::<_, ApiError>(sessions::insert_attempt(
                    conn,
                    &secret_hash(&state),
                    &attempt,
                )?)
            })
            .await?;
        Ok(pending)
    }

    /// Takes the sign-in that sent `state`, once, if it is recent.
    pub async fn finish_sign_in(
        &self,
        state: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<Option<SignInAttempt>> {
        let hash = secret_hash(state);
        let attempt = self
            .store
            .write(move |conn| Ok::<_, ApiError>(sessions::take_attempt(conn, &hash)?))
            .await?;
        Ok(attempt.filter(|a| now - a.created_at <= SIGN_IN_TIMEOUT))
    }
}
