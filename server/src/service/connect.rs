//! Organization Connect use cases (SPEC §5): the consent, the code and refresh grants,
//! revocation and introspection. The HTTP side (`http::oauth`) speaks OAuth; the rules are
//! here and in `domain::authorization`, and every right is asked of the access layer.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};

use crate::auth::connect_keys::{AccessClaims, ConnectKeys};
use crate::auth::secrets::{random_secret, secret_hash};
use crate::auth::{ApplicationCaller, Principal};
use crate::domain::application::{verify_client_secret, Application};
use crate::domain::authorization::{
    check_challenge, check_grantable, check_pkce, parse_scope, Authorization, ConnectRefusal,
    ACCESS_TOKEN_LIFETIME, CODE_LIFETIME, REFRESH_TOKEN_LIFETIME,
};
use crate::domain::ids::{AuthorizationId, OrganizationId, TokenFamilyId};
use crate::domain::organization::Organization;
use crate::domain::permissions::{
    format_permission_list, parse_permission_list, Permission, PermissionSet,
};
use crate::store::authorizations::{self as store, CodeUse, RefreshUse, StoredCode};
use crate::store::{organizations, DbConnection};

use super::access::{application_caller, locked_live, permissions_at, person};
use super::audit::{record, record_by_application, Change};
use super::cache::{Cached, Key};
use super::error::{ApiError, ApiResult};
use super::Services;

/// An authorization request (RFC 6749 §4.1.1), as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeRequest {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// The client suggests including sub-organizations: the consent page starts with the
    /// box ticked; the person decides.
    pub include_sub_organizations: bool,
}

/// An authorization request found valid: where to send the answer, and what is asked.
#[derive(Debug, Clone)]
pub struct ValidAuthorizeRequest {
    pub application: Application,
    pub redirect_uri: String,
    pub scopes: PermissionSet,
    pub code_challenge: Option<String>,
}

/// Why an authorization request fails. Until the client and its redirect URI are known good,
/// the answer is a page and never a redirect (RFC 6749 §4.1.2.1).
#[derive(Debug)]
pub enum AuthorizeError {
    NoRedirect(String),
    Redirect {
        redirect_uri: String,
        refusal: ConnectRefusal,
    },
    Api(ApiError),
}

impl From<ApiError> for AuthorizeError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<crate::store::StoreError> for AuthorizeError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Api(error.into())
    }
}

impl From<diesel::result::Error> for AuthorizeError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Api(error.into())
    }
}

/// What the consent page shows.
#[derive(Debug, Clone)]
pub struct ConsentScreen {
    pub request: ValidAuthorizeRequest,
    /// The organization that holds the application (the integrator).
    pub integrator: Option<Organization>,
    /// Where the person may authorize it: organizations where they hold
    /// `authorizations:manage`, by name (the first 200).
    pub choices: Vec<Organization>,
}

/// How a client authenticated at the token, revocation and introspection endpoints.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub secret: Option<String>,
}

/// Errors of the token endpoint and its siblings (RFC 6749 §5.2).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("invalid_client")]
    InvalidClient,
    #[error("{0}")]
    Refused(ConnectRefusal),
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// Authenticated, but this client may not do that (a public client revoking by `sub`).
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(&'static str),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<ConnectRefusal> for TokenError {
    fn from(refusal: ConnectRefusal) -> Self {
        Self::Refused(refusal)
    }
}

impl From<crate::store::StoreError> for TokenError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Api(error.into())
    }
}

impl From<diesel::result::Error> for TokenError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Api(error.into())
    }
}

/// An active token, as introspection describes it.
#[derive(Debug, Clone)]
pub enum Introspection {
    Access(AccessClaims),
    Refresh {
        client_id: String,
        authorization_id: AuthorizationId,
        organization_id: OrganizationId,
        scope: String,
        expires_at: DateTime<Utc>,
        issued_at: DateTime<Utc>,
    },
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub scope: String,
    /// Which organization the tokens act on, so the client needn't decode the token.
    pub organization_id: OrganizationId,
    pub include_sub_organizations: bool,
}

