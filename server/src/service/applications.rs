//! Applications of integrator organizations: create, update, rotate the secret, delete.
//!
//! Creating needs `applications:manage` on the organization. Everything else is decided per
//! application ([`access_to_application`]): a grant on one application (a Developer on
//! Staging) manages that application and no other, and an application the caller may not
//! read answers `NOT_FOUND`, exactly like one that does not exist.

use chrono::{DateTime, SubsecRound, Utc};
use rand::rngs::OsRng;
use rand::TryRngCore;
use serde_json::{json, Value};

use crate::auth::Principal;
use crate::domain::application::{
    access_to_application, check_holder, client_id_from, client_secret_from, hash_client_secret,
    parse_name, parse_redirect_uris, parse_scopes, Application, ApplicationAccess, Environment,
    CLIENT_SECRET_BYTES, MAX_APPLICATIONS_PER_ORGANIZATION, SECRET_SALT_BYTES,
};
use crate::domain::ids::{ApplicationId, NetworkId, OrganizationId};
use crate::domain::organization::{name_key, Organization};
use crate::domain::permissions::{Permission, PermissionSet};
use crate::store::{applications, authorizations, networks, organizations, DbConnection};

use super::access::{locked_live, placed_grants_in, require};
use super::audit::{record, Change};
use super::error::{ApiError, ApiResult};
use super::Services;

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub organization_id: OrganizationId,
    pub name: String,
    pub environment: Environment,
    pub redirect_uris: Vec<String>,
    pub allowed_scopes: Vec<String>,
    pub public: bool,
}

/// The fields to change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ApplicationUpdate {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub allowed_scopes: Option<Vec<String>>,
}

/// An application with the secret that was just made for it: the only time it is known.
/// (No `Debug`, so that it can't end up in a log.)
#[derive(Clone)]
pub struct WithSecret<T> {
    pub application: Application,
    pub client_secret: T,
}

impl Services {
    pub async fn create_application(
        &self,
        principal: &Principal,
        input: NewApplication,
        now: DateTime<Utc>,
    ) -> ApiResult<WithSecret<Option<String>>> {
        let now = as_stored(now);
        let name = parse_name("name", &input.name)?;
        let redirect_uris = parse_redirect_uris(&input.redirect_uris, input.environment)?;
        let allowed_scopes = parse_scopes(&input.allowed_scopes)?;
        let client_id = client_id_from(&random_bytes()?);
        let secret = if input.public {
            None
        } else {
            Some(new_secret()?)
        };
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, input.organization_id)?;
                require(conn, &principal, &org, Permission::ApplicationsManage)?;
                check_holder(&org)?;
                let existing = applications::of_organizations(conn, network, &[org.id])?;
                if existing.len() >= MAX_APPLICATIONS_PER_ORGANIZATION {
                    return Err(ApiError::LimitExceeded(format!(
                        "an organization holds at most {MAX_APPLICATIONS_PER_ORGANIZATION} \
                         applications"
                    )));
                }
                ensure_unique_name(&existing, &name, None)?;
                let app = Application {
                    id: ApplicationId::new_random(),
                    network_id: network,
                    organization_id: org.id,
                    name,
                    environment: input.environment,
                    client_id,
                    public: input.public,
                    redirect_uris,
                    allowed_scopes,
                    created_at: now,
                    updated_at: now,
                };
                applications::insert(conn, &app, secret.as_ref().map(|(_, hash)| hash.as_str()))?;
                record(
                    conn,
                    &principal,
                    Change::of("createApplication", &org)
                        .target(app.id)
                        .after(application_state(&app)),
                    now,
                )?;
                Ok(WithSecret {
                    application: app,
                    client_secret: secret.map(|(plain, _)| plain),
                })
            })
            .await
    }

    pub async fn update_application(
        &self,
        principal: &Principal,
        id: ApplicationId,
        update: ApplicationUpdate,
        now: DateTime<Utc>,
    ) -> ApiResult<Application> {
        let now = as_stored(now);
        if update.name.is_none()
            && update.redirect_uris.is_none()
            && update.allowed_scopes.is_none()
        {
            return Err(ApiError::bad_input(
                "input",
                "nothing to change: give name, redirectUris or allowedScopes",
            ));
        }
        let name = update
            .name
            .as_deref()
            .map(|n| parse_name("name", n))
            .transpose()?;
        let allowed_scopes = update
            .allowed_scopes
            .as_deref()
            .map(parse_scopes)
            .transpose()?;
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (org, before) = locked_application(conn, id)?;
                authorize(conn, &principal, &org, before.id)?;
                let mut app = before.clone();
                if let Some(uris) = &update.redirect_uris {
                    app.redirect_uris = parse_redirect_uris(uris, app.environment)?;
                }
                if let Some(name) = name {
                    let siblings = applications::of_organizations(conn, org.network_id, &[org.id])?;
                    ensure_unique_name(&siblings, &name, Some(app.id))?;
                    app.name = name;
                }
                if let Some(scopes) = allowed_scopes {
                    app.allowed_scopes = scopes;
                }
                app.updated_at = now;
                applications::update(conn, &app)?;
                record(
                    conn,
                    &principal,
                    Change::of("updateApplication", &org)
                        .target(app.id)
                        .before(application_state(&before))
                        .after(application_state(&app)),
                    now,
                )?;
                Ok(app)
            })
            .await
    }

    /// Replaces a confidential application's secret; the old one stops working at once.
    pub async fn rotate_application_secret(
        &self,
        principal: &Principal,
        id: ApplicationId,
        now: DateTime<Utc>,
    ) -> ApiResult<WithSecret<String>> {
        let now = as_stored(now);
        let (secret, hash) = new_secret()?;
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (org, before) = locked_application(conn, id)?;
                authorize(conn, &principal, &org, before.id)?;
                if before.public {
                    return Err(ApiError::bad_input(
                        "id",
                        "a public application has no client secret (it proves itself with \
                         PKCE): there is nothing to rotate",
                    ));
                }
                applications::set_secret_hash(conn, org.network_id, before.id, &hash, now)?;
                let app = Application {
                    updated_at: now,
                    ..before.clone()
                };
                record(
                    conn,
                    &principal,
                    Change::of("rotateApplicationSecret", &org)
                        .target(app.id)
                        .before(application_state(&before))
                        .after(application_state(&app)),
                    now,
                )?;
                Ok(WithSecret {
                    application: app,
                    client_secret: secret,
                })
            })
            .await
    }

    /// Removes an application for good, with the grants scoped to it. Returns what it was.
    pub async fn delete_application(
        &self,
        principal: &Principal,
        id: ApplicationId,
        now: DateTime<Utc>,
    ) -> ApiResult<Application> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (org, app) = locked_application(conn, id)?;
                authorize(conn, &principal, &org, app.id)?;
                let removed_grants = applications::delete(conn, org.network_id, app.id)?;
                // Its customers' authorizations end with it, and every token under them.
                let ended = authorizations::revoke_all_of_application(conn, app.id, now)?;
                let mut before = application_state(&app);
                before["authorizationsRevoked"] = json!(ended);
                before["grantsOnApplication"] = json!(removed_grants);
                record(
                    conn,
                    &principal,
                    Change::of("deleteApplication", &org)
                        .target(app.id)
                        .before(before),
                    now,
                )?;
                Ok(app)
            })
            .await
    }

    /// Applications by id, whoever holds them (visibility is the caller's job).
    pub async fn applications_by_id(&self, ids: Vec<ApplicationId>) -> ApiResult<Vec<Application>> {
        self.store
            .read(move |conn| Ok::<_, ApiError>(applications::find_many(conn, &ids)?))
            .await
    }

    /// The applications of several organizations of one network (visibility is the caller's
    /// job).
    pub async fn applications_of_organizations(
        &self,
        network: NetworkId,
        organizations: Vec<OrganizationId>,
    ) -> ApiResult<Vec<Application>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(applications::of_organizations(
                    conn,
                    network,
                    &organizations,
                )?)
            })
            .await
    }
}

