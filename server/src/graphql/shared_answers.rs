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

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_graphql::parser::types::Field;
use async_graphql::{Positioned, ServerResult, Value};

/// One request's shared answers, by field of the document and shared value.
#[derive(Default)]
pub struct SharedAnswers {
    answers: Mutex<HashMap<Key, Answer>>,
}

/// (field of the document, shared value, the part of the shared value the answer is of).
type Key = (usize, usize, usize);

struct Answer {
    /// Held so that its address, part of the key, is not reused while the entry lives.
    _shared: Arc<dyn Any + Send + Sync>,
    value: Value,
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
    /// The answer of `field` for an object made of `made_of`, if one was already given.
    pub fn given<T: Any + Send + Sync>(
        &self,
        field: &Positioned<Field>,
        made_of: &SharedValue<'_, T>,
    ) -> Option<Value> {
        self.lock()
            .get(&made_of.key(field))
            .map(|answer| answer.value.clone())
    }

    /// Keeps `value` as the answer of `field` for objects made of `made_of`.
    pub fn keep<T: Any + Send + Sync>(
        &self,
        field: &Positioned<Field>,
        made_of: &SharedValue<'_, T>,
        value: &Value,
    ) {
        let answer = Answer {
            _shared: made_of.shared.clone(),
            value: value.clone(),
        };
        self.lock().insert(made_of.key(field), answer);
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
        self.keep(field, &made_of, &value);
        Ok(value)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Answer>> {
        self.answers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
