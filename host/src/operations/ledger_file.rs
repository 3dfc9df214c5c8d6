//! The cleanup ledger on disk, so a daemon that crashes or restarts does not forget what it
//! created or still has to delete. One JSON file in the work directory, replaced durably
//! ([`super::durable::write_atomic`]: temp file, fsync, rename, fsync of the directory)
//! on every change, before the change's create is sent. One daemon per work directory.
//!
//! Each entry is either *open* (an operation that is running is creating it, or created
//! it; written ahead of the create, its id added once known) or *pending* (its operation
//! failed or was interrupted, and the sweeper deletes it). A file written before entries
//! could be open holds pending entries only, and still loads.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::durable;
use super::record::{CleanupEntry, CleanupState, Hint};
use crate::location::CloudRegion;

/// The file's name inside the work directory.
pub const FILE_NAME: &str = "cleanup-ledger.json";

/// One line of the book: where, what, which operation, and how far its cleanup got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub cloud: String,
    pub region: String,
    pub kind: String,
    /// Empty while the create has not answered.
    pub id: String,
    pub operation_id: String,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: String,
    /// Written ahead for a running operation (true), or waiting for the sweeper (false).
    #[serde(default)]
    pub open: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub existing: Vec<String>,
    #[serde(default)]
    pub since_unix_ms: u64,
}

impl Stored {
    pub fn at(&self) -> CloudRegion {
        CloudRegion::new(self.cloud.clone(), self.region.clone())
    }

    pub fn hint(&self) -> Hint {
        Hint {
            name: self.name.clone(),
            existing: self.existing.clone(),
            since_unix_ms: self.since_unix_ms,
        }
    }

    /// A pending entry for the sweeper.
    pub fn pending(entry: &CleanupEntry) -> Self {
        Self {
            cloud: entry.at.cloud.clone(),
            region: entry.at.region.clone(),
            kind: entry.kind.clone(),
            id: entry.id.clone(),
            operation_id: entry.operation_id.clone(),
            attempts: entry.attempts,
            last_error: entry.last_error.clone(),
            open: false,
            name: entry.hint.name.clone(),
            existing: entry.hint.existing.clone(),
            since_unix_ms: entry.hint.since_unix_ms,
        }
    }

    /// The cleanup this entry becomes when its operation can no longer settle it.
    pub fn into_cleanup(self, last_error: String) -> CleanupEntry {
        CleanupEntry {
            at: self.at(),
            hint: self.hint(),
            kind: self.kind,
            id: self.id,
            operation_id: self.operation_id,
            state: CleanupState::Pending,
            attempts: self.attempts,
            last_error,
        }
    }
}

/// Replaces the file at `path` with `entries`, durably.
pub fn save(path: &Path, entries: &[Stored]) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(entries).map_err(std::io::Error::other)?;
    durable::write_atomic(path, &text)
}

/// The entries a previous daemon left in `path`; none when there is no file.
pub fn load(path: &Path) -> std::io::Result<Vec<Stored>> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    serde_json::from_slice(&text).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} is not a cleanup ledger: {e}; move it aside to start with an empty one",
                path.display()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_intent() -> Stored {
        Stored {
            cloud: "alpha".into(),
            region: "one".into(),
            kind: "floating-ip".into(),
            id: String::new(),
            operation_id: "op-1".into(),
            attempts: 0,
            last_error: String::new(),
            open: true,
            name: String::new(),
            existing: vec!["fip-0".into()],
            since_unix_ms: 42,
        }
    }

    #[test]
    fn open_and_pending_entries_survive_a_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        assert!(
            load(&path).unwrap().is_empty(),
            "no file means nothing pending"
        );
        let mut pending = open_intent();
        pending.open = false;
        pending.id = "fip-1".into();
        pending.attempts = 3;
        save(&path, &[open_intent(), pending.clone()]).unwrap();
        assert_eq!(load(&path).unwrap(), vec![open_intent(), pending]);
    }

    #[test]
    fn a_ledger_written_before_entries_could_be_open_still_loads_as_pending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let old = r#"[{"cloud":"alpha","region":"one","kind":"server","id":"s1",
            "operation_id":"op-1","attempts":2,"last_error":"unavailable"}]"#;
        std::fs::write(&path, old).unwrap();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.len(), 1);
        assert!(!loaded[0].open);
        assert_eq!((loaded[0].id.as_str(), loaded[0].attempts), ("s1", 2));
    }

    #[test]
    fn a_file_that_is_not_a_ledger_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"not json").unwrap();
        let error = load(&path).unwrap_err().to_string();
        assert!(error.contains(FILE_NAME), "{error}");
    }
}
