//! PATCH (RFC 7644 §3.5.2) as identity providers send it: `op` in any case, path-less
//! `replace`/`add` whose value holds several attributes (dotted names and extension URNs
//! included), value-filtered paths (`emails[type eq "work"].value`), and group members added
//! and removed by value lists or by `members[value eq "…"]`.

use serde_json::{Map, Value};

use super::error::{ScimError, ScimResult};
use super::filter::{matches, parse_path, AttrPath, CompareOp, Filter};
use super::resource::{clip, normalize_attribute, normalize_single, wrong_type};
use super::schema::{self, Attribute, Kind, Mutability, ResourceSchemas, Schema};

/// The most operations one PATCH may carry.
pub const MAX_OPERATIONS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Replace,
    Remove,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: Op,
    pub path: Option<String>,
    pub value: Option<Value>,
}

/// A change to a group's members, in the order the operations asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    Add(Vec<String>),
    Remove(Vec<String>),
    RemoveAll,
    ReplaceAll(Vec<String>),
}

/// The operations of a PatchOp body.
pub fn parse_operations(body: &Value) -> ScimResult<Vec<Operation>> {
    let Value::Object(fields) = body else {
        return Err(ScimError::InvalidSyntax(
            "the body must be a JSON object".into(),
        ));
    };
    let mut operations = None;
    for (key, value) in fields {
        if key.eq_ignore_ascii_case("schemas") {
            let known = value.as_array().is_some_and(|urns| {
                urns.iter().all(|urn| {
                    urn.as_str()
                        .is_some_and(|u| u.eq_ignore_ascii_case(schema::PATCH_OP_URN))
                })
            });
            if !known {
                return Err(ScimError::InvalidValue(format!(
                    "schemas must be [\"{}\"]",
                    schema::PATCH_OP_URN
                )));
            }
        } else if key.eq_ignore_ascii_case("Operations") {
            operations = Some(value);
        } else {
            return Err(ScimError::InvalidSyntax(format!(
                "`{}` is not a member of a PatchOp request",
                clip(key)
            )));
        }
    }
    let Some(Value::Array(list)) = operations else {
        return Err(ScimError::InvalidSyntax(
            "a PatchOp request needs an `Operations` list".into(),
        ));
    };
    if list.is_empty() || list.len() > MAX_OPERATIONS {
        return Err(ScimError::InvalidValue(format!(
            "Operations must hold 1 to {MAX_OPERATIONS} operations"
        )));
    }
    list.iter().map(operation).collect()
}

fn operation(value: &Value) -> ScimResult<Operation> {
    let Value::Object(fields) = value else {
        return Err(ScimError::InvalidSyntax(
            "each operation must be an object".into(),
        ));
    };
    let mut parsed = Operation {
        op: Op::Add,
        path: None,
        value: None,
    };
    let mut op_seen = false;
    for (key, value) in fields {
        match key.to_ascii_lowercase().as_str() {
            "op" => {
                parsed.op = match value.as_str().map(str::to_ascii_lowercase).as_deref() {
                    Some("add") => Op::Add,
                    Some("replace") => Op::Replace,
                    Some("remove") => Op::Remove,
                    _ => {
                        return Err(ScimError::InvalidValue(
                            "op must be add, replace or remove".into(),
                        ))
                    }
                };
                op_seen = true;
            }
            "path" => match value {
                Value::String(path) => parsed.path = Some(path.clone()),
                Value::Null => {}
                _ => return Err(ScimError::InvalidPath("path must be a string".into())),
            },
            "value" => parsed.value = Some(value.clone()),
            _ => {
                return Err(ScimError::InvalidSyntax(format!(
                    "`{}` is not a member of an operation",
                    clip(key)
                )))
            }
        }
    }
    if !op_seen {
        return Err(ScimError::InvalidValue("each operation needs an op".into()));
    }
    if parsed.op != Op::Remove && parsed.value.is_none() {
        return Err(ScimError::InvalidValue(format!(
            "an {} operation needs a value",
            if parsed.op == Op::Add {
                "add"
            } else {
                "replace"
            }
        )));
    }
    if parsed.op == Op::Remove && parsed.path.is_none() {
        return Err(ScimError::NoTarget(
            "a remove operation needs a path".into(),
        ));
    }
    Ok(parsed)
}

