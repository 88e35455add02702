//! Answers shared by many objects of one response.
//!
//! Settings are inherited, so the 1,000 branches below one regional office have the same
//! effective values, folded once (`ChainIndex` memoizes them per holder). Their
//! `EffectiveSetting` objects in a response are then equal field for field: the first is
//! resolved as usual and the others copy its answer, instead of running the executor again
//! for each of their fields (some twenty a branch: most of a 1,000-branch response).
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
    answers: Mutex<HashMap<(usize, usize), Answer>>,
}

struct Answer {
    /// Held so that its address, half of the key, is not reused while the entry lives.
    _shared: Arc<dyn Any + Send + Sync>,
    value: Value,
}

impl SharedAnswers {
    /// The answer of `field` for an object made of `shared`: copied when an object made of
    /// the same `Arc` already answered this field of the document, else `resolve`d.
    pub async fn answer<T, F>(
        &self,
        field: &Positioned<Field>,
        shared: &Arc<T>,
        resolve: impl FnOnce() -> F,
    ) -> ServerResult<Value>
    where
        T: Any + Send + Sync,
        F: Future<Output = ServerResult<Value>>,
    {
        let key = (std::ptr::from_ref(field).addr(), Arc::as_ptr(shared).addr());
        if let Some(answer) = self.lock().get(&key) {
            return Ok(answer.value.clone());
        }
        let value = resolve().await?;
        let answer = Answer {
            _shared: shared.clone(),
            value: value.clone(),
        };
        self.lock().insert(key, answer);
        Ok(value)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(usize, usize), Answer>> {
        self.answers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
