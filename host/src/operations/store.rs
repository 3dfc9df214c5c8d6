//! Operation records on disk, so `ListOperations` and `GetOperation` answer across a
//! restart. One JSON file per operation in `<work_dir>/operations/`, replaced durably when
//! the operation starts and when it ends ([`super::durable::write_atomic`]).
//!
//! On start, [`load`] reads every file: a record still `running` belonged to a process that
//! died, and reads from then on as failed and interrupted ("the daemon restarted"), written
//! back so. Files older than the retention are removed. What is kept is the record (state,
//! per-location progress and status, error, cleanup); the servers and images it reported are
//! not (their ids stay in each location's `resource_id`).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::durable;
use super::ledger::unix_ms;
use super::ledger_file::Stored;
use super::record::{CleanupState, OperationKind, OperationRecord, OperationState, Progress};
use crate::federation::LocationStatus;
use crate::federation::status::{AnswerSource, StatusKind};
use crate::location::CloudRegion;

/// The directory of records inside the work directory.
pub const DIR_NAME: &str = "operations";

/// The error of an operation the previous process did not finish.
pub const RESTARTED: &str = "interrupted: the daemon restarted while the operation was running; what it had created is in the cleanup ledger";

#[derive(Debug, Serialize, Deserialize)]
struct StoredRecord {
    id: String,
    kind: String,
    state: String,
    #[serde(default)]
    interrupted: bool,
    started_unix_ms: u64,
    #[serde(default)]
    finished_unix_ms: u64,
    #[serde(default)]
    error: String,
    locations: Vec<StoredProgress>,
    #[serde(default)]
    cleanup: Vec<StoredCleanup>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredProgress {
    cloud: String,
    region: String,
    phase: String,
    message: String,
    resource_id: String,
    /// The status kind's label, when the location finished.
    status: Option<String>,
    #[serde(default)]
    status_message: String,
    #[serde(default)]
    elapsed_ms: u64,
    #[serde(default)]
    http_attempts: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredCleanup {
    entry: Stored,
    deleted: bool,
}

/// Where operation records are kept.
pub struct RecordStore {
    dir: PathBuf,
}

impl RecordStore {
    pub fn new(work_dir: &Path) -> Self {
        Self {
            dir: work_dir.join(DIR_NAME),
        }
    }

    /// Writes `record` (at start, and at its end).
    pub fn save(&self, record: &OperationRecord) {
        let path = self.dir.join(format!("{}.json", record.id));
        let written = serde_json::to_vec_pretty(&to_stored(record))
            .map_err(std::io::Error::other)
            .and_then(|bytes| durable::write_atomic(&path, &bytes));
        if let Err(error) = written {
            tracing::error!(%error, file = %path.display(), "cannot write the operation record");
        }
    }

    /// Removes the record of an operation no longer kept.
    pub fn remove(&self, id: &str) {
        let _ = std::fs::remove_file(self.dir.join(format!("{id}.json")));
    }

    /// Every record kept, running ones turned into interrupted failures; records finished
    /// longer than `retention` ago are removed.
    pub fn load(&self, retention: Duration) -> Vec<OperationRecord> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut records = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let stored: Result<StoredRecord, String> = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()));
            let mut record = match stored.map(from_stored) {
                Ok(Some(record)) => record,
                Ok(None) | Err(_) => {
                    tracing::warn!(file = %path.display(), "not an operation record; ignored");
                    continue;
                }
            };
            if record.state == OperationState::Running {
                interrupt(&mut record, RESTARTED);
                self.save(&record);
                tracing::info!(
                    operation = record.id,
                    "operation interrupted by the restart"
                );
            }
            let old = record
                .finished_at
                .and_then(|f| f.elapsed().ok())
                .is_some_and(|age| age > retention);
            if old {
                let _ = std::fs::remove_file(&path);
                continue;
            }
            records.push(record);
        }
        records
    }
}

/// Ends a running record as failed and interrupted, with `why`.
pub fn interrupt(record: &mut OperationRecord, why: &str) {
    record.state = OperationState::Failed;
    record.interrupted = true;
    record.error = why.to_owned();
    record.finished_at = Some(SystemTime::now());
    for progress in &mut record.locations {
        if progress.status.is_none() {
            progress.phase = "interrupted".to_owned();
            progress.message = why.to_owned();
        }
    }
}

fn to_stored(record: &OperationRecord) -> StoredRecord {
    StoredRecord {
        id: record.id.clone(),
        kind: record.kind.label().to_owned(),
        state: state_label(record.state).to_owned(),
        interrupted: record.interrupted,
        started_unix_ms: unix_ms(record.started_at),
        finished_unix_ms: record.finished_at.map(unix_ms).unwrap_or(0),
        error: record.error.clone(),
        locations: record
            .locations
            .iter()
            .map(|p| StoredProgress {
                cloud: p.at.cloud.clone(),
                region: p.at.region.clone(),
                phase: p.phase.clone(),
                message: p.message.clone(),
                resource_id: p.resource_id.clone(),
                status: p.status.as_ref().map(|s| s.kind.label().to_owned()),
                status_message: p
                    .status
                    .as_ref()
                    .map(|s| s.message.clone())
                    .unwrap_or_default(),
                elapsed_ms: p
                    .status
                    .as_ref()
                    .map(|s| s.elapsed.as_millis() as u64)
                    .unwrap_or(0),
                http_attempts: p.status.as_ref().map(|s| s.http_attempts).unwrap_or(0),
            })
            .collect(),
        cleanup: record
            .cleanup
            .iter()
            .map(|c| StoredCleanup {
                entry: Stored::pending(c),
                deleted: c.state == CleanupState::Deleted,
            })
            .collect(),
    }
}

