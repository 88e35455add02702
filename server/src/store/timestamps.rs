//! Reading the timestamps SQLite stores as text.
//!
//! diesel reads a SQLite `TIMESTAMP` by trying chrono format strings, each interpreted anew
//! (`%F %T%.f` first, which is what diesel writes): on a 2,000-row page that was a fifth of
//! decoding the rows. [`StoredTime`] reads that one layout directly and hands anything else
//! to diesel, so every value diesel accepts is still accepted.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::Timestamp;
use diesel::sqlite::{Sqlite, SqliteType};

use super::DbConnection;

type Db = <DbConnection as diesel::Connection>::Backend;

/// A `TIMESTAMP` column, for `#[diesel(deserialize_as = StoredTime)]` on `NaiveDateTime`
/// fields.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct StoredTime(NaiveDateTime);

impl From<StoredTime> for NaiveDateTime {
    fn from(time: StoredTime) -> Self {
        time.0
    }
}

impl FromSql<Timestamp, Db> for StoredTime {
    fn from_sql(raw: <Db as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        raw.from_sql::<Self, Timestamp>()
    }
}

impl FromSql<Timestamp, Sqlite> for StoredTime {
    fn from_sql(mut raw: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if raw.value_type() == Some(SqliteType::Text) {
            if let Some(time) = parse_written(raw.read_text()) {
                return Ok(Self(time));
            }
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(raw).map(Self)
    }
}

impl FromSql<Timestamp, Pg> for StoredTime {
    fn from_sql(raw: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(raw).map(Self)
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of 1–9 digits (diesel's `%F %T%.f`), or
/// `None` for anything else.
fn parse_written(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if bytes.len() < 19 || separators.iter().any(|&(at, sep)| bytes[at] != sep) {
        return None;
    }
    let digits = |from: usize, to: usize| -> Option<u32> {
        bytes[from..to].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match bytes.get(19) {
        None => 0,
        Some(b'.') if (21..=29).contains(&bytes.len()) => {
            digits(20, bytes.len())? * 10u32.pow(29 - u32::try_from(bytes.len()).ok()?)
        }
        Some(_) => return None,
    };
    let year = i32::try_from(digits(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(5, 7)?, digits(8, 10)?)?;
    let time =
        NaiveTime::from_hms_nano_opt(digits(11, 13)?, digits(14, 16)?, digits(17, 19)?, nanos)?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration};
    use proptest::prelude::*;

    use super::*;

    /// diesel's own reading of the text, for comparison.
    fn chrono_reading(text: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(text, "%F %T%.f").ok()
    }

    proptest! {
        /// Whatever diesel writes (`%F %T%.f`) reads back the same, as chrono reads it.
        #[test]
        fn reads_what_diesel_writes(seconds in 0i64..8_000_000_000, nanos in 0u32..1_000_000_000, whole in any::<bool>()) {
            let nanos = if whole { 0 } else { nanos };
            let time = DateTime::from_timestamp(seconds, nanos).unwrap().naive_utc();
            let written = time.format("%F %T%.f").to_string();
            prop_assert_eq!(parse_written(&written), Some(time));
            prop_assert_eq!(parse_written(&written), chrono_reading(&written));
        }

        /// On any other text it either agrees with chrono or declines (and chrono decides).
        #[test]
        fn never_disagrees_with_chrono(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,11})?(Z|\\+01:00)?") {
            if let Some(read) = parse_written(&text) {
                prop_assert_eq!(Some(read), chrono_reading(&text));
            }
        }
    }

    #[test]
    fn declines_other_layouts() {
        for text in [
            "2026-11-22T17:44:03",
            "2026-11-22 17:44:03Z",
            "2026-11-22 17:44:03.",
            "2026-11-22 17:44:03.1234567890",
            "2026-11-22 17:44",
            "2026-02-30 17:44:03",
            "2026-11-22 24:00:00",
            "2460999.5",
            "",
        ] {
            assert_eq!(parse_written(text), None, "{text}");
        }
        let base = chrono_reading("2026-11-22 17:44:03").unwrap();
        assert_eq!(
            parse_written("2026-11-22 17:44:03.5"),
            Some(base + Duration::milliseconds(500))
        );
    }
}
