//! A client's streamed image bytes on the daemon's disk.
//!
//! The file exists only while something owns its [`UploadFile`]: the call receiving the bytes,
//! then the operation using them. Dropping it removes the file, so a stream that breaks
//! mid-way, a client that goes away, a refused request and a finished operation all leave
//! nothing in the work directory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes uploads started in the same nanosecond.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// The prefix of upload files in the work directory.
pub const PREFIX: &str = "upload-";

/// An upload file, removed when dropped.
#[derive(Debug)]
pub struct UploadFile {
    path: PathBuf,
}

impl UploadFile {
    /// Creates a new, empty upload file in `work_dir` (created if missing).
    pub async fn create(work_dir: &Path) -> std::io::Result<(UploadFile, tokio::fs::File)> {
        tokio::fs::create_dir_all(work_dir).await?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = work_dir.join(format!("{PREFIX}{nanos:x}-{n}"));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok((UploadFile { path }, file))
    }

    pub fn path(&self) -> &PathBuf {
        &self.path
    }
}

impl Drop for UploadFile {
    fn drop(&mut self) {
        // Synchronous: Drop cannot await, and unlinking one file is quick.
        if let Err(error) = std::fs::remove_file(&self.path)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.path.display(), %error, "cannot remove an upload file");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_upload_file_is_removed_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (upload, mut file) = UploadFile::create(&dir.path().join("work")).await.unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut file, b"half an image")
            .await
            .unwrap();
        let path = upload.path().clone();
        assert!(path.exists());
        drop(upload);
        assert!(!path.exists());
    }
}
