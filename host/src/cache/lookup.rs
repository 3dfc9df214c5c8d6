//! The cache's public face: [`Cache::get_or_load`] and [`Cache::invalidate`].

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use super::flight::{ErasedError, Ticket};
use super::key::{CacheKey, ResourceKind};
use super::store::{Action, State, Stored};
use super::ttl::{Expirations, Ttl};

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A fresh cached value.
    Hit,
    /// Loaded by this call.
    Miss,
    /// A cached value past its TTL, served while one refresh runs in the background.
    Stale,
    /// Loaded by this call because it asked to skip the cache.
    Bypass,
    /// Loaded by another call's load in progress, which this call joined.
    Shared,
}

/// A value and how it was obtained.
#[derive(Debug, Clone)]
pub struct Lookup<V> {
    pub value: V,
    pub source: Source,
    /// Time since the load that produced `value` began; for a fresh load, how long it took.
    pub age: Duration,
}

/// A read cache for one value type, shared by every call (it is cheap to clone).
///
/// `V` is cloned once per answer: make it cheap to clone (an `Arc` of a list).
pub struct Cache<V> {
    shared: Arc<Shared<V>>,
}

struct Shared<V> {
    expirations: Expirations,
    state: Mutex<State<V>>,
}

impl<V> Clone for Cache<V> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<V: Clone + Send + Sync + 'static> Cache<V> {
    pub fn new(expirations: Expirations) -> Self {
        Self {
            shared: Arc::new(Shared {
                expirations,
                state: Mutex::new(State::new()),
            }),
        }
    }

    /// Returns a cached value or runs `load`, at most one load per key at a time: concurrent
    /// identical calls make one upstream call and all get its result. An error is shared with
    /// the callers waiting on that load but never cached.
    ///
    /// A stale value (lists and gets alike) is returned at once, and the first caller to see
    /// it starts one refresh in the background. The first load of a key, or one after the
    /// value got too old to serve, makes every caller of that key wait for it.
    ///
    /// `bypass` skips the cache: this call always loads, and stores what it got.
    ///
    /// # Errors
    ///
    /// The error of this call's load, or of the load it joined.
    pub async fn get_or_load<E, F, Fut>(
        &self,
        key: CacheKey,
        bypass: bool,
        load: F,
    ) -> Result<Lookup<V>, E>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Clone + Send + Sync + 'static,
    {
        let caching = self.shared.expirations.ttl(key.kind) != Ttl::Off;
        if bypass || !caching {
            let source = if bypass { Source::Bypass } else { Source::Miss };
            return self.shared.load_alone(&key, caching, load, source).await;
        }
        loop {
            let now = Instant::now();
            let action = self
                .shared
                .state()
                .lookup(&key, &self.shared.expirations, now);
            match action {
                Action::Hit(stored) => return Ok(answer(stored, Source::Hit)),
                Action::Stale(stored, refresh) => {
                    if let Some(ticket) = refresh {
                        // Not awaited where a runtime can take it. A failed refresh leaves
                        // the stale value in place; the next caller tries again.
                        let refresh = self.pilot(key, ticket).fly(load);
                        match tokio::runtime::Handle::try_current() {
                            Ok(runtime) => drop(runtime.spawn(refresh)),
                            Err(_) => drop(refresh.await),
                        }
                    }
                    return Ok(answer(stored, Source::Stale));
                }
                Action::Lead(ticket) => {
                    let stored = self.pilot(key, ticket).fly(load).await?;
                    return Ok(answer(stored, Source::Miss));
                }
                Action::Join(waiter) => match waiter.outcome().await {
                    Some(Ok(stored)) => return Ok(answer(stored, Source::Shared)),
                    Some(Err(error)) => match error.downcast_ref::<E>() {
                        Some(error) => return Err(error.clone()),
                        // The leader's error has another type: a different caller shape for
                        // the same key. Ask upstream ourselves rather than invent an error.
                        None => {
                            return self.shared.load_alone(&key, true, load, Source::Miss).await;
                        }
                    },
                    // The leader was cancelled or panicked: start over, maybe as leader.
                    None => continue,
                },
            }
        }
    }

    /// Drops every entry of `kind` at (cloud, region) for all identities and queries, as a
    /// write there must. Loads already running are not stored when they finish (their callers
    /// still get their answer); calls from now on load afresh.
    pub fn invalidate(&self, cloud: &str, region: &str, kind: ResourceKind) {
        self.shared.state().invalidate(cloud, region, kind);
    }

    /// Number of values held, fresh or stale.
    pub fn len(&self) -> usize {
        self.shared.state().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn pilot(&self, key: CacheKey, ticket: Ticket<V>) -> Pilot<V> {
        Pilot {
            shared: Arc::clone(&self.shared),
            key,
            ticket,
            landed: false,
        }
    }
}

impl<V: Clone + Send + Sync + 'static> Shared<V> {
    fn state(&self) -> MutexGuard<'_, State<V>> {
        // Updates under the lock are a few map operations; the only code that can panic among
        // them is `V::clone`, which leaves at worst a slot missing its value. Keep going.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Load without a flight (nobody waits on it); store the value if `store`.
    async fn load_alone<E, F, Fut>(
        &self,
        key: &CacheKey,
        store: bool,
        load: F,
        source: Source,
    ) -> Result<Lookup<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let generation = self.state().begin_load();
        let loaded_at = Instant::now();
        let stored = Stored::new(load().await?, loaded_at, generation);
        if store {
            self.state()
                .store(key, stored.clone(), &self.expirations, Instant::now());
        }
        Ok(answer(stored, source))
    }
}

fn answer<V>(stored: Stored<V>, source: Source) -> Lookup<V> {
    Lookup {
        age: stored.age(Instant::now()),
        value: stored.value,
        source,
    }
}

/// The loading side of a registered flight. Landing stores the value and tells the waiters.
/// Dropped without landing (its caller cancelled, its loader panicked, or a spawned refresh
/// never ran), it first removes the flight, so later callers don't join one that will never
/// land, and then its ticket closes the channel, which sends current waiters round again.
struct Pilot<V: Clone + Send + Sync + 'static> {
    shared: Arc<Shared<V>>,
    key: CacheKey,
    ticket: Ticket<V>,
    landed: bool,
}

impl<V: Clone + Send + Sync + 'static> Pilot<V> {
    async fn fly<E, F, Fut>(mut self, load: F) -> Result<Stored<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
        E: Clone + Send + Sync + 'static,
    {
        let (id, loaded_at) = (self.ticket.id(), Instant::now());
        let loaded = load().await.map(|value| Stored::new(value, loaded_at, id));
        {
            let mut state = self.shared.state();
            if let Ok(stored) = &loaded {
                let expirations = &self.shared.expirations;
                state.store(&self.key, stored.clone(), expirations, Instant::now());
            }
            state.end_flight(&self.key, id);
        }
        self.ticket.land(
            loaded
                .clone()
                .map_err(|error| Arc::new(error) as ErasedError),
        );
        self.landed = true;
        loaded
    }
}

impl<V: Clone + Send + Sync + 'static> Drop for Pilot<V> {
    fn drop(&mut self) {
        if !self.landed {
            self.shared.state().end_flight(&self.key, self.ticket.id());
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "lookup_tests.rs"]
mod tests;
