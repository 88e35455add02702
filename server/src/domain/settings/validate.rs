//! Keys and the shapes of their values.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::SettingKey;
use crate::domain::error::{DomainError, DomainResult};

/// Largest value of a custom `x-` key, serialized.
pub const CUSTOM_VALUE_MAX_BYTES: usize = 16 * 1024;
const TEXT_MAX_CHARS: usize = 200;
const URL_MAX_CHARS: usize = 2048;
const HOLIDAYS_MAX: usize = 366;
const INTERVALS_PER_DAY_MAX: usize = 24;
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Checks a value against its key's shape. Merged keys accept partial objects: a definition
/// may override a single field of what it inherits.
pub fn validate_value(key: &SettingKey, value: &Value) -> DomainResult<()> {
    match key {
        SettingKey::Address => {
            let fields = object(value, "address")?;
            only_fields(
                fields,
                "address",
                &["line1", "line2", "city", "region", "postalCode", "country"],
            )?;
            for (name, field) in fields {
                let path = format!("address.{name}");
                if name == "country" {
                    let code = text(field, &path, 2)?;
                    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
                        return Err(invalid(
                            &path,
                            "must be an ISO 3166-1 alpha-2 code like \"DE\"",
                        ));
                    }
                } else {
                    text(field, &path, TEXT_MAX_CHARS)?;
                }
            }
            Ok(())
        }
        SettingKey::Branding => {
            let fields = object(value, "branding")?;
            only_fields(
                fields,
                "branding",
                &["displayName", "primaryColor", "secondaryColor", "logoUrl"],
            )?;
            for (name, field) in fields {
                let path = format!("branding.{name}");
                match name.as_str() {
                    "primaryColor" | "secondaryColor" => {
                        let color = text(field, &path, 7)?;
                        let hex = color.strip_prefix('#').unwrap_or("");
                        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                            return Err(invalid(&path, "must be a color like \"#1a2b3c\""));
                        }
                    }
                    "logoUrl" => {
                        let url = text(field, &path, URL_MAX_CHARS)?;
                        if !url.starts_with("https://") {
                            return Err(invalid(&path, "must be an https:// URL"));
                        }
                    }
                    _ => {
                        text(field, &path, TEXT_MAX_CHARS)?;
                    }
                }
            }
            Ok(())
        }
        SettingKey::BookingSettings => {
            let fields = object(value, "bookingSettings")?;
            only_fields(
                fields,
                "bookingSettings",
                &[
                    "minimumNoticeMinutes",
                    "maximumAdvanceDays",
                    "bufferMinutes",
                    "allowGuests",
                    "requiresApproval",
                ],
            )?;
            for (name, field) in fields {
                let path = format!("bookingSettings.{name}");
                match name.as_str() {
                    "minimumNoticeMinutes" => integer(field, &path, 0, 525_600)?,
                    "maximumAdvanceDays" => integer(field, &path, 1, 730)?,
                    "bufferMinutes" => integer(field, &path, 0, 1440)?,
                    _ => boolean(field, &path)?,
                }
            }
            Ok(())
        }
        SettingKey::TimeGrid => {
            let fields = object(value, "timeGrid")?;
            only_fields(
                fields,
                "timeGrid",
                &["slotMinutes", "startTime", "endTime", "timeZone"],
            )?;
            for (name, field) in fields {
                let path = format!("timeGrid.{name}");
                match name.as_str() {
                    "slotMinutes" => integer(field, &path, 1, 1440)?,
                    "timeZone" => time_zone(field, &path)?,
                    _ => {
                        clock_time(field, &path)?;
                    }
                }
            }
            if let (Some(start), Some(end)) = (fields.get("startTime"), fields.get("endTime")) {
                if clock_time(start, "timeGrid.startTime")? >= clock_time(end, "timeGrid.endTime")?
                {
                    return Err(invalid("timeGrid", "startTime must be before endTime"));
                }
            }
            Ok(())
        }
        SettingKey::WorkingHours => {
            let days = object(value, "workingHours")?;
            only_fields(days, "workingHours", &WEEKDAYS)?;
            for (day, intervals) in days {
                let path = format!("workingHours.{day}");
                let Value::Array(intervals) = intervals else {
                    return Err(invalid(
                        &path,
                        "must be a list of {\"start\": \"HH:MM\", \"end\": \"HH:MM\"}",
                    ));
                };
                if intervals.len() > INTERVALS_PER_DAY_MAX {
                    return Err(invalid(
                        &path,
                        format!("at most {INTERVALS_PER_DAY_MAX} intervals"),
                    ));
                }
                let mut spans = Vec::with_capacity(intervals.len());
                for (i, interval) in intervals.iter().enumerate() {
                    let path = format!("{path}[{i}]");
                    let fields = object(interval, &path)?;
                    only_fields(fields, &path, &["start", "end"])?;
                    let start = clock_time(
                        fields.get("start").unwrap_or(&Value::Null),
                        &format!("{path}.start"),
                    )?;
                    let end = clock_time(
                        fields.get("end").unwrap_or(&Value::Null),
                        &format!("{path}.end"),
                    )?;
                    if start >= end {
                        return Err(invalid(&path, "start must be before end"));
                    }
                    spans.push((start, end, i));
                }
                spans.sort();
                for pair in spans.windows(2) {
                    if pair[1].0 < pair[0].1 {
                        return Err(invalid(
                            &path,
                            format!("intervals {} and {} overlap", pair[0].2, pair[1].2),
                        ));
                    }
                }
            }
            Ok(())
        }
        SettingKey::PublicHolidays => {
            let Value::Array(holidays) = value else {
                return Err(invalid(
                    "publicHolidays",
                    "must be a list of {\"date\": \"YYYY-MM-DD\", \"name\": \"…\"}",
                ));
            };
            if holidays.len() > HOLIDAYS_MAX {
                return Err(invalid(
                    "publicHolidays",
                    format!("at most {HOLIDAYS_MAX} entries"),
                ));
            }
            for (i, holiday) in holidays.iter().enumerate() {
                let path = format!("publicHolidays[{i}]");
                let fields = object(holiday, &path)?;
                only_fields(fields, &path, &["date", "name"])?;
                let date = text(
                    fields.get("date").unwrap_or(&Value::Null),
                    &format!("{path}.date"),
                    10,
                )?;
                if NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
                    return Err(invalid(
                        &format!("{path}.date"),
                        "must be an ISO date like \"2026-12-25\"",
                    ));
                }
                text(
                    fields.get("name").unwrap_or(&Value::Null),
                    &format!("{path}.name"),
                    TEXT_MAX_CHARS,
                )?;
            }
            Ok(())
        }
        SettingKey::Custom(key) => {
            let size = serde_json::to_string(value)
                .map(|s| s.len())
                .unwrap_or(usize::MAX);
            if size > CUSTOM_VALUE_MAX_BYTES {
                return Err(DomainError::LimitExceeded(format!(
                    "{key}: custom values are at most {CUSTOM_VALUE_MAX_BYTES} bytes of JSON (got {size})"
                )));
            }
            Ok(())
        }
    }
}

