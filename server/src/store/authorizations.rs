//! Organization Connect: authorizations, and the codes and tokens issued under them (by the
//! SHA-256 of their secrets), and the development signing key.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::models::{naive, parse_id, utc};
use super::raw_sql::RawSql;
use super::schema::{
    authorization_networks, authorizations, oauth_codes, oauth_refresh_tokens, oauth_signing_keys,
    oauth_token_families,
};
use super::DbConnection;
use crate::domain::authorization::Authorization;
use crate::domain::ids::{
    ApplicationId, AuthorizationId, NetworkId, OrganizationId, TokenFamilyId,
};
use crate::domain::permissions::{format_permission_list, parse_permission_list, PermissionSet};
use diesel::sql_types::{Text, Timestamp};

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = authorizations)]
#[diesel(treat_none_as_null = true)]
struct AuthorizationRow {
    id: String,
    application_network_id: String,
    application_id: String,
    network_id: String,
    organization_id: String,
    scopes: String,
    include_sub_organizations: bool,
    granted_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl AuthorizationRow {
    fn from_domain(a: &Authorization) -> Self {
        Self {
            id: a.id.to_string(),
            application_network_id: a.application_network_id.to_string(),
            application_id: a.application_id.to_string(),
            network_id: a.network_id.to_string(),
            organization_id: a.organization_id.to_string(),
            scopes: format_permission_list(a.scopes),
            include_sub_organizations: a.include_sub_organizations,
            granted_by: a.granted_by.to_string(),
            created_at: naive(a.created_at),
            updated_at: naive(a.updated_at),
            last_used_at: a.last_used_at.map(naive),
            revoked_at: a.revoked_at.map(naive),
        }
    }

    fn into_domain(self) -> QueryResult<Authorization> {
        Ok(Authorization {
            id: parse_id(&self.id)?,
            application_network_id: parse_id(&self.application_network_id)?,
            application_id: parse_id(&self.application_id)?,
            network_id: parse_id(&self.network_id)?,
            organization_id: parse_id(&self.organization_id)?,
            scopes: parse_permission_list(&self.scopes),
            include_sub_organizations: self.include_sub_organizations,
            granted_by: parse_id(&self.granted_by)?,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            last_used_at: self.last_used_at.map(utc),
            revoked_at: self.revoked_at.map(utc),
        })
    }
}

fn from_rows(rows: Vec<AuthorizationRow>) -> QueryResult<Vec<Authorization>> {
    rows.into_iter()
        .map(AuthorizationRow::into_domain)
        .collect()
}

/// An authorization by id alone: its network from the routing table, in the same statement.
pub fn find(conn: &mut DbConnection, id: AuthorizationId) -> QueryResult<Option<Authorization>> {
    authorizations::table
        .inner_join(
            authorization_networks::table.on(authorization_networks::network_id
                .eq(authorizations::network_id)
                .and(authorization_networks::id.eq(authorizations::id))),
        )
        .filter(authorization_networks::id.eq(id.to_string()))
        .select(AuthorizationRow::as_select())
        .first(conn)
        .optional()?
        .map(AuthorizationRow::into_domain)
        .transpose()
}

/// The authorization of an application on an organization: by the organization's network
/// when known (the unique key), else among the application's authorizations (an organization
/// purged since has no route to its network, and its authorization must still be found).
pub fn for_application_and_organization(
    conn: &mut DbConnection,
    network: Option<NetworkId>,
    application: ApplicationId,
    organization: OrganizationId,
) -> QueryResult<Option<Authorization>> {
    let mut query = authorizations::table.into_boxed();
    if let Some(network) = network {
        query = query.filter(authorizations::network_id.eq(network.to_string()));
    }
    query
        .filter(authorizations::application_id.eq(application.to_string()))
        .filter(authorizations::organization_id.eq(organization.to_string()))
        .select(AuthorizationRow::as_select())
        .first(conn)
        .optional()?
        .map(AuthorizationRow::into_domain)
        .transpose()
}

/// The authorizations granted on these organizations, newest first.
pub fn of_organizations(
    conn: &mut DbConnection,
    network: NetworkId,
    organizations: &[OrganizationId],
) -> QueryResult<Vec<Authorization>> {
    let ids: Vec<String> = organizations.iter().map(ToString::to_string).collect();
    from_rows(
        authorizations::table
            .filter(authorizations::network_id.eq(network.to_string()))
            .filter(authorizations::organization_id.eq_any(ids))
            .order((authorizations::created_at.desc(), authorizations::id))
            .select(AuthorizationRow::as_select())
            .load(conn)?,
    )
}

/// The authorizations these applications hold, newest first.
pub fn of_applications(
    conn: &mut DbConnection,
    applications: &[ApplicationId],
) -> QueryResult<Vec<Authorization>> {
    let ids: Vec<String> = applications.iter().map(ToString::to_string).collect();
    from_rows(
        authorizations::table
            .filter(authorizations::application_id.eq_any(ids))
            .order((authorizations::created_at.desc(), authorizations::id))
            .select(AuthorizationRow::as_select())
            .load(conn)?,
    )
}

/// Inserts an authorization with its routing row.
pub fn insert(conn: &mut DbConnection, authorization: &Authorization) -> QueryResult<()> {
    diesel::insert_into(authorizations::table)
        .values(AuthorizationRow::from_domain(authorization))
        .execute(conn)?;
    diesel::insert_into(authorization_networks::table)
        .values((
            authorization_networks::id.eq(authorization.id.to_string()),
            authorization_networks::network_id.eq(authorization.network_id.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

fn key(network: NetworkId, id: AuthorizationId) -> (String, String) {
    (network.to_string(), id.to_string())
}

pub fn update(conn: &mut DbConnection, authorization: &Authorization) -> QueryResult<()> {
    diesel::update(authorizations::table.find(key(authorization.network_id, authorization.id)))
        .set(AuthorizationRow::from_domain(authorization))
        .execute(conn)?;
    Ok(())
}

/// Revokes an authorization and every token family under it; returns whether it was live.
pub fn revoke(
    conn: &mut DbConnection,
    network: NetworkId,
    id: AuthorizationId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let revoked = diesel::update(
        authorizations::table
            .find(key(network, id))
            .filter(authorizations::revoked_at.is_null()),
    )
    .set(authorizations::revoked_at.eq(naive(now)))
    .execute(conn)?;
    diesel::update(
        oauth_token_families::table
            .filter(oauth_token_families::authorization_id.eq(id.to_string()))
            .filter(oauth_token_families::revoked_at.is_null()),
    )
    .set(oauth_token_families::revoked_at.eq(naive(now)))
    .execute(conn)?;
    // Codes not yet exchanged die too: a consent given again must not revive them.
    diesel::update(
        oauth_codes::table
            .filter(oauth_codes::authorization_id.eq(id.to_string()))
            .filter(oauth_codes::used_at.is_null()),
    )
    .set(oauth_codes::used_at.eq(naive(now)))
    .execute(conn)?;
    Ok(revoked > 0)
}

/// Revokes every live authorization of an application (it is being deleted); returns how
/// many there were.
pub fn revoke_all_of_application(
    conn: &mut DbConnection,
    application: ApplicationId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let live: Vec<(String, String)> = authorizations::table
        .filter(authorizations::application_id.eq(application.to_string()))
        .filter(authorizations::revoked_at.is_null())
        .select((authorizations::network_id, authorizations::id))
        .load(conn)?;
    for (network, id) in &live {
        revoke(conn, parse_id(network)?, parse_id(id)?, now)?;
    }
    Ok(live.len())
}

pub fn mark_used(
    conn: &mut DbConnection,
    network: NetworkId,
    id: AuthorizationId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(authorizations::table.find(key(network, id)))
        .set(authorizations::last_used_at.eq(naive(now)))
        .execute(conn)?;
    Ok(())
}

/// An authorization code as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub authorization_id: AuthorizationId,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub scopes: PermissionSet,
    pub expires_at: DateTime<Utc>,
}

pub fn insert_code(
    conn: &mut DbConnection,
    code_hash: &str,
    code: &StoredCode,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(oauth_codes::table)
        .values((
            oauth_codes::code_hash.eq(code_hash),
            oauth_codes::authorization_id.eq(code.authorization_id.to_string()),
            oauth_codes::client_id.eq(&code.client_id),
            oauth_codes::redirect_uri.eq(&code.redirect_uri),
            oauth_codes::code_challenge.eq(&code.code_challenge),
            oauth_codes::scopes.eq(format_permission_list(code.scopes)),
            oauth_codes::created_at.eq(naive(now)),
            oauth_codes::expires_at.eq(naive(code.expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// What presenting a code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeUse {
    /// First use: the code, now spent.
    First(StoredCode),
    /// Used before: the family its first use started, if any (to be revoked).
    Again(Option<TokenFamilyId>),
    Unknown,
}

/// Spends a code. Of concurrent exchanges of one code, exactly one sees `First` (the update
/// is conditional on the code being unused).
pub fn spend_code(
    conn: &mut DbConnection,
    code_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<CodeUse> {
    let spent = diesel::update(
        oauth_codes::table
            .find(code_hash)
            .filter(oauth_codes::used_at.is_null()),
    )
    .set(oauth_codes::used_at.eq(naive(now)))
    .execute(conn)?;
    type Row = (
        String,
        String,
        String,
        Option<String>,
        String,
        NaiveDateTime,
        Option<String>,
    );
    let row: Option<Row> = oauth_codes::table
        .find(code_hash)
        .select((
            oauth_codes::authorization_id,
            oauth_codes::client_id,
            oauth_codes::redirect_uri,
            oauth_codes::code_challenge,
            oauth_codes::scopes,
            oauth_codes::expires_at,
            oauth_codes::family_id,
        ))
        .first(conn)
        .optional()?;
    let Some((authorization, client_id, redirect_uri, code_challenge, scopes, expires, family)) =
        row
    else {
        return Ok(CodeUse::Unknown);
    };
    if spent == 0 {
        return Ok(CodeUse::Again(family.as_deref().map(parse_id).transpose()?));
    }
    Ok(CodeUse::First(StoredCode {
        authorization_id: parse_id(&authorization)?,
        client_id,
        redirect_uri,
        code_challenge,
        scopes: parse_permission_list(&scopes),
        expires_at: utc(expires),
    }))
}

/// Records the family a code's exchange started.
pub fn set_code_family(
    conn: &mut DbConnection,
    code_hash: &str,
    family: TokenFamilyId,
) -> QueryResult<()> {
    diesel::update(oauth_codes::table.find(code_hash))
        .set(oauth_codes::family_id.eq(family.to_string()))
        .execute(conn)?;
    Ok(())
}

pub fn delete_codes_before(conn: &mut DbConnection, cutoff: DateTime<Utc>) -> QueryResult<()> {
    diesel::delete(oauth_codes::table.filter(oauth_codes::expires_at.lt(naive(cutoff))))
        .execute(conn)?;
    Ok(())
}

pub fn insert_family(
    conn: &mut DbConnection,
    family: TokenFamilyId,
    authorization: &Authorization,
    scopes: PermissionSet,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(oauth_token_families::table)
        .values((
            oauth_token_families::id.eq(family.to_string()),
            oauth_token_families::authorization_id.eq(authorization.id.to_string()),
            oauth_token_families::authorization_network_id.eq(authorization.network_id.to_string()),
            oauth_token_families::scopes.eq(format_permission_list(scopes)),
            oauth_token_families::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_family(
    conn: &mut DbConnection,
    family: TokenFamilyId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(
        oauth_token_families::table
            .find(family.to_string())
            .filter(oauth_token_families::revoked_at.is_null()),
    )
    .set(oauth_token_families::revoked_at.eq(naive(now)))
    .execute(conn)?;
    Ok(())
}

/// A live token family with its live authorization: what an access token of the family may
/// do. `None` once either is revoked.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveFamily {
    pub authorization: Authorization,
    pub scopes: PermissionSet,
}

pub fn live_family(
    conn: &mut DbConnection,
    family: TokenFamilyId,
) -> QueryResult<Option<LiveFamily>> {
    let found: Option<(String, AuthorizationRow)> = oauth_token_families::table
        .inner_join(
            authorizations::table.on(authorizations::network_id
                .eq(oauth_token_families::authorization_network_id)
                .and(authorizations::id.eq(oauth_token_families::authorization_id))),
        )
        .filter(oauth_token_families::id.eq(family.to_string()))
        .filter(oauth_token_families::revoked_at.is_null())
        .filter(authorizations::revoked_at.is_null())
        .select((oauth_token_families::scopes, AuthorizationRow::as_select()))
        .first(conn)
        .optional()?;
    found
        .map(|(scopes, row)| {
            Ok(LiveFamily {
                authorization: row.into_domain()?,
                scopes: parse_permission_list(&scopes),
            })
        })
        .transpose()
}

pub fn insert_refresh_token(
    conn: &mut DbConnection,
    token_hash: &str,
    family: TokenFamilyId,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(oauth_refresh_tokens::table)
        .values((
            oauth_refresh_tokens::token_hash.eq(token_hash),
            oauth_refresh_tokens::family_id.eq(family.to_string()),
            oauth_refresh_tokens::created_at.eq(naive(now)),
            oauth_refresh_tokens::expires_at.eq(naive(expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshUse {
    /// Live until now; spent by this use.
    First {
        family: TokenFamilyId,
        expires_at: DateTime<Utc>,
    },
    /// Spent before: a replay (or a lost race), whose family must be revoked.
    Again(TokenFamilyId),
    Unknown,
}

/// Spends a refresh token; of concurrent uses exactly one sees `First` (the update is
/// conditional on the token being unspent). One statement when it is.
pub fn spend_refresh_token(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<RefreshUse> {
    let spent: Option<(String, NaiveDateTime)> = diesel::update(
        oauth_refresh_tokens::table
            .find(token_hash)
            .filter(oauth_refresh_tokens::spent_at.is_null()),
    )
    .set(oauth_refresh_tokens::spent_at.eq(naive(now)))
    .returning((
        oauth_refresh_tokens::family_id,
        oauth_refresh_tokens::expires_at,
    ))
    .get_result(conn)
    .optional()?;
    if let Some((family, expires)) = spent {
        return Ok(RefreshUse::First {
            family: parse_id(&family)?,
            expires_at: utc(expires),
        });
    }
    Ok(match family_of_refresh_token(conn, token_hash)? {
        Some(family) => RefreshUse::Again(family),
        None => RefreshUse::Unknown,
    })
}

/// An unspent, unexpired refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRefreshToken {
    pub family: TokenFamilyId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub fn live_refresh_token(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<LiveRefreshToken>> {
    let row: Option<(String, NaiveDateTime, NaiveDateTime)> = oauth_refresh_tokens::table
        .find(token_hash)
        .filter(oauth_refresh_tokens::spent_at.is_null())
        .filter(oauth_refresh_tokens::expires_at.ge(naive(now)))
        .select((
            oauth_refresh_tokens::family_id,
            oauth_refresh_tokens::created_at,
            oauth_refresh_tokens::expires_at,
        ))
        .first(conn)
        .optional()?;
    row.map(|(family, created, expires)| {
        Ok(LiveRefreshToken {
            family: parse_id(&family)?,
            created_at: utc(created),
            expires_at: utc(expires),
        })
    })
    .transpose()
}

/// The family of a refresh token, spent or not (for revocation by token).
pub fn family_of_refresh_token(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<TokenFamilyId>> {
    oauth_refresh_tokens::table
        .find(token_hash)
        .select(oauth_refresh_tokens::family_id)
        .first::<String>(conn)
        .optional()?
        .map(|f| parse_id(&f))
        .transpose()
}

/// The development signing key, if one was generated.
pub fn signing_key(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    oauth_signing_keys::table
        .order(oauth_signing_keys::created_at)
        .select(oauth_signing_keys::pkcs8)
        .first(conn)
        .optional()
}

/// Keeps a generated signing key, unless another process kept one first (`kid` is fixed).
pub fn insert_signing_key(
    conn: &mut DbConnection,
    kid: &str,
    pkcs8_base64: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    RawSql::new("INSERT INTO oauth_signing_keys (kid, pkcs8, created_at) VALUES (")
        .bind::<Text, _>(kid.to_owned())
        .sql(", ")
        .bind::<Text, _>(pkcs8_base64.to_owned())
        .sql(", ")
        .bind::<Timestamp, _>(naive(now))
        .sql(") ON CONFLICT (kid) DO NOTHING")
        .execute(conn)?;
    Ok(())
}