fn from_stored(stored: StoredRecord) -> Option<OperationRecord> {
    let kind = [
        OperationKind::CreateServer,
        OperationKind::DeleteServer,
        OperationKind::CreateImage,
    ]
    .into_iter()
    .find(|k| k.label() == stored.kind)?;
    let state = [
        OperationState::Running,
        OperationState::Succeeded,
        OperationState::Partial,
        OperationState::Failed,
    ]
    .into_iter()
    .find(|s| state_label(*s) == stored.state)?;
    let time = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
    Some(OperationRecord {
        id: stored.id,
        kind,
        state,
        interrupted: stored.interrupted,
        started_at: time(stored.started_unix_ms),
        finished_at: (stored.finished_unix_ms > 0).then(|| time(stored.finished_unix_ms)),
        error: stored.error,
        locations: stored
            .locations
            .into_iter()
            .map(|p| {
                let at = CloudRegion::new(p.cloud, p.region);
                let status = p.status.and_then(|label| status_kind(&label)).map(|kind| {
                    let mut status = LocationStatus::ok(
                        at.clone(),
                        usize::from(kind == StatusKind::Ok),
                        Duration::from_millis(p.elapsed_ms),
                    );
                    status.kind = kind;
                    status.message = p.status_message;
                    status.http_attempts = p.http_attempts;
                    status.source = AnswerSource::Cloud;
                    status
                });
                Progress {
                    phase: p.phase,
                    message: p.message,
                    resource_id: p.resource_id,
                    status,
                    ..Progress::new(at)
                }
            })
            .collect(),
        servers: Vec::new(),
        images: Vec::new(),
        cleanup: stored
            .cleanup
            .into_iter()
            .map(|c| {
                let why = c.entry.last_error.clone();
                let mut entry = c.entry.into_cleanup(why);
                if c.deleted {
                    entry.state = CleanupState::Deleted;
                }
                entry
            })
            .collect(),
    })
}

fn state_label(state: OperationState) -> &'static str {
    match state {
        OperationState::Running => "running",
        OperationState::Succeeded => "succeeded",
        OperationState::Partial => "partial",
        OperationState::Failed => "failed",
    }
}

fn status_kind(label: &str) -> Option<StatusKind> {
    [
        StatusKind::Ok,
        StatusKind::Unavailable,
        StatusKind::Unauthorized,
        StatusKind::Forbidden,
        StatusKind::Timeout,
        StatusKind::Throttled,
        StatusKind::Invalid,
        StatusKind::Internal,
        StatusKind::Unsupported,
        StatusKind::NotFound,
    ]
    .into_iter()
    .find(|k| k.label() == label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::OperationRegistry;

    fn at() -> CloudRegion {
        CloudRegion::new("alpha", "one")
    }

    #[test]
    fn a_finished_record_reads_back_with_its_state_locations_and_status() {
        let dir = tempfile::tempdir().unwrap();
        let store = RecordStore::new(dir.path());
        let registry = OperationRegistry::new();
        let op = registry.start(OperationKind::CreateServer, &[at()]);
        op.progress(&at(), |p| p.resource_id = "srv-1".into());
        op.finish_location(LocationStatus::ok(at(), 1, Duration::from_millis(5)));
        op.finish(None);
        store.save(&op.snapshot());

        let loaded = store.load(Duration::from_secs(3600));
        assert_eq!(loaded.len(), 1);
        let record = &loaded[0];
        assert_eq!(record.id, op.id());
        assert_eq!(record.state, OperationState::Succeeded);
        assert!(!record.interrupted);
        assert_eq!(record.locations[0].resource_id, "srv-1");
        assert!(record.locations[0].status.as_ref().unwrap().is_ok());
    }

    #[test]
    fn a_record_left_running_reads_as_failed_because_the_daemon_restarted() {
        let dir = tempfile::tempdir().unwrap();
        let store = RecordStore::new(dir.path());
        let registry = OperationRegistry::new();
        let op = registry.start(OperationKind::CreateImage, &[at()]);
        op.phase(&at(), "uploading", "");
        store.save(&op.snapshot());

        let loaded = store.load(Duration::from_secs(3600));
        let record = &loaded[0];
        assert_eq!(record.state, OperationState::Failed);
        assert!(record.interrupted);
        assert!(
            record.error.contains("the daemon restarted"),
            "{}",
            record.error
        );
        assert_eq!(record.locations[0].phase, "interrupted");
        // Written back: a second start reads the same.
        assert!(store.load(Duration::from_secs(3600))[0].interrupted);
    }

    #[test]
    fn a_file_that_is_not_a_record_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(DIR_NAME)).unwrap();
        std::fs::write(dir.path().join(DIR_NAME).join("x.json"), b"{").unwrap();
        assert!(
            RecordStore::new(dir.path())
                .load(Duration::from_secs(1))
                .is_empty()
        );
    }
}
