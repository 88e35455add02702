use diesel::prelude::*;

use super::models::{naive, ContractAccountRow};
use super::schema::contract_accounts;
use super::DbConnection;
use crate::domain::contract_account::ContractAccount;
use crate::domain::ids::{ContractAccountId, UserId};

pub fn insert(conn: &mut DbConnection, account: &ContractAccount) -> QueryResult<()> {
    diesel::insert_into(contract_accounts::table)
        .values(ContractAccountRow::from_domain(account))
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConnection, account: &ContractAccount) -> QueryResult<usize> {
    diesel::update(contract_accounts::table.find(account.id.to_string()))
        .set((
            contract_accounts::name.eq(&account.name),
            contract_accounts::billing_email.eq(&account.billing_email),
            contract_accounts::plan.eq(&account.plan),
            contract_accounts::updated_at.eq(naive(account.updated_at)),
        ))
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: ContractAccountId) -> QueryResult<usize> {
    diesel::delete(contract_accounts::table.find(id.to_string())).execute(conn)
}

pub fn find_many(
    conn: &mut DbConnection,
    ids: &[ContractAccountId],
) -> QueryResult<Vec<ContractAccount>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    contract_accounts::table
        .filter(contract_accounts::id.eq_any(keys))
        .select(ContractAccountRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ContractAccountRow::into_domain)
        .collect()
}

pub fn find(
    conn: &mut DbConnection,
    id: ContractAccountId,
) -> QueryResult<Option<ContractAccount>> {
    Ok(find_many(conn, &[id])?.into_iter().next())
}

/// Accounts owned by a user, by id, after the cursor.
pub fn owned_page(
    conn: &mut DbConnection,
    owner: UserId,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<ContractAccount>> {
    let mut query = contract_accounts::table
        .filter(contract_accounts::owner_user_id.eq(owner.to_string()))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(contract_accounts::id.gt(after));
    }
    query
        .order(contract_accounts::id.asc())
        .limit(limit)
        .select(ContractAccountRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ContractAccountRow::into_domain)
        .collect()
}

pub fn count_owned(conn: &mut DbConnection, owner: UserId) -> QueryResult<i64> {
    contract_accounts::table
        .filter(contract_accounts::owner_user_id.eq(owner.to_string()))
        .count()
        .get_result(conn)
}
