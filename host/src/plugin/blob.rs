//! Host-held bytes a driver may attach to an HTTP request but never read (image uploads).
//!
//! A [`Blob`] is a file the host wrote (the client's upload, or a `qemu-img` conversion of it)
//! with its size and digests computed once. The driver sees it as the WIT `blob` resource:
//! it can ask for the size, digests and disk format, and pass it to `http.send-blob`, which
//! streams the file to the vendor. The bytes never enter Wasm memory.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;

use md5::Md5;
use sha2::{Digest, Sha256};
use wasmtime::component::Resource;

use super::bindings::blobs_api;
use super::runtime::HostState;

/// Bytes read from disk per body chunk: large enough that a GiB is a thousand chunks, not a
/// quarter million.
const READ_CHUNK: usize = 1 << 20;

/// Bytes on disk with their facts. Cheap to clone; the file is owned by whoever made it.
/// A clone made with [`Blob::counting`] adds the bytes it sends to a counter (upload
/// progress per location).
#[derive(Debug, Clone)]
pub struct Blob {
    file: Arc<BlobFile>,
    sent: Option<Arc<AtomicU64>>,
}

#[derive(Debug)]
pub struct BlobFile {
    pub path: PathBuf,
    pub size: u64,
    pub md5: String,
    pub sha256: String,
    pub disk_format: String,
}

impl Blob {
    /// Reads `path` once to measure it and compute its digests (blocking: call from
    /// `spawn_blocking` for large files).
    pub fn from_file(path: &Path, disk_format: &str) -> std::io::Result<Self> {
        let mut file = std::fs::File::open(path)?;
        let mut md5 = Md5::new();
        let mut sha256 = Sha256::new();
        let mut buffer = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let read = file.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            md5.update(&buffer[..read]);
            sha256.update(&buffer[..read]);
            size += read as u64;
        }
        Ok(Self {
            file: Arc::new(BlobFile {
                path: path.to_owned(),
                size,
                md5: hex::encode(md5.finalize()),
                sha256: hex::encode(sha256.finalize()),
                disk_format: disk_format.to_owned(),
            }),
            sent: None,
        })
    }

    pub fn file(&self) -> &BlobFile {
        &self.file
    }

    /// The same bytes, counting what is sent into `sent`.
    pub fn counting(&self, sent: Arc<AtomicU64>) -> Self {
        Self {
            file: self.file.clone(),
            sent: Some(sent),
        }
    }

    /// A streaming request body reading the file from the start.
    pub async fn body(&self) -> std::io::Result<reqwest::Body> {
        let file = tokio::fs::File::open(&self.file.path).await?;
        let sent = self.sent.clone();
        let stream =
            tokio_util::io::ReaderStream::with_capacity(file, READ_CHUNK).inspect(move |chunk| {
                if let (Some(sent), Ok(bytes)) = (&sent, chunk) {
                    sent.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                }
            });
        Ok(reqwest::Body::wrap_stream(stream))
    }
}

impl HostState {
    /// The blob behind a handle. The component model only lends handles the host pushed and
    /// has not dropped, so a miss is a host bug: it is logged and answers as an empty blob.
    fn blob_facts<T: Default>(&self, handle: &Resource<Blob>, fact: fn(&BlobFile) -> T) -> T {
        match self.table.get(handle) {
            Ok(blob) => fact(blob.file()),
            Err(e) => {
                tracing::error!(plugin = %self.plugin, "driver used an unknown blob handle: {e}");
                T::default()
            }
        }
    }
}

impl blobs_api::Host for HostState {}

impl blobs_api::HostBlob for HostState {
    async fn size(&mut self, handle: Resource<Blob>) -> u64 {
        self.blob_facts(&handle, |f| f.size)
    }

    async fn md5(&mut self, handle: Resource<Blob>) -> String {
        self.blob_facts(&handle, |f| f.md5.clone())
    }

    async fn sha256(&mut self, handle: Resource<Blob>) -> String {
        self.blob_facts(&handle, |f| f.sha256.clone())
    }

    async fn disk_format(&mut self, handle: Resource<Blob>) -> String {
        self.blob_facts(&handle, |f| f.disk_format.clone())
    }

    async fn drop(&mut self, handle: Resource<Blob>) -> wasmtime::Result<()> {
        self.table.delete(handle)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_knows_its_size_and_digests() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bytes");
        std::fs::write(&path, b"hello").unwrap();
        let blob = Blob::from_file(&path, "raw").unwrap();
        assert_eq!(blob.file().size, 5);
        assert_eq!(blob.file().md5, "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(
            blob.file().sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }
}