/// Applies `operations` to a user's stored attributes.
pub fn apply_to_user(
    attributes: &mut Map<String, Value>,
    id: &str,
    operations: &[Operation],
) -> ScimResult<()> {
    let mut members = Vec::new();
    for operation in operations {
        apply(
            schema::USER_RESOURCE,
            attributes,
            id,
            operation,
            &mut members,
        )?;
    }
    Ok(())
}

/// Applies `operations` to a group's stored attributes (`displayName`, `externalId`); the
/// changes to its members are returned, for the store to make.
pub fn apply_to_group(
    attributes: &mut Map<String, Value>,
    id: &str,
    operations: &[Operation],
) -> ScimResult<Vec<MemberChange>> {
    let mut members = Vec::new();
    for operation in operations {
        apply(
            schema::GROUP_RESOURCE,
            attributes,
            id,
            operation,
            &mut members,
        )?;
    }
    Ok(members)
}

fn apply(
    resource: ResourceSchemas,
    doc: &mut Map<String, Value>,
    id: &str,
    operation: &Operation,
    members: &mut Vec<MemberChange>,
) -> ScimResult<()> {
    let value = operation.value.as_ref();
    let Some(path) = &operation.path else {
        // Path-less: the value's members are each an attribute (or a dotted path, or an
        // extension URN with its attributes) to add or replace.
        let Some(Value::Object(fields)) = value else {
            return Err(ScimError::InvalidValue(
                "an operation without a path needs an object value".into(),
            ));
        };
        for (key, value) in fields {
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if key.eq_ignore_ascii_case("id") {
                if value.as_str() == Some(id) {
                    continue;
                }
                return Err(ScimError::Mutability("id is read-only".into()));
            }
            if let Some(extension) = resource.extension(key) {
                let Value::Object(inner) = value else {
                    return Err(wrong_type(extension.id, "an object"));
                };
                for (name, value) in inner {
                    let path = parse(&format!("{}:{name}", extension.id))?;
                    apply_path(resource, doc, operation.op, &path, Some(value), members)?;
                }
                continue;
            }
            let path = parse(key)?;
            apply_path(resource, doc, operation.op, &path, Some(value), members)?;
        }
        return Ok(());
    };
    let path = parse(path)?;
    apply_path(resource, doc, operation.op, &path, value, members)
}

fn parse(path: &str) -> ScimResult<AttrPath> {
    parse_path(path)
        .map_err(|message| ScimError::InvalidPath(format!("`{}`: {message}", clip(path))))
}

/// What a path names in a resource.
struct Target {
    /// The extension object the attribute sits in (its URN), if any.
    container: Option<&'static str>,
    attribute: &'static Attribute,
    filter: Option<Filter>,
    sub: Option<&'static Attribute>,
}

/// `externalId`, common to every resource (RFC 7643 §3.1) and so in no schema's list.
const EXTERNAL_ID: Attribute = Attribute {
    name: "externalId",
    kind: Kind::String,
    multi_valued: false,
    required: false,
    case_exact: true,
    mutability: Mutability::ReadWrite,
    returned: schema::Returned::Default,
    unique: false,
    sub_attributes: &[],
    description: "The directory's own identifier of the resource.",
};

