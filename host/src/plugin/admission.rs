//! Admission of plugin instances: how many may live at once, and how much linear memory all
//! of them may hold together.
//!
//! Both are queues, never failures: a call that finds the pool busy waits its turn (FIFO, a
//! tokio `Semaphore` hands permits out in arrival order) until its deadline, and only then
//! gives up as a timeout.
//!
//! 1. [`Admission::enter`] takes one instance slot (the pooling allocator has exactly as many
//!    component slots as there are permits), then reserves the guest's expected linear memory
//!    from the daemon-wide memory budget, both before the deadline. Expected: what the same
//!    plugin used at the same cloud-region last time (a region with a big catalog or many
//!    servers needs more), else the component's initial memory; so a burst of calls queues
//!    for memory up front instead of running out of it halfway.
//! 2. While the guest runs, [`GuestMemory`] (the Store's `ResourceLimiter`) checks every
//!    `memory.grow`: past the per-instance cap (`plugin_memory_limit_mb`) or with the
//!    daemon-wide budget (`plugin_memory_total_mb`) spent, the grow traps with a message that
//!    names the limit and its config key. A growing guest never waits: waiting on memory
//!    other guests hold could wait for ever.
//! 3. Dropping the Store returns the slot and all the memory the guest held.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use wasmtime::ResourceLimiter;

use crate::location::CloudRegion;

/// Whose memory use is remembered: a plugin at a cloud-region.
pub type PeakKey = (Arc<str>, CloudRegion);

/// The linear memory each plugin last peaked at, per cloud-region.
type Peaks = Mutex<HashMap<PeakKey, usize>>;

/// The config key of the daemon-wide guest memory budget.
pub const TOTAL_MEMORY_KEY: &str = "plugin_memory_total_mb";

/// A Wasm page: the unit of linear memory, and of the memory budget's permits.
const PAGE: usize = 64 << 10;

/// Core instances, tables and memories one Store may create (three core instances per
/// component is what the Rust toolchain emits; other languages' components use a few more).
const MAX_STORE_INSTANCES: usize = 64;
const MAX_STORE_TABLES: usize = 64;
const MAX_STORE_MEMORIES: usize = 16;

/// Why a call could not get an instance.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AdmissionError {
    #[error(
        "waited {} ms for one of the {slots} plugin instance slots (`plugin_instances` in the \
         daemon config) and the deadline passed; every slot was busy with other calls",
        .waited.as_millis()
    )]
    NoSlot { slots: u32, waited: Duration },
    #[error(
        "waited {} ms for {needed_mb} MiB of guest memory from the daemon-wide budget of \
         {total_mb} MiB (`plugin_memory_total_mb` in the daemon config) and the deadline passed",
        .waited.as_millis()
    )]
    NoMemory {
        needed_mb: u64,
        total_mb: u64,
        waited: Duration,
    },
}

/// The daemon's instance slots and guest memory budget; shared by every call.
#[derive(Debug)]
pub struct Admission {
    slots: Arc<Semaphore>,
    slot_count: u32,
    memory: Arc<Semaphore>,
    memory_pages: usize,
    per_instance_bytes: usize,
    peaks: Arc<Peaks>,
}

impl Admission {
    /// `slots` instances at once, `per_instance_bytes` of linear memory each, and
    /// `total_bytes` for all of them together.
    pub fn new(slots: u32, per_instance_bytes: usize, total_bytes: usize) -> Admission {
        let memory_pages = (total_bytes / PAGE).clamp(1, Semaphore::MAX_PERMITS);
        Admission {
            slots: Arc::new(Semaphore::new(slots.max(1) as usize)),
            slot_count: slots.max(1),
            memory: Arc::new(Semaphore::new(memory_pages)),
            memory_pages,
            per_instance_bytes,
            peaks: Arc::default(),
        }
    }

    /// Waits (FIFO, until `deadline`) for an instance slot and for memory from the budget:
    /// what `who` peaked at last time, at least `initial_bytes` (what the component's
    /// memories start with). The instance's peak is remembered for `who` when it is dropped.
    pub async fn enter(
        &self,
        who: Option<PeakKey>,
        initial_bytes: usize,
        deadline: Instant,
    ) -> Result<GuestMemory, AdmissionError> {
        let started = Instant::now();
        let last_peak = who
            .as_ref()
            .and_then(|key| lock(&self.peaks).get(key).copied())
            .unwrap_or(0);
        let initial_bytes = initial_bytes.max(last_peak).min(self.per_instance_bytes);
        let slot = match tokio::time::timeout_at(deadline, self.slots.clone().acquire_owned()).await
        {
            Ok(Ok(slot)) => slot,
            // The semaphore is never closed; treat it like a full pool.
            Ok(Err(_)) | Err(_) => {
                return Err(AdmissionError::NoSlot {
                    slots: self.slot_count,
                    waited: started.elapsed(),
                });
            }
        };
        let pages = initial_bytes
            .div_ceil(PAGE)
            .min(self.memory_pages)
            .try_into()
            .unwrap_or(u32::MAX);
        let memory =
            match tokio::time::timeout_at(deadline, self.memory.clone().acquire_many_owned(pages))
                .await
            {
                Ok(Ok(permit)) => permit,
                Ok(Err(_)) | Err(_) => {
                    return Err(AdmissionError::NoMemory {
                        needed_mb: mib(initial_bytes),
                        total_mb: mib(self.memory_pages * PAGE),
                        waited: started.elapsed(),
                    });
                }
            };
        Ok(GuestMemory {
            _slot: Some(slot),
            budget: self.memory.clone(),
            held_bytes: pages as usize * PAGE,
            held: Some(memory),
            used_bytes: 0,
            peak_bytes: 0,
            remember: who.map(|key| (key, self.peaks.clone())),
            per_instance_bytes: self.per_instance_bytes,
            total_bytes: self.memory_pages * PAGE,
        })
    }

