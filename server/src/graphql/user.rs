use async_graphql::{Object, ID};
use chrono::{DateTime, Utc};

use crate::domain::user::User;

pub struct UserNode(pub User);

#[Object(name = "User")]
impl UserNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Null when the identity provider never told it.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
