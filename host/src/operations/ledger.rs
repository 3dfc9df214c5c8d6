//! The cleanup ledger: what operations create on users' behalf, written ahead, so nothing
//! leaks whether the operation fails, the daemon stops, or it is killed.
//!
//! 1. Before a create is sent, its intent is recorded *open* and the file is made durable
//!    ([`Ledger::intend`]): the host does this for the servers and floating IPs it creates,
//!    and a driver's `ledger.created` import does it for what the driver creates inside a
//!    call (the WIT contract has drivers report before they upload, e.g. a staging object).
//! 2. When the cloud answers, the id is added ([`Ledger::identify`]).
//! 3. An operation that ends well releases its entries ([`Ledger::release`]). One that
//!    fails has them deleted at once ([`Ledger::clean`]); what cannot be deleted (the
//!    cloud is down, the call timed out) becomes *pending*.
//! 4. On start, every entry left open by the previous process becomes pending: that
//!    operation was interrupted. The sweeper deletes pending entries at once and then every
//!    interval until they are gone; `ListCleanup` shows them meanwhile.
//!
//! Host-created kinds are deleted with the matching driver function (`floating-ip` →
//! `delete-floating-ip`, `server` → `delete-server`); anything a driver recorded goes back
//! to that driver's `cleanup(kind, id)`. Not-found counts as deleted. An entry whose create
//! never answered has no id: the sweeper finds it by its [`Hint`] (see [`super::resolve`]).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::ledger_file::{self, Stored};
use super::record::{CleanupEntry, CleanupState, Hint};
use super::resolve;
use crate::federation::Federation;
use crate::location::CloudRegion;
use crate::plugin::CallError;
use crate::plugin::bindings::wit;

/// Time one deletion attempt may take.
const ATTEMPT_DEADLINE: Duration = Duration::from_secs(60);

/// Something to delete if its operation fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub at: CloudRegion,
    pub kind: String,
    pub id: String,
}

/// Names one open entry, to add its id or withdraw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntentKey(u64);

#[derive(Default)]
struct Book {
    open: Vec<(IntentKey, Stored)>,
    pending: Vec<CleanupEntry>,
    next_key: u64,
}

pub struct Ledger {
    federation: Arc<Federation>,
    book: Mutex<Book>,
    /// Where the entries are kept across restarts; none keeps them in memory only.
    file: Option<PathBuf>,
}

impl Ledger {
    /// A ledger that keeps its entries in `file`, or in memory only. What a previous daemon
    /// left there is pending now: entries it left open belong to interrupted operations.
    pub fn new(federation: Arc<Federation>, file: Option<PathBuf>) -> Self {
        let stored = match &file {
            Some(path) => ledger_file::load(path).unwrap_or_else(|error| {
                tracing::error!(%error, "cannot read the cleanup ledger; starting with none");
                Vec::new()
            }),
            None => Vec::new(),
        };
        let pending: Vec<CleanupEntry> = stored
            .into_iter()
            .map(|entry| {
                if entry.open {
                    let why = format!(
                        "the daemon stopped while operation {} was running",
                        entry.operation_id
                    );
                    entry.into_cleanup(why)
                } else {
                    let why = entry.last_error.clone();
                    entry.into_cleanup(why)
                }
            })
            .collect();
        if !pending.is_empty() {
            tracing::info!(
                pending = pending.len(),
                "resources left by a previous run will be deleted"
            );
        }
        let ledger = Self {
            federation,
            book: Mutex::new(Book {
                pending,
                ..Book::default()
            }),
            file,
        };
        ledger.persist(&ledger.book());
        ledger
    }

    /// Writes every entry to the ledger file, if there is one. Called with the book locked,
    /// so the file follows the changes in order.
    fn persist(&self, book: &Book) {
        let Some(path) = &self.file else {
            return;
        };
        let entries: Vec<Stored> = book
            .open
            .iter()
            .map(|(_, stored)| stored.clone())
            .chain(book.pending.iter().map(Stored::pending))
            .collect();
        if let Err(error) = ledger_file::save(path, &entries) {
            tracing::error!(%error, file = %path.display(), "cannot write the cleanup ledger");
        }
    }

