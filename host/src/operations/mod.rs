//! Long operations: booting and deleting servers with streamed waits, and creating an image
//! everywhere. Each runs as its own task, reporting through an [`OperationHandle`] that any
//! number of clients can watch, from the start, on any connection. The daemon polls the
//! clouds (every poll is a driver call under the cloud-region's limits); clients only read.
//!
//! Crash safety: what an operation creates is written ahead to the cleanup ledger, and its
//! record is written when it starts and ends, both in the work directory. A new process
//! reads them back: interrupted operations read as failed, their leftovers are swept, and
//! stale upload files are removed ([`Operations::new`]). On shutdown, operations get the
//! grace period to finish and are then interrupted ([`Operations::shutdown`]).
//!
//! - [`registry`]: running and finished operations, their event logs and watchers.
//! - [`store`]: the records on disk.
//! - [`ledger`]: what operations created on the user's behalf, written ahead; deleted or
//!   retried when they fail. [`ledger_file`] keeps it on disk; [`resolve`] finds what a
//!   create made when the daemon stopped before its answer.
//! - [`servers`]: create (resolve names, boot, auto IP, wait) and delete (wait until gone).
//! - [`images`]: store the bytes once, convert per needed disk format, upload everywhere.
//! - [`disk`]: `qemu-img` detection and conversion.
//! - [`upload`], [`source_path`]: where an image's bytes come from (a client's stream, or a
//!   file under the config's `upload_dirs`); [`keyed_lock`]: uploads of one image name to one
//!   location take turns.
//! - [`idempotency`]: a client's `request_id` makes a create happen once.
//! - [`durable`]: atomic, fsynced file writes and the private work directory.

pub mod disk;
pub mod durable;
pub mod idempotency;
pub mod images;
pub mod keyed_lock;
pub mod ledger;
pub mod ledger_file;
pub mod record;
pub mod registry;
pub mod resolve;
pub mod servers;
pub mod source_path;
pub mod store;
pub mod upload;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use ledger::{Created, Ledger};
pub use record::{
    CleanupEntry, CleanupState, Event, EventBody, Hint, OperationKind, OperationRecord,
    OperationState, Progress,
};
pub use registry::{OperationHandle, OperationRegistry};

use crate::federation::Federation;
use crate::location::CloudRegion;

/// The error of an operation still running when the daemon shut down.
pub const SHUT_DOWN: &str = "interrupted: the daemon shut down before the operation finished; what it had created is in the cleanup ledger";

#[derive(Debug, Clone)]
pub struct OperationSettings {
    /// Where uploaded and converted images are kept while an operation runs, the operation
    /// records and the cleanup ledger's file. One daemon per work directory.
    pub work_dir: PathBuf,
    /// The `qemu-img` binary.
    pub qemu_img: PathBuf,
    /// How often the ledger retries cleanups that failed.
    pub sweep_interval: Duration,
    /// Directories a client's `source_path` may name files in (config `upload_dirs`).
    pub upload_dirs: Vec<PathBuf>,
    /// The largest streamed upload accepted (config `max_upload_bytes`).
    pub max_upload_bytes: u64,
    /// How long a create's `request_id` is remembered (config `idempotency_window_s`).
    pub idempotency_window: Duration,
}

impl Default for OperationSettings {
    fn default() -> Self {
        Self {
            work_dir: crate::config::default_work_dir()
                .unwrap_or_else(|| std::env::temp_dir().join("oaktree-work")),
            qemu_img: PathBuf::from("qemu-img"),
            sweep_interval: Duration::from_secs(30),
            upload_dirs: Vec::new(),
            max_upload_bytes: 64 << 30,
            idempotency_window: Duration::from_secs(600),
        }
    }
}

