//! Lists bound as one JSON value: the SQL building blocks of statements whose text must not
//! change with the length of a list, so that they stay prepared (see [`RawSql`]).

use super::raw_sql::RawSql;
use super::DbConnection;
use crate::domain::ids::OrganizationId;
use diesel::sql_types::Text;

/// Appends a one-column table (`SELECT …`) of the strings of the JSON array `json`: a list of
/// any length as one bound value.
pub(super) fn json_text_list(conn: &DbConnection, statement: RawSql, json: String) -> RawSql {
    match conn {
        DbConnection::Pg(_) => statement
            .sql("SELECT jsonb_array_elements_text(")
            .bind::<Text, _>(json)
            .sql("::jsonb)"),
        DbConnection::Sqlite(_) => statement
            .sql("SELECT value FROM json_each(")
            .bind::<Text, _>(json)
            .sql(")"),
    }
}

/// Appends "`column` is one of the strings of the JSON array `json`" (see
/// [`json_text_list`]). On PostgreSQL as `= ANY (ARRAY(…))`: the array is an init plan, and
/// the lookup an index scan planned in 0.1 ms, where `IN (SELECT …)` became a semi-join
/// planned in 0.5 ms even for one id.
pub(super) fn in_json_list(
    conn: &DbConnection,
    statement: RawSql,
    column: &'static str,
    json: String,
) -> RawSql {
    match conn {
        DbConnection::Pg(_) => {
            json_text_list(conn, statement.sql(column).sql(" = ANY (ARRAY("), json).sql("))")
        }
        DbConnection::Sqlite(_) => {
            json_text_list(conn, statement.sql(column).sql(" IN ("), json).sql(")")
        }
    }
}

/// The JSON array of `ids` for [`json_text_list`] (a UUID needs no escaping).
pub(super) fn json_list(ids: &[OrganizationId]) -> String {
    let mut json = String::with_capacity(ids.len() * 40 + 2);
    json.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push('"');
        json.push_str(&id.to_string());
        json.push('"');
    }
    json.push(']');
    json
}

/// The JSON array of any strings, for [`json_text_list`].
pub(super) fn json_strings<'a>(strings: impl IntoIterator<Item = &'a str>) -> String {
    serde_json::Value::from_iter(strings).to_string()
}
