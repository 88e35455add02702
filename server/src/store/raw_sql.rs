//! Hand-written SQL that stays prepared.
//!
//! `diesel::sql_query` marks every statement unsafe to cache (its text could be anything),
//! so each call parses and plans it again: preparing a 1,000-organization request's
//! `children` and settings statements took more CPU than running some of them. A [`RawSql`]
//! is assembled from text and bound values in order, each value's placeholder written by the
//! backend (`$n` on PostgreSQL, `?` on SQLite), and diesel keeps it prepared in each
//! connection's statement cache, keyed by its text.
//!
//! The cache gains one entry per distinct text, so a `RawSql` text may depend on a
//! statement's shape only, never on data: lists go in as one bound JSON value (see
//! `sql_lists`), never as one placeholder per item.

use std::borrow::Cow;
use std::marker::PhantomData;

use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};
use diesel::QueryResult;

use super::DbConnection;

type Db = <DbConnection as diesel::Connection>::Backend;

/// A statement of SQL text and bound values, in the order they appear.
#[must_use = "a statement runs only when loaded or executed"]
pub struct RawSql {
    parts: Vec<Part>,
}

enum Part {
    Text(Cow<'static, str>),
    Value(Box<dyn QueryFragment<Db> + Send>),
}

impl RawSql {
    pub fn new(text: impl Into<Cow<'static, str>>) -> Self {
        Self {
            parts: vec![Part::Text(text.into())],
        }
    }

    /// Appends SQL text.
    pub fn sql(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.parts.push(Part::Text(text.into()));
        self
    }

    /// Appends the placeholder of a bound value of SQL type `ST`.
    pub fn bind<ST, T>(mut self, value: T) -> Self
    where
        ST: Send + 'static,
        T: ToSql<ST, Db> + Send + 'static,
        Db: HasSqlType<ST>,
    {
        self.parts.push(Part::Value(Box::new(Bound {
            value,
            sql_type: PhantomData::<ST>,
        })));
        self
    }
}

impl QueryFragment<Db> for RawSql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Db>) -> QueryResult<()> {
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_sql(text),
                Part::Value(value) => value.walk_ast(out.reborrow())?,
            }
        }
        Ok(())
    }
}

impl QueryId for RawSql {
    type QueryId = ();
    /// Keyed by its text (and bind types) in the statement cache.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for RawSql {
    type SqlType = Untyped;
}

impl diesel::RunQueryDsl<DbConnection> for RawSql {}

struct Bound<ST, T> {
    value: T,
    sql_type: PhantomData<ST>,
}

impl<ST, T> QueryFragment<Db> for Bound<ST, T>
where
    Db: HasSqlType<ST>,
    T: ToSql<ST, Db>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Db>) -> QueryResult<()> {
        out.push_bind_param::<ST, T>(&self.value)
    }
}
