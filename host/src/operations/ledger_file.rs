//! The cleanup ledger on disk, so a daemon restart does not forget what it still has to
//! delete. One JSON file in the work directory, rewritten atomically (temp file + rename)
//! whenever the pending entries change. One daemon per work directory.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::record::{CleanupEntry, CleanupState};
use crate::location::CloudRegion;

/// The file's name inside the work directory.
pub const FILE_NAME: &str = "cleanup-ledger.json";

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    cloud: String,
    region: String,
    kind: String,
    id: String,
    operation_id: String,
    attempts: u32,
    last_error: String,
}

/// Writes the pending entries to `path`.
pub fn save(path: &Path, entries: &[CleanupEntry]) -> std::io::Result<()> {
    let stored: Vec<Stored> = entries
        .iter()
        .map(|e| Stored {
            cloud: e.at.cloud.clone(),
            region: e.at.region.clone(),
            kind: e.kind.clone(),
            id: e.id.clone(),
            operation_id: e.operation_id.clone(),
            attempts: e.attempts,
            last_error: e.last_error.clone(),
        })
        .collect();
    let text = serde_json::to_vec_pretty(&stored).map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temp = path.with_extension("json.tmp");
    std::fs::write(&temp, text)?;
    std::fs::rename(temp, path)
}

/// The pending entries a previous daemon left in `path`; none when there is no file.
pub fn load(path: &Path) -> std::io::Result<Vec<CleanupEntry>> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let stored: Vec<Stored> = serde_json::from_slice(&text).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} is not a cleanup ledger: {e}", path.display()),
        )
    })?;
    Ok(stored
        .into_iter()
        .map(|s| CleanupEntry {
            at: CloudRegion::new(s.cloud, s.region),
            kind: s.kind,
            id: s.id,
            operation_id: s.operation_id,
            state: CleanupState::Pending,
            attempts: s.attempts,
            last_error: s.last_error,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_entries_survive_a_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        assert!(
            load(&path).unwrap().is_empty(),
            "no file means nothing pending"
        );
        let entry = CleanupEntry {
            at: CloudRegion::new("alpha", "one"),
            kind: "floating-ip".into(),
            id: "fip-1".into(),
            operation_id: "op-1".into(),
            state: CleanupState::Pending,
            attempts: 3,
            last_error: "unavailable".into(),
        };
        save(&path, std::slice::from_ref(&entry)).unwrap();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].at, entry.at);
        assert_eq!(
            (loaded[0].kind.as_str(), loaded[0].id.as_str()),
            ("floating-ip", "fip-1")
        );
        assert_eq!(loaded[0].attempts, 3);
        assert_eq!(loaded[0].state, CleanupState::Pending);
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
