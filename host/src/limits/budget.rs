//! [`Budget`]: one token bucket plus an in-flight cap, with a FIFO queue in front.
//!
//! An acquire:
//! 1. queues on the `gate`, a FIFO tokio mutex; only its holder, the head waiter, may start a call;
//! 2. as head, waits until fewer than `max_in_flight` permits exist (woken by permit drops);
//! 3. as head, waits until the bucket has a token (sleeping until the computed instant);
//! 4. takes the token and the slot in one synchronous step, builds the [`Permit`] and leaves the
//!    gate to the next waiter.
//!
//! Only the gate holder ever adds to `in_flight`, so "a slot is free" cannot turn false while it
//! waits for a token; check-then-increment needs no lock and admits exactly `max_in_flight`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{MutexGuard, Notify};
use tokio::time::{Instant, sleep_until, timeout_at};

use super::bucket::{Bucket, Token};
use super::{LimitError, LimitSpec};

/// Longest penalty honoured. A Retry-After past a day is a vendor bug, and capping it keeps
/// `Instant` arithmetic in range.
const MAX_PENALTY: Duration = Duration::from_secs(24 * 3600);

/// One budget, shared by every caller that clones it (clones share the same state).
#[derive(Debug, Clone)]
pub struct Budget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    spec: LimitSpec,
    /// FIFO queue of waiters; the holder is the only one allowed to start a call.
    gate: tokio::sync::Mutex<()>,
    bucket: Mutex<Bucket>,
    in_flight: AtomicU32,
    /// Signalled whenever a permit is dropped.
    released: Notify,
}

/// One started call: holds an in-flight slot until dropped.
#[derive(Debug)]
pub struct Permit {
    inner: Arc<Inner>,
    waited: Duration,
}

/// The head of a budget's queue: holds the gate until it starts a call or gives up.
pub(crate) struct Turn<'a> {
    budget: &'a Budget,
    arrived: Instant,
    _gate: MutexGuard<'a, ()>,
}

impl Budget {
    /// A full budget. `spec` should have passed [`LimitSpec::validate`]; if not, it is clamped.
    pub fn new(spec: LimitSpec) -> Budget {
        let spec = spec.sanitised();
        let bucket = Bucket::full(spec.calls_per_second, spec.burst, Instant::now());
        Budget {
            inner: Arc::new(Inner {
                spec,
                gate: tokio::sync::Mutex::new(()),
                bucket: Mutex::new(bucket),
                in_flight: AtomicU32::new(0),
                released: Notify::new(),
            }),
        }
    }

    /// Waits in FIFO order for a token and an in-flight slot. Fails with
    /// [`LimitError::Deadline`] as soon as it is certain the call cannot start by `deadline`.
    /// Dropping the future gives up the place in the queue and takes nothing.
    pub async fn acquire(&self, deadline: Instant) -> Result<Permit, LimitError> {
        self.acquire_from(Instant::now(), deadline).await
    }

    /// [`Budget::acquire`] for a caller that arrived at `arrived` (waits are measured from it).
    pub(crate) async fn acquire_from(
        &self,
        arrived: Instant,
        deadline: Instant,
    ) -> Result<Permit, LimitError> {
        self.turn(arrived, deadline).await?.start(deadline).await
    }