    /// Records, durably, that `operation_id` is creating (or has created) a `kind` at `at`.
    /// `id` is empty when the create has not answered yet; `hint` then says how to find it.
    pub fn intend(
        &self,
        operation_id: &str,
        at: &CloudRegion,
        kind: &str,
        id: &str,
        hint: Hint,
    ) -> IntentKey {
        let mut book = self.book();
        let key = IntentKey(book.next_key);
        book.next_key += 1;
        let since_unix_ms = if hint.since_unix_ms == 0 {
            unix_ms(SystemTime::now())
        } else {
            hint.since_unix_ms
        };
        book.open.push((
            key,
            Stored {
                cloud: at.cloud.clone(),
                region: at.region.clone(),
                kind: kind.to_owned(),
                id: id.to_owned(),
                operation_id: operation_id.to_owned(),
                attempts: 0,
                last_error: String::new(),
                open: true,
                name: hint.name,
                existing: hint.existing,
                since_unix_ms,
            },
        ));
        self.persist(&book);
        key
    }

    /// The create answered: the entry gets its id.
    pub fn identify(&self, key: IntentKey, id: &str) {
        let mut book = self.book();
        if let Some((_, stored)) = book.open.iter_mut().find(|(k, _)| *k == key) {
            stored.id = id.to_owned();
            self.persist(&book);
        }
    }

    /// The create failed, or what it made needs no cleanup: the entry goes.
    pub fn withdraw(&self, key: IntentKey) {
        let mut book = self.book();
        let before = book.open.len();
        book.open.retain(|(k, _)| *k != key);
        if book.open.len() != before {
            self.persist(&book);
        }
    }

    /// The create failed in a way that may still have made something (no answer in time):
    /// the entry becomes pending, for the sweeper to find by its hint and delete.
    pub fn abandon(&self, key: IntentKey, why: &str) {
        let mut book = self.book();
        let Some(index) = book.open.iter().position(|(k, _)| *k == key) else {
            return;
        };
        let (_, stored) = book.open.remove(index);
        book.pending.push(stored.into_cleanup(format!(
            "the create got no answer ({why}); it may have happened"
        )));
        self.persist(&book);
    }

    /// Settles a create's intent after it failed: withdrawn when the cloud surely made
    /// nothing, else abandoned to the sweeper.
    pub fn failed_create(&self, key: IntentKey, error: &CallError) {
        let maybe_made = matches!(
            error,
            CallError::Deadline
                | CallError::Trap { .. }
                | CallError::Driver(wit::Error::Timeout(_))
        );
        if maybe_made {
            self.abandon(key, &error.to_string());
        } else {
            self.withdraw(key);
        }
    }

    /// A driver deleted something it had recorded (`ledger.settled`).
    pub fn settle(&self, operation_id: &str, at: &CloudRegion, kind: &str, id: &str) {
        let mut book = self.book();
        let before = book.open.len();
        book.open.retain(|(_, s)| {
            !(s.operation_id == operation_id
                && s.cloud == at.cloud
                && s.region == at.region
                && s.kind == kind
                && s.id == id)
        });
        if book.open.len() != before {
            self.persist(&book);
        }
    }

    /// The operation's part at `at` is over (it ended well, or [`Ledger::clean`] took its
    /// leftovers): its open entries there go.
    pub fn release(&self, operation_id: &str, at: &CloudRegion) {
        let mut book = self.book();
        let before = book.open.len();
        book.open.retain(|(_, s)| {
            !(s.operation_id == operation_id && s.cloud == at.cloud && s.region == at.region)
        });
        if book.open.len() != before {
            self.persist(&book);
        }
    }

    /// The daemon is stopping while the operation runs: its open entries become pending,
    /// for the sweeper of the next run.
    pub fn interrupt(&self, operation_id: &str) {
        let mut book = self.book();
        let (theirs, others): (Vec<_>, Vec<_>) = std::mem::take(&mut book.open)
            .into_iter()
            .partition(|(_, s)| s.operation_id == operation_id);
        book.open = others;
        if theirs.is_empty() {
            return;
        }
        for (_, stored) in theirs {
            let why = format!("the daemon shut down while operation {operation_id} was running");
            book.pending.push(stored.into_cleanup(why));
        }
        self.persist(&book);
    }

