//! Resources in and out: a request body checked against its schema and normalized
//! (canonical attribute names, booleans as booleans, read-only attributes dropped), and the
//! stored attributes rendered back with `attributes`/`excludedAttributes` applied.

use serde_json::{Map, Value};

use super::error::{ScimError, ScimResult};
use super::schema::{self, Attribute, Kind, Mutability, ResourceSchemas};

/// The longest value of any string attribute: providers send names and emails, never essays.
pub const MAX_STRING_CHARS: usize = 2_048;
/// The most values of a multi-valued attribute of a user (emails, phone numbers, …).
pub const MAX_VALUES: usize = 100;

/// The attributes of a POST or PUT body, normalized, ready to be stored. Read-only
/// attributes (`id`, `meta`, `groups`) are ignored, as RFC 7644 §3.5.1 says; `password` is
/// accepted and dropped (people sign in through their identity provider); an attribute the
/// schema doesn't know is `invalidSyntax`.
pub fn normalize(resource: ResourceSchemas, body: &Value) -> ScimResult<Map<String, Value>> {
    let Value::Object(fields) = body else {
        return Err(ScimError::InvalidSyntax(
            "the body must be a JSON object".into(),
        ));
    };
    let mut out = Map::new();
    for (key, value) in fields {
        if key.eq_ignore_ascii_case("schemas") {
            check_schemas(value)?;
        } else if key.eq_ignore_ascii_case("id") || key.eq_ignore_ascii_case("meta") {
            continue;
        } else if key.eq_ignore_ascii_case("externalId") {
            match value {
                Value::Null => {}
                Value::String(text) => {
                    out.insert(
                        "externalId".into(),
                        Value::String(bounded("externalId", text)?),
                    );
                }
                _ => return Err(wrong_type("externalId", "a string")),
            }
        } else if let Some(extension) = resource.extension(key) {
            match value {
                Value::Null => {}
                Value::Object(inner) => {
                    let mut normalized = Map::new();
                    for (name, value) in inner {
                        let attribute = schema::find(extension.attributes, name)
                            .ok_or_else(|| unknown(&format!("{}:{name}", extension.id)))?;
                        if let Some(value) = normalize_attribute(attribute, value)? {
                            normalized.insert(attribute.name.into(), value);
                        }
                    }
                    if !normalized.is_empty() {
                        out.insert(extension.id.into(), Value::Object(normalized));
                    }
                }
                _ => return Err(wrong_type(extension.id, "an object")),
            }
        } else {
            let attribute =
                schema::find(resource.core.attributes, key).ok_or_else(|| unknown(key))?;
            if let Some(value) = normalize_attribute(attribute, value)? {
                out.insert(attribute.name.into(), value);
            }
        }
    }
    check_required(resource, &out)?;
    Ok(out)
}

fn check_schemas(value: &Value) -> ScimResult<()> {
    let Value::Array(urns) = value else {
        return Err(wrong_type("schemas", "a list of schema URNs"));
    };
    // A URN this service doesn't know is passed over (Entra ID lists a schema of its own on
    // groups); attributes under an unknown URN are still refused.
    if urns.iter().all(Value::is_string) {
        Ok(())
    } else {
        Err(wrong_type("schemas", "a list of schema URNs"))
    }
}

/// Every required attribute is present (`userName`, a group's `displayName`).
pub fn check_required(
    resource: ResourceSchemas,
    attributes: &Map<String, Value>,
) -> ScimResult<()> {
    for attribute in resource.core.attributes.iter().filter(|a| a.required) {
        match attributes.get(attribute.name) {
            Some(Value::String(text)) if !text.trim().is_empty() => {}
            _ => {
                return Err(ScimError::InvalidValue(format!(
                    "{} is required and must not be empty",
                    attribute.name
                )))
            }
        }
    }
    Ok(())
}

/// One attribute's value, normalized; `None` when it is unassigned (null, or dropped).
pub fn normalize_attribute(attribute: &Attribute, value: &Value) -> ScimResult<Option<Value>> {
    match attribute.mutability {
        Mutability::ReadOnly => return Ok(None),
        Mutability::WriteOnly => {
            return match value {
                Value::Null | Value::String(_) => Ok(None),
                _ => Err(wrong_type(attribute.name, "a string")),
            }
        }
        _ => {}
    }
    if value.is_null() {
        return Ok(None);
    }
    if attribute.multi_valued {
        let values: Vec<&Value> = match value {
            Value::Array(values) => values.iter().collect(),
            // A single value where a list belongs: taken as a list of one.
            other => vec![other],
        };
        if values.len() > MAX_VALUES {
            return Err(ScimError::InvalidValue(format!(
                "{} holds at most {MAX_VALUES} values",
                attribute.name
            )));
        }
        let mut out = Vec::with_capacity(values.len());
        for value in values {
            if let Some(value) = normalize_single(attribute, value)? {
                out.push(value);
            }
        }
        return Ok(Some(Value::Array(out)));
    }
    normalize_single(attribute, value)
}

