use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{naive, UserRow};
use super::schema::users;
use super::DbConnection;
use crate::domain::ids::UserId;
use crate::domain::user::{email_key, User};

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
    if let Some(user) = find_by_email(conn, email)? {
        return Ok(user);
    }
    let row = UserRow {
        id: UserId::new_random().to_string(),
        email: email.trim().to_owned(),
        email_key: email_key(email),
        name: name.map(str::to_owned),
        created_at: naive(now),
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)?;
    row.into_domain()
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