fn resolve(resource: ResourceSchemas, path: &AttrPath) -> ScimResult<Target> {
    let unknown = || {
        ScimError::InvalidPath(format!(
            "`{}` names no attribute of this resource",
            clip(&path.name)
        ))
    };
    let (container, schema): (Option<&'static str>, &Schema) = match &path.urn {
        None => (None, &resource.core),
        Some(urn) if urn.eq_ignore_ascii_case(resource.core.id) => (None, &resource.core),
        Some(urn) => match resource.extension(urn) {
            Some(extension) => (Some(extension.id), extension),
            None => return Err(unknown()),
        },
    };
    let attribute = if container.is_none() && path.name.eq_ignore_ascii_case("externalId") {
        &EXTERNAL_ID
    } else if container.is_none()
        && ["id", "meta", "schemas"]
            .iter()
            .any(|name| path.name.eq_ignore_ascii_case(name))
    {
        return Err(ScimError::Mutability(format!("{} is read-only", path.name)));
    } else {
        schema::find(schema.attributes, &path.name).ok_or_else(unknown)?
    };
    if attribute.mutability == Mutability::ReadOnly {
        return Err(ScimError::Mutability(format!(
            "{} is read-only",
            attribute.name
        )));
    }
    let sub = match &path.sub {
        None => None,
        Some(name) => {
            let sub = schema::find(attribute.sub_attributes, name).ok_or_else(|| {
                ScimError::InvalidPath(format!(
                    "`{}` has no sub-attribute `{}`",
                    attribute.name,
                    clip(name)
                ))
            })?;
            if sub.mutability == Mutability::ReadOnly {
                return Err(ScimError::Mutability(format!(
                    "{}.{} is read-only",
                    attribute.name, sub.name
                )));
            }
            Some(sub)
        }
    };
    if path.filter.is_some() && !attribute.multi_valued {
        return Err(ScimError::InvalidPath(format!(
            "{} is single-valued: it takes no value filter",
            attribute.name
        )));
    }
    Ok(Target {
        container,
        attribute,
        filter: path.filter.as_deref().cloned(),
        sub,
    })
}

fn apply_path(
    resource: ResourceSchemas,
    doc: &mut Map<String, Value>,
    op: Op,
    path: &AttrPath,
    value: Option<&Value>,
    members: &mut Vec<MemberChange>,
) -> ScimResult<()> {
    let target = resolve(resource, path)?;
    if resource.core.id == schema::GROUP_URN && target.attribute.name == "members" {
        members.push(member_change(op, &target, value)?);
        return Ok(());
    }
    match target.container {
        None => apply_to_attribute(doc, op, &target, value),
        Some(urn) => {
            // An error fails the whole request, so the taken-out object need not go back.
            let mut inner = match doc.remove(urn) {
                Some(Value::Object(inner)) => inner,
                _ => Map::new(),
            };
            apply_to_attribute(&mut inner, op, &target, value)?;
            if !inner.is_empty() {
                doc.insert(urn.into(), Value::Object(inner));
            }
            Ok(())
        }
    }
}

