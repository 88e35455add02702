//! Users behind OpenID Connect identities: (issuer, subject) is who someone is; email and
//! name are attributes the provider may change, or not give at all.

use chrono::{DateTime, Utc};

use crate::domain::user::{ExternalIdentity, User};
use crate::store::{users, DbConnection};

use super::cache::{Cached, Key};
use super::error::{ApiError, ApiResult};
use super::Services;

impl Services {
    /// The user behind a verified identity, created or linked on first sight: an identity
    /// with a verified email takes over the user an invitation created for that email (if no
    /// other subject of the same issuer has); an unverified email is only an attribute.
    pub async fn user_for_identity(
        &self,
        identity: ExternalIdentity,
        now: DateTime<Utc>,
    ) -> ApiResult<User> {
        let key = Key::Identity {
            issuer: identity.issuer.clone(),
            subject: identity.subject.clone(),
        };
        let (cached, stamp) = self.cache.lookup(self.store.changes(), &key);
        let known = match cached {
            Some(Cached::User(user)) => Some(user),
            _ => {
                let (issuer, subject) = (identity.issuer.clone(), identity.subject.clone());
                let read = self
                    .store
                    .read(move |conn| {
                        Ok::<_, ApiError>(users::by_identity(conn, &issuer, &subject)?)
                    })
                    .await?;
                if let Some(user) = &read {
                    self.cache.put(key, Cached::User(user.clone()), stamp);
                }
                read
            }
        };
        // The hot path: a known identity whose attributes are unchanged writes nothing.
        if let Some(user) = known {
            if !attributes_changed(&user, &identity) {
                return Ok(user);
            }
        }
        self.store
            .write(move |conn| Ok::<_, ApiError>(resolve(conn, &identity, now)?))
            .await
    }
}

fn attributes_changed(user: &User, identity: &ExternalIdentity) -> bool {
    (identity.email.is_some() && identity.email != user.email)
        || (identity.name.is_some() && identity.name != user.name)
}

/// Inside one transaction: the linked user (attributes brought up to date), else the user an
/// invitation created for the verified email, else a new user.
fn resolve(
    conn: &mut DbConnection,
    identity: &ExternalIdentity,
    now: DateTime<Utc>,
) -> diesel::QueryResult<User> {
    let verified = identity
        .email
        .as_deref()
        .filter(|_| identity.email_verified);
    let holder = match verified {
        Some(address) => users::find_by_email(conn, address)?,
        None => None,
    };
    let user = match users::by_identity(conn, &identity.issuer, &identity.subject)? {
        Some(linked) => linked,
        None => match holder.clone() {
            Some(invited) if !users::has_identity_at(conn, invited.id, &identity.issuer)? => {
                users::link_identity(conn, &identity.issuer, &identity.subject, invited.id, now)?;
                invited
            }
            _ => {
                let user = users::insert(conn, None, None, None, now)?;
                users::link_identity(conn, &identity.issuer, &identity.subject, user.id, now)?;
                user
            }
        },
    };
    users::update_attributes(
        conn,
        user.id,
        identity.email.as_deref().or(user.email.as_deref()),
        identity.name.as_deref().or(user.name.as_deref()),
    )?;
    // Invitations to a verified address find this user, unless another user holds it.
    if let Some(address) = verified {
        if holder.is_none_or(|h| h.id == user.id) {
            users::claim_email_key(conn, user.id, address)?;
        }
    }
    users::find_many(conn, &[user.id])?
        .into_iter()
        .next()
        .ok_or(diesel::result::Error::NotFound)
}