    /// Bytes of the memory budget not held by any instance.
    pub fn memory_free_bytes(&self) -> usize {
        self.memory.available_permits() * PAGE
    }

    /// Instance slots not held by any call.
    pub fn free_slots(&self) -> usize {
        self.slots.available_permits()
    }
}

fn mib(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(1 << 20)
}

/// The Store's `ResourceLimiter`: linear memory within the per-instance cap and drawn from the
/// daemon-wide budget; tables, instances and memories per Store bounded.
#[derive(Debug)]
pub struct GuestMemory {
    _slot: Option<OwnedSemaphorePermit>,
    budget: Arc<Semaphore>,
    /// Budget pages this instance holds (its reservation plus what it grew into).
    held: Option<OwnedSemaphorePermit>,
    held_bytes: usize,
    /// Linear memory the instance's memories add up to.
    used_bytes: usize,
    /// The most `used_bytes` has been.
    peak_bytes: usize,
    /// Where to remember the peak when the instance is dropped.
    remember: Option<(PeakKey, Arc<Peaks>)>,
    per_instance_bytes: usize,
    total_bytes: usize,
}

impl Drop for GuestMemory {
    fn drop(&mut self) {
        if let Some((key, peaks)) = self.remember.take()
            && self.peak_bytes > 0
        {
            lock(&peaks).insert(key, self.peak_bytes);
        }
    }
}

fn lock(peaks: &Peaks) -> std::sync::MutexGuard<'_, HashMap<PeakKey, usize>> {
    // A poisoned lock only means a panic elsewhere mid-insert; the map is still usable.
    peaks.lock().unwrap_or_else(|e| e.into_inner())
}

/// A refused `memory.grow`, carried by the trap so the call's error names the limit.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "guest memory limit reached: the plugin asked for {wanted_mb} MiB of linear memory, over \
     {limit}; raise `{key}` in the daemon config if the driver really needs more"
)]
pub struct MemoryRefused {
    pub wanted_mb: u64,
    pub limit: String,
    pub key: &'static str,
}

impl GuestMemory {
    fn grow(&mut self, current: usize, desired: usize) -> Result<(), MemoryRefused> {
        let used = self.used_bytes - current.min(self.used_bytes) + desired;
        if desired > self.per_instance_bytes {
            return Err(MemoryRefused {
                wanted_mb: mib(desired),
                limit: format!(
                    "the per-instance cap of {} MiB",
                    mib(self.per_instance_bytes)
                ),
                key: "plugin_memory_limit_mb",
            });
        }
        if used > self.held_bytes {
            let pages = (used - self.held_bytes).div_ceil(PAGE);
            let more = u32::try_from(pages)
                .ok()
                .and_then(|pages| self.budget.clone().try_acquire_many_owned(pages).ok());
            // Refused or not, the next call here reserves this much up front (and waits).
            self.peak_bytes = self.peak_bytes.max(used);
            let more = more.ok_or_else(|| MemoryRefused {
                wanted_mb: mib(desired),
                limit: format!(
                    "what is left of the daemon-wide guest memory budget of {} MiB \
                         (other plugin instances hold the rest)",
                    mib(self.total_bytes)
                ),
                key: TOTAL_MEMORY_KEY,
            })?;
            match &mut self.held {
                Some(held) => held.merge(more),
                None => self.held = Some(more),
            }
            self.held_bytes += pages * PAGE;
        }
        self.used_bytes = used;
        self.peak_bytes = self.peak_bytes.max(used);
        Ok(())
    }

    /// Whether this limiter holds an instance slot (for tests).
    #[cfg(test)]
    fn holds_slot(&self) -> bool {
        self._slot.is_some()
    }
}