    /// Queues until this caller is the head waiter.
    pub(crate) async fn turn(
        &self,
        arrived: Instant,
        deadline: Instant,
    ) -> Result<Turn<'_>, LimitError> {
        let gate = timeout_at(deadline, self.inner.gate.lock())
            .await
            .map_err(|_| deadline_error(arrived))?;
        Ok(Turn {
            budget: self,
            arrived,
            _gate: gate,
        })
    }

    /// Calls holding a permit right now.
    pub fn in_flight(&self) -> u32 {
        self.inner.in_flight.load(Ordering::Acquire)
    }

    /// The spec in force (after clamping).
    pub fn spec(&self) -> LimitSpec {
        self.inner.spec
    }

    /// The vendor answered 429 / Retry-After: no new call starts before `now + retry_after`,
    /// and after that calls resume at the steady rate, not in a burst.
    pub fn penalise(&self, retry_after: Duration) {
        let now = Instant::now();
        if let Some(until) = now.checked_add(retry_after.min(MAX_PENALTY)) {
            self.bucket().pause_until(until);
        }
    }

    fn bucket(&self) -> std::sync::MutexGuard<'_, Bucket> {
        // The bucket is plain arithmetic; a panic elsewhere cannot leave it half-updated.
        self.inner.bucket.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Turn<'_> {
    /// Waits, still at the head, until a slot is free and a token is available.
    pub(crate) async fn ready(&self, deadline: Instant) -> Result<(), LimitError> {
        let inner = &self.budget.inner;
        loop {
            let released = inner.released.notified();
            tokio::pin!(released);
            // Register before checking, so a drop between the check and the await is not missed.
            released.as_mut().enable();
            if self.budget.in_flight() >= inner.spec.max_in_flight {
                timeout_at(deadline, released)
                    .await
                    .map_err(|_| self.deadline_error())?;
                continue;
            }
            let next = self.budget.bucket().next_token(Instant::now());
            match next {
                Token::Ready => return Ok(()),
                Token::At(at) if at <= deadline => sleep_until(at).await,
                Token::At(_) | Token::Never => return Err(self.deadline_error()),
            }
        }
    }

    /// Waits until ready, then takes the token and the slot and leaves the queue.
    pub(crate) async fn start(self, deadline: Instant) -> Result<Permit, LimitError> {
        loop {
            self.ready(deadline).await?;
            if let Some(permit) = self.try_start() {
                return Ok(permit);
            }
            // A penalty landed between `ready` and now: wait again.
        }
    }

    fn try_start(&self) -> Option<Permit> {
        let inner = &self.budget.inner;
        if self.budget.in_flight() >= inner.spec.max_in_flight {
            return None;
        }
        let now = Instant::now();
        if !self.budget.bucket().take(now) {
            return None;
        }
        inner.in_flight.fetch_add(1, Ordering::AcqRel);
        let waited = now.saturating_duration_since(self.arrived);
        Some(Permit {
            inner: Arc::clone(inner),
            waited,
        })
    }

    fn deadline_error(&self) -> LimitError {
        deadline_error(self.arrived)
    }
}

fn deadline_error(arrived: Instant) -> LimitError {
    LimitError::Deadline {
        waited: Instant::now().saturating_duration_since(arrived),
    }
}

impl Permit {
    /// Time from arrival to start.
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.inner.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.inner.released.notify_one();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::AtomicU32;
    use std::task::{Context, Poll, Waker};

    type Acquire = Pin<Box<dyn Future<Output = Result<Permit, LimitError>> + Send>>;

    fn spec(calls_per_second: f64, burst: u32, max_in_flight: u32) -> LimitSpec {
        LimitSpec {
            calls_per_second,
            burst,
            max_in_flight,
        }
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// An acquire future that owns its budget handle, so it can be polled by hand and spawned.
    fn acquire(budget: &Budget, deadline: Instant) -> Acquire {
        let budget = budget.clone();
        Box::pin(async move { budget.acquire(deadline).await })
    }

    /// Polls once without a runtime waker: enough to join a queue or observe a result.
    fn poll_once(future: &mut Acquire) -> Option<Result<Permit, LimitError>> {
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(result) => Some(result),
            Poll::Pending => None,
        }
    }