    /// Deletes what a failed operation created, newest first (a floating IP before the
    /// server it was attached to). Returns one entry per item; those still `Pending` stay
    /// in the ledger for the sweeper.
    pub async fn clean(&self, operation_id: &str, created: Vec<Created>) -> Vec<CleanupEntry> {
        let mut outcomes = Vec::with_capacity(created.len());
        for item in created.into_iter().rev() {
            let mut entry = CleanupEntry {
                at: item.at,
                kind: item.kind,
                id: item.id,
                operation_id: operation_id.to_owned(),
                state: CleanupState::Pending,
                attempts: 0,
                last_error: String::new(),
                hint: Hint::default(),
            };
            self.attempt(&mut entry).await;
            if entry.state == CleanupState::Pending {
                tracing::warn!(
                    operation = operation_id, at = %entry.at, kind = entry.kind, id = entry.id,
                    error = entry.last_error, "cleanup failed; the sweeper will retry"
                );
                let mut book = self.book();
                book.pending.push(entry.clone());
                self.persist(&book);
            }
            outcomes.push(entry);
        }
        outcomes
    }

    /// What is still waiting to be deleted.
    pub fn entries(&self) -> Vec<CleanupEntry> {
        self.book().pending.clone()
    }

    /// Entries of operations still running, written ahead (for tests and diagnostics).
    pub fn open_entries(&self) -> Vec<Stored> {
        self.book().open.iter().map(|(_, s)| s.clone()).collect()
    }

    /// Retries every pending entry once; returns how many are still pending.
    pub async fn sweep(&self) -> usize {
        let entries = std::mem::take(&mut self.book().pending);
        let mut still = Vec::new();
        for mut entry in entries {
            self.attempt(&mut entry).await;
            if entry.state == CleanupState::Pending {
                still.push(entry);
            } else {
                tracing::info!(
                    at = %entry.at, kind = entry.kind, id = entry.id,
                    operation = entry.operation_id, "swept"
                );
            }
        }
        let mut book = self.book();
        book.pending.extend(still);
        self.persist(&book);
        book.pending.len()
    }

    /// Sweeps at once (what a previous run left) and then every `interval`, until the
    /// returned handle is dropped or aborted.
    pub fn spawn_sweeper(self: &Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let ledger = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            loop {
                ticker.tick().await;
                let Some(ledger) = ledger.upgrade() else {
                    return;
                };
                if !ledger.book().pending.is_empty() {
                    ledger.sweep().await;
                }
            }
        })
    }

    async fn attempt(&self, entry: &mut CleanupEntry) {
        entry.attempts += 1;
        match self.delete(entry).await {
            Ok(()) => {
                entry.state = CleanupState::Deleted;
                entry.last_error.clear();
            }
            Err(message) => entry.last_error = message,
        }
    }

    async fn delete(&self, entry: &mut CleanupEntry) -> Result<(), String> {
        let target = self
            .federation
            .target("cleanup", &entry.at)
            .map_err(|e| e.to_string())?;
        let plugin = self
            .federation
            .plugin_for(&target)
            .map_err(|e| e.to_string())?;
        let call = || {
            self.federation
                .driver_call(&target, plugin.clone(), Instant::now() + ATTEMPT_DEADLINE)
        };
        if entry.id.is_empty() {
            match resolve::find(call(), &entry.kind, &entry.hint).await? {
                Some(id) => {
                    tracing::info!(at = %entry.at, kind = entry.kind, id, "found the resource of an unanswered create");
                    entry.id = id;
                }
                // The create never took effect: nothing to delete.
                None => return Ok(()),
            }
        }
        let outcome = match entry.kind.as_str() {
            "floating-ip" => call().delete_floating_ip(&entry.id).await,
            "server" => call().delete_server(&entry.id).await,
            kind => call().cleanup(kind, &entry.id).await,
        };
        match outcome {
            Ok(()) | Err(CallError::Driver(wit::Error::NotFound(_))) => Ok(()),
            Err(error) => Err(error.to_string()),
        }
    }

    fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `time` in Unix milliseconds (0 before the epoch).
pub fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// What a driver reports through its `ledger` import, recorded for one operation at one
/// location: `created` is written ahead before the driver's next request goes out.
pub struct OperationLedger {
    pub ledger: Arc<Ledger>,
    pub operation_id: String,
    pub at: CloudRegion,
}

impl crate::plugin::LedgerSink for OperationLedger {
    fn created(&self, kind: &str, id: &str) {
        self.ledger
            .intend(&self.operation_id, &self.at, kind, id, Hint::default());
    }