/// Locks the network of an application for this transaction and returns the application
/// with its organization, which must be live.
fn locked_application(
    conn: &mut DbConnection,
    id: ApplicationId,
) -> ApiResult<(Organization, Application)> {
    let (_, network) = applications::networks_of(conn, &[id])?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    networks::lock_and_allocate(conn, network, 0)?;
    let app = applications::in_network(conn, network, &[id])?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    let org = organizations::in_network(conn, network, &[app.organization_id])?
        .into_iter()
        .find(|o| !o.is_deleted())
        .ok_or(ApiError::NotFound)?;
    Ok((org, app))
}

/// Refuses unless the principal manages this application: `NOT_FOUND` when it may not even
/// read it, `FORBIDDEN` when it reads but doesn't manage it.
fn authorize(
    conn: &mut DbConnection,
    principal: &Principal,
    org: &Organization,
    application: ApplicationId,
) -> ApiResult<()> {
    let placed = placed_grants_in(conn, principal, org.network_id)?;
    match access_to_application(&placed, org, application) {
        ApplicationAccess::Manage => Ok(()),
        ApplicationAccess::Read => Err(ApiError::Forbidden(format!(
            "this requires the permission {} on the application",
            Permission::ApplicationsManage.as_str()
        ))),
        ApplicationAccess::Hidden => Err(ApiError::NotFound),
    }
}

/// Application names are unique within their organization, case-insensitively.
fn ensure_unique_name(
    siblings: &[Application],
    name: &str,
    except: Option<ApplicationId>,
) -> ApiResult<()> {
    let key = name_key(name);
    match siblings
        .iter()
        .find(|a| Some(a.id) != except && name_key(&a.name) == key)
    {
        Some(other) => Err(ApiError::Conflict(format!(
            "the organization already has an application named \"{}\"",
            other.name
        ))),
        None => Ok(()),
    }
}

/// `now` as the database keeps it (PostgreSQL to the microsecond), so that what a mutation
/// returns is what later reads return.
pub(super) fn as_stored(now: DateTime<Utc>) -> DateTime<Utc> {
    now.trunc_subsecs(6)
}

/// A fresh client secret and its stored hash.
fn new_secret() -> ApiResult<(String, String)> {
    let secret = client_secret_from(&random_bytes::<CLIENT_SECRET_BYTES>()?);
    let hash = hash_client_secret(&secret, &random_bytes::<SECRET_SALT_BYTES>()?);
    Ok((secret, hash))
}

/// Bytes from the operating system's generator (client ids, secrets, salts).
fn random_bytes<const N: usize>() -> ApiResult<[u8; N]> {
    let mut bytes = [0u8; N];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(bytes)
}

/// The public shape of an application in audit states: never a secret or its hash.
pub fn application_state(app: &Application) -> Value {
    json!({
        "id": app.id.to_string(),
        "organizationId": app.organization_id.to_string(),
        "name": app.name,
        "environment": app.environment.as_str(),
        "clientId": app.client_id,
        "public": app.public,
        "redirectUris": app.redirect_uris,
        "allowedScopes": scope_names(app.allowed_scopes),
    })
}

pub fn scope_names(scopes: PermissionSet) -> Vec<&'static str> {
    scopes.iter().map(Permission::as_str).collect()
}
