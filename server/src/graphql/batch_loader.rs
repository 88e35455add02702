//! The request's loaders: every key a level of resolvers asks for, loaded in one call.
//!
//! A [`BatchLoader`] gathers keys into an open batch; the batch runs once the request can make
//! no other progress (it is queued with [`super::batches::spawn`]), and every caller then
//! reads its values from the one map the load returned.
//!
//! Written here instead of using async-graphql's `DataLoader`, which gives each caller a
//! channel and a map of its own, and hashes each key some six times on the way: about a
//! tenth of a 1,000-organization request went there. No cache either: each level's batch is
//! one load whatever other levels asked, so a query's cost depends on its shape alone. (The
//! one thing kept across levels is explicit: the settings chains a `children` page brings
//! for its children, `loaders::PrefetchedChains`.)

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use futures_util::FutureExt;

/// Loads the values of many keys at once (those it finds; a key without a value is left out).
pub trait BatchLoad: Send + Sync + 'static {
    type Key: Hash + Eq + Clone + Send + Sync + 'static;
    type Value: Clone + Send + Sync + 'static;

    fn load(
        &self,
        keys: &[Self::Key],
    ) -> impl Future<Output = LoadResult<Self::Key, Self::Value>> + Send;
}

pub type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

/// One loader of one request (see the module's documentation).
pub struct BatchLoader<L: BatchLoad> {
    loader: Arc<L>,
    /// The batch new keys join, until it starts loading.
    open: Mutex<Option<BatchOf<L>>>,
}

type BatchOf<L> = Arc<Batch<<L as BatchLoad>::Key, <L as BatchLoad>::Value>>;

struct Batch<K, V> {
    /// The keys asked for; taken (`None`) when the batch starts loading, which closes it.
    keys: Mutex<Option<HashSet<K>>>,
    outcome: Mutex<Outcome<K, V>>,
}

struct Outcome<K, V> {
    loaded: Option<LoadResult<K, V>>,
    /// The callers waiting for `loaded`.
    waiting: Vec<Waker>,
}

impl<L: BatchLoad> BatchLoader<L> {
    pub fn new(loader: L) -> Self {
        Self {
            loader: Arc::new(loader),
            open: Mutex::new(None),
        }
    }

    /// The value of `key`, if there is one.
    pub async fn load_one(&self, key: L::Key) -> Result<Option<L::Value>, async_graphql::Error> {
        let batch = self.join(std::iter::once(key.clone()));
        Loaded::of(&batch).await;
        let outcome = lock(&batch.outcome);
        match &outcome.loaded {
            Some(Ok(values)) => Ok(values.get(&key).cloned()),
            Some(Err(error)) => Err(error.clone()),
            None => Err(unfinished()),
        }
    }

    /// The values of those of `keys` that have one.
    pub async fn load_many(
        &self,
        keys: impl IntoIterator<Item = L::Key>,
    ) -> LoadResult<L::Key, L::Value> {
        let keys: Vec<L::Key> = keys.into_iter().collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let batch = self.join(keys.iter().cloned());
        Loaded::of(&batch).await;
        let outcome = lock(&batch.outcome);
        match &outcome.loaded {
            Some(Ok(values)) => Ok(keys
                .into_iter()
                .filter_map(|key| values.get(&key).cloned().map(|value| (key, value)))
                .collect()),
            Some(Err(error)) => Err(error.clone()),
            None => Err(unfinished()),
        }
    }

    /// Adds `keys` to the open batch (opening one, and queueing its load, if there is none)
    /// and returns that batch.
    fn join(&self, keys: impl Iterator<Item = L::Key>) -> BatchOf<L> {
        let mut open = lock(&self.open);
        if let Some(batch) = open.as_ref() {
            if let Some(gathered) = lock(&batch.keys).as_mut() {
                gathered.extend(keys);
                return batch.clone();
            }
        }
        let batch = Arc::new(Batch {
            keys: Mutex::new(Some(keys.collect())),
            outcome: Mutex::new(Outcome {
                loaded: None,
                waiting: Vec::new(),
            }),
        });
        *open = Some(batch.clone());
        super::batches::spawn(Self::run(self.loader.clone(), batch.clone()).boxed());
        batch
    }

