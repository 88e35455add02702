use crate::domain::ids::{
    ApplicationId, AuthorizationId, NetworkId, OrganizationId, ScimTokenId, TokenFamilyId, UserId,
};
use crate::domain::permissions::{PermissionSet, PlacedGrant};
use crate::domain::user::User;

/// Who is calling: a person (token or session), an application acting through its
/// Organization Connect authorization, or an organization's directory through its SCIM
/// token (accepted at `/scim/v2` only).
#[derive(Debug, Clone)]
pub enum Principal {
    User(User),
    Application(ApplicationCaller),
    Directory(DirectoryCaller),
}

/// A SCIM token's caller, as found live when the request was authenticated.
#[derive(Debug, Clone)]
pub struct DirectoryCaller {
    pub token_id: ScimTokenId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    /// What it holds on its organization (read with the token: reads ask no second time;
    /// writes read it again under the network lock).
    pub grant: PlacedGrant,
}

/// An application token's caller, as found live when the request was authenticated.
#[derive(Debug, Clone)]
pub struct ApplicationCaller {
    pub application_id: ApplicationId,
    pub client_id: String,
    pub authorization_id: AuthorizationId,
    pub family: TokenFamilyId,
    pub network_id: NetworkId,
    /// The scopes its token was issued with (a refresh may narrow them): the grant never
    /// holds more.
    pub token_scopes: PermissionSet,
    /// What it holds: the token's scopes within its authorization's and its family's, on the
    /// authorized organization (and its subtree if consented).
    pub grant: PlacedGrant,
}

impl Principal {
    /// The person calling; `None` for an application.
    pub fn person(&self) -> Option<&User> {
        match self {
            Self::User(user) => Some(user),
            Self::Application(_) | Self::Directory(_) => None,
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.person().map(|user| user.id)
    }
}
