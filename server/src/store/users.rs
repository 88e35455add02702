use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{naive, UserRow};
use super::schema::{user_identities, users};
use super::DbConnection;
use crate::domain::ids::UserId;
use crate::domain::user::{email_key, no_email_key, User};

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email_key.eq(email_key(email)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_domain)
        .transpose()
}

/// The user with that email, created on first sight (tokens are the source of identities).
pub fn find_or_create(
    conn: &mut DbConnection,
    email: &str,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<User> {
    find_or_create_new(conn, email, name, now).map(|(user, _)| user)
}

/// [`find_or_create`], saying whether the user is new: nothing refers to a new user yet.
pub fn find_or_create_new(
    conn: &mut DbConnection,
    email: &str,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<(User, bool)> {
    if let Some(user) = find_by_email(conn, email)? {
        return Ok((user, false));
    }
    insert(conn, Some(email), Some(email_key(email)), name, now).map(|user| (user, true))
}

pub fn find_many(conn: &mut DbConnection, ids: &[UserId]) -> QueryResult<Vec<User>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    users::table
        .filter(users::id.eq_any(keys))
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(UserRow::into_domain)
        .collect()
}

/// The user an identity provider's (issuer, subject) is linked to.
pub fn by_identity(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
) -> QueryResult<Option<User>> {
    user_identities::table
        .inner_join(users::table)
        .filter(user_identities::issuer.eq(issuer))
        .filter(user_identities::subject.eq(subject))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_domain)
        .transpose()
}

/// Whether `user` is already linked to some subject of `issuer`.
pub fn has_identity_at(conn: &mut DbConnection, user: UserId, issuer: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        user_identities::table
            .filter(user_identities::user_id.eq(user.to_string()))
            .filter(user_identities::issuer.eq(issuer)),
    ))
    .get_result(conn)
}

pub fn link_identity(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
    user: UserId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(user_identities::table)
        .values((
            user_identities::issuer.eq(issuer),
            user_identities::subject.eq(subject),
            user_identities::user_id.eq(user.to_string()),
            user_identities::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A new user; `email_key` decides whether invitations find them by email.
pub fn insert(
    conn: &mut DbConnection,
    email: Option<&str>,
    email_key: Option<String>,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<User> {
    let id = UserId::new_random();
    let row = UserRow {
        id: id.to_string(),
        email: email.map(|e| e.trim().to_owned()),
        email_key: email_key.unwrap_or_else(|| no_email_key(id)),
        name: name.map(str::to_owned),
        created_at: naive(now),
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)?;
    row.into_domain()
}

/// Keeps a user's attributes as their identity provider now states them.
pub fn update_attributes(
    conn: &mut DbConnection,
    user: UserId,
    email: Option<&str>,
    name: Option<&str>,
) -> QueryResult<()> {
    diesel::update(users::table.find(user.to_string()))
        .set((users::email.eq(email), users::name.eq(name)))
        .execute(conn)?;
    Ok(())
}

/// Makes `user` the one invitations to `address` find.
pub fn claim_email_key(conn: &mut DbConnection, user: UserId, address: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user.to_string()))
        .set(users::email_key.eq(email_key(address)))
        .execute(conn)?;
    Ok(())
}
