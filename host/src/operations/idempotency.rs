//! Creates made idempotent by a client's `request_id`.
//!
//! A client that lost the answer to a create (a dropped connection, a deadline) cannot tell
//! whether it took effect; retrying with the same `request_id` is safe:
//!
//! 1. the first create with an id records it (per RPC method) before it runs, with a
//!    fingerprint of the request;
//! 2. a repeat with the same fingerprint waits for the first's outcome and answers it, without
//!    creating again; concurrent repeats all wait for the one create;
//! 3. a repeat with another fingerprint is refused: the id already names another request;
//! 4. a create that failed is not remembered, so the next repeat runs it again (a failed
//!    create left nothing to duplicate);
//! 5. ids are forgotten after the window (config `idempotency_window_s`); the table holds at
//!    most [`MAX_ENTRIES`], beyond which new ids run without protection (and a warning).

use std::any::Any;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::error::Error;

/// Remembered ids at most: at 10 minutes' window, a sustained 16 creates per second.
pub const MAX_ENTRIES: usize = 10_000;

type Outcome = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

struct Entry {
    fingerprint: u64,
    recorded: Instant,
    outcome: Outcome,
}

/// The daemon's table of recent request ids.
pub struct Idempotency {
    window: Duration,
    entries: Mutex<HashMap<(&'static str, String), Entry>>,
}

/// A fingerprint of a request: its `Debug` form, hashed. Callers pass requests whose maps are
/// sorted (the domain requests), so equal requests print equally.
pub fn fingerprint(request: &impl std::fmt::Debug) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    format!("{request:?}").hash(&mut hasher);
    hasher.finish()
}

impl Idempotency {
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `create` unless `request_id` (non-empty) was used for `method` within the window;
    /// then answers the first create's value. `field` names the request id in errors.
    pub async fn run<T, E, F, Fut>(
        &self,
        method: &'static str,
        field: &str,
        request_id: &str,
        fingerprint: u64,
        create: F,
    ) -> Result<T, E>
    where
        T: Clone + Send + Sync + 'static,
        E: From<Error>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if request_id.is_empty() {
            return create().await;
        }
        let Some(outcome) = self.outcome(method, field, request_id, fingerprint)? else {
            return create().await;
        };
        let value = outcome
            .get_or_try_init(|| async {
                let value = create().await?;
                Ok::<_, E>(Arc::new(value) as Arc<dyn Any + Send + Sync>)
            })
            .await?;
        match value.downcast_ref::<T>() {
            Some(value) => Ok(value.clone()),
            // Only if one method name were used with two answer types: a bug, not the client's.
            None => Err(E::from(Error::InvalidArgument {
                field: field.to_owned(),
                message: format!("request ids of {method} answer another type; report this bug"),
            })),
        }
    }

    /// The shared outcome cell for the id, made if new; None when the table is full.
    fn outcome(
        &self,
        method: &'static str,
        field: &str,
        request_id: &str,
        fingerprint: u64,
    ) -> Result<Option<Outcome>, Error> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let key = (method, request_id.to_owned());
        if let Some(entry) = entries.get(&key)
            && now.duration_since(entry.recorded) < self.window
        {
            if entry.fingerprint != fingerprint {
                return Err(Error::InvalidArgument {
                    field: field.to_owned(),
                    message: format!(
                        "this request id was used for a different {method} request within the \
                         last {} s; use a new id for a new request",
                        self.window.as_secs()
                    ),
                });
            }
            return Ok(Some(entry.outcome.clone()));
        }
        // Forget expired ids, and failed creates (their cells stayed empty) no one waits for.
        let window = self.window;
        entries.retain(|_, e| {
            now.duration_since(e.recorded) < window
                && (e.outcome.initialized() || Arc::strong_count(&e.outcome) > 1)
        });
        if entries.len() >= MAX_ENTRIES {
            tracing::warn!(
                method,
                limit = MAX_ENTRIES,
                "too many recent request ids to remember another; this create runs unprotected"
            );
            return Ok(None);
        }
        let outcome: Outcome = Arc::new(OnceCell::new());
        entries.insert(
            key,
            Entry {
                fingerprint,
                recorded: now,
                outcome: outcome.clone(),
            },
        );
        Ok(Some(outcome))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    async fn create(
        table: &Idempotency,
        id: &str,
        request: &str,
        made: &AtomicU32,
    ) -> Result<u32, Error> {
        table
            .run(
                "CreateThing",
                "request_id",
                id,
                fingerprint(&request),
                || async {
                    tokio::task::yield_now().await;
                    Ok(made.fetch_add(1, Ordering::SeqCst) + 1)
                },
            )
            .await
    }

    #[tokio::test]
    async fn repeats_of_one_request_id_create_once_and_answer_the_first_result() {
        let table = Idempotency::new(Duration::from_secs(600));
        let made = AtomicU32::new(0);
        let answers =
            futures::future::join_all((0..8).map(|_| create(&table, "id-1", "thing", &made))).await;
        assert_eq!(made.load(Ordering::SeqCst), 1);
        assert!(
            answers.iter().all(|a| *a.as_ref().unwrap() == 1),
            "{answers:?}"
        );
        // Without an id, or with another one, every create runs.
        create(&table, "", "thing", &made).await.unwrap();
        create(&table, "id-2", "thing", &made).await.unwrap();
        assert_eq!(made.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_request_id_reused_for_another_request_is_refused() {
        let table = Idempotency::new(Duration::from_secs(600));
        let made = AtomicU32::new(0);
        create(&table, "id-1", "thing", &made).await.unwrap();
        let error = create(&table, "id-1", "other thing", &made)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::InvalidArgument { field, .. } if field == "request_id"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_failed_create_is_not_remembered() {
        let table = Idempotency::new(Duration::from_secs(600));
        let failed: Result<u32, Error> = table
            .run("CreateThing", "request_id", "id-1", 7, || async {
                Err(Error::InvalidArgument {
                    field: "name".to_owned(),
                    message: "bad".to_owned(),
                })
            })
            .await;
        assert!(failed.is_err());
        let made = AtomicU32::new(0);
        let again: Result<u32, Error> = table
            .run("CreateThing", "request_id", "id-1", 7, || async {
                Ok(made.fetch_add(1, Ordering::SeqCst) + 1)
            })
            .await;
        assert_eq!(again.unwrap(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn ids_are_forgotten_after_the_window() {
        let table = Idempotency::new(Duration::from_secs(600));
        let made = AtomicU32::new(0);
        create(&table, "id-1", "thing", &made).await.unwrap();
        tokio::time::advance(Duration::from_secs(601)).await;
        assert_eq!(create(&table, "id-1", "thing", &made).await.unwrap(), 2);
    }
}