fn apply_to_attribute(
    container: &mut Map<String, Value>,
    op: Op,
    target: &Target,
    value: Option<&Value>,
) -> ScimResult<()> {
    let attribute = target.attribute;
    let key = attribute.name;
    let value_or_null = value.unwrap_or(&Value::Null);
    match (attribute.multi_valued, &target.filter, target.sub) {
        (false, _, None) => match op {
            Op::Remove => {
                container.remove(key);
            }
            Op::Add | Op::Replace => {
                let normalized = normalize_attribute(attribute, value_or_null)?;
                match (normalized, container.get_mut(key)) {
                    (None, _) => {
                        container.remove(key);
                    }
                    // Complex: the given sub-attributes replace theirs, the others stay
                    // (RFC 7644 §3.5.2.3).
                    (Some(Value::Object(new)), Some(Value::Object(existing))) => {
                        existing.extend(new);
                    }
                    (Some(new), _) => {
                        container.insert(key.into(), new);
                    }
                }
            }
        },
        (false, _, Some(sub)) => {
            let object = container
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(object) = object {
                match op {
                    Op::Remove => {
                        object.remove(sub.name);
                    }
                    Op::Add | Op::Replace => match normalize_single(sub, value_or_null)? {
                        Some(v) => {
                            object.insert(sub.name.into(), v);
                        }
                        None => {
                            object.remove(sub.name);
                        }
                    },
                }
            }
            if container
                .get(key)
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
            {
                container.remove(key);
            }
        }
        (true, None, None) => {
            let mut list = match container.remove(key) {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            };
            match op {
                Op::Remove => match value {
                    // A list of values to take out (Entra ID's way of removing some).
                    Some(Value::Array(gone)) => {
                        list.retain(|element| !gone.iter().any(|g| same_value(element, g)));
                    }
                    Some(gone @ Value::Object(_)) => {
                        list.retain(|element| !same_value(element, gone))
                    }
                    _ => list.clear(),
                },
                Op::Replace => {
                    list = match normalize_attribute(attribute, value_or_null)? {
                        Some(Value::Array(new)) => new,
                        _ => Vec::new(),
                    };
                }
                Op::Add => {
                    if let Some(Value::Array(new)) = normalize_attribute(attribute, value_or_null)?
                    {
                        for element in new {
                            if !list.iter().any(|e| same_value(e, &element)) {
                                list.push(element);
                            }
                        }
                    }
                }
            }
            if list.len() > super::resource::MAX_VALUES {
                return Err(ScimError::InvalidValue(format!(
                    "{key} holds at most {} values",
                    super::resource::MAX_VALUES
                )));
            }
            one_primary(&mut list);
            if !list.is_empty() {
                container.insert(key.into(), Value::Array(list));
            }
        }
        (true, filter, sub) => {
            let mut list = match container.remove(key) {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            };
            let selected = |element: &Value| match (filter, element) {
                (None, _) => true,
                (Some(filter), Value::Object(fields)) => matches(filter, fields),
                _ => false,
            };
            let any_selected = list.iter().any(selected);
            match (op, sub) {
                (Op::Remove, None) => list.retain(|element| !selected(element)),
                (Op::Remove, Some(sub)) => {
                    for element in list.iter_mut().filter(|e| selected(e)) {
                        if let Value::Object(fields) = element {
                            fields.remove(sub.name);
                        }
                    }
                }
                (Op::Add | Op::Replace, Some(sub)) if any_selected => {
                    let new = normalize_single(sub, value_or_null)?;
                    for element in list.iter_mut().filter(|e| selected(e)) {
                        if let Value::Object(fields) = element {
                            match &new {
                                Some(v) => {
                                    fields.insert(sub.name.into(), v.clone());
                                }
                                None => {
                                    fields.remove(sub.name);
                                }
                            }
                        }
                    }
                }
                (Op::Add | Op::Replace, Some(sub)) => {
                    // Nothing matched `emails[type eq "work"].value`: the value the filter
                    // describes is added, as providers expect.
                    let Some((name, wanted)) = filter.as_ref().and_then(equality) else {
                        return Err(ScimError::NoTarget(format!(
                            "the filter on {key} matches no value"
                        )));
                    };
                    let mut element = Map::new();
                    element.insert(name, wanted);
                    if let Some(v) = normalize_single(sub, value_or_null)? {
                        element.insert(sub.name.into(), v);
                    }
                    let element = normalize_single(attribute, &Value::Object(element))?;
                    list.extend(element);
                }
                (Op::Add | Op::Replace, None) => {
                    if !any_selected {
                        return Err(ScimError::NoTarget(format!(
                            "the filter on {key} matches no value"
                        )));
                    }
                    let Some(Value::Object(new)) = normalize_single(attribute, value_or_null)?
                    else {
                        return Err(wrong_type(key, "an object"));
                    };
                    for element in list.iter_mut().filter(|e| selected(e)) {
                        if let Value::Object(fields) = element {
                            fields.extend(new.clone());
                        }
                    }
                }
            }
            // An email (phone number, …) whose value was taken out is gone, not a husk.
            let has_value = schema::find(attribute.sub_attributes, "value").is_some();
            list.retain(|element| {
                element.as_object().is_none_or(|fields| {
                    !fields.is_empty() && (!has_value || fields.contains_key("value"))
                })
            });
            one_primary(&mut list);
            if !list.is_empty() {
                container.insert(key.into(), Value::Array(list));
            }
        }
    }
    Ok(())
}

/// `name eq "value"`, as (canonical sub-attribute name, value).
fn equality(filter: &Filter) -> Option<(String, Value)> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.sub.is_none() && path.filter.is_none() => {
            Some((path.name.clone(), value.clone()))
        }
        _ => None,
    }
}