    fn settled(&self, kind: &str, id: &str) {
        self.ledger.settle(&self.operation_id, &self.at, kind, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::FederationSettings;
    use crate::plugin::{Registry, Runtime, RuntimeSettings};

    fn federation() -> Arc<Federation> {
        let runtime = Arc::new(Runtime::new(RuntimeSettings::default()).unwrap());
        Arc::new(Federation::new(
            Arc::new(Registry::new(runtime)),
            Vec::new(),
            FederationSettings {
                max_concurrency: 1,
                default_deadline: Duration::from_secs(1),
                max_deadline: Duration::from_secs(1),
                profile_map: Default::default(),
                expirations: Default::default(),
            },
        ))
    }

    fn at() -> CloudRegion {
        CloudRegion::new("alpha", "one")
    }

    #[test]
    fn an_intent_is_on_disk_before_the_create_and_gets_its_id_after() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(ledger_file::FILE_NAME);
        let ledger = Ledger::new(federation(), Some(file.clone()));
        let hint = Hint {
            name: "web".into(),
            ..Hint::default()
        };
        let key = ledger.intend("op-1", &at(), "server", "", hint);

        let written = ledger_file::load(&file).unwrap();
        assert_eq!(written.len(), 1);
        assert!(written[0].open);
        assert_eq!(
            (written[0].kind.as_str(), written[0].id.as_str()),
            ("server", "")
        );
        assert_eq!(written[0].name, "web");
        assert!(written[0].since_unix_ms > 0);

        ledger.identify(key, "srv-1");
        assert_eq!(ledger_file::load(&file).unwrap()[0].id, "srv-1");
        ledger.release("op-1", &at());
        assert!(ledger_file::load(&file).unwrap().is_empty());
    }

    #[test]
    fn what_a_dead_process_left_open_is_pending_for_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(ledger_file::FILE_NAME);
        let first = Ledger::new(federation(), Some(file.clone()));
        let key = first.intend("op-1", &at(), "floating-ip", "", Hint::default());
        first.identify(key, "fip-1");
        first.intend("op-2", &at(), "object", "images/golden", Hint::default());
        let withdrawn = first.intend("op-3", &at(), "server", "", Hint::default());
        first.withdraw(withdrawn);
        first.settle("op-2", &at(), "object", "images/golden");
        first.intend("op-2", &at(), "image", "img-1", Hint::default());
        drop(first);

        let second = Ledger::new(federation(), Some(file.clone()));
        let pending: Vec<(String, String, String)> = second
            .entries()
            .into_iter()
            .map(|e| (e.operation_id, e.kind, e.id))
            .collect();
        assert_eq!(
            pending,
            [("op-1", "floating-ip", "fip-1"), ("op-2", "image", "img-1")].map(|(o, k, i)| (
                o.to_owned(),
                k.to_owned(),
                i.to_owned()
            ))
        );
        assert!(
            second.entries()[0]
                .last_error
                .contains("the daemon stopped while operation op-1 was running")
        );
        let on_disk = ledger_file::load(&file).unwrap();
        assert!(on_disk.iter().all(|e| !e.open), "{on_disk:?}");
    }

    #[test]
    fn an_interrupted_operation_leaves_its_entries_pending() {
        let ledger = Ledger::new(federation(), None);
        ledger.intend("op-1", &at(), "server", "srv-1", Hint::default());
        ledger.intend("op-2", &at(), "server", "srv-2", Hint::default());
        ledger.interrupt("op-1");
        let pending = ledger.entries();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].id, "srv-1");
        assert!(pending[0].last_error.contains("shut down"));
        assert_eq!(ledger.open_entries().len(), 1);
    }

    #[test]
    fn a_create_without_an_answer_is_left_to_the_sweeper_and_a_refused_one_is_forgotten() {
        let ledger = Ledger::new(federation(), None);
        let refused = ledger.intend("op-1", &at(), "server", "", Hint::default());
        ledger.failed_create(
            refused,
            &CallError::Driver(wit::Error::Conflict("quota".into())),
        );
        assert!(ledger.entries().is_empty());
        let unanswered = ledger.intend("op-1", &at(), "floating-ip", "", Hint::default());
        ledger.failed_create(unanswered, &CallError::Deadline);
        let pending = ledger.entries();
        assert_eq!(pending.len(), 1);
        assert_eq!(
            (pending[0].kind.as_str(), pending[0].id.as_str()),
            ("floating-ip", "")
        );
        assert!(ledger.open_entries().is_empty());
    }
}
