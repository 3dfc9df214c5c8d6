//! The cache's bookkeeping behind one lock: values, flights in progress and invalidation
//! generations. Every method is synchronous and short; callers never hold the lock across an
//! `.await`.
//!
//! Generations: one counter numbers every load as it starts and every invalidation as it
//! happens. A finished load is stored only if it started after the last invalidation of its
//! (cloud, region, kind) and after the load of the value it would replace, so a slow pre-write
//! load can neither resurrect a dropped kind nor overwrite a newer answer.

use std::collections::HashMap;

use tokio::time::Instant;

use super::flight::{self, Flight, Ticket, Waiter};
use super::key::{CacheKey, ResourceKind};
use super::ttl::{Expirations, Freshness};

/// Sweep expired values at most once per this many stores, and otherwise once per store count
/// equal to the number of slots: a full scan then costs O(1) amortised per store.
const MIN_STORES_BETWEEN_SWEEPS: usize = 64;

/// A loaded value and when its load began (the conservative moment the answer is from).
#[derive(Debug, Clone)]
pub(super) struct Stored<V> {
    pub(super) value: V,
    pub(super) loaded_at: Instant,
    generation: u64,
}

impl<V> Stored<V> {
    pub(super) fn new(value: V, loaded_at: Instant, generation: u64) -> Self {
        Self {
            value,
            loaded_at,
            generation,
        }
    }

    pub(super) fn age(&self, now: Instant) -> std::time::Duration {
        now.saturating_duration_since(self.loaded_at)
    }
}

/// What a caller should do about a key.
pub(super) enum Action<V> {
    /// Answer with this fresh value.
    Hit(Stored<V>),
    /// Answer with this stale value; with a ticket, also start the refresh.
    Stale(Stored<V>, Option<Ticket<V>>),
    /// Wait for the load in progress.
    Join(Waiter<V>),
    /// Load it yourself; others will wait on you.
    Lead(Ticket<V>),
}

struct Slot<V> {
    value: Option<Stored<V>>,
    flight: Option<Flight<V>>,
}

pub(super) struct State<V> {
    slots: HashMap<CacheKey, Slot<V>>,
    /// Generation of the last invalidation, by cloud, region and kind.
    invalidated: HashMap<String, HashMap<String, [u64; ResourceKind::ALL.len()]>>,
    generation: u64,
    stores_since_sweep: usize,
}

impl<V: Clone> State<V> {
    pub(super) fn new() -> Self {
        Self {
            slots: HashMap::new(),
            invalidated: HashMap::new(),
            generation: 0,
            stores_since_sweep: 0,
        }
    }