/// The most organizations the consent page offers.
const MAX_CHOICES: i64 = 200;

impl Services {
    /// The Connect signing key: the configured one, or the development key kept in the
    /// database (generated on first use).
    pub fn connect_keys_blocking(
        &self,
        configured_pem: Option<&str>,
        issuer: &str,
    ) -> Result<ConnectKeys, String> {
        let pkcs8 = match configured_pem {
            Some(pem) => ConnectKeys::pem_to_pkcs8(pem).map_err(|e| e.to_string())?,
            None => {
                tracing::warn!(
                    "Organization Connect signs with a development key kept in the database: \
                     give --oauth-signing-key in production"
                );
                self.store
                    .write_blocking(|conn| {
                        if let Some(stored) = store::signing_key(conn)? {
                            return Ok::<_, ApiError>(Some(stored));
                        }
                        let Ok(der) = ConnectKeys::generate_pkcs8() else {
                            return Ok(None);
                        };
                        let encoded = STANDARD.encode(der);
                        // Another process may have inserted one meanwhile: the first one wins.
                        store::insert_signing_key(conn, "development", &encoded, Utc::now())?;
                        Ok(store::signing_key(conn)?)
                    })
                    .map_err(|e| e.to_string())?
                    .and_then(|encoded| STANDARD.decode(encoded).ok())
                    .ok_or("cannot generate or read the development signing key")?
            }
        };
        ConnectKeys::from_pkcs8(&pkcs8, issuer).map_err(|e| e.to_string())
    }

    /// Checks an authorization request and gathers what the consent page shows.
    pub async fn consent_screen(
        &self,
        principal: Principal,
        request: AuthorizeRequest,
    ) -> Result<ConsentScreen, AuthorizeError> {
        person(&principal)?;
        let (valid, integrator, choices) = self
            .store
            .read(move |conn| {
                let valid = validate_request(conn, &request)?;
                let integrator = organizations::in_network(
                    conn,
                    valid.application.network_id,
                    &[valid.application.organization_id],
                )?
                .into_iter()
                .next();
                let placed = super::access::placed_grants(conn, &principal, None)?;
                let mut by_network: std::collections::HashMap<_, Vec<_>> = Default::default();
                for (network, grant) in placed {
                    by_network.entry(network).or_default().push(grant);
                }
                let scopes = crate::domain::permissions::scopes_with(
                    by_network.iter().map(|(n, g)| (*n, g.as_slice())),
                    Permission::AuthorizationsManage,
                    None,
                );
                let choices = organizations::search_page(
                    conn,
                    &scopes,
                    &organizations::Search::default(),
                    None,
                    MAX_CHOICES,
                )?;
                Ok::<_, AuthorizeError>((valid, integrator, choices))
            })
            .await?;
        Ok(ConsentScreen {
            request: valid,
            integrator,
            choices,
        })
    }

