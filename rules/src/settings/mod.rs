//! Settings and their inheritance down the tree (SPEC §2).
//!
//! A setting is a key with a JSON value defined on an organization. The effective value at an
//! organization folds the definitions on its ancestor chain, root first, with the key's merge
//! strategy; a definition with `inherit: false` starts the fold afresh; a lock on a key makes
//! every definition below the lock's organization void (blocks included).

mod fold;
mod key;

pub use fold::{deep_merge, effective_setting, ChainLink, Definition, Effective};
pub use key::{InvalidSettingKey, SettingKey};

/// How the definitions along a chain combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeStrategy {
    /// The nearest definition wins.
    Replace,
    /// Objects are deep-merged; the nearer field wins.
    Merge,
    /// Lists are concatenated root first, duplicates dropped.
    Append,
}

impl MergeStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replace => "REPLACE",
            Self::Merge => "MERGE",
            Self::Append => "APPEND",
        }
    }
}
