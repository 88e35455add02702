use crate::domain::user::User;

/// Who is calling. Resolvers receive it through the request data; application principals
/// (Organization Connect tokens) join as another variant.
#[derive(Debug, Clone)]
pub enum Principal {
    User(User),
}

impl Principal {
    pub fn user(&self) -> &User {
        match self {
            Self::User(user) => user,
        }
    }
}
