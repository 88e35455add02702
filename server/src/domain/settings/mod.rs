//! Settings and their inheritance down the tree (SPEC §2). The keys and the fold live in
//! `orgraph_rules`, which the SDK shares; the shapes of values are checked here.

mod validate;

#[cfg(test)]
mod reference;

pub use orgraph_rules::settings::{
    deep_merge, effective_setting, ChainLink, Definition, Effective, MergeStrategy, SettingKey,
};
pub use validate::{validate_value, CUSTOM_VALUE_MAX_BYTES};