    /// The person approved: records (or updates) the authorization and returns a code for
    /// the client, in one transaction under the organization's network lock.
    pub async fn approve(
        &self,
        principal: Principal,
        request: AuthorizeRequest,
        organization: OrganizationId,
        include_sub_organizations: bool,
        now: DateTime<Utc>,
    ) -> Result<(ValidAuthorizeRequest, String), AuthorizeError> {
        let code = random_secret();
        let code_hash = secret_hash(&code);
        let valid = self
            .store
            .write(move |conn| {
                let valid = validate_request(conn, &request)?;
                let redirect = |refusal| AuthorizeError::Redirect {
                    redirect_uri: valid.redirect_uri.clone(),
                    refusal,
                };
                let granter = person(&principal)?.id;
                let (network, org) = locked_live(conn, organization)?;
                let held = permissions_at(conn, &principal, &org)?;
                if !held.contains(Permission::OrganizationRead) {
                    return Err(ApiError::NotFound.into());
                }
                if !held.contains(Permission::AuthorizationsManage) {
                    return Err(ApiError::Forbidden(
                        "authorizing an application requires authorizations:manage on the organization"
                            .into(),
                    )
                    .into());
                }
                check_grantable(valid.scopes, held).map_err(redirect)?;
                let existing = store::for_application_and_organization(
                    conn,
                    Some(network),
                    valid.application.id,
                    org.id,
                )?;
                let authorization = match existing {
                    Some(mut known) => {
                        known.scopes = valid.scopes;
                        known.include_sub_organizations = include_sub_organizations;
                        known.granted_by = granter;
                        known.updated_at = now;
                        known.revoked_at = None;
                        store::update(conn, &known)?;
                        known
                    }
                    None => {
                        let new = Authorization {
                            id: AuthorizationId::new_random(),
                            application_network_id: valid.application.network_id,
                            application_id: valid.application.id,
                            network_id: network,
                            organization_id: org.id,
                            scopes: valid.scopes,
                            include_sub_organizations,
                            granted_by: granter,
                            created_at: now,
                            updated_at: now,
                            last_used_at: None,
                            revoked_at: None,
                        };
                        store::insert(conn, &new)?;
                        new
                    }
                };
                store::delete_codes_before(conn, now - CODE_LIFETIME)?;
                store::insert_code(
                    conn,
                    &code_hash,
                    &StoredCode {
                        authorization_id: authorization.id,
                        client_id: valid.application.client_id.clone(),
                        redirect_uri: valid.redirect_uri.clone(),
                        code_challenge: valid.code_challenge.clone(),
                        scopes: valid.scopes,
                        expires_at: now + CODE_LIFETIME,
                    },
                    now,
                )?;
                record(
                    conn,
                    &principal,
                    Change::of("authorizeApplication", &org)
                        .target(authorization.id)
                        .after(authorization_state(&authorization)),
                    now,
                )?;
                Ok::<_, AuthorizeError>(valid)
            })
            .await?;
        Ok((valid, code))
    }

