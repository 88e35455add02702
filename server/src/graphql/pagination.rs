//! Relay connections: `first`/`after`, opaque keyset cursors, at most 100 per page.

use async_graphql::{Context, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::service::ApiError;

pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

// `@shareable`: Relay's page information is the same type in every Relay-style subgraph of a
// supergraph (same name, fields and meaning), and composition accepts a type defined by
// several subgraphs only when all of them mark it shareable. The connection and edge types
// are Orgraph's own and stay unshared. (A plain comment, not a description, so the published
// type stays neutral.)
#[derive(Debug, Clone, SimpleObject)]
#[graphql(shareable)]
pub struct PageInfo {
    pub has_next_page: bool,
    /// Always false: pages only go forward.
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// A validated `first`: the number of rows to show (see [`rows_to_fetch`] for the rows read).
pub fn page_size(first: Option<i32>) -> Result<i64, ApiError> {
    match first.unwrap_or(DEFAULT_PAGE_SIZE) {
        n if n < 0 => Err(ApiError::bad_input("first", "must not be negative")),
        n if n > MAX_PAGE_SIZE => Err(ApiError::LimitExceeded(format!(
            "first: at most {MAX_PAGE_SIZE} items per page (asked for {n})"
        ))),
        n => Ok(i64::from(n)),
    }
}

/// Complexity of a connection field: its selection once per item of the page it may return,
/// so nested pages multiply (an oversized `first` is still refused by [`page_size`]).
pub fn connection_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let items = first.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    usize::try_from(items)
        .unwrap_or(1)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

pub fn encode_cursor(parts: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(parts.join("\u{1f}"))
}

/// Decodes a cursor made by [`encode_cursor`] with `arity` parts.
pub fn decode_cursor(cursor: &str, arity: usize) -> Result<Vec<String>, ApiError> {
    let malformed = || ApiError::bad_input("after", "is not a cursor from this list");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let parts: Vec<String> = text.split('\u{1f}').map(str::to_owned).collect();
    if parts.len() != arity || parts.iter().any(String::is_empty) {
        return Err(malformed());
    }
    Ok(parts)
}

/// Splits the rows read for a page (see [`rows_to_fetch`]) into the page and whether more follow.
pub fn split_page<T>(mut rows: Vec<T>, limit: i64) -> (Vec<T>, bool) {
    let limit = usize::try_from(limit).unwrap_or(0);
    let more = rows.len() > limit;
    rows.truncate(limit);
    (rows, more)
}

pub fn page_info(cursors: &[String], has_next_page: bool) -> PageInfo {
    page_info_between(
        cursors.first().cloned(),
        cursors.last().cloned(),
        has_next_page,
    )
}

/// [`page_info`] from the cursors of the first and last items alone.
pub fn page_info_between(
    start_cursor: Option<String>,
    end_cursor: Option<String>,
    has_next_page: bool,
) -> PageInfo {
    PageInfo {
        has_next_page,
        has_previous_page: false,
        start_cursor,
        end_cursor,
    }
}

/// Rows to read for a page of `limit`: one more, to learn whether a next page exists, only
/// when the selection asks for `pageInfo { hasNextPage }`. Otherwise that row would be read
/// for nothing: half the rows of a `children(first: 1)` level of 1,000 parents.
pub fn rows_to_fetch(ctx: &Context<'_>, limit: i64) -> i64 {
    let asks_for_more = ctx
        .look_ahead()
        .field("pageInfo")
        .field("hasNextPage")
        .exists();
    if asks_for_more {
        limit + 1
    } else {
        limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(&["acme", "0b6c"]);
        assert_eq!(
            decode_cursor(&c, 2).ok(),
            Some(vec!["acme".to_owned(), "0b6c".to_owned()])
        );
        assert!(decode_cursor(&c, 1).is_err());
        assert!(decode_cursor("!!", 2).is_err());
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None).ok(), Some(20));
        assert!(matches!(
            page_size(Some(101)),
            Err(ApiError::LimitExceeded(_))
        ));
        assert!(matches!(
            page_size(Some(-1)),
            Err(ApiError::BadUserInput { .. })
        ));
    }

    #[test]
    fn nested_pages_multiply() {
        assert_eq!(connection_complexity(None, 3), 61);
        assert_eq!(connection_complexity(Some(100), 3), 301);
        assert_eq!(
            connection_complexity(Some(100), connection_complexity(Some(100), 3)),
            30_101
        );
        // Out-of-range sizes are the resolver's to refuse; here they stay bounded.
        assert_eq!(connection_complexity(Some(1_000_000), 1), 101);
        assert_eq!(connection_complexity(Some(-5), 7), 8);
    }
}
