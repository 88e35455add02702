//! `foldSettings`: the server's settings fold over organizations the client already has, so
//! an administration UI can preview a change before writing it.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use alloc::collections::{BTreeMap, BTreeSet};

use orgraph_rules::settings::{effective_setting, ChainLink, Definition, SettingKey};
use orgraph_rules::ErrorCode;
use serde_json::Value;

use crate::error::{object, SdkError, SdkResult};

/// One organization as the SDK is given it: GraphQL's `id`, `parent { id }` (or `parentId`), `settings { key value inherit }` and `settingLocks { key }` (or plain keys).
struct Node {
    id: String,
    parent_id: Option<String>,
    definitions: BTreeMap<String, Definition>,
    locks: BTreeSet<String>,
}

/// Folds every organization of `input` (`{ organizations, keys? }`) and answers, in input
/// order, `[{ organizationId, effectiveSettings: [{ key, value, strategy, sourceIds, locked,
/// lockedById }] }]` — the server's `effectiveSettings` with ids for organizations.
pub fn fold_settings(input: &Value) -> SdkResult<Value> {
    if !input.is_object() {
        return Err(SdkError::invalid_argument(
            "foldSettings takes { organizations, keys? }",
        ));
    }
    let nodes = read_nodes(input)?;
    let requested = match input.get("keys") {
        None | Some(Value::Null) => None,
        Some(Value::Array(keys)) => Some(
            keys.iter()
                .map(|k| {
                    let raw = k
                        .as_str()
                        .ok_or_else(|| SdkError::invalid_argument("keys must be strings"))?;
                    SettingKey::parse(raw).map_err(|e| {
                        SdkError::new(ErrorCode::BadUserInput.as_str(), format!("key: {e}"))
                    })
                })
                .collect::<SdkResult<Vec<_>>>()?,
        ),
        Some(_) => return Err(SdkError::invalid_argument("keys must be a list")),
    };
    let index: BTreeMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, node)| (node.id.as_str(), i))
        .collect();
    if index.len() != nodes.len() {
        return Err(SdkError::invalid_argument(
            "an organization id appears twice",
        ));
    }
    let mut answers = Vec::with_capacity(nodes.len());
    for node in &nodes {
        let chain = chain_of(node, &nodes, &index)?;
        let keys: Vec<SettingKey> = match &requested {
            Some(keys) => keys.clone(),
            None => chain
                .iter()
                .flat_map(|n| n.definitions.keys().chain(n.locks.iter()))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .filter_map(|raw| SettingKey::parse(raw).ok())
                .collect(),
        };
        let mut effective_settings = Vec::new();
        for key in keys {
            let links: Vec<ChainLink<&str>> = chain
                .iter()
                .map(|n| ChainLink {
                    organization: n.id.as_str(),
                    definition: n.definitions.get(key.as_str()).cloned(),
                    locked: n.locks.contains(key.as_str()),
                })
                .collect();
            if let Some(effective) = effective_setting(&key, &links) {
                effective_settings.push(object([
                    ("key", key.as_str().into()),
                    ("strategy", effective.strategy.as_str().into()),
                    ("sourceIds", effective.sources.into()),
                    ("locked", effective.locked_by.is_some().into()),
                    ("lockedById", effective.locked_by.into()),
                    ("value", effective.value),
                ]));
            }
        }
        answers.push(object([
            ("organizationId", node.id.as_str().into()),
            ("effectiveSettings", Value::Array(effective_settings)),
        ]));
    }
    Ok(Value::Array(answers))
}

fn read_nodes(input: &Value) -> SdkResult<Vec<Node>> {
    let organizations = input
        .get("organizations")
        .and_then(Value::as_array)
        .ok_or_else(|| SdkError::invalid_argument("foldSettings needs organizations: [...]"))?;
    organizations.iter().map(read_node).collect()
}

