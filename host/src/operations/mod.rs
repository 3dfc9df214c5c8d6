//! Long operations: booting and deleting servers with streamed waits, and creating an image
//! everywhere. Each runs as its own task, reporting through an [`OperationHandle`] that any
//! number of clients can watch, from the start, on any connection. The daemon polls the
//! clouds (every poll is a driver call under the cloud-region's limits); clients only read.
//!
//! - [`registry`]: running and finished operations, their event logs and watchers.
//! - [`ledger`]: what failed operations created on the user's behalf, deleted or retried.
//! - [`servers`]: create (resolve names, boot, auto IP, wait) and delete (wait until gone).
//! - [`images`]: store the bytes once, convert per needed disk format, upload everywhere.
//! - [`disk`]: `qemu-img` detection and conversion.
//! - [`upload`], [`source_path`]: where an image's bytes come from (a client's stream, or a
//!   file under the config's `upload_dirs`); [`keyed_lock`]: uploads of one image name to one
//!   location take turns.
//! - [`idempotency`]: a client's `request_id` makes a create happen once.

pub mod disk;
pub mod idempotency;
pub mod images;
pub mod keyed_lock;
pub mod ledger;
pub mod ledger_file;
pub mod record;
pub mod registry;
pub mod servers;
pub mod source_path;
pub mod upload;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use ledger::{Created, Ledger};
pub use record::{
    CleanupEntry, CleanupState, Event, EventBody, OperationKind, OperationRecord, OperationState,
    Progress,
};
pub use registry::{OperationHandle, OperationRegistry};

use crate::federation::Federation;
use crate::location::CloudRegion;

#[derive(Debug, Clone)]
pub struct OperationSettings {
    /// Where uploaded and converted images are kept while an operation runs, and the
    /// cleanup ledger's file. One daemon per work directory.
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
            work_dir: std::env::temp_dir().join("oaktree-work"),
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
}

impl Operations {
    /// Must be called inside a tokio runtime (it starts the ledger's sweeper).
    pub fn new(federation: Arc<Federation>, settings: OperationSettings) -> Self {
        let file = settings.work_dir.join(ledger_file::FILE_NAME);
        let ledger = Arc::new(Ledger::new(federation.clone(), Some(file)));
        let sweeper = ledger.spawn_sweeper(settings.sweep_interval);
        Self {
            federation,
            registry: OperationRegistry::new(),
            ledger,
            settings,
            sweeper,
            image_locks: keyed_lock::KeyedLocks::default(),
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
}

impl Drop for Operations {
    fn drop(&mut self) {
        self.sweeper.abort();
    }
}