/// A single value (one element of a multi-valued attribute, or the attribute itself).
pub fn normalize_single(attribute: &Attribute, value: &Value) -> ScimResult<Option<Value>> {
    match attribute.kind {
        Kind::Complex => {
            let fields = match value {
                Value::Object(fields) => fields.clone(),
                // An id where `{"value": id}` belongs (Entra ID sends a manager that way).
                Value::String(id) if schema::find(attribute.sub_attributes, "value").is_some() => {
                    Map::from_iter([("value".to_owned(), Value::String(id.clone()))])
                }
                _ => return Err(wrong_type(attribute.name, "an object")),
            };
            let mut out = Map::new();
            for (name, value) in &fields {
                let sub = schema::find(attribute.sub_attributes, name)
                    .ok_or_else(|| unknown(&format!("{}.{name}", attribute.name)))?;
                if sub.mutability == Mutability::ReadOnly || value.is_null() {
                    continue;
                }
                if let Some(value) = normalize_single(sub, value)? {
                    out.insert(sub.name.into(), value);
                }
            }
            Ok((!out.is_empty()).then_some(Value::Object(out)))
        }
        Kind::Boolean => boolean(value)
            .map(|b| Some(Value::Bool(b)))
            .ok_or_else(|| wrong_type(attribute.name, "a boolean")),
        Kind::String | Kind::Reference | Kind::DateTime | Kind::Binary => match value {
            Value::String(text) => Ok(Some(Value::String(bounded(attribute.name, text)?))),
            Value::Null => Ok(None),
            _ => Err(wrong_type(attribute.name, "a string")),
        },
    }
}

/// A boolean, or the strings "True"/"False" in any case (what Entra ID sends for `active`).
pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn bounded(name: &str, text: &str) -> ScimResult<String> {
    if text.chars().count() > MAX_STRING_CHARS {
        return Err(ScimError::InvalidValue(format!(
            "{name} is at most {MAX_STRING_CHARS} characters"
        )));
    }
    Ok(text.to_owned())
}

pub(super) fn wrong_type(name: &str, expected: &str) -> ScimError {
    ScimError::InvalidValue(format!("{name} must be {expected}"))
}

pub(super) fn unknown(name: &str) -> ScimError {
    ScimError::InvalidSyntax(format!(
        "`{}` is not an attribute of this resource's schemas",
        clip(name)
    ))
}

pub(super) fn clip(text: &str) -> String {
    text.chars().take(120).collect()
}

/// What a response holds: `attributes` (only these, plus `id` and `schemas`) or
/// `excludedAttributes` (all but these), as RFC 7644 §3.4.2.5 says.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    only: Vec<Vec<String>>,
    excluded: Vec<Vec<String>>,
}

impl Projection {
    /// From the query's comma-separated lists of attribute paths (maybe URN-qualified).
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> Self {
        let split = |list: Option<&str>| -> Vec<Vec<String>> {
            list.unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|path| !path.is_empty())
                .map(path_segments)
                .collect()
        };
        Self {
            only: split(attributes),
            excluded: split(excluded),
        }
    }

    /// Whether the response leaves out `name` (a top-level attribute): so that a group's
    /// members need not even be read when `excludedAttributes=members`.
    pub fn excludes(&self, name: &str) -> bool {
        let named = |paths: &[Vec<String>]| {
            paths
                .iter()
                .any(|p| p.len() == 1 && p[0].eq_ignore_ascii_case(name))
        };
        named(&self.excluded)
            || (!self.only.is_empty()
                && !self.only.iter().any(|p| {
                    p.first()
                        .is_some_and(|first| first.eq_ignore_ascii_case(name))
                }))
    }

    pub fn apply(&self, resource: &mut Map<String, Value>) {
        if !self.only.is_empty() {
            keep_only(resource, &self.only);
        }
        for path in &self.excluded {
            remove_path(resource, path);
        }
    }
}

/// `urn:…:User:name.givenName` → [`urn:…:User`, `name`, `givenName`]; core attributes lose
/// their core URN.
fn path_segments(path: &str) -> Vec<String> {
    let (urn, rest) = if path.len() > 4 && path[..4].eq_ignore_ascii_case("urn:") {
        match path.rfind(':') {
            Some(colon) => (Some(&path[..colon]), &path[colon + 1..]),
            None => (None, path),
        }
    } else {
        (None, path)
    };
    let mut segments = Vec::new();
    if let Some(urn) = urn {
        let core = urn.eq_ignore_ascii_case(schema::USER_URN)
            || urn.eq_ignore_ascii_case(schema::GROUP_URN);
        if !core {
            segments.push(urn.to_owned());
        }
    }
    segments.extend(rest.split('.').filter(|s| !s.is_empty()).map(str::to_owned));
    // `attributes=urn:…:enterprise:2.0:User` names the whole extension: its URN's last
    // segment ("User") is then not an attribute.
    if let Some(urn) = urn {
        let whole = format!("{urn}:{rest}");
        if schema::USER_RESOURCE.extension(&whole).is_some() {
            return vec![whole];
        }
    }
    segments
}