/// Two values of a multi-valued attribute are the same when their `value`s are (or, without
/// one, when they are equal).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(Value::String(x)), Some(Value::String(y))) => x.eq_ignore_ascii_case(y),
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// At most one value is `primary` (RFC 7643 §2.4): the one set last wins.
fn one_primary(list: &mut [Value]) {
    let mut seen = false;
    for element in list.iter_mut().rev() {
        if let Value::Object(fields) = element {
            if fields.get("primary") == Some(&Value::Bool(true)) {
                if seen {
                    fields.remove("primary");
                }
                seen = true;
            }
        }
    }
}

fn member_change(op: Op, target: &Target, value: Option<&Value>) -> ScimResult<MemberChange> {
    if target.sub.is_some() {
        return Err(ScimError::InvalidPath(
            "members are changed as a whole: add or remove them by value".into(),
        ));
    }
    if let Some(filter) = &target.filter {
        if op != Op::Remove {
            return Err(ScimError::InvalidPath(
                "a filtered members path is for remove only".into(),
            ));
        }
        let mut ids = Vec::new();
        member_ids_of(filter, &mut ids)?;
        return Ok(MemberChange::Remove(ids));
    }
    let ids = || -> ScimResult<Vec<String>> {
        let list: Vec<&Value> = match value {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(single @ Value::Object(_)) => vec![single],
            _ => return Err(wrong_type("members", "a list of {\"value\": id}")),
        };
        list.into_iter()
            .map(|member| {
                member
                    .as_object()
                    .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")))
                    .and_then(|(_, v)| v.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| wrong_type("members", "a list of {\"value\": id}"))
            })
            .collect()
    };
    Ok(match op {
        Op::Add => MemberChange::Add(ids()?),
        Op::Replace => MemberChange::ReplaceAll(ids()?),
        Op::Remove => match value {
            Some(_) => MemberChange::Remove(ids()?),
            None => MemberChange::RemoveAll,
        },
    })
}

