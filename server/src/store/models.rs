//! Rows as stored, and their conversion into domain values.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use super::schema::{contract_accounts, organizations, users};
use super::timestamps::StoredTime;
use crate::domain::contract_account::ContractAccount;
use crate::domain::organization::{Organization, OrganizationKind};
use crate::domain::tree_path::TreePath;
use crate::domain::user::User;

/// A stored id that does not parse means corrupted data: reported as a deserialization error.
pub(super) fn parse_id<T>(raw: &str) -> QueryResult<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    raw.parse::<T>()
        .map_err(|e| DieselError::DeserializationError(Box::new(e)))
}

pub(super) fn utc(naive: NaiveDateTime) -> DateTime<Utc> {
    naive.and_utc()
}

pub(super) fn naive(time: DateTime<Utc>) -> NaiveDateTime {
    time.naive_utc()
}

#[derive(Debug, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub network_id: String,
    pub id: String,
    pub seq: i64,
    pub parent_id: Option<String>,
    pub path: String,
    pub depth: i32,
    pub name: String,
    pub name_key: String,
    pub kind: String,
    pub contract_account_id: String,
    #[diesel(deserialize_as = StoredTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = StoredTime)]
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub purge_after: Option<NaiveDateTime>,
    pub deletion_id: Option<String>,
    pub sets_contract_account: bool,
}

impl OrganizationRow {
    pub fn from_domain(org: &Organization) -> Self {
        Self {
            network_id: org.network_id.to_string(),
            id: org.id.to_string(),
            seq: org.seq,
            parent_id: org.parent_id.map(|p| p.to_string()),
            path: org.path.as_str().to_owned(),
            depth: org.depth,
            name: org.name.clone(),
            name_key: crate::domain::organization::name_key(&org.name),
            kind: org.kind.as_str().to_owned(),
            contract_account_id: org.contract_account_id.to_string(),
            created_at: naive(org.created_at),
            updated_at: naive(org.updated_at),
            deleted_at: org.deleted_at.map(naive),
            purge_after: org.purge_after.map(naive),
            deletion_id: org.deletion_id.map(|d| d.to_string()),
            sets_contract_account: org.sets_contract_account,
        }
    }

    pub fn into_domain(self) -> QueryResult<Organization> {
        let kind = OrganizationKind::parse(&self.kind).ok_or_else(|| {
            DieselError::DeserializationError(format!("unknown kind {}", self.kind).into())
        })?;
        Ok(Organization {
            id: parse_id(&self.id)?,
            network_id: parse_id(&self.network_id)?,
            seq: self.seq,
            parent_id: self.parent_id.as_deref().map(parse_id).transpose()?,
            path: TreePath::from_stored(self.path),
            depth: self.depth,
            name: self.name,
            kind,
            contract_account_id: parse_id(&self.contract_account_id)?,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            deleted_at: self.deleted_at.map(utc),
            purge_after: self.purge_after.map(utc),
            deletion_id: self.deletion_id.as_deref().map(parse_id).transpose()?,
            sets_contract_account: self.sets_contract_account,
        })
    }
}

pub(super) fn organizations_from_rows(
    rows: Vec<OrganizationRow>,
) -> QueryResult<Vec<Organization>> {
    rows.into_iter().map(OrganizationRow::into_domain).collect()
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = contract_accounts)]
pub struct ContractAccountRow {
    pub id: String,
    pub name: String,
    pub billing_email: String,
    pub plan: String,
    pub owner_user_id: String,
    #[diesel(deserialize_as = StoredTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = StoredTime)]
    pub updated_at: NaiveDateTime,
}

impl ContractAccountRow {
    pub fn from_domain(account: &ContractAccount) -> Self {
        Self {
            id: account.id.to_string(),
            name: account.name.clone(),
            billing_email: account.billing_email.clone(),
            plan: account.plan.clone(),
            owner_user_id: account.owner_user_id.to_string(),
            created_at: naive(account.created_at),
            updated_at: naive(account.updated_at),
        }
    }

    pub fn into_domain(self) -> QueryResult<ContractAccount> {
        Ok(ContractAccount {
            id: parse_id(&self.id)?,
            name: self.name,
            billing_email: self.billing_email,
            plan: self.plan,
            owner_user_id: parse_id(&self.owner_user_id)?,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: Option<String>,
    pub email_key: String,
    pub name: Option<String>,
    #[diesel(deserialize_as = StoredTime)]
    pub created_at: NaiveDateTime,
}

impl UserRow {
    pub fn into_domain(self) -> QueryResult<User> {
        Ok(User {
            id: parse_id(&self.id)?,
            email: self.email,
            name: self.name,
            created_at: utc(self.created_at),
        })
    }
}
