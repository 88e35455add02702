//! Networks: one row per tree, also the per-network lock of structural changes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::naive;
use super::schema::networks;
use super::DbConnection;
use crate::domain::ids::NetworkId;

/// Creates a network whose first `reserved` sequence numbers are already taken.
pub fn insert(
    conn: &mut DbConnection,
    network: NetworkId,
    reserved: i64,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(networks::table)
        .values((
            networks::id.eq(network.to_string()),
            networks::next_seq.eq(reserved + 1),
            networks::created_at.eq(naive(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Takes `count` sequence numbers and returns the first one.
///
/// The UPDATE row-locks the network until the transaction ends, so structural changes of one
/// network serialize across every server process sharing the database; call it (with
/// `count = 0` when no number is needed) before reading the rows a change depends on.
/// Returns `NotFound` when the network does not exist.
pub fn lock_and_allocate(
    conn: &mut DbConnection,
    network: NetworkId,
    count: i64,
) -> QueryResult<i64> {
    let next: i64 = diesel::update(networks::table.find(network.to_string()))
        .set(networks::next_seq.eq(networks::next_seq + count))
        .returning(networks::next_seq)
        .get_result(conn)?;
    Ok(next - count)
}

pub fn delete(conn: &mut DbConnection, network: NetworkId) -> QueryResult<usize> {
    diesel::delete(networks::table.find(network.to_string())).execute(conn)
}