/// The ids a `members[value eq "a" or value eq "b"]` filter names.
fn member_ids_of(filter: &Filter, ids: &mut Vec<String>) -> ScimResult<()> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: Value::String(id),
        } if path.name.eq_ignore_ascii_case("value") && path.sub.is_none() => {
            ids.push(id.clone());
            Ok(())
        }
        Filter::Or(a, b) => {
            member_ids_of(a, ids)?;
            member_ids_of(b, ids)
        }
        _ => Err(ScimError::InvalidPath(
            "a members filter names members by `value eq \"id\"`".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ops(body: Value) -> Vec<Operation> {
        parse_operations(&body).unwrap()
    }

    fn user() -> Map<String, Value> {
        json!({
            "userName": "ada@example.com", "active": true,
            "emails": [{ "value": "ada@example.com", "type": "work", "primary": true }],
            "name": { "givenName": "Ada", "familyName": "Lovelace" },
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn entra_disables_with_a_string_and_replaces_without_a_path() {
        let mut doc = user();
        apply_to_user(
            &mut doc,
            "u1",
            &ops(json!({
                "schemas": [schema::PATCH_OP_URN],
                "Operations": [
                    { "op": "Replace", "path": "active", "value": "False" },
                    { "op": "Replace", "value": {
                        "displayName": "Ada L.", "name.givenName": "Augusta",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Maths",
                    }},
                    { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "augusta@example.com" },
                    { "op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555" },
                ],
            })),
        )
        .unwrap();
        assert_eq!(doc["active"], false);
        assert_eq!(doc["displayName"], "Ada L.");
        assert_eq!(
            doc["name"],
            json!({ "givenName": "Augusta", "familyName": "Lovelace" })
        );
        assert_eq!(doc[schema::ENTERPRISE_USER_URN]["department"], "Maths");
        assert_eq!(doc["emails"][0]["value"], "augusta@example.com");
        assert_eq!(
            doc["phoneNumbers"],
            json!([{ "type": "mobile", "value": "+1 555" }])
        );
    }

    #[test]
    fn multi_valued_edge_cases() {
        let mut doc = user();
        let apply = |doc: &mut Map<String, Value>, op: Value| {
            apply_to_user(doc, "u1", &ops(json!({ "Operations": [op] }))).unwrap();
        };
        apply(
            &mut doc,
            json!({ "op": "add", "path": "emails", "value": [{ "value": "ADA@example.com", "type": "home" }, { "value": "b@example.com", "primary": true }] }),
        );
        assert_eq!(
            doc["emails"].as_array().unwrap().len(),
            2,
            "the same address in another case is no second value"
        );
        assert_eq!(
            doc["emails"][0].get("primary"),
            None,
            "one primary: the one set last"
        );
        assert_eq!(doc["emails"][1]["primary"], true);
        apply(
            &mut doc,
            json!({ "op": "remove", "path": "emails", "value": { "value": "b@example.com" } }),
        );
        assert_eq!(
            doc["emails"].as_array().unwrap().len(),
            1,
            "one object removes that value alone"
        );
        apply(
            &mut doc,
            json!({ "op": "remove", "path": "emails[type eq \"work\"].value" }),
        );
        assert!(
            doc.get("emails").is_none(),
            "no husk without a value is left"
        );
    }

    #[test]
    fn okta_deactivates_without_a_path() {
        let mut doc = user();
        apply_to_user(
            &mut doc,
            "u1",
            &ops(json!({ "schemas": [schema::PATCH_OP_URN], "Operations": [{ "op": "replace", "value": { "active": false } }] })),
        )
        .unwrap();
        assert_eq!(doc["active"], false);
    }

    #[test]
    fn read_only_and_unknown_paths_are_refused() {
        let mut doc = user();
        for (path, kind) in [
            ("id", "mutability"),
            ("groups", "mutability"),
            ("meta", "mutability"),
            ("shoeSize", "invalidPath"),
            ("name.nickname", "invalidPath"),
        ] {
            let result = apply_to_user(
                &mut doc,
                "u1",
                &ops(json!({ "Operations": [{ "op": "replace", "path": path, "value": "x" }] })),
            );
            match (kind, result) {
                ("mutability", Err(ScimError::Mutability(_)))
                | ("invalidPath", Err(ScimError::InvalidPath(_))) => {}
                (_, other) => panic!("{path}: {other:?}"),
            }
        }
        assert_eq!(doc, user());
        assert!(parse_operations(&json!({ "Operations": [{ "op": "remove" }] })).is_err());
        assert!(
            parse_operations(&json!({ "Operations": [{ "op": "move", "path": "x" }] })).is_err()
        );
        assert!(parse_operations(&json!({ "Operations": [] })).is_err());
    }

    #[test]
    fn group_member_changes() {
        let mut doc = json!({ "displayName": "Sales" })
            .as_object()
            .unwrap()
            .clone();
        let changes = apply_to_group(
            &mut doc,
            "g1",
            &ops(json!({ "Operations": [
                { "op": "Add", "path": "members", "value": [{ "value": "a" }, { "value": "b" }] },
                { "op": "Remove", "path": "members", "value": [{ "value": "b" }] },
                { "op": "remove", "path": "members[value eq \"a\"]" },
                { "op": "replace", "value": { "id": "g1", "displayName": "Sales EMEA" } },
                { "op": "replace", "path": "members", "value": [{ "value": "c" }] },
                { "op": "remove", "path": "members" },
            ]})),
        )
        .unwrap();
        assert_eq!(
            changes,
            vec![
                MemberChange::Add(vec!["a".into(), "b".into()]),
                MemberChange::Remove(vec!["b".into()]),
                MemberChange::Remove(vec!["a".into()]),
                MemberChange::ReplaceAll(vec!["c".into()]),
                MemberChange::RemoveAll,
            ]
        );
        assert_eq!(doc["displayName"], "Sales EMEA");
        let other_id = apply_to_group(
            &mut doc,
            "g1",
            &ops(json!({ "Operations": [{ "op": "replace", "value": { "id": "g2" } }] })),
        );
        assert!(matches!(other_id, Err(ScimError::Mutability(_))));
    }
}