/// The operations side of the daemon.
pub struct Operations {
    pub(crate) federation: Arc<Federation>,
    pub(crate) registry: OperationRegistry,
    pub(crate) ledger: Arc<Ledger>,
    pub(crate) settings: OperationSettings,
    sweeper: tokio::task::JoinHandle<()>,
    /// Uploads of one image name to one location take turns (see [`images`]).
    pub(crate) image_locks: keyed_lock::KeyedLocks<(CloudRegion, String)>,
    /// Cancelled when the daemon stops: operation tasks end at their next await.
    stopping: CancellationToken,
}

impl Operations {
    /// Must be called inside a tokio runtime (it starts the ledger's sweeper). Takes over
    /// the work directory: creates it (owner-only), removes upload files a previous process
    /// left, serves its operation records, and sweeps what its ledger holds.
    pub fn new(federation: Arc<Federation>, settings: OperationSettings) -> Self {
        if let Err(error) = durable::create_private_dir(&settings.work_dir) {
            tracing::error!(%error, work_dir = %settings.work_dir.display(), "cannot create the work directory");
        }
        remove_stale_uploads(&settings.work_dir);
        let file = settings.work_dir.join(ledger_file::FILE_NAME);
        let ledger = Arc::new(Ledger::new(federation.clone(), Some(file)));
        let sweeper = ledger.spawn_sweeper(settings.sweep_interval);
        let registry = OperationRegistry::with_store(store::RecordStore::new(&settings.work_dir));
        Self {
            federation,
            registry,
            ledger,
            settings,
            sweeper,
            image_locks: keyed_lock::KeyedLocks::default(),
            stopping: CancellationToken::new(),
        }
    }

    pub fn registry(&self) -> &OperationRegistry {
        &self.registry
    }

    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    pub fn settings(&self) -> &OperationSettings {
        &self.settings
    }

    /// Runs an operation's task; it stops at its next await once the daemon stops.
    pub(crate) fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let stopping = self.stopping.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = stopping.cancelled() => {}
                () = task => {}
            }
        });
    }

    /// Lets running operations finish until `deadline`, then records those still running as
    /// interrupted (their ledger entries become pending, for the next run's sweeper) and
    /// stops their tasks. Returns how many were interrupted.
    pub async fn shutdown(&self, deadline: tokio::time::Instant) -> usize {
        while !self.registry.running().is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let running = self.registry.running();
        for op in &running {
            let id = op.id();
            self.ledger.interrupt(&id);
            op.interrupt(SHUT_DOWN);
            tracing::debug!(operation = id, "operation interrupted by the shutdown");
        }
        self.stopping.cancel();
        self.sweeper.abort();
        running.len()
    }
}

impl Drop for Operations {
    fn drop(&mut self) {
        self.sweeper.abort();
        self.stopping.cancel();
    }
}

/// Removes what operations of a previous process left in the work directory: upload files
/// (`upload-*`), conversion directories (`op-*`) and half-written temporaries (`*.tmp`).
/// One daemon per work directory, so none of them is in use.
fn remove_stale_uploads(work_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(work_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let removed = if name.starts_with("upload-") || name.ends_with(".tmp") {
            std::fs::remove_file(&path)
        } else if name.starts_with("op-") && path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            continue;
        };
        match removed {
            Ok(()) => tracing::info!(file = %path.display(), "removed a stale upload file"),
            Err(error) => {
                tracing::warn!(%error, file = %path.display(), "cannot remove a stale upload file")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_uploads_and_conversions_go_and_the_records_stay() {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path();
        std::fs::write(work.join("upload-1a2b"), b"bytes").unwrap();
        std::fs::write(work.join("cleanup-ledger.json.tmp"), b"half").unwrap();
        std::fs::create_dir_all(work.join("op-1-2")).unwrap();
        std::fs::write(work.join("op-1-2").join("image.raw"), b"x").unwrap();
        std::fs::write(work.join(ledger_file::FILE_NAME), b"[]").unwrap();
        std::fs::create_dir_all(work.join(store::DIR_NAME)).unwrap();

        remove_stale_uploads(work);

        let mut left: Vec<String> = std::fs::read_dir(work)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec![ledger_file::FILE_NAME, store::DIR_NAME]);
    }
}