fn invalid(path: &str, message: impl Into<String>) -> DomainError {
    DomainError::invalid(format!("value.{path}"), message)
}

fn object<'a>(value: &'a Value, path: &str) -> DomainResult<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| invalid(path, "must be an object"))
}

fn only_fields(fields: &Map<String, Value>, path: &str, allowed: &[&str]) -> DomainResult<()> {
    match fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(unknown) => Err(invalid(
            path,
            format!(
                "unknown field `{}` (allowed: {})",
                unknown.chars().take(64).collect::<String>(),
                allowed.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn text<'a>(value: &'a Value, path: &str, max: usize) -> DomainResult<&'a str> {
    let text = value
        .as_str()
        .ok_or_else(|| invalid(path, "must be a string"))?;
    if text.trim().is_empty() {
        return Err(invalid(path, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(invalid(path, format!("must be at most {max} characters")));
    }
    Ok(text)
}

fn integer(value: &Value, path: &str, min: i64, max: i64) -> DomainResult<()> {
    match value.as_i64() {
        Some(n) if (min..=max).contains(&n) => Ok(()),
        _ => Err(invalid(
            path,
            format!("must be an integer between {min} and {max}"),
        )),
    }
}

fn boolean(value: &Value, path: &str) -> DomainResult<()> {
    value
        .as_bool()
        .map(|_| ())
        .ok_or_else(|| invalid(path, "must be true or false"))
}

/// "HH:MM" as minutes since midnight; "24:00" is allowed as the end of a day.
fn clock_time(value: &Value, path: &str) -> DomainResult<u32> {
    let bad = || invalid(path, "must be a time like \"09:30\" (00:00 to 24:00)");
    let text = value.as_str().ok_or_else(bad)?;
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// A zone of the IANA time zone database by its exact name ("Europe/Berlin", "UTC"; links
/// such as "US/Eastern" too), as bundled by `chrono-tz`.
fn time_zone(value: &Value, path: &str) -> DomainResult<()> {
    let zone = text(value, path, 64)?;
    match zone.parse::<chrono_tz::Tz>() {
        Ok(_) => Ok(()),
        Err(_) => Err(invalid(
            path,
            "must be a time zone of the IANA database, like \"Europe/Berlin\"",
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(key: &str, value: Value) -> DomainResult<()> {
        validate_value(&SettingKey::parse(key)?, &value)
    }

    #[test]
    fn keys() {
        assert!(SettingKey::parse("x-crm.region").is_ok());
        assert!(SettingKey::parse("x-").is_err());
        assert!(SettingKey::parse("x-has space").is_err());
        assert!(SettingKey::parse("colour").is_err());
    }

    #[test]
    fn time_grid_bounds() {
        assert!(check("timeGrid", json!({ "slotMinutes": 15 })).is_ok());
        assert!(check("timeGrid", json!({ "slotMinutes": 0 })).is_err());
        assert!(check("timeGrid", json!({ "slotMinutes": 1441 })).is_err());
        assert!(check(
            "timeGrid",
            json!({ "startTime": "18:00", "endTime": "09:00" })
        )
        .is_err());
        assert!(check("timeGrid", json!({ "colour": "red" })).is_err());
    }

    #[test]
    fn time_zones_come_from_the_iana_database() {
        for zone in [
            "Europe/Berlin",
            "UTC",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+5",
            "US/Eastern",
        ] {
            assert!(
                check("timeGrid", json!({ "timeZone": zone })).is_ok(),
                "{zone}"
            );
        }
        for zone in [
            "Mars/Olympus",
            "Europe/Atlantis",
            "europe/berlin",
            " Europe/Berlin",
            "Europe/Berlin ",
            "",
            "GMT+25",
            "Europe/../UTC",
        ] {
            assert!(
                check("timeGrid", json!({ "timeZone": zone })).is_err(),
                "{zone:?}"
            );
        }
    }

    #[test]
    fn working_hours_are_well_formed_and_disjoint() {
        let ok = json!({ "monday": [{ "start": "09:00", "end": "12:00" }, { "start": "13:00", "end": "17:00" }] });
        assert!(check("workingHours", ok).is_ok());
        let overlapping = json!({ "monday": [{ "start": "09:00", "end": "12:00" }, { "start": "11:00", "end": "17:00" }] });
        assert!(check("workingHours", overlapping).is_err());
        assert!(check("workingHours", json!({ "funday": [] })).is_err());
        assert!(check(
            "workingHours",
            json!({ "monday": [{ "start": "9:00", "end": "12:00" }] })
        )
        .is_err());
        assert!(check(
            "workingHours",
            json!({ "monday": [{ "start": "12:00", "end": "12:00" }] })
        )
        .is_err());
    }

    #[test]
    fn holidays_and_addresses() {
        assert!(check(
            "publicHolidays",
            json!([{ "date": "2026-12-25", "name": "Christmas" }])
        )
        .is_ok());
        assert!(check(
            "publicHolidays",
            json!([{ "date": "2026-02-30", "name": "Nope" }])
        )
        .is_err());
        assert!(check("address", json!({ "city": "Berlin", "country": "DE" })).is_ok());
        assert!(check("address", json!({ "country": "Germany" })).is_err());
        assert!(check("address", json!({ "city": "x".repeat(201) })).is_err());
    }

    #[test]
    fn custom_values_are_bounded() {
        assert!(check("x-anything", json!([1, "two", { "three": null }])).is_ok());
        assert!(matches!(
            check("x-big", json!("x".repeat(CUSTOM_VALUE_MAX_BYTES))),
            Err(DomainError::LimitExceeded(_))
        ));
    }
}
