use chrono::{DateTime, Utc};

use super::ids::UserId;

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Emails are unique case-insensitively.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}