    /// Number the start of a load that will not be waited on (bypass, caching off).
    pub(super) fn begin_load(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Decide what a caller of `key` does at `now`, registering a flight if it is to load.
    pub(super) fn lookup(
        &mut self,
        key: &CacheKey,
        expirations: &Expirations,
        now: Instant,
    ) -> Action<V> {
        let ttl = expirations.ttl(key.kind);
        let generation = &mut self.generation;
        let mut take_off = |slot_flight: &mut Option<Flight<V>>| {
            *generation += 1;
            let (flight, ticket) = flight::start(*generation);
            *slot_flight = Some(flight);
            ticket
        };
        let Some(slot) = self.slots.get_mut(key) else {
            let mut slot = Slot {
                value: None,
                flight: None,
            };
            let ticket = take_off(&mut slot.flight);
            self.slots.insert(key.clone(), slot);
            return Action::Lead(ticket);
        };
        if let Some(stored) = &slot.value {
            match ttl.freshness(stored.age(now)) {
                Freshness::Fresh => return Action::Hit(stored.clone()),
                Freshness::Stale => {
                    // Cloned before the flight is registered: nothing may fail in between.
                    let stored = stored.clone();
                    let refresh = slot.flight.is_none().then(|| take_off(&mut slot.flight));
                    return Action::Stale(stored, refresh);
                }
                Freshness::Expired => slot.value = None,
            }
        }
        match &slot.flight {
            Some(flight) => Action::Join(flight.join()),
            None => Action::Lead(take_off(&mut slot.flight)),
        }
    }

    /// Keep `stored` for `key` unless its kind was invalidated, or a newer answer landed,
    /// since its load began. Returns whether it was kept.
    pub(super) fn store(
        &mut self,
        key: &CacheKey,
        stored: Stored<V>,
        expirations: &Expirations,
        now: Instant,
    ) -> bool {
        if stored.generation <= self.invalidated_at(key) {
            return false;
        }
        let slot = self.slots.entry(key.clone()).or_insert(Slot {
            value: None,
            flight: None,
        });
        if slot
            .value
            .as_ref()
            .is_some_and(|old| old.generation > stored.generation)
        {
            return false;
        }
        slot.value = Some(stored);
        self.stores_since_sweep += 1;
        if self.stores_since_sweep >= self.slots.len().max(MIN_STORES_BETWEEN_SWEEPS) {
            self.sweep(expirations, now);
        }
        true
    }

    /// Forget flight `id` of `key` if it is still the registered one; drop the slot if empty.
    pub(super) fn end_flight(&mut self, key: &CacheKey, id: u64) {
        let Some(slot) = self.slots.get_mut(key) else {
            return;
        };
        if slot.flight.as_ref().is_some_and(|flight| flight.id() == id) {
            slot.flight = None;
        }
        if slot.value.is_none() && slot.flight.is_none() {
            self.slots.remove(key);
        }
    }

    /// Drop every entry of `kind` at (cloud, region), flights included, and refuse any load
    /// that began before now.
    pub(super) fn invalidate(&mut self, cloud: &str, region: &str, kind: ResourceKind) {
        self.generation += 1;
        let by_kind = self
            .invalidated
            .entry(cloud.to_owned())
            .or_default()
            .entry(region.to_owned())
            .or_default();
        by_kind[kind.index()] = self.generation;
        self.slots
            .retain(|key, _| !key.written_by(cloud, region, kind));
    }

    /// Number of values held (fresh or stale).
    pub(super) fn len(&self) -> usize {
        self.slots
            .values()
            .filter(|slot| slot.value.is_some())
            .count()
    }

    /// Drop values too old to serve; keep slots with a load in progress.
    fn sweep(&mut self, expirations: &Expirations, now: Instant) {
        self.stores_since_sweep = 0;
        self.slots.retain(|key, slot| {
            let ttl = expirations.ttl(key.kind);
            if slot
                .value
                .as_ref()
                .is_some_and(|v| ttl.freshness(v.age(now)) == Freshness::Expired)
            {
                slot.value = None;
            }
            slot.value.is_some() || slot.flight.is_some()
        });
    }

    fn invalidated_at(&self, key: &CacheKey) -> u64 {
        self.invalidated
            .get(key.cloud.as_str())
            .and_then(|regions| regions.get(key.region.as_str()))
            .map_or(0, |by_kind| by_kind[key.kind.index()])
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::ttl::Ttl;
    use super::*;

    fn key(region: &str) -> CacheKey {
        CacheKey::list("alice@p1", "vexx", region, ResourceKind::Server)
    }

    #[tokio::test(start_paused = true)]
    async fn a_load_older_than_the_held_value_is_not_stored() {
        let (mut state, expirations, now) = (
            State::new(),
            Expirations::uniform(Ttl::Forever),
            Instant::now(),
        );
        let (older, newer) = (state.begin_load(), state.begin_load());
        assert!(state.store(
            &key("r1"),
            Stored::new("new", now, newer),
            &expirations,
            now
        ));
        assert!(!state.store(
            &key("r1"),
            Stored::new("old", now, older),
            &expirations,
            now
        ));
        assert!(
            matches!(state.lookup(&key("r1"), &expirations, now), Action::Hit(s) if s.value == "new")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_load_begun_before_an_invalidation_is_not_stored() {
        let (mut state, expirations, now) = (
            State::new(),
            Expirations::uniform(Ttl::Forever),
            Instant::now(),
        );
        let before = state.begin_load();
        state.invalidate("vexx", "r1", ResourceKind::Server);
        assert!(!state.store(&key("r1"), Stored::new(1, now, before), &expirations, now));
        assert!(state.store(&key("r2"), Stored::new(2, now, before), &expirations, now));
        let after = state.begin_load();
        assert!(state.store(&key("r1"), Stored::new(3, now, after), &expirations, now));
    }

    #[tokio::test(start_paused = true)]
    async fn storing_sweeps_values_too_old_to_serve() {
        let mut state = State::new();
        let expirations = Expirations::uniform(Ttl::For(Duration::from_secs(5)));
        let start = Instant::now();
        let old = state.begin_load();
        state.store(&key("old"), Stored::new(0, start, old), &expirations, start);
        let later = start + Duration::from_secs(60);
        for n in 0..MIN_STORES_BETWEEN_SWEEPS {
            let generation = state.begin_load();
            state.store(
                &key(&n.to_string()),
                Stored::new(n, later, generation),
                &expirations,
                later,
            );
        }
        assert_eq!(state.len(), MIN_STORES_BETWEEN_SWEEPS);
        assert!(!state.slots.contains_key(&key("old")));
    }
}
