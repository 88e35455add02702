//! Answers shared by many objects of one response.
//!
//! Settings are inherited, so the 1,000 branches below one regional office have the same
//! effective values, folded once (`ChainIndex` memoizes them per holder). Their
//! `effectiveSettings` lists, and the `EffectiveSetting` objects in them, are then equal
//! field for field: the first is resolved as usual and the others copy its answer, instead
//! of running the executor again for each of their fields (some twenty a branch: most of a
//! 1,000-branch response).
//!
//! The caller decides what may be shared: only a selection whose answer is made of the
//! shared value alone (nothing that could fail, or differ, from one object to the next).
//!
//! A kept answer is JSON text, serialized once when kept. The executor carries it as a
//! [`Value::Binary`] (a reference-counted buffer, which no field of the schema produces
//! otherwise), and [`write_json`] splices it into the response as it is. Copying the
//! executor's values instead cloned, serialized and freed the same few hundred bytes once
//! per branch: a third of a 1,000-branch request. So a response executed with
//! [`SharedAnswers`] in its data must be written with [`write_json`].
//!
//! Fields that share a response key in one selection set (`a { x } a { y }`, often from two
//! fragments) are answered each on its own and merged by async-graphql walking the answers,
//! which opaque JSON text would not survive: those fields are never shared
//! ([`SharedAnswers::may_share`]).

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use async_graphql::parser::types::{Field, FragmentDefinition, Selection, SelectionSet};
use async_graphql::{Name, Positioned, QueryEnv, ServerResult, Value};
use bytes::Bytes;
use serde::Serialize;

/// One request's shared answers, by field of the document and shared value.
#[derive(Default)]
pub struct SharedAnswers {
    answers: Mutex<HashMap<Key, Answer>>,
    /// The fields of the document that may not be shared, found on first use.
    merged: OnceLock<MergedFields>,
}

/// (field of the document, shared value, the part of the shared value the answer is of).
type Key = (usize, usize, usize);

struct Answer {
    /// Held so that its address, part of the key, is not reused while the entry lives.
    _shared: Arc<dyn Any + Send + Sync>,
    /// The answer's JSON text.
    json: Bytes,
}

/// What an answer is made of: an `Arc`'d value, or a part of one that lives as long as it
/// (`part` is its address, or 0 for the whole).
pub struct SharedValue<'a, T> {
    pub shared: &'a Arc<T>,
    pub part: usize,
}

impl<'a, T: Any + Send + Sync> SharedValue<'a, T> {
    pub fn whole(shared: &'a Arc<T>) -> Self {
        Self { shared, part: 0 }
    }

    fn key(&self, field: &Positioned<Field>) -> Key {
        (
            std::ptr::from_ref(field).addr(),
            Arc::as_ptr(self.shared).addr(),
            self.part,
        )
    }
}

impl SharedAnswers {
    /// Whether answers to `field` may be shared: not when async-graphql merges it with
    /// another field of the same response key (see the module's documentation).
    pub fn may_share(&self, document: &QueryEnv, field: &Positioned<Field>) -> bool {
        let merged = self.merged.get_or_init(|| MergedFields::of(document));
        !merged.all && !merged.fields.contains(&std::ptr::from_ref(field).addr())
    }

    /// The answer of `field` for an object made of `made_of`, if one was already given.
    pub fn given<T: Any + Send + Sync>(
        &self,
        field: &Positioned<Field>,
        made_of: &SharedValue<'_, T>,
    ) -> Option<Value> {
        self.lock()
            .get(&made_of.key(field))
            .map(|answer| Value::Binary(answer.json.clone()))
    }

    /// Keeps `value` as the answer of `field` for objects made of `made_of`, and returns
    /// what to answer with: the kept JSON text.
    pub fn keep<T: Any + Send + Sync>(
        &self,
        field: &Positioned<Field>,
        made_of: &SharedValue<'_, T>,
        value: Value,
    ) -> Value {
        let json = match write_json(&value) {
            Ok(json) => Bytes::from(json),
            Err(error) => {
                // Not expected (the executor's values are valid JSON): answer unshared.
                tracing::warn!(%error, "a shared answer could not be serialized");
                return value;
            }
        };
        let answer = Answer {
            _shared: made_of.shared.clone(),
            json: json.clone(),
        };
        self.lock().insert(made_of.key(field), answer);
        Value::Binary(json)
    }

