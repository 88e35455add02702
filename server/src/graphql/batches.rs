//! When a request's loader batches run: once the request can make no other progress.
//!
//! [`drive`] runs a request's execution; while it polls it, the loaders' batches (see
//! `batch_loader`) are queued ([`spawn`]) instead of spawned on the runtime, and they start
//! only when the execution is idle: polled, pending, and not woken while it was polled. Every
//! resolver of a level has then asked for its keys, however many objects the level holds, so a
//! level costs one batch per loader — a count that depends on the query's shape alone.
//!
//! Spawning them would close batches too early: async-graphql resolves each object's fields in
//! a `FuturesUnordered`, which wakes its task and yields after polling its pending futures, so
//! a request task yields every couple of objects while it still has work, and a spawned batch
//! ran after some 120 of 1,000 `_entities` (one level cut into 9 statements).

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Wake, Waker};

use futures_util::future::BoxFuture;

type Queue = Arc<Mutex<Vec<BoxFuture<'static, ()>>>>;

thread_local! {
    /// The queue of the request being polled on this thread, if any.
    static CURRENT: RefCell<Option<Queue>> = const { RefCell::new(None) };
}

/// The loaders' spawner: queue the batch for the request being driven; outside [`drive`]
/// (no request being polled here), spawn it on the runtime.
pub fn spawn(batch: BoxFuture<'static, ()>) {
    let mut batch = Some(batch);
    CURRENT.with(|current| {
        if let Some(queue) = current.borrow().as_ref() {
            lock(queue).extend(batch.take());
        }
    });
    if let Some(batch) = batch {
        tokio::spawn(batch);
    }
}

/// Runs `work` (a request's execution), starting the batches it queued whenever it waits.
pub async fn drive<F: Future>(work: F) -> F::Output {
    let queue = Queue::default();
    let signal = Arc::new(Signal::default());
    let work_waker = Waker::from(signal.clone());
    let mut work = pin!(work);
    let mut running: Vec<BoxFuture<'static, ()>> = Vec::new();
    poll_fn(|cx| {
        *lock(&signal.task) = Some(cx.waker().clone());
        loop {
            // A finished batch hands its rows to the resolvers waiting for them.
            running.retain_mut(|batch| batch.as_mut().poll(cx).is_pending());
            signal.woken.store(false, Ordering::SeqCst);
            let polled = {
                let _current = Current::enter(&queue);
                work.as_mut()
                    .poll(&mut std::task::Context::from_waker(&work_waker))
            };
            if let Poll::Ready(output) = polled {
                return Poll::Ready(output);
            }
            if signal.woken.load(Ordering::SeqCst) {
                // Woken while polled: it goes on without the batches (the wake has already
                // rescheduled this task; meanwhile the runtime serves others).
                return Poll::Pending;
            }
            let closed = std::mem::take(&mut *lock(&queue));
            if closed.is_empty() {
                return Poll::Pending;
            }
            running.extend(closed);
        }
    })
    .await
}

/// Makes a queue the thread's current one for the duration of a poll.
struct Current(Option<Queue>);

impl Current {
    fn enter(queue: &Queue) -> Self {
        Self(CURRENT.with(|current| current.replace(Some(queue.clone()))))
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

/// The work's waker: notes that it was woken and wakes the request's task. Every waker the
/// work ever registered is this one, so any wake during a poll is seen.
#[derive(Default)]
struct Signal {
    woken: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        if let Some(task) = lock(&self.task).as_ref() {
            task.wake_by_ref();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::graphql::batch_loader::{BatchLoad, BatchLoader};

    struct Doubling(Arc<AtomicUsize>);

    impl BatchLoad for Doubling {
        type Key = u32;
        type Value = u32;

        async fn load(&self, keys: &[u32]) -> async_graphql::Result<HashMap<u32, u32>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(keys.iter().map(|k| (*k, k * 2)).collect())
        }
    }

    /// Wakes itself and yields once, as async-graphql's field sets do.
    async fn yield_once() {
        let mut yielded = false;
        poll_fn(|cx| {
            if yielded {
                Poll::Ready(())
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await;
    }

    async fn two_levels(loader: &BatchLoader<Doubling>) -> u32 {
        let objects = (0..1000u32).map(|key| async move {
            yield_once().await;
            let doubled = loader.load_one(key).await.unwrap().unwrap();
            yield_once().await;
            loader.load_one(doubled + 10_000).await.unwrap().unwrap()
        });
        futures_util::future::join_all(objects)
            .await
            .into_iter()
            .sum()
    }

    /// (The real case, 1,000 `_entities` through actix-web, is tests/api/federation.rs.)
    #[tokio::test(flavor = "current_thread")]
    async fn a_level_is_one_batch_however_often_its_objects_yield() {
        let batches = Arc::new(AtomicUsize::new(0));
        let loader = BatchLoader::new(Doubling(batches.clone()));
        let sum = drive(two_levels(&loader)).await;
        assert_eq!(sum, (0..1000u32).map(|k| (k * 2 + 10_000) * 2).sum::<u32>());
        assert_eq!(batches.load(Ordering::SeqCst), 2, "one batch per level");
    }
}