    /// The `authorization_code` grant.
    pub async fn exchange_code(
        &self,
        keys: Arc<ConnectKeys>,
        client: ClientCredentials,
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<IssuedTokens, TokenError> {
        // A reused code's revocation must commit: that refusal leaves the transaction as an
        // `Ok(Err(..))`, every other refusal rolls it back.
        self.store
            .write(move |conn| {
                let app = authenticate_client(conn, &client)?;
                let code_hash = secret_hash(&code);
                let stored = match store::spend_code(conn, &code_hash, now)? {
                    CodeUse::First(stored) => stored,
                    CodeUse::Again(family) => {
                        if let Some(family) = family {
                            store::revoke_family(conn, family, now)?;
                        }
                        return Ok(Err(invalid_grant("the code was already used")));
                    }
                    CodeUse::Unknown => return Err(invalid_grant("unknown code")),
                };
                if stored.client_id != app.client_id {
                    return Err(invalid_grant("the code was issued to another client"));
                }
                if stored.expires_at < now {
                    return Err(invalid_grant("the code has expired"));
                }
                if redirect_uri.as_deref() != Some(stored.redirect_uri.as_str()) {
                    return Err(invalid_grant(
                        "redirect_uri must be the one of the authorization request",
                    ));
                }
                check_pkce(stored.code_challenge.as_deref(), code_verifier.as_deref())?;
                let authorization = store::find(conn, stored.authorization_id)?
                    .filter(|a| a.revoked_at.is_none())
                    .ok_or_else(|| invalid_grant("the authorization was revoked"))?;
                let family = TokenFamilyId::new_random();
                store::insert_family(conn, family, &authorization, stored.scopes, now)?;
                store::set_code_family(conn, &code_hash, family)?;
                issue(
                    conn,
                    &keys,
                    &app,
                    &authorization,
                    family,
                    stored.scopes,
                    now,
                )
                .map(Ok)
            })
            .await?
    }

    /// The `refresh_token` grant: rotates the refresh token; a spent one presented again
    /// revokes its whole family.
    pub async fn refresh(
        &self,
        keys: Arc<ConnectKeys>,
        client: ClientCredentials,
        refresh_token: String,
        scope: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<IssuedTokens, TokenError> {
        let outcome = self
            .store
            .write(move |conn| {
                let app = authenticate_client(conn, &client)?;
                let token_hash = secret_hash(&refresh_token);
                let family = match store::spend_refresh_token(conn, &token_hash, now)? {
                    RefreshUse::First { family, expires_at } if expires_at >= now => family,
                    RefreshUse::First { .. } => {
                        return Ok(Err(invalid_grant("the refresh token has expired")))
                    }
                    RefreshUse::Again(family) => {
                        store::revoke_family(conn, family, now)?;
                        return Ok(Err(invalid_grant(
                            "the refresh token was already used: its tokens are revoked",
                        )));
                    }
                    RefreshUse::Unknown => return Ok(Err(invalid_grant("unknown refresh token"))),
                };
                let Some(live) = store::live_family(conn, family)? else {
                    return Ok(Err(invalid_grant("the authorization was revoked")));
                };
                if live.authorization.application_id != app.id {
                    // Rolled back: another client can't spend (and so burn) this token.
                    return Err(invalid_grant(
                        "the refresh token was issued to another client",
                    ));
                }
                let granted = live.scopes.intersection(live.authorization.scopes);
                let scopes = match scope.as_deref() {
                    None => granted,
                    Some(asked) => parse_scope(Some(asked), granted)?,
                };
                issue(conn, &keys, &app, &live.authorization, family, scopes, now).map(Ok)
            })
            .await?;
        // A replayed token's revocation must commit, so the refusal comes after the write.
        outcome
    }

    /// RFC 7009: revokes the family of an access or refresh token of this client (anything
    /// else is ignored, as the RFC asks).
    pub async fn revoke_token(
        &self,
        keys: Arc<ConnectKeys>,
        client: ClientCredentials,
        token: String,
        now: DateTime<Utc>,
    ) -> Result<(), TokenError> {
        self.store
            .write(move |conn| {
                let app = authenticate_client(conn, &client)?;
                let family = match keys.verify(&token) {
                    Ok(claims) if claims.client_id == app.client_id => {
                        claims.sid.parse::<TokenFamilyId>().ok()
                    }
                    Ok(_) => None,
                    Err(_) => store::family_of_refresh_token(conn, &secret_hash(&token))?,
                };
                if let Some(family) = family {
                    if let Some(live) = store::live_family(conn, family)? {
                        if live.authorization.application_id == app.id {
                            store::revoke_family(conn, family, now)?;
                        }
                    }
                }
                Ok(())
            })
            .await
    }

    /// SPEC §5: a confidential application ends its whole authorization on one organization.
    pub async fn revoke_organization(
        &self,
        client: ClientCredentials,
        organization: String,
        now: DateTime<Utc>,
    ) -> Result<(), TokenError> {
        self.store
            .write(move |conn| {
                let app = authenticate_client(conn, &client)?;
                if app.public {
                    return Err(TokenError::UnauthorizedClient(
                        "only a confidential client may revoke by organization (sub)",
                    ));
                }
                let Ok(organization) = organization.parse::<OrganizationId>() else {
                    return Ok(());
                };
                if let Some(found) =
                    store::for_application_and_organization(conn, None, app.id, organization)?
                {
                    if store::revoke(conn, found.network_id, found.id, now)? {
                        let org = organizations::in_network(
                            conn,
                            found.network_id,
                            &[found.organization_id],
                        )?
                        .into_iter()
                        .next();
                        if let Some(org) = org {
                            record_by_application(
                                conn,
                                app.id,
                                Change::of("revokeAuthorization", &org)
                                    .target(found.id)
                                    .before(authorization_state(&found)),
                                now,
                            )?;
                        }
                    }
                }
                Ok(())
            })
            .await
    }

    /// RFC 7662: whether one of the client's own tokens (access or refresh) is active, and
    /// what it is.
    pub async fn introspect(
        &self,
        keys: Arc<ConnectKeys>,
        client: ClientCredentials,
        token: String,
        now: DateTime<Utc>,
    ) -> Result<Option<Introspection>, TokenError> {
        self.store
            .read(move |conn| {
                let app = authenticate_client(conn, &client)?;
                if let Ok(mut claims) = keys.verify(&token) {
                    if claims.client_id != app.client_id {
                        return Ok(None);
                    }
                    let Ok(family) = claims.sid.parse::<TokenFamilyId>() else {
                        return Ok(None);
                    };
                    let Some(live) = store::live_family(conn, family)? else {
                        return Ok(None);
                    };
                    // What the token may do now: a re-consent may have narrowed it.
                    claims.scope = format_permission_list(
                        parse_permission_list(&claims.scope)
                            .intersection(live.scopes)
                            .intersection(live.authorization.scopes),
                    );
                    return Ok(Some(Introspection::Access(claims)));
                }
                let Some(found) = store::live_refresh_token(conn, &secret_hash(&token), now)?
                else {
                    return Ok(None);
                };
                let Some(live) = store::live_family(conn, found.family)? else {
                    return Ok(None);
                };
                if live.authorization.application_id != app.id {
                    return Ok(None);
                }
                Ok(Some(Introspection::Refresh {
                    client_id: app.client_id,
                    authorization_id: live.authorization.id,
                    organization_id: live.authorization.organization_id,
                    scope: format_permission_list(
                        live.scopes.intersection(live.authorization.scopes),
                    ),
                    expires_at: found.expires_at,
                    issued_at: found.created_at,
                }))
            })
            .await
    }

    /// The caller behind a verified access token, if its family and authorization are live.
    pub async fn application_caller(
        &self,
        claims: AccessClaims,
    ) -> ApiResult<Option<ApplicationCaller>> {
        let Ok(family) = claims.sid.parse::<TokenFamilyId>() else {
            return Ok(None);
        };
        let key = Key::AccessToken {
            family,
            client_id: claims.client_id.clone(),
            scope: claims.scope.clone(),
        };
        let (cached, stamp) = self.cache.lookup(self.store.changes(), &key);
        if let Some(Cached::Application(caller)) = cached {
            return Ok(Some(caller));
        }
        let token_scopes = parse_permission_list(&claims.scope);
        let caller = self
            .store
            .read(move |conn| application_caller(conn, family, &claims.client_id, token_scopes))
            .await?;
        if let Some(caller) = &caller {
            self.cache
                .put(key, Cached::Application(caller.clone()), stamp);
        }
        Ok(caller)
    }
}

fn invalid_grant(why: &str) -> TokenError {
    TokenError::Refused(ConnectRefusal::InvalidGrant(why.into()))
}

/// Finds the client and checks how it authenticated: a confidential client with its secret,
/// a public one with none.
fn authenticate_client(
    conn: &mut DbConnection,
    client: &ClientCredentials,
) -> Result<Application, TokenError> {
    let (app, secret_hash) = crate::store::applications::by_client_id(conn, &client.client_id)?
        .ok_or(TokenError::InvalidClient)?;
    let authenticated = match (&secret_hash, &client.secret) {
        (Some(stored), Some(presented)) => verify_client_secret(presented, stored),
        (None, None) => app.public,
        _ => false,
    };
    if authenticated {
        Ok(app)
    } else {
        Err(TokenError::InvalidClient)
    }
}

/// Checks a request against its client: first the client and redirect URI (failures answer
/// with a page), then the rest (failures go back to the client).
fn validate_request(
    conn: &mut DbConnection,
    request: &AuthorizeRequest,
) -> Result<ValidAuthorizeRequest, AuthorizeError> {
    let client_id = request
        .client_id
        .as_deref()
        .ok_or_else(|| AuthorizeError::NoRedirect("The request names no client_id.".into()))?;
    let (application, _) = crate::store::applications::by_client_id(conn, client_id)?
        .ok_or_else(|| AuthorizeError::NoRedirect("No application has this client_id.".into()))?;
    let holder_live =
        organizations::in_network(conn, application.network_id, &[application.organization_id])?
            .iter()
            .any(|org| !org.is_deleted());
    if !holder_live {
        return Err(AuthorizeError::NoRedirect(
            "No application has this client_id.".into(),
        ));
    }
    let redirect_uri = match request.redirect_uri.as_deref() {
        Some(uri) if application.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
        Some(_) => {
            return Err(AuthorizeError::NoRedirect(
                "The redirect_uri is not one the application registered.".into(),
            ))
        }
        None => {
            return Err(AuthorizeError::NoRedirect(
                "The request names no redirect_uri.".into(),
            ))
        }
    };
    let redirect = |refusal| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        refusal,
    };
    match request.response_type.as_deref() {
        Some("code") => {}
        _ => {
            return Err(redirect(ConnectRefusal::UnsupportedResponseType(
                "response_type must be code".into(),
            )))
        }
    }
    let scopes =
        parse_scope(request.scope.as_deref(), application.allowed_scopes).map_err(redirect)?;
    if scopes.is_empty() {
        return Err(redirect(ConnectRefusal::InvalidScope(
            "the application is allowed no scope".into(),
        )));
    }
    let code_challenge = check_challenge(
        request.code_challenge.as_deref(),
        request.code_challenge_method.as_deref(),
        application.public,
    )
    .map_err(redirect)?;
    Ok(ValidAuthorizeRequest {
        application,
        redirect_uri,
        scopes,
        code_challenge,
    })
}

/// Mints an access token and a new refresh token of `family`.
fn issue(
    conn: &mut DbConnection,
    keys: &ConnectKeys,
    app: &Application,
    authorization: &Authorization,
    family: TokenFamilyId,
    scopes: PermissionSet,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, TokenError> {
    let scope = format_permission_list(scopes);
    let claims = AccessClaims {
        iss: keys.issuer().to_owned(),
        aud: keys.issuer().to_owned(),
        sub: authorization.id.to_string(),
        client_id: app.client_id.clone(),
        org: authorization.organization_id.to_string(),
        scope: scope.clone(),
        exp: (now + ACCESS_TOKEN_LIFETIME).timestamp(),
        iat: now.timestamp(),
        jti: random_secret(),
        sid: family.to_string(),
    };
    let access_token = keys
        .sign(&claims)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let refresh_token = random_secret();
    store::insert_refresh_token(
        conn,
        &secret_hash(&refresh_token),
        family,
        now,
        now + REFRESH_TOKEN_LIFETIME,
    )?;
    // "Last used" to the minute: not a write on every refresh.
    if authorization
        .last_used_at
        .is_none_or(|at| now - at >= chrono::Duration::minutes(1))
    {
        store::mark_used(conn, authorization.network_id, authorization.id, now)?;
    }
    Ok(IssuedTokens {
        access_token,
        expires_in: ACCESS_TOKEN_LIFETIME.num_seconds(),
        refresh_token,
        scope,
        organization_id: authorization.organization_id,
        include_sub_organizations: authorization.include_sub_organizations,
    })
}

/// The public shape of an authorization in audit states.
pub fn authorization_state(a: &Authorization) -> serde_json::Value {
    serde_json::json!({
        "id": a.id.to_string(),
        "applicationId": a.application_id.to_string(),
        "organizationId": a.organization_id.to_string(),
        "scopes": format_permission_list(a.scopes).split(' ').collect::<Vec<_>>(),
        "includeSubOrganizations": a.include_sub_organizations,
    })
}
