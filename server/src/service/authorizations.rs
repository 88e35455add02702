//! Authorizations as people manage them (SPEC §5): a customer sees and revokes those granted
//! on its organizations (`authorizations:manage`), an integrator those its applications
//! hold (`applications:read`, revoking with `applications:manage`).

use chrono::{DateTime, Utc};

use crate::auth::Principal;
use crate::domain::application::{access_to_application, ApplicationAccess};
use crate::domain::authorization::Authorization;
use crate::domain::ids::{ApplicationId, AuthorizationId, NetworkId, OrganizationId};
use crate::domain::organization::Organization;
use crate::domain::permissions::Permission;
use crate::store::{applications, authorizations, organizations, DbConnection};

use super::access::{permissions_at, placed_grants_in};
use super::audit::{record, Change};
use super::connect::authorization_state;
use super::error::{ApiError, ApiResult};
use super::Services;

/// Where a caller stands towards one authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Hidden,
    /// Sees it (a customer's `authorizations:manage`, an integrator's `applications:read`).
    Read,
    /// May revoke it.
    Revoke,
}

impl Services {
    pub async fn authorizations_of_organization(
        &self,
        network: NetworkId,
        organization: OrganizationId,
    ) -> ApiResult<Vec<Authorization>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(authorizations::of_organizations(
                    conn,
                    network,
                    &[organization],
                )?)
            })
            .await
    }

    pub async fn authorizations_of_application(
        &self,
        application: ApplicationId,
    ) -> ApiResult<Vec<Authorization>> {
        self.store
            .read(move |conn| {
                Ok::<_, ApiError>(authorizations::of_applications(conn, &[application])?)
            })
            .await
    }

    /// The authorization, if the caller may see it.
    pub async fn authorization(
        &self,
        principal: &Principal,
        id: AuthorizationId,
    ) -> ApiResult<Option<Authorization>> {
        let principal = principal.clone();
        self.store
            .read(move |conn| {
                let Some(found) = authorizations::find(conn, id)? else {
                    return Ok(None);
                };
                Ok((standing(conn, &principal, &found)? != Standing::Hidden).then_some(found))
            })
            .await
    }

    /// Ends an authorization and every token issued under it, at once.
    pub async fn revoke_authorization(
        &self,
        principal: &Principal,
        id: AuthorizationId,
        now: DateTime<Utc>,
    ) -> ApiResult<Authorization> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let found = authorizations::find(conn, id)?.ok_or(ApiError::NotFound)?;
                match standing(conn, &principal, &found)? {
                    Standing::Hidden => return Err(ApiError::NotFound),
                    Standing::Read => {
                        return Err(ApiError::Forbidden(
                            "revoking needs authorizations:manage on the organization, or \
                             applications:manage on the application"
                                .into(),
                        ))
                    }
                    Standing::Revoke => {}
                }
                let org = customer_organization(conn, &found)?;
                let was_live = authorizations::revoke(conn, found.network_id, found.id, now)?;
                let revoked = authorizations::find(conn, id)?.ok_or(ApiError::NotFound)?;
                // Revoking a revoked authorization changes nothing, and is not audited.
                if let Some(org) = org.filter(|_| was_live) {
                    record(
                        conn,
                        &principal,
                        Change::of("revokeAuthorization", &org)
                            .target(found.id)
                            .before(authorization_state(&found)),
                        now,
                    )?;
                }
                Ok(revoked)
            })
            .await
    }
}

fn customer_organization(
    conn: &mut DbConnection,
    authorization: &Authorization,
) -> ApiResult<Option<Organization>> {
    Ok(organizations::in_network(
        conn,
        authorization.network_id,
        &[authorization.organization_id],
    )?
    .into_iter()
    .next())
}

/// The customer's side (`authorizations:manage` on the organization) or the integrator's
/// (its access to the application).
fn standing(
    conn: &mut DbConnection,
    principal: &Principal,
    authorization: &Authorization,
) -> ApiResult<Standing> {
    if let Some(org) = customer_organization(conn, authorization)? {
        if permissions_at(conn, principal, &org)?.contains(Permission::AuthorizationsManage) {
            return Ok(Standing::Revoke);
        }
    }
    let app = applications::in_network(
        conn,
        authorization.application_network_id,
        &[authorization.application_id],
    )?
    .into_iter()
    .next();
    let Some(app) = app else {
        return Ok(Standing::Hidden);
    };
    let holder = organizations::in_network(conn, app.network_id, &[app.organization_id])?
        .into_iter()
        .next();
    let Some(holder) = holder else {
        return Ok(Standing::Hidden);
    };
    let placed = placed_grants_in(conn, principal, holder.network_id)?;
    Ok(match access_to_application(&placed, &holder, app.id) {
        ApplicationAccess::Manage => Standing::Revoke,
        ApplicationAccess::Read => Standing::Read,
        ApplicationAccess::Hidden => Standing::Hidden,
    })
}