fn read_node(org: &Value) -> SdkResult<Node> {
    let id = org
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| SdkError::invalid_argument("every organization needs an id"))?;
    let parent = org
        .get("parentId")
        .or_else(|| org.get("parent").and_then(|p| p.get("id")));
    let parent_id = match parent {
        None | Some(Value::Null) => None,
        Some(Value::String(parent)) => Some(parent.clone()),
        Some(_) => {
            return Err(SdkError::invalid_argument(
                "parentId must be a string or null",
            ))
        }
    };
    let mut definitions = BTreeMap::new();
    for setting in org
        .get("settings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = setting
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| SdkError::invalid_argument("every setting needs a key"))?;
        let value = setting
            .get("value")
            .cloned()
            .ok_or_else(|| SdkError::invalid_argument(format!("setting {key:.64} has no value")))?;
        let inherit = setting
            .get("inherit")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        definitions.insert(key.to_owned(), Definition { value, inherit });
    }
    let mut locks = BTreeSet::new();
    for lock in org
        .get("settingLocks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = lock
            .as_str()
            .or_else(|| lock.get("key").and_then(Value::as_str))
            .ok_or_else(|| SdkError::invalid_argument("a setting lock is a key or { key }"))?;
        locks.insert(key.to_owned());
    }
    Ok(Node {
        id: id.to_owned(),
        parent_id,
        definitions,
        locks,
    })
}

/// The chain from the topmost given ancestor down to `node`. A parent that was not given
/// ends the chain: the fold covers what the caller passed.
fn chain_of<'a>(
    node: &'a Node,
    nodes: &'a [Node],
    index: &BTreeMap<&str, usize>,
) -> SdkResult<Vec<&'a Node>> {
    let mut chain = vec![node];
    let mut at = node;
    while let Some(parent) = at.parent_id.as_deref().and_then(|p| index.get(p)) {
        at = &nodes[*parent];
        if chain.len() > nodes.len() {
            return Err(SdkError::invalid_argument("the parentIds form a cycle"));
        }
        chain.push(at);
    }
    chain.reverse();
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fold(input: Value) -> Value {
        fold_settings(&input).unwrap()
    }

    #[test]
    fn a_tree_folds_per_organization_with_locks_and_blocks() {
        let answer = fold(json!({ "organizations": [
            { "id": "hq", "parentId": null,
              "settings": [{ "key": "address", "value": { "city": "Berlin", "country": "DE" }, "inherit": true }],
              "settingLocks": [{ "key": "x-tier" }] },
            { "id": "munich", "parentId": "hq",
              "settings": [{ "key": "address", "value": { "city": "Munich" }, "inherit": true },
                           { "key": "x-tier", "value": "gold", "inherit": true }] },
            { "id": "lab", "parentId": "munich",
              "settings": [{ "key": "address", "value": { "line1": "Lab 1" }, "inherit": false }] },
        ]}));
        let munich = &answer[1]["effectiveSettings"];
        assert_eq!(munich[0]["key"], "address");
        assert_eq!(
            munich[0]["value"],
            json!({ "city": "Munich", "country": "DE" })
        );
        assert_eq!(munich[0]["sourceIds"], json!(["hq", "munich"]));
        assert_eq!(munich[0]["strategy"], "MERGE");
        // Locked above with no value: void below the lock, so left out.
        assert_eq!(munich.as_array().unwrap().len(), 1);
        let lab = &answer[2]["effectiveSettings"][0];
        assert_eq!(lab["value"], json!({ "line1": "Lab 1" }));
        assert_eq!(lab["sourceIds"], json!(["lab"]));
    }

    #[test]
    fn requested_keys_are_checked_like_the_servers() {
        let error = fold_settings(&json!({"organizations":[],"keys":["bogus"]})).unwrap_err();
        assert_eq!(error.code, "BAD_USER_INPUT");
        let cycle = fold_settings(
            &json!({"organizations":[{"id":"a","parentId":"b"},{"id":"b","parentId":"a"}]}),
        );
        assert_eq!(cycle.unwrap_err().code, "INVALID_ARGUMENT");
        let twice = fold_settings(&json!({"organizations":[{"id":"a"},{"id":"a"}]}));
        assert_eq!(twice.unwrap_err().code, "INVALID_ARGUMENT");
    }
}
