//! Setting keys and how each one's values combine down the tree.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;

use serde_json::Value;

use super::MergeStrategy;

const CUSTOM_KEY_MAX_CHARS: usize = 64;

/// Why a key is not a setting key (the message names the known ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSettingKey(pub String);

impl core::fmt::Display for InvalidSettingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for InvalidSettingKey {}

/// A setting key: one of the known keys, or a custom `x-` key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SettingKey {
    Address,
    Branding,
    BookingSettings,
    TimeGrid,
    WorkingHours,
    PublicHolidays,
    Custom(String),
}

impl SettingKey {
    pub fn parse(raw: &str) -> Result<Self, InvalidSettingKey> {
        Ok(match raw {
            "address" => Self::Address,
            "branding" => Self::Branding,
            "bookingSettings" => Self::BookingSettings,
            "timeGrid" => Self::TimeGrid,
            "workingHours" => Self::WorkingHours,
            "publicHolidays" => Self::PublicHolidays,
            custom if custom.starts_with("x-") => {
                let name = &custom[2..];
                let valid = !name.is_empty()
                    && custom.chars().count() <= CUSTOM_KEY_MAX_CHARS
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
                if !valid {
                    return Err(InvalidSettingKey(format!(
                        "custom keys are `x-` followed by letters, digits, '-', '_' or '.' \
                             (at most {CUSTOM_KEY_MAX_CHARS} characters in all)"
                    )));
                }
                Self::Custom(custom.to_owned())
            }
            other => {
                return Err(InvalidSettingKey(format!(
                    "unknown setting `{}`: the known keys are address, branding, \
                         bookingSettings, timeGrid, workingHours and publicHolidays; custom \
                         keys start with `x-`",
                    other.chars().take(64).collect::<String>()
                )))
            }
        })
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Address => "address",
            Self::Branding => "branding",
            Self::BookingSettings => "bookingSettings",
            Self::TimeGrid => "timeGrid",
            Self::WorkingHours => "workingHours",
            Self::PublicHolidays => "publicHolidays",
            Self::Custom(key) => key,
        }
    }

    /// The strategy for a value of this key (custom keys: MERGE for objects, else REPLACE).
    pub fn strategy_for(&self, value: &Value) -> MergeStrategy {
        match self {
            Self::Address | Self::Branding | Self::BookingSettings | Self::TimeGrid => {
                MergeStrategy::Merge
            }
            Self::WorkingHours => MergeStrategy::Replace,
            Self::PublicHolidays => MergeStrategy::Append,
            Self::Custom(_) if value.is_object() => MergeStrategy::Merge,
            Self::Custom(_) => MergeStrategy::Replace,
        }
    }
}
