//! Property test: on random trees with random definitions and locks, the fold of each
//! organization's ancestor chain equals a reference computed differently — top-down, each
//! organization's state derived from its parent's.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::{effective_setting, ChainLink, Definition, MergeStrategy, SettingKey};

const KEYS: [&str; 4] = ["timeGrid", "workingHours", "publicHolidays", "x-custom"];

#[derive(Debug, Clone)]
struct Node {
    parent: Option<usize>,
    /// Per key: a definition (value, inherit) and whether the node locks the key.
    definitions: Vec<Option<(Value, bool)>>,
    locks: Vec<bool>,
}

fn value_for(key: usize, seed: u8) -> Value {
    let holidays = [
        json!({ "date": "2026-12-25", "name": "Christmas" }),
        json!({ "date": "2027-01-01", "name": "New Year" }),
        json!({ "date": "2026-05-01", "name": "Labour Day" }),
    ];
    match key {
        0 => match seed % 3 {
            0 => json!({ "slotMinutes": 5 + u32::from(seed) }),
            1 => json!({ "timeZone": if seed % 2 == 0 { "UTC" } else { "Europe/Berlin" } }),
            _ => json!({ "slotMinutes": 60, "startTime": "08:00" }),
        },
        1 => json!({ "monday": [{ "start": "09:00", "end": format!("1{}:00", seed % 10) }] }),
        2 => Value::Array(
            (0..=usize::from(seed % 3))
                .map(|i| holidays[(usize::from(seed) + i) % 3].clone())
                .collect(),
        ),
        _ => match seed % 3 {
            0 => json!(seed),
            1 => json!({ "a": seed }),
            _ => json!({ "b": { "c": seed % 2 } }),
        },
    }
}

fn tree() -> impl Strategy<Value = Vec<Node>> {
    let node = (
        any::<prop::sample::Index>(),
        prop::collection::vec(
            prop::option::weighted(0.4, (any::<u8>(), prop::bool::weighted(0.75))),
            4,
        ),
        prop::collection::vec(prop::bool::weighted(0.1), 4),
    );
    prop::collection::vec(node, 1..40).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (parent, definitions, locks))| Node {
                parent: (i > 0).then(|| parent.index(i)),
                definitions: definitions
                    .into_iter()
                    .enumerate()
                    .map(|(key, d)| d.map(|(seed, inherit)| (value_for(key, seed), inherit)))
                    .collect(),
                locks,
            })
            .collect()
    })
}

/// What the reference carries from a parent to its children for one key.
#[derive(Debug, Clone, PartialEq)]
struct State {
    value: Option<Value>,
    sources: Vec<usize>,
    locked_by: Option<usize>,
}

fn merge_into(acc: &mut Value, nearer: &Value) {
    if let (Some(acc), Some(nearer)) = (acc.as_object_mut(), nearer.as_object()) {
        for (k, v) in nearer {
            match acc.get_mut(k) {
                Some(existing) if existing.is_object() && v.is_object() => merge_into(existing, v),
                _ => {
                    acc.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

fn unique(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The state of `node` given its parent's (top-down, one step).
fn step(
    key: &SettingKey,
    parent: Option<&State>,
    node: usize,
    definition: Option<&(Value, bool)>,
    locks: bool,
) -> State {
    if let Some(parent) = parent {
        if parent.locked_by.is_some() {
            return parent.clone();
        }
    }
    let inherited = parent.cloned().unwrap_or(State {
        value: None,
        sources: Vec::new(),
        locked_by: None,
    });
    let mut state = match definition {
        None => inherited,
        Some((value, inherit)) => {
            let base = if *inherit {
                inherited
            } else {
                State {
                    value: None,
                    sources: Vec::new(),
                    locked_by: None,
                }
            };
            match (key.strategy_for(value), base.value) {
                (MergeStrategy::Merge, Some(mut acc)) if acc.is_object() => {
                    merge_into(&mut acc, value);
                    let mut sources = base.sources;
                    sources.push(node);
                    State {
                        value: Some(acc),
                        sources,
                        locked_by: None,
                    }
                }
                (MergeStrategy::Append, Some(Value::Array(acc))) => {
                    let mut items = acc;
                    items.extend(value.as_array().cloned().unwrap_or_default());
                    let mut sources = base.sources;
                    sources.push(node);
                    State {
                        value: Some(Value::Array(unique(items))),
                        sources,
                        locked_by: None,
                    }
                }
                (MergeStrategy::Append, _) => State {
                    value: Some(Value::Array(unique(
                        value.as_array().cloned().unwrap_or_default(),
                    ))),
                    sources: vec![node],
                    locked_by: None,
                },
                _ => State {
                    value: Some(value.clone()),
                    sources: vec![node],
                    locked_by: None,
                },
            }
        }
    };
    state.locked_by = locks.then_some(node);
    state
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn chain_fold_matches_top_down_reference(nodes in tree()) {
        for (k, raw_key) in KEYS.iter().enumerate() {
            let key = SettingKey::parse(raw_key).map_err(|e| TestCaseError::fail(e.to_string()))?;
            // Reference: parents come before children, so one pass top-down.
            let mut states: Vec<State> = Vec::with_capacity(nodes.len());
            for (i, node) in nodes.iter().enumerate() {
                let parent = node.parent.map(|p| &states[p]);
                let state = step(&key, parent, i, node.definitions[k].as_ref(), node.locks[k]);
                states.push(state);
            }
            for (i, expected) in states.iter().enumerate() {
                let mut chain = vec![i];
                while let Some(parent) = nodes[*chain.last().unwrap_or(&0)].parent {
                    chain.push(parent);
                }
                chain.reverse();
                let links: Vec<ChainLink<usize>> = chain
                    .iter()
                    .map(|&n| ChainLink {
                        organization: n,
                        definition: nodes[n].definitions[k].clone().map(|(value, inherit)| Definition { value, inherit }),
                        locked: nodes[n].locks[k],
                    })
                    .collect();
                let actual = effective_setting(&key, &links);
                prop_assert_eq!(actual.as_ref().map(|e| e.value.clone()), expected.value.clone(), "value of {} at node {}", raw_key, i);
                if let Some(actual) = actual {
                    prop_assert_eq!(&actual.sources, &expected.sources, "sources of {} at node {}", raw_key, i);
                    prop_assert_eq!(actual.locked_by, expected.locked_by, "lock of {} at node {}", raw_key, i);
                }
            }
        }
    }
}
