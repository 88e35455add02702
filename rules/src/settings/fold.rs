//! The fold from the root down to an organization.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::key::SettingKey;
use super::MergeStrategy;

/// One organization of an ancestor chain, for one key.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainLink<Id> {
    pub organization: Id,
    /// The organization's own definition of the key, if any.
    pub definition: Option<Definition>,
    /// Whether the organization locks the key.
    pub locked: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub value: Value,
    /// `false` blocks what is above: the fold starts afresh here.
    pub inherit: bool,
}

/// An effective value and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective<Id> {
    pub value: Value,
    pub strategy: MergeStrategy,
    /// The organizations whose definitions contributed, nearest last.
    pub sources: Vec<Id>,
    /// The topmost organization on the chain that locks the key.
    pub locked_by: Option<Id>,
}

/// The effective value of `key` at the last organization of `chain` (root first), or `None`
/// when nothing applicable defines it.
pub fn effective_setting<Id: Copy>(
    key: &SettingKey,
    chain: &[ChainLink<Id>],
) -> Option<Effective<Id>> {
    // Below the topmost lock nothing counts, blocks included: a lock is a global rule.
    let lock = chain.iter().position(|link| link.locked);
    let considered = match lock {
        Some(at) => &chain[..=at],
        None => chain,
    };
    let fresh_start = considered
        .iter()
        .rposition(|link| link.definition.as_ref().is_some_and(|d| !d.inherit))
        .unwrap_or(0);
    let definitions: Vec<(Id, &Value)> = considered[fresh_start..]
        .iter()
        .filter_map(|link| {
            link.definition
                .as_ref()
                .map(|d| (link.organization, &d.value))
        })
        .collect();
    let (_, nearest) = definitions.last()?;
    let strategy = key.strategy_for(nearest);
    let (value, sources) = match strategy {
        MergeStrategy::Replace => {
            let (id, value) = definitions.last()?;
            ((*value).clone(), vec![*id])
        }
        MergeStrategy::Merge => {
            fold_from_last_of_kind(&definitions, Value::is_object, |acc, next| {
                deep_merge(acc, next);
            })
        }
        MergeStrategy::Append => {
            fold_from_last_of_kind(&definitions, Value::is_array, |acc, next| {
                if let (Value::Array(items), Value::Array(more)) = (acc, next) {
                    for item in more {
                        if !items.contains(item) {
                            items.push(item.clone());
                        }
                    }
                }
            })
        }
    };
    Some(Effective {
        value,
        strategy,
        sources,
        locked_by: lock.map(|at| chain[at].organization),
    })
}

/// Folds the definitions after the last one of another kind (a custom key whose value changed
/// type along the chain starts afresh where it did).
fn fold_from_last_of_kind<Id: Copy>(
    definitions: &[(Id, &Value)],
    same_kind: fn(&Value) -> bool,
    combine: impl Fn(&mut Value, &Value),
) -> (Value, Vec<Id>) {
    let start = definitions
        .iter()
        .rposition(|(_, v)| !same_kind(v))
        .map_or(0, |i| i + 1);
    let mut sources = Vec::new();
    let mut folded: Option<Value> = None;
    for (id, value) in &definitions[start..] {
        sources.push(*id);
        match &mut folded {
            None => {
                let mut first = (*value).clone();
                if let Value::Array(items) = &mut first {
                    dedup_in_order(items);
                }
                folded = Some(first);
            }
            Some(acc) => combine(acc, value),
        }
    }
    (folded.unwrap_or(Value::Null), sources)
}

fn dedup_in_order(items: &mut Vec<Value>) {
    let mut seen: Vec<Value> = Vec::with_capacity(items.len());
    items.retain(|item| {
        if seen.contains(item) {
            false
        } else {
            seen.push(item.clone());
            true
        }
    });
}

/// Merges `nearer` into `acc`: nested objects merge, anything else is replaced.
pub fn deep_merge(acc: &mut Value, nearer: &Value) {
    match (acc, nearer) {
        (Value::Object(acc), Value::Object(nearer)) => merge_maps(acc, nearer),
        (acc, nearer) => *acc = nearer.clone(),
    }
}

fn merge_maps(acc: &mut Map<String, Value>, nearer: &Map<String, Value>) {
    for (key, value) in nearer {
        match acc.get_mut(key) {
            Some(existing) if existing.is_object() && value.is_object() => {
                deep_merge(existing, value)
            }
            _ => {
                acc.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn link(id: u8, value: Option<Value>, inherit: bool, locked: bool) -> ChainLink<u8> {
        ChainLink {
            organization: id,
            definition: value.map(|value| Definition { value, inherit }),
            locked,
        }
    }

    #[test]
    fn merge_nearer_field_wins() {
        let chain = [
            link(
                1,
                Some(json!({ "city": "Berlin", "country": "DE" })),
                true,
                false,
            ),
            link(2, None, true, false),
            link(3, Some(json!({ "city": "Munich" })), true, false),
        ];
        let effective = effective_setting(&SettingKey::Address, &chain).unwrap();
        assert_eq!(
            effective.value,
            json!({ "city": "Munich", "country": "DE" })
        );
        assert_eq!(effective.sources, vec![1, 3]);
        assert_eq!(effective.locked_by, None);
    }

    #[test]
    fn append_root_first_without_duplicates() {
        let new_year = json!({ "date": "2027-01-01", "name": "New Year" });
        let chain = [
            link(1, Some(json!([new_year.clone()])), true, false),
            link(
                2,
                Some(json!([{ "date": "2026-10-03", "name": "Unity Day" }, new_year.clone()])),
                true,
                false,
            ),
        ];
        let effective = effective_setting(&SettingKey::PublicHolidays, &chain).unwrap();
        assert_eq!(effective.value.as_array().unwrap().len(), 2);
        assert_eq!(effective.value[0], new_year);
    }

    #[test]
    fn block_starts_afresh_but_not_below_a_lock() {
        let chain = [
            link(
                1,
                Some(json!({ "slotMinutes": 30, "timeZone": "UTC" })),
                true,
                false,
            ),
            link(2, Some(json!({ "slotMinutes": 15 })), false, false),
        ];
        let blocked = effective_setting(&SettingKey::TimeGrid, &chain).unwrap();
        assert_eq!(blocked.value, json!({ "slotMinutes": 15 }));
        assert_eq!(blocked.sources, vec![2]);

        let locked = [
            link(1, Some(json!({ "slotMinutes": 30 })), true, true),
            link(2, Some(json!({ "slotMinutes": 15 })), false, false),
        ];
        let effective = effective_setting(&SettingKey::TimeGrid, &locked).unwrap();
        assert_eq!(effective.value, json!({ "slotMinutes": 30 }));
        assert_eq!(effective.locked_by, Some(1));
    }

    #[test]
    fn replace_nearest_wins_and_nothing_is_none() {
        let chain = [
            link(1, Some(json!({ "monday": [] })), true, false),
            link(2, Some(json!({ "tuesday": [] })), true, false),
        ];
        let effective = effective_setting(&SettingKey::WorkingHours, &chain).unwrap();
        assert_eq!(effective.value, json!({ "tuesday": [] }));
        assert_eq!(effective.sources, vec![2]);
        assert!(effective_setting(&SettingKey::Branding, &[link(1, None, true, true)]).is_none());
    }
}
