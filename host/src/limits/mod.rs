//! Client-side rate limits: every HTTP call a driver makes passes through a budget for its
//! cloud-region, and for its service within the region when one is configured.
//!
//! A [`Budget`] is a token bucket (`calls_per_second`, capacity `burst`, starts full, never holds
//! more than `burst` however long it idles) plus a cap of exactly `max_in_flight` calls holding a
//! [`Permit`]. [`Limits`] is the one registry per daemon: (cloud, region) → region budget and
//! service → budget, so every caller of a cloud-region shares its budgets.
//!
//! Fairness, per budget, is a FIFO gate: a tokio `Mutex<()>`, which hands the lock to waiters
//! strictly in the order they queued, assigning it to the next waiter at release time whether or
//! not that waiter has been polled yet — so a later arrival that happens to poll first cannot
//! barge. Only the gate holder (the head waiter) may start a call. A caller arrives when its
//! acquire future is first polled. An acquire:
//! 1. queues on the gate, with the deadline as a timeout;
//! 2. as head, waits for a free slot (woken by [`Permit`] drops), then for a token (sleeping until
//!    the instant the bucket computes); it gives up at once if the token will come after the
//!    deadline, since nothing can make it come earlier;
//! 3. takes the token and the slot in one synchronous step and leaves the gate to the next waiter.
//!
//! A dropped or timed-out waiter leaves the queue without having taken anything: tokens and slots
//! are only taken in step 3, in the same poll that returns the permit.
//!
//! A call to a service with its own budget takes, in this order:
//! 1. its turn at the head of the service budget, and waits there for a service slot and token;
//! 2. a region permit, through the region budget's own FIFO queue;
//! 3. the service token and slot, and leaves the service queue.
//!
//! So a call waiting on a throttled service holds nothing in the region (no head-of-line blocking
//! of other services), and the service token is taken at the real start. Gates are always taken
//! service before region and a region waiter never waits on a service, so there is no cycle and
//! no deadlock. Each queue stays FIFO; a call enters the region queue when its service lets it.
//!
//! [`Budget::penalise`] answers a vendor 429/Retry-After: no start before `now + retry_after`,
//! then one call and the steady rate, not a burst.
//!
//! [`breaker`] keeps a circuit breaker per cloud-region and service beside the budgets: a
//! service that keeps failing is refused at once instead of being asked again.
//!
//! All time is tokio time, so tests pause and advance the clock.

pub mod breaker;
mod bucket;
mod budget;
mod registry;
pub mod settings;
mod spec;

pub use breaker::{BreakerSettings, Breakers, CircuitSnapshot};
pub use budget::{Budget, Permit};
pub use registry::{CallPermit, Limits};
pub use spec::LimitSpec;

use std::time::Duration;

/// Why a call could not get through its budget.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// The call could not start before its deadline: the location's rate or in-flight limit is
    /// saturated. `waited` may be shorter than the time to the deadline when the wait was
    /// certain to exceed it.
    #[error("client-side rate limit: no call slot before the deadline (waited {waited:?})")]
    Deadline { waited: Duration },
}
