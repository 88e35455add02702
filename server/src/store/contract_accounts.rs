use diesel::dsl::{exists, not, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::models::{naive, ContractAccountRow};
use super::schema::{contract_accounts, organizations};
use super::DbConnection;
use crate::domain::contract_account::{AccountManager, ContractAccount};
use crate::domain::ids::ContractAccountId;
use crate::domain::permissions::Reach;

type Backend = <DbConnection as diesel::Connection>::Backend;
type AccountCondition =
    Box<dyn BoxableExpression<contract_accounts::table, Backend, SqlType = Bool>>;

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

/// The accounts among `ids` that `manager` manages.
pub fn managed_many(
    conn: &mut DbConnection,
    manager: &AccountManager,
    ids: &[ContractAccountId],
) -> QueryResult<Vec<ContractAccount>> {
    let Some(managed) = managed_by(conn, manager) else {
        return Ok(Vec::new());
    };
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    contract_accounts::table
        .filter(contract_accounts::id.eq_any(keys))
        .filter(managed)
        .select(ContractAccountRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ContractAccountRow::into_domain)
        .collect()
}

/// The accounts `manager` manages, by id, after the cursor.
pub fn managed_page(
    conn: &mut DbConnection,
    manager: &AccountManager,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<ContractAccount>> {
    let Some(managed) = managed_by(conn, manager) else {
        return Ok(Vec::new());
    };
    let mut query = contract_accounts::table.filter(managed).into_boxed();
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

pub fn count_managed(conn: &mut DbConnection, manager: &AccountManager) -> QueryResult<i64> {
    match managed_by(conn, manager) {
        Some(managed) => contract_accounts::table
            .filter(managed)
            .count()
            .get_result(conn),
        None => Ok(0),
    }
}

/// The condition "`manager` manages this account" (see [`AccountManager`]); `None` when it
/// manages none. Where billing is held, the accounts used there are read from the scope's own
/// organization and from the organizations inside it that set an account (a partial index of
/// them), never from the subtree's every row: an organization without an account of its own
/// uses its nearest such ancestor's.
///
/// Each branch is an index lookup on `contract_accounts`, so that a listing reads the managed
/// accounts rather than scanning every account: on PostgreSQL the account lists are written
/// `= ANY (ARRAY(…))` (an init plan, then the primary key), which it combines in a bitmap
/// OR; `IN (SELECT …)` inside an OR was a filter over the whole table (48 ms for 100,000
/// accounts, against 2 ms).
fn managed_by(conn: &DbConnection, manager: &AccountManager) -> Option<AccountCondition> {
    let (open, close) = match conn {
        DbConnection::Pg(_) => ("contract_accounts.id = ANY (ARRAY(", "))"),
        DbConnection::Sqlite(_) => ("contract_accounts.id IN (", ")"),
    };
    let mut conditions: Vec<AccountCondition> = Vec::new();
    for (network, scope) in &manager.billing {
        // The account of the scope's own organization (set there or inherited from above).
        conditions.push(Box::new(
            sql::<Bool>(open)
                .sql("SELECT contract_account_id FROM organizations WHERE network_id = ")
                .bind::<Text, _>(network.to_string())
                .sql(" AND path = ")
                .bind::<Text, _>(scope.root.as_str().to_owned())
                .sql(close),
        ));
        if scope.reach == Reach::Subtree {
            conditions.push(Box::new(
                sql::<Bool>(open)
                    .sql(
                        "SELECT contract_account_id FROM organizations \
                         WHERE sets_contract_account AND network_id = ",
                    )
                    .bind::<Text, _>(network.to_string())
                    .sql(" AND path >= ")
                    .bind::<Text, _>(scope.root.as_str().to_owned())
                    .sql(" AND path < ")
                    .bind::<Text, _>(scope.root.subtree_upper_bound())
                    .sql(close),
            ));
        }
    }
    if let Some(person) = manager.person {
        conditions.push(Box::new(
            contract_accounts::owner_user_id
                .eq(person.to_string())
                .and(not(exists(organizations::table.filter(
                    organizations::contract_account_id.eq(contract_accounts::id),
                )))),
        ));
    }
    conditions.into_iter().reduce(|a, b| Box::new(a.or(b)))
}