    /// Starts `callers` competing acquires and returns their start instants, sorted.
    async fn start_instants(budget: &Budget, callers: usize) -> Vec<Instant> {
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let budget = budget.clone();
                tokio::spawn(async move {
                    let permit = budget.acquire(far()).await.unwrap();
                    let started = Instant::now();
                    drop(permit);
                    started
                })
            })
            .collect();
        let mut starts = Vec::with_capacity(callers);
        for task in tasks {
            starts.push(task.await.unwrap());
        }
        starts.sort();
        starts
    }

    /// Most starts in any half-open window `[s, s + width)` that begins at a start.
    fn busiest_window(starts: &[Instant], width: Duration) -> usize {
        (0..starts.len())
            .map(|i| {
                starts[i..]
                    .iter()
                    .take_while(|s| **s < starts[i] + width)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn a_saturated_budget_never_exceeds_its_rate_in_any_second_and_keeps_up_the_average() {
        let budget = Budget::new(spec(10.0, 1, 1000));
        let t0 = Instant::now();
        let starts = start_instants(&budget, 500).await;

        assert_eq!(busiest_window(&starts, Duration::from_secs(1)), 10);
        let first_20s = starts
            .iter()
            .filter(|s| **s < t0 + Duration::from_secs(20))
            .count();
        assert!(first_20s as f64 / 20.0 >= 9.5, "{first_20s} starts in 20 s");
    }

    #[tokio::test(start_paused = true)]
    async fn after_30_s_idle_a_crowd_of_100_gets_at_most_burst_immediate_starts_then_the_rate() {
        let budget = Budget::new(spec(10.0, 5, 1000));
        start_instants(&budget, 5).await; // drain the initial burst
        tokio::time::advance(Duration::from_secs(30)).await;
        let t1 = Instant::now();
        let starts = start_instants(&budget, 100).await;

        assert_eq!(starts.iter().filter(|s| **s == t1).count(), 5);
        for k in 0..100u32 {
            let by = starts.iter().filter(|s| **s <= t1 + ms(100) * k).count();
            assert!(by as u32 <= 5 + k, "{by} starts within {k} x 100 ms");
        }
        assert_eq!(*starts.last().unwrap(), t1 + ms(9500));
    }

    /// Runs 20 callers that each hold their permit for 10 ms; returns the most holders seen.
    async fn peak_holders(max_in_flight: u32) -> u32 {
        let budget = Budget::new(spec(1e6, 1000, max_in_flight));
        let holders = Arc::new(AtomicU32::new(0));
        let peak = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (budget, holders, peak) = (budget.clone(), holders.clone(), peak.clone());
                tokio::spawn(async move {
                    let permit = budget.acquire(far()).await.unwrap();
                    let now = holders.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    assert!(budget.in_flight() <= max_in_flight);
                    tokio::time::sleep(ms(10)).await;
                    holders.fetch_sub(1, Ordering::SeqCst);
                    drop(permit);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(budget.in_flight(), 0);
        peak.load(Ordering::SeqCst)
    }

    #[tokio::test(start_paused = true)]
    async fn max_in_flight_1_admits_exactly_one_holder_at_a_time() {
        assert_eq!(peak_holders(1).await, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn max_in_flight_3_admits_exactly_three_holders_at_a_time() {
        assert_eq!(peak_holders(3).await, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_are_served_in_arrival_order_even_when_later_ones_are_polled_first() {
        let budget = Budget::new(spec(10.0, 1, 1000));
        drop(budget.acquire(far()).await.unwrap()); // empty the bucket
        let mut waiters: Vec<(usize, Acquire)> =
            (0..10).map(|i| (i, acquire(&budget, far()))).collect();
        for (_, waiter) in &mut waiters {
            assert!(poll_once(waiter).is_none()); // arrival: joins the queue
        }
        let order = Arc::new(Mutex::new(Vec::new()));
        // Spawn in reverse, so on every wake-up the latest arrivals are polled first.
        let tasks: Vec<_> = waiters
            .into_iter()
            .rev()
            .map(|(i, waiter)| {
                let order = order.clone();
                tokio::spawn(async move {
                    let permit = waiter.await.unwrap();
                    order.lock().unwrap().push((i, Instant::now()));
                    drop(permit);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let order = order.lock().unwrap().clone();
        let served: Vec<usize> = order.iter().map(|(i, _)| *i).collect();
        assert_eq!(served, (0..10).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn an_earlier_waiter_keeps_its_turn_while_it_is_slow_to_be_polled() {
        let budget = Budget::new(spec(1e6, 1000, 1));
        let held = budget.acquire(far()).await.unwrap();
        let mut head = acquire(&budget, far());
        let mut early = acquire(&budget, far());
        let mut late = acquire(&budget, far());
        assert!(poll_once(&mut head).is_none()); // head: waits for the slot
        assert!(poll_once(&mut early).is_none()); // queued behind it
        assert!(poll_once(&mut late).is_none()); // queued behind that

        drop(held);
        let head_permit = poll_once(&mut head).unwrap().unwrap();
        drop(head_permit); // the slot is free and the turn has passed to `early`, unpolled

        for _ in 0..5 {
            assert!(poll_once(&mut late).is_none(), "a later arrival barged in");
            tokio::time::advance(ms(100)).await;
        }
        let early_permit = poll_once(&mut early).unwrap().unwrap();
        assert!(poll_once(&mut late).is_none());
        drop(early_permit);
        assert!(poll_once(&mut late).unwrap().is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_past_its_deadline_gets_deadline_and_the_next_waiter_is_not_delayed() {
        let budget = Budget::new(spec(1e6, 1000, 1));
        let t0 = Instant::now();
        let held = budget.acquire(far()).await.unwrap();
        let mut impatient = acquire(&budget, t0 + Duration::from_secs(1));
        let mut patient = acquire(&budget, far());
        assert!(poll_once(&mut impatient).is_none());
        assert!(poll_once(&mut patient).is_none());
        let impatient = tokio::spawn(impatient);
        let patient = tokio::spawn(patient);

        tokio::time::sleep(Duration::from_secs(2)).await;
        match impatient.await.unwrap() {
            Err(LimitError::Deadline { waited }) => assert_eq!(waited, Duration::from_secs(1)),
            Ok(_) => panic!("admitted past its deadline"),
        }
        drop(held);
        let permit = patient.await.unwrap().unwrap();
        assert_eq!(permit.waited(), Duration::from_secs(2));
        assert_eq!(Instant::now(), t0 + Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_that_cannot_get_a_token_by_its_deadline_fails_at_once() {
        let budget = Budget::new(spec(1.0, 1, 10));
        let t0 = Instant::now();
        drop(budget.acquire(far()).await.unwrap());
        let err = budget.acquire(t0 + ms(500)).await.unwrap_err();
        assert!(matches!(err, LimitError::Deadline { waited } if waited == Duration::ZERO));
        assert_eq!(
            budget.acquire(far()).await.unwrap().waited(),
            Duration::from_secs(1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_a_waiter_for_a_slot_releases_nothing_and_blocks_no_one() {
        let budget = Budget::new(spec(1e6, 1000, 1));
        let held = budget.acquire(far()).await.unwrap();
        let mut dropped = acquire(&budget, far());
        let mut next = acquire(&budget, far());
        assert!(poll_once(&mut dropped).is_none());
        assert!(poll_once(&mut next).is_none());

        drop(dropped);
        assert_eq!(budget.in_flight(), 1);
        assert!(
            poll_once(&mut next).is_none(),
            "the held slot is still taken"
        );
        drop(held);
        let permit = poll_once(&mut next).unwrap().unwrap();
        assert_eq!(budget.in_flight(), 1);
        drop(permit);
        assert_eq!(budget.in_flight(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_a_waiter_for_a_token_leaves_that_token_to_the_next() {
        let budget = Budget::new(spec(1.0, 1, 10));
        let t0 = Instant::now();
        drop(budget.acquire(far()).await.unwrap());
        let mut dropped = acquire(&budget, far());
        let mut next = acquire(&budget, far());
        assert!(poll_once(&mut dropped).is_none());
        assert!(poll_once(&mut next).is_none());
        drop(dropped);

        let permit = tokio::spawn(next).await.unwrap().unwrap();
        assert_eq!(Instant::now(), t0 + Duration::from_secs(1));
        assert_eq!(permit.waited(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn penalise_delays_the_next_start_by_retry_after_then_resumes_at_the_rate() {
        let budget = Budget::new(spec(10.0, 10, 10));
        let t0 = Instant::now();
        budget.penalise(Duration::from_secs(2));
        let starts = start_instants(&budget, 3).await;
        assert_eq!(starts, vec![t0 + ms(2000), t0 + ms(2100), t0 + ms(2200)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_penalty_during_a_wait_pushes_the_waiting_head_back() {
        let budget = Budget::new(spec(1.0, 1, 10));
        let t0 = Instant::now();
        drop(budget.acquire(far()).await.unwrap());
        let waiter = tokio::spawn(acquire(&budget, far()));
        tokio::time::sleep(ms(500)).await;
        budget.penalise(Duration::from_secs(3));
        waiter.await.unwrap().unwrap();
        assert_eq!(Instant::now(), t0 + ms(3500));
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_counts_permits_until_they_are_dropped() {
        let budget = Budget::new(spec(100.0, 5, 5));
        let a = budget.acquire(far()).await.unwrap();
        let b = budget.acquire(far()).await.unwrap();
        assert_eq!(budget.in_flight(), 2);
        drop(a);
        assert_eq!(budget.in_flight(), 1);
        drop(b);
        assert_eq!(budget.in_flight(), 0);
        assert_eq!(budget.spec(), spec(100.0, 5, 5));
    }
}
