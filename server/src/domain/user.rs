use chrono::{DateTime, Utc};

use super::ids::UserId;

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    /// Missing when the identity provider never told it.
    pub email: Option<String>,
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Emails are unique case-insensitively.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The `email_key` of a user without a verified email: it contains no '@', so no address
/// looks it up, and it is unique like the id it is made of.
pub fn no_email_key(user: UserId) -> String {
    format!("no-email:{user}")
}

/// Who an OpenID Connect provider says signed in: (issuer, subject) is the identity; the rest
/// are attributes that may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}