    /// The answer of `field` for an object made of `made_of`: copied when an object made of
    /// the same value already answered this field of the document, else `resolve`d.
    pub async fn answer<T, F>(
        &self,
        field: &Positioned<Field>,
        made_of: SharedValue<'_, T>,
        resolve: impl FnOnce() -> F,
    ) -> ServerResult<Value>
    where
        T: Any + Send + Sync,
        F: Future<Output = ServerResult<Value>>,
    {
        if let Some(value) = self.given(field, &made_of) {
            return Ok(value);
        }
        let value = resolve().await?;
        Ok(self.keep(field, &made_of, value))
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Answer>> {
        self.answers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The fields (by address) that share their response key with another field of their
/// selection set, fragments expanded. A field inside a fragment counts as merged if it is
/// anywhere it is spread; type conditions and `@skip`/`@include` are not evaluated (a field
/// they would leave out only loses sharing).
#[derive(Default)]
struct MergedFields {
    fields: HashSet<usize>,
    /// Fragments nested deeper than [`MergedFields::MAX_NESTING`]: nothing is shared.
    all: bool,
}

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

impl MergedFields {
    /// Deeper than any fragment nesting a client writes; validation has refused cycles.
    const MAX_NESTING: usize = 64;

    fn of(document: &QueryEnv) -> Self {
        let mut merged = Self::default();
        let mut visited: HashSet<usize> = HashSet::new();
        let mut pending = vec![&document.operation.node.selection_set.node];
        while let Some(set) = pending.pop() {
            if !visited.insert(std::ptr::from_ref(set).addr()) {
                continue;
            }
            let mut by_key: HashMap<&str, Vec<&Positioned<Field>>> = HashMap::new();
            merged.collect(set, &document.fragments, &mut by_key, 0);
            for fields in by_key.into_values() {
                if fields.len() > 1 {
                    let addresses = fields.iter().map(|f| std::ptr::from_ref(*f).addr());
                    merged.fields.extend(addresses);
                }
                pending.extend(fields.iter().map(|f| &f.node.selection_set.node));
            }
        }
        merged
    }

    /// Groups the fields of `set`, through its fragments, by response key.
    fn collect<'a>(
        &mut self,
        set: &'a SelectionSet,
        fragments: &'a Fragments,
        by_key: &mut HashMap<&'a str, Vec<&'a Positioned<Field>>>,
        nesting: usize,
    ) {
        if nesting > Self::MAX_NESTING {
            self.all = true;
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.as_str();
                    by_key.entry(key).or_default().push(field);
                }
                Selection::InlineFragment(inline) => {
                    self.collect(
                        &inline.node.selection_set.node,
                        fragments,
                        by_key,
                        nesting + 1,
                    );
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = fragments.get(&spread.node.fragment_name.node) {
                        let set = &fragment.node.selection_set.node;
                        self.collect(set, fragments, by_key, nesting + 1);
                    }
                }
            }
        }
    }
}

/// Serializes a response (or anything holding the executor's values) to JSON, writing the
/// answers kept by [`SharedAnswers`] as the JSON text they are.
pub fn write_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut json = Vec::with_capacity(256);
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut json,
        SplicingFormatter,
    ))?;
    Ok(json)
}

/// serde_json's compact output, except that bytes (the executor's `Binary` values: kept
/// answers, see the module's documentation) are written as the JSON text they hold.
struct SplicingFormatter;

impl serde_json::ser::Formatter for SplicingFormatter {
    fn write_byte_array<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        json: &[u8],
    ) -> io::Result<()> {
        writer.write_all(json)
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Name, Number};

    use super::*;

    fn object(fields: Vec<(&str, Value)>) -> Value {
        Value::Object(
            fields
                .into_iter()
                .map(|(name, value)| (Name::new(name), value))
                .collect(),
        )
    }

    /// Two items, with a string that needs escaping.
    fn settings() -> Value {
        let item = object(vec![
            ("key", Value::String("x-note \"a\"\n".to_owned())),
            ("value", Value::Number(Number::from(15))),
            ("sources", Value::List(vec![Value::Null])),
        ]);
        Value::List(vec![item.clone(), item])
    }

    fn kept(value: &Value) -> Value {
        Value::Binary(Bytes::from(write_json(value).unwrap()))
    }

    #[test]
    fn kept_answers_are_written_as_the_values_they_were_made_of() {
        let branches = |settings: Value| {
            Value::List(vec![
                object(vec![
                    ("name", Value::String("Lyon".into())),
                    ("s", settings.clone()),
                ]),
                object(vec![
                    ("name", Value::String("Nice".into())),
                    ("s", settings),
                ]),
            ])
        };
        let plain = serde_json::to_string(&branches(settings())).unwrap();
        let spliced = write_json(&branches(kept(&settings()))).unwrap();
        assert_eq!(String::from_utf8(spliced).unwrap(), plain);
        // A list kept with kept items in it.
        let items = |item: Value| Value::List(vec![item.clone(), item]);
        let nested = kept(&items(kept(&settings())));
        assert_eq!(
            String::from_utf8(write_json(&branches(nested)).unwrap()).unwrap(),
            serde_json::to_string(&branches(items(settings()))).unwrap()
        );
    }
}
