//! Contract accounts. Who manages one is [`AccountManager`]'s rule (`billing:manage` where the
//! account is used; its creator while unused); anyone who can read an organization sees that
//! organization's account through it.

use chrono::{DateTime, Utc};

use crate::auth::Principal;
use crate::domain::contract_account::{
    validate_account_name, validate_email, validate_plan, AccountManager, ContractAccount,
    DEFAULT_PLAN,
};
use crate::domain::ids::ContractAccountId;
use crate::domain::permissions::{scopes_with, Permission};
use crate::store::{contract_accounts, organizations, DbConnection};

use super::access::{by_network, person, placed_grants, GrantsByNetwork};
use super::audit::{record_global, Change};
use super::error::{ApiError, ApiResult};
use super::Services;

#[derive(Debug, Clone)]
pub struct NewContractAccount {
    pub name: String,
    pub billing_email: String,
    pub plan: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ContractAccountPatch {
    pub name: Option<String>,
    pub billing_email: Option<String>,
    pub plan: Option<String>,
}

impl Services {
    pub async fn create_contract_account(
        &self,
        principal: &Principal,
        input: NewContractAccount,
        now: DateTime<Utc>,
    ) -> ApiResult<ContractAccount> {
        let account = ContractAccount {
            id: ContractAccountId::new_random(),
            name: validate_account_name(&input.name)?,
            billing_email: validate_email("billingEmail", &input.billing_email)?,
            plan: validate_plan(input.plan.as_deref().unwrap_or(DEFAULT_PLAN))?,
            owner_user_id: person(principal)?.id,
            created_at: now,
            updated_at: now,
        };
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                contract_accounts::insert(conn, &account)?;
                record_global(
                    conn,
                    &principal,
                    account_change("createContractAccount", &account, None),
                    now,
                )?;
                Ok::<_, ApiError>(account)
            })
            .await
    }

    pub async fn update_contract_account(
        &self,
        principal: &Principal,
        id: ContractAccountId,
        patch: ContractAccountPatch,
        now: DateTime<Utc>,
    ) -> ApiResult<ContractAccount> {
        let name = patch
            .name
            .as_deref()
            .map(validate_account_name)
            .transpose()?;
        let email = patch
            .billing_email
            .as_deref()
            .map(|e| validate_email("billingEmail", e))
            .transpose()?;
        let plan = patch.plan.as_deref().map(validate_plan).transpose()?;
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let mut account = managed_account(conn, &principal, id)?;
                let before = account_state(&account);
                account.name = name.unwrap_or(account.name);
                account.billing_email = email.unwrap_or(account.billing_email);
                account.plan = plan.unwrap_or(account.plan);
                account.updated_at = now;
                contract_accounts::update(conn, &account)?;
                record_global(
                    conn,
                    &principal,
                    account_change("updateContractAccount", &account, Some(before)),
                    now,
                )?;
                Ok(account)
            })
            .await
    }

    /// Deletes an account no organization uses (soft-deleted ones count: they may return).
    pub async fn delete_contract_account(
        &self,
        principal: &Principal,
        id: ContractAccountId,
        now: DateTime<Utc>,
    ) -> ApiResult<ContractAccountId> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let account = managed_account(conn, &principal, id)?;
                if organizations::account_in_use(conn, id)? {
                    return Err(ApiError::Conflict(
                        "organizations still use this contract account".into(),
                    ));
                }
                contract_accounts::delete(conn, id)?;
                let change = Change {
                    action: "deleteContractAccount",
                    organization: None,
                    target_id: Some(id.to_string()),
                    before: Some(account_state(&account)),
                    after: None,
                };
                record_global(conn, &principal, change, now)?;
                Ok(id)
            })
            .await
    }
}

fn account_state(account: &ContractAccount) -> serde_json::Value {
    serde_json::json!({
        "name": account.name,
        "billingEmail": account.billing_email,
        "plan": account.plan,
    })
}

fn account_change(
    action: &'static str,
    account: &ContractAccount,
    before: Option<serde_json::Value>,
) -> Change<'static> {
    Change {
        action,
        organization: None,
        target_id: Some(account.id.to_string()),
        before,
        after: Some(account_state(account)),
    }
}

/// The account a new organization gets, and whether it is chosen there rather than inherited
/// from the parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountChoice {
    pub id: ContractAccountId,
    pub set_here: bool,
}

impl AccountChoice {
    /// The same account, as an organization below the one that chose it has it.
    pub fn inherited(self) -> Self {
        Self {
            set_here: false,
            ..self
        }
    }
}

/// Who the principal manages accounts as, from its grants read fresh (for writes).
pub fn account_manager(
    conn: &mut DbConnection,
    principal: &Principal,
) -> ApiResult<AccountManager> {
    let grants = by_network(placed_grants(conn, principal, None)?);
    Ok(manager_from(principal, &grants))
}

/// [`AccountManager`] of a principal with these grants.
pub fn manager_from(principal: &Principal, grants: &GrantsByNetwork) -> AccountManager {
    AccountManager {
        person: principal.person().map(|user| user.id),
        billing: scopes_with(
            grants
                .iter()
                .map(|(network, held)| (*network, held.as_slice())),
            Permission::BillingManage,
            None,
        ),
    }
}

/// The account if the principal manages it; otherwise it does not exist for them.
pub fn managed_account(
    conn: &mut DbConnection,
    principal: &Principal,
    id: ContractAccountId,
) -> ApiResult<ContractAccount> {
    let manager = account_manager(conn, principal)?;
    contract_accounts::managed_many(conn, &manager, &[id])?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)
}

/// The account a new organization gets: the one asked for (which the principal must manage,
/// unless it is the inherited one), else the inherited one, else a new account of its own.
pub fn account_for_new_organization(
    conn: &mut DbConnection,
    principal: &Principal,
    requested: Option<ContractAccountId>,
    inherited: Option<ContractAccountId>,
    organization_name: &str,
    now: DateTime<Utc>,
) -> ApiResult<AccountChoice> {
    let chosen = |id: ContractAccountId| AccountChoice {
        id,
        set_here: Some(id) != inherited,
    };
    match (requested, inherited) {
        (Some(requested), Some(inherited)) if requested == inherited => Ok(chosen(inherited)),
        (Some(requested), _) => managed_account(conn, principal, requested)
            .map(|a| chosen(a.id))
            .map_err(|_| ApiError::bad_input("contractAccountId", "no such contract account")),
        (None, Some(inherited)) => Ok(chosen(inherited)),
        (None, None) => {
            let account = ContractAccount {
                id: ContractAccountId::new_random(),
                name: validate_account_name(organization_name)?,
                billing_email: person(principal)?.email.clone().ok_or_else(|| {
                    ApiError::bad_input(
                        "contractAccountId",
                        "is needed: the new account would be billed to your email, and your \
                         identity provider gave none (create one with createContractAccount)",
                    )
                })?,
                plan: DEFAULT_PLAN.to_owned(),
                owner_user_id: person(principal)?.id,
                created_at: now,
                updated_at: now,
            };
            contract_accounts::insert(conn, &account)?;
            Ok(chosen(account.id))
        }
    }
}