fn key_of<'a>(resource: &'a Map<String, Value>, name: &str) -> Option<&'a String> {
    resource.keys().find(|key| key.eq_ignore_ascii_case(name))
}

fn keep_only(resource: &mut Map<String, Value>, paths: &[Vec<String>]) {
    let keys: Vec<String> = resource.keys().cloned().collect();
    for key in keys {
        if key == "id" || key == "schemas" {
            continue;
        }
        let wanted: Vec<&[String]> = paths
            .iter()
            .filter(|p| {
                p.first()
                    .is_some_and(|first| first.eq_ignore_ascii_case(&key))
            })
            .map(|p| &p[1..])
            .collect();
        if wanted.is_empty() {
            resource.remove(&key);
        } else if wanted.iter().all(|rest| !rest.is_empty()) {
            let deeper: Vec<Vec<String>> = wanted.iter().map(|rest| rest.to_vec()).collect();
            match resource.get_mut(&key) {
                Some(Value::Object(inner)) => keep_only(inner, &deeper),
                Some(Value::Array(values)) => {
                    for value in values.iter_mut() {
                        if let Value::Object(inner) = value {
                            keep_only(inner, &deeper);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn remove_path(resource: &mut Map<String, Value>, path: &[String]) {
    let Some(first) = path.first() else {
        return;
    };
    let Some(key) = key_of(resource, first).cloned() else {
        return;
    };
    if key == "id" || key == "schemas" {
        return;
    }
    if path.len() == 1 {
        resource.remove(&key);
        return;
    }
    match resource.get_mut(&key) {
        Some(Value::Object(inner)) => remove_path(inner, &path[1..]),
        Some(Value::Array(values)) => {
            for value in values.iter_mut() {
                if let Value::Object(inner) = value {
                    remove_path(inner, &path[1..]);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_provider_body_is_normalized() {
        let body = json!({
            "schemas": [schema::USER_URN, schema::ENTERPRISE_USER_URN],
            "id": "ignored", "meta": { "resourceType": "User" },
            "UserName": "Ada@Example.com",
            "active": "False",
            "emails": [{ "Value": "ada@example.com", "type": "work", "primary": "true" }],
            "name": { "givenName": "Ada", "familyName": "Lovelace" },
            "password": "secret", "groups": [],
            schema::ENTERPRISE_USER_URN: { "department": "R&D", "manager": { "value": "m1" } },
        });
        let out = normalize(schema::USER_RESOURCE, &body).unwrap();
        assert_eq!(out["userName"], "Ada@Example.com");
        assert_eq!(out["active"], false);
        assert_eq!(out["emails"][0]["value"], "ada@example.com");
        assert_eq!(out["emails"][0]["primary"], true);
        assert_eq!(out[schema::ENTERPRISE_USER_URN]["department"], "R&D");
        assert!(
            !out.contains_key("password") && !out.contains_key("groups") && !out.contains_key("id")
        );
    }

    #[test]
    fn unknown_attributes_and_wrong_types_are_refused() {
        let unknown = json!({ "userName": "a@b.c", "favouriteColour": "green" });
        assert!(matches!(
            normalize(schema::USER_RESOURCE, &unknown),
            Err(ScimError::InvalidSyntax(_))
        ));
        let wrong = json!({ "userName": "a@b.c", "active": "maybe" });
        assert!(matches!(
            normalize(schema::USER_RESOURCE, &wrong),
            Err(ScimError::InvalidValue(_))
        ));
        let missing = json!({ "displayName": "No user name" });
        assert!(matches!(
            normalize(schema::USER_RESOURCE, &missing),
            Err(ScimError::InvalidValue(_))
        ));
        let foreign_schema = json!({ "schemas": ["urn:example:other"], "userName": "a@b.c", "urn:example:other": {} });
        assert!(normalize(schema::USER_RESOURCE, &foreign_schema).is_err());
    }

    #[test]
    fn projections() {
        let mut resource = json!({
            "id": "1", "schemas": [], "userName": "a", "displayName": "A",
            "name": { "givenName": "G", "familyName": "F" },
            schema::ENTERPRISE_USER_URN: { "department": "D", "costCenter": "C" },
        })
        .as_object()
        .unwrap()
        .clone();
        let mut only = resource.clone();
        Projection::parse(Some("userName,name.givenName"), None).apply(&mut only);
        assert_eq!(
            Value::Object(only),
            json!({ "id": "1", "schemas": [], "userName": "a", "name": { "givenName": "G" } })
        );
        let projection = Projection::parse(
            None,
            Some(
                "displayName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            ),
        );
        projection.apply(&mut resource);
        assert!(!resource.contains_key("displayName"));
        assert_eq!(
            resource[schema::ENTERPRISE_USER_URN],
            json!({ "costCenter": "C" })
        );
        assert!(Projection::parse(None, Some("members")).excludes("members"));
        assert!(Projection::parse(Some("displayName"), None).excludes("members"));
        assert!(!Projection::parse(None, None).excludes("members"));
    }
}
