//! Browser sessions and sign-ins in progress, by the hashes of their secrets.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::models::{naive, parse_id, utc, UserRow};
use super::schema::{sessions, sign_in_attempts, users};
use super::DbConnection;
use crate::domain::session::Session;
use crate::domain::user::User;

pub fn insert(conn: &mut DbConnection, secret_hash: &str, session: &Session) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::secret_hash.eq(secret_hash),
            sessions::user_id.eq(session.user_id.to_string()),
            sessions::csrf_token.eq(&session.csrf_token),
            sessions::created_at.eq(naive(session.created_at)),
            sessions::last_seen_at.eq(naive(session.last_seen_at)),
            sessions::expires_at.eq(naive(session.expires_at)),
            sessions::revoked_at.eq(session.revoked_at.map(naive)),
        ))
        .execute(conn)?;
    Ok(())
}

type SessionRow = (
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// The session with that secret hash, with its user: one indexed lookup per request.
pub fn find(conn: &mut DbConnection, secret_hash: &str) -> QueryResult<Option<(Session, User)>> {
    let found: Option<(SessionRow, UserRow)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::secret_hash.eq(secret_hash))
        .select((
            (
                sessions::user_id,
                sessions::csrf_token,
                sessions::created_at,
                sessions::last_seen_at,
                sessions::expires_at,
                sessions::revoked_at,
            ),
            UserRow::as_select(),
        ))
        .first(conn)
        .optional()?;
    found
        .map(
            |((user, csrf_token, created, seen, expires, revoked), row)| {
                Ok((
                    Session {
                        user_id: parse_id(&user)?,
                        csrf_token,
                        created_at: utc(created),
                        last_seen_at: utc(seen),
                        expires_at: utc(expires),
                        revoked_at: revoked.map(utc),
                    },
                    row.into_domain()?,
                ))
            },
        )
        .transpose()
}

pub fn touch(conn: &mut DbConnection, secret_hash: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(sessions::table.find(secret_hash))
        .set(sessions::last_seen_at.eq(naive(now)))
        .execute(conn)?;
    Ok(())
}

/// Ends a session at once; returns whether there was a live one.
pub fn revoke(conn: &mut DbConnection, secret_hash: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let ended = diesel::update(
        sessions::table
            .find(secret_hash)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(naive(now)))
    .execute(conn)?;
    Ok(ended > 0)
}

/// A sign-in at the provider in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInAttempt {
    pub code_verifier: String,
    pub nonce: String,
    pub return_to: String,
    pub created_at: DateTime<Utc>,
}

pub fn insert_attempt(
    conn: &mut DbConnection,
    state_hash: &str,
    attempt: &SignInAttempt,
) -> QueryResult<()> {
    diesel::insert_into(sign_in_attempts::table)
        .values((
            sign_in_attempts::state_hash.eq(state_hash),
            sign_in_attempts::code_verifier.eq(&attempt.code_verifier),
            sign_in_attempts::nonce.eq(&attempt.nonce),
            sign_in_attempts::return_to.eq(&attempt.return_to),
            sign_in_attempts::created_at.eq(naive(attempt.created_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the attempt with that state hash: it can be completed once.
pub fn take_attempt(
    conn: &mut DbConnection,
    state_hash: &str,
) -> QueryResult<Option<SignInAttempt>> {
    let found: Option<(String, String, String, NaiveDateTime)> = sign_in_attempts::table
        .find(state_hash)
        .select((
            sign_in_attempts::code_verifier,
            sign_in_attempts::nonce,
            sign_in_attempts::return_to,
            sign_in_attempts::created_at,
        ))
        .first(conn)
        .optional()?;
    diesel::delete(sign_in_attempts::table.find(state_hash)).execute(conn)?;
    Ok(
        found.map(|(code_verifier, nonce, return_to, created)| SignInAttempt {
            code_verifier,
            nonce,
            return_to,
            created_at: utc(created),
        }),
    )
}

/// Forgets sign-ins that were abandoned before `before`.
pub fn delete_attempts_before(
    conn: &mut DbConnection,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(sign_in_attempts::table.filter(sign_in_attempts::created_at.lt(naive(before))))
        .execute(conn)
}
