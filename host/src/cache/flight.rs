//! One load in progress for a key, and the callers waiting on it.
//!
//! The loader's [`Ticket`] holds the sending half of a `watch` channel; the key's slot holds the
//! [`Flight`] (the receiving half) so later callers can [`Flight::join`] it. Landing sends the
//! outcome to every waiter at once. A ticket dropped without landing (loader cancelled or
//! panicked) closes the channel, and its waiters start over instead of waiting for ever.

use std::any::Any;
use std::sync::Arc;

use tokio::sync::watch;

use super::store::Stored;

/// A loader's error with its type erased: the cache is generic over the value only, each call
/// names its own error type. Waiters downcast it back.
pub(super) type ErasedError = Arc<dyn Any + Send + Sync>;

/// What a load ended with, as waiters see it.
pub(super) type Outcome<V> = Result<Stored<V>, ErasedError>;

type Channel<V> = Option<Outcome<V>>;

/// Start a flight numbered `id` (the load's generation): the half for the slot and the half
/// for the loader.
pub(super) fn start<V>(id: u64) -> (Flight<V>, Ticket<V>) {
    let (sender, receiver) = watch::channel(None);
    (Flight { id, receiver }, Ticket { id, sender })
}

/// Kept in the key's slot while the load runs.
pub(super) struct Flight<V> {
    id: u64,
    receiver: watch::Receiver<Channel<V>>,
}

impl<V: Clone> Flight<V> {
    pub(super) fn id(&self) -> u64 {
        self.id
    }

    /// Wait on this flight.
    pub(super) fn join(&self) -> Waiter<V> {
        Waiter {
            receiver: self.receiver.clone(),
        }
    }
}

/// The loader's permission to load, and its way to tell the waiters.
pub(super) struct Ticket<V> {
    id: u64,
    sender: watch::Sender<Channel<V>>,
}

impl<V> Ticket<V> {
    pub(super) fn id(&self) -> u64 {
        self.id
    }

    /// Hand the outcome to every waiter.
    pub(super) fn land(&self, outcome: Outcome<V>) {
        self.sender.send_replace(Some(outcome));
    }
}

/// A caller waiting on someone else's load.
pub(super) struct Waiter<V> {
    receiver: watch::Receiver<Channel<V>>,
}

impl<V: Clone> Waiter<V> {
    /// The flight's outcome, or `None` if it was abandoned without one.
    pub(super) async fn outcome(mut self) -> Option<Outcome<V>> {
        let landed = self.receiver.wait_for(Option::is_some).await.ok()?;
        landed.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn every_waiter_gets_the_landed_outcome() {
        let (flight, ticket) = start::<u32>(7);
        let (first, second) = (flight.join(), flight.join());
        let stored = Stored::new(42, Instant::now(), ticket.id());
        ticket.land(Ok(stored));
        for waiter in [first, second] {
            let landed = waiter
                .outcome()
                .await
                .map(|outcome| outcome.map(|s| s.value));
            assert!(matches!(landed, Some(Ok(42))));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_abandoned_flight_releases_its_waiters() {
        let (flight, ticket) = start::<u32>(7);
        let waiter = flight.join();
        drop(ticket);
        assert!(waiter.outcome().await.is_none());
    }
}