impl ResourceLimiter for GuestMemory {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow(current, desired)?;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }

    fn instances(&self) -> usize {
        MAX_STORE_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_STORE_TABLES
    }

    fn memories(&self) -> usize {
        MAX_STORE_MEMORIES
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    #[tokio::test(start_paused = true)]
    async fn a_busy_pool_makes_callers_wait_in_arrival_order_and_never_fail_early() {
        let admission = Arc::new(Admission::new(1, 8 * MIB, 64 * MIB));
        let far = Instant::now() + Duration::from_secs(10);
        let first = admission.enter(None, MIB, far).await.unwrap();
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiters = Vec::new();
        for n in 0..3 {
            let (admission, order) = (admission.clone(), order.clone());
            waiters.push(tokio::spawn(async move {
                let admitted = admission.enter(None, MIB, far).await.unwrap();
                order.lock().unwrap().push(n);
                tokio::time::sleep(Duration::from_millis(5)).await;
                drop(admitted);
            }));
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(order.lock().unwrap().is_empty());
        drop(first);
        for waiter in waiters {
            waiter.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_is_a_timeout_naming_the_key() {
        let admission = Admission::new(1, 8 * MIB, 64 * MIB);
        let _held = admission
            .enter(None, MIB, Instant::now() + Duration::from_secs(1))
            .await
            .unwrap();
        let error = admission
            .enter(None, MIB, Instant::now() + Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(matches!(error, AdmissionError::NoSlot { slots: 1, .. }));
        assert!(error.to_string().contains("plugin_instances"), "{error}");
    }

    #[tokio::test(start_paused = true)]
    async fn instances_wait_for_the_memory_budget_and_get_it_back_on_drop() {
        let admission = Admission::new(4, 8 * MIB, 4 * MIB);
        let far = Instant::now() + Duration::from_secs(1);
        let a = admission.enter(None, 3 * MIB, far).await.unwrap();
        let error = admission
            .enter(None, 2 * MIB, Instant::now() + Duration::from_millis(10))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("plugin_memory_total_mb"),
            "{error}"
        );
        drop(a);
        assert_eq!(admission.memory_free_bytes(), 4 * MIB);
        let _b = admission.enter(None, 2 * MIB, far).await.unwrap();
        assert_eq!(admission.free_slots(), 3);
    }

    #[tokio::test]
    async fn growth_past_the_instance_cap_or_the_budget_is_refused_naming_each_key() {
        let admission = Admission::new(4, 8 * MIB, 12 * MIB);
        let far = Instant::now() + Duration::from_secs(1);
        let mut a = admission.enter(None, MIB, far).await.unwrap();
        assert!(a.holds_slot());
        assert!(a.memory_growing(0, MIB, None).unwrap());
        assert!(a.memory_growing(MIB, 6 * MIB, None).unwrap());
        let over_cap = a.memory_growing(6 * MIB, 9 * MIB, None).unwrap_err();
        assert!(
            over_cap.to_string().contains("`plugin_memory_limit_mb`"),
            "{over_cap}"
        );
        let mut b = admission.enter(None, MIB, far).await.unwrap();
        assert!(b.memory_growing(0, MIB, None).unwrap());
        let over_budget = b.memory_growing(MIB, 7 * MIB, None).unwrap_err();
        assert!(
            over_budget.to_string().contains("`plugin_memory_total_mb`"),
            "{over_budget}"
        );
        drop(a);
        assert!(b.memory_growing(MIB, 7 * MIB, None).unwrap());
        drop(b);
        assert_eq!(admission.memory_free_bytes(), 12 * MIB);
    }

    #[tokio::test]
    async fn a_location_reserves_what_it_peaked_at_last_time() {
        let admission = Admission::new(4, 64 * MIB, 64 * MIB);
        let far = Instant::now() + Duration::from_secs(1);
        let who: PeakKey = ("openstack".into(), CloudRegion::new("alpha", "one"));
        let mut first = admission.enter(Some(who.clone()), MIB, far).await.unwrap();
        assert!(first.memory_growing(0, 10 * MIB, None).unwrap());
        assert_eq!(admission.memory_free_bytes(), 54 * MIB);
        drop(first);
        let again = admission.enter(Some(who), MIB, far).await.unwrap();
        assert_eq!(
            admission.memory_free_bytes(),
            54 * MIB,
            "10 MiB reserved up front"
        );
        let elsewhere = (Arc::from("openstack"), CloudRegion::new("alpha", "two"));
        let _other = admission.enter(Some(elsewhere), MIB, far).await.unwrap();
        assert_eq!(admission.memory_free_bytes(), 53 * MIB);
        drop(again);
    }

    #[tokio::test]
    async fn a_growth_the_budget_refused_is_reserved_up_front_next_time() {
        let admission = Admission::new(4, 64 * MIB, 8 * MIB);
        let far = Instant::now() + Duration::from_secs(1);
        let who: PeakKey = ("openstack".into(), CloudRegion::new("alpha", "one"));
        let hog = admission.enter(None, 5 * MIB, far).await.unwrap();
        let mut first = admission.enter(Some(who.clone()), MIB, far).await.unwrap();
        assert!(first.memory_growing(0, 6 * MIB, None).is_err());
        drop(first);
        let waiting = admission
            .enter(Some(who), MIB, Instant::now() + Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(
            matches!(waiting, AdmissionError::NoMemory { needed_mb: 6, .. }),
            "{waiting}"
        );
        drop(hog);
    }
}
