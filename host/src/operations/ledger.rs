//! The cleanup ledger: what operations created on users' behalf and must not leak.
//!
//! When an operation fails, everything it recorded (a floating IP the host allocated, a
//! server that ended in ERROR, the image record or staging object a driver reported through
//! the WIT `ledger` import) is deleted at once. What cannot be deleted (the cloud is down,
//! the call timed out) stays here, and the sweeper retries it until it is gone; the
//! `ListCleanup` RPC shows it. Nothing is only logged, and the pending entries are kept in a
//! file in the work directory (`ledger_file`), so a restart resumes them.
//!
//! Host-created kinds are deleted with the matching driver function (`floating-ip` →
//! `delete-floating-ip`, `server` → `delete-server`); anything a driver recorded goes back
//! to that driver's `cleanup(kind, id)`. Not-found counts as deleted.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use super::ledger_file;
use super::record::{CleanupEntry, CleanupState};
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

pub struct Ledger {
    federation: Arc<Federation>,
    pending: Mutex<Vec<CleanupEntry>>,
    /// Where the pending entries are kept across restarts; none keeps them in memory only.
    file: Option<PathBuf>,
}

impl Ledger {
    /// A ledger that keeps its pending entries in `file` (loading what a previous daemon
    /// left there), or in memory only.
    pub fn new(federation: Arc<Federation>, file: Option<PathBuf>) -> Self {
        let pending = match &file {
            Some(path) => ledger_file::load(path).unwrap_or_else(|error| {
                tracing::error!(%error, "cannot read the cleanup ledger; starting with none");
                Vec::new()
            }),
            None => Vec::new(),
        };
        if !pending.is_empty() {
            tracing::info!(
                pending = pending.len(),
                "cleanups left by a previous run will be retried"
            );
        }
        Self {
            federation,
            pending: Mutex::new(pending),
            file,
        }
    }

    /// Writes the pending entries to the ledger file, if there is one.
    fn persist(&self, pending: &[CleanupEntry]) {
        if let Some(path) = &self.file
            && let Err(error) = ledger_file::save(path, pending)
        {
            tracing::error!(%error, file = %path.display(), "cannot write the cleanup ledger");
        }
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
            };
            self.attempt(&mut entry).await;
            if entry.state == CleanupState::Pending {
                tracing::warn!(
                    operation = operation_id, at = %entry.at, kind = entry.kind, id = entry.id,
                    error = entry.last_error, "cleanup failed; the sweeper will retry"
                );
                let mut pending = self.pending();
                pending.push(entry.clone());
                self.persist(&pending);
            }
            outcomes.push(entry);
        }
        outcomes
    }

    /// What is still waiting to be deleted.
    pub fn entries(&self) -> Vec<CleanupEntry> {
        self.pending().clone()
    }

    /// Retries every pending entry once; returns how many are still pending.
    pub async fn sweep(&self) -> usize {
        let entries = std::mem::take(&mut *self.pending());
        let mut still = Vec::new();
        for mut entry in entries {
            self.attempt(&mut entry).await;
            if entry.state == CleanupState::Pending {
                still.push(entry);
            } else {
                tracing::info!(at = %entry.at, kind = entry.kind, id = entry.id, "swept");
            }
        }
        let mut pending = self.pending();
        pending.extend(still);
        self.persist(&pending);
        pending.len()
    }

    /// Sweeps every `interval` until the returned handle is dropped or aborted.
    pub fn spawn_sweeper(self: &Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let ledger = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let Some(ledger) = ledger.upgrade() else {
                    return;
                };
                if !ledger.pending().is_empty() {
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

    async fn delete(&self, entry: &CleanupEntry) -> Result<(), String> {
        let target = self
            .federation
            .target("cleanup", &entry.at)
            .map_err(|e| e.to_string())?;
        let plugin = self
            .federation
            .plugin_for(&target)
            .map_err(|e| e.to_string())?;
        let call = self
            .federation
            .driver_call(&target, plugin, Instant::now() + ATTEMPT_DEADLINE);
        let outcome = match entry.kind.as_str() {
            "floating-ip" => call.delete_floating_ip(&entry.id).await,
            "server" => call.delete_server(&entry.id).await,
            kind => call.cleanup(kind, &entry.id).await,
        };
        match outcome {
            Ok(()) | Err(CallError::Driver(wit::Error::NotFound(_))) => Ok(()),
            Err(error) => Err(error.to_string()),
        }
    }

    fn pending(&self) -> MutexGuard<'_, Vec<CleanupEntry>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}