    /// Closes the batch, loads its keys and wakes its callers.
    async fn run(loader: Arc<L>, batch: BatchOf<L>) {
        let keys: Vec<L::Key> = lock(&batch.keys)
            .take()
            .map(|keys| keys.into_iter().collect())
            .unwrap_or_default();
        let loaded = loader.load(&keys).await;
        let waiting = {
            let mut outcome = lock(&batch.outcome);
            outcome.loaded = Some(loaded);
            std::mem::take(&mut outcome.waiting)
        };
        for waker in waiting {
            waker.wake();
        }
    }
}

/// Ready once the batch has loaded.
struct Loaded<'a, K, V> {
    batch: &'a Batch<K, V>,
    /// Where this caller's waker is in `waiting`, once registered.
    slot: Option<usize>,
}

impl<'a, K, V> Loaded<'a, K, V> {
    fn of(batch: &'a Batch<K, V>) -> Self {
        Self { batch, slot: None }
    }
}

impl<K, V> Future for Loaded<'_, K, V> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut outcome = lock(&this.batch.outcome);
        if outcome.loaded.is_some() {
            return Poll::Ready(());
        }
        match this.slot {
            Some(slot) => {
                if let Some(waker) = outcome.waiting.get_mut(slot) {
                    waker.clone_from(cx.waker());
                }
            }
            None => {
                this.slot = Some(outcome.waiting.len());
                outcome.waiting.push(cx.waker().clone());
            }
        }
        Poll::Pending
    }
}

/// Not expected: a caller is woken only after its batch has loaded.
fn unfinished() -> async_graphql::Error {
    async_graphql::Error::new("internal error: a batch was read before it loaded")
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::graphql::batches::drive;

    /// Doubles its keys, except 13 (no value); fails on 666. Counts loads and keys.
    #[derive(Default)]
    struct Doubling {
        loads: AtomicUsize,
        keys: AtomicUsize,
    }

    impl BatchLoad for Arc<Doubling> {
        type Key = u32;
        type Value = u32;

        async fn load(&self, keys: &[u32]) -> LoadResult<u32, u32> {
            self.loads.fetch_add(1, Ordering::SeqCst);
            self.keys.fetch_add(keys.len(), Ordering::SeqCst);
            tokio::task::yield_now().await;
            if keys.contains(&666) {
                return Err(async_graphql::Error::new("the store failed"));
            }
            Ok(keys
                .iter()
                .filter(|k| **k != 13)
                .map(|k| (*k, k * 2))
                .collect())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn callers_of_a_level_share_one_load_of_their_distinct_keys() {
        let counts = Arc::new(Doubling::default());
        let loader = BatchLoader::new(counts.clone());
        let callers = (0..1000u32).map(|i| {
            let loader = &loader;
            async move { loader.load_one(i % 100).await }
        });
        let answers = drive(futures_util::future::join_all(callers)).await;
        assert_eq!(counts.loads.load(Ordering::SeqCst), 1);
        assert_eq!(counts.keys.load(Ordering::SeqCst), 100, "keys deduplicated");
        for (i, answer) in (0..1000u32).zip(answers) {
            let expected = (i % 100 != 13).then_some((i % 100) * 2);
            assert_eq!(answer.unwrap(), expected, "key {}", i % 100);
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn many_keys_answer_those_found_and_errors_reach_every_caller() {
        let loader = BatchLoader::new(Arc::new(Doubling::default()));
        let found = drive(loader.load_many([1, 13, 2, 1])).await.unwrap();
        assert_eq!(found, HashMap::from([(1, 2), (2, 4)]));
        assert!(drive(loader.load_many([])).await.unwrap().is_empty());

        let failing = drive(futures_util::future::join(
            loader.load_one(666),
            loader.load_many([3, 4]),
        ))
        .await;
        assert_eq!(failing.0.unwrap_err().message, "the store failed");
        assert_eq!(failing.1.unwrap_err().message, "the store failed");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn keys_asked_after_a_batch_started_go_to_the_next_one() {
        let counts = Arc::new(Doubling::default());
        let loader = BatchLoader::new(counts.clone());
        let chained = async {
            let first = loader.load_one(1).await.unwrap().unwrap();
            loader.load_one(first + 1).await.unwrap()
        };
        let (chained, beside) =
            drive(futures_util::future::join(chained, loader.load_one(5))).await;
        assert_eq!(chained, Some(6));
        assert_eq!(beside.unwrap(), Some(10));
        assert_eq!(counts.loads.load(Ordering::SeqCst), 2, "[1, 5], then [3]");
        assert_eq!(counts.keys.load(Ordering::SeqCst), 3);
    }
}
