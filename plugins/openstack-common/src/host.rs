//! What the driver needs from the host, as a trait.
//!
//! `lib.rs` implements it over the WIT imports (`http`, `state`, `log`, `ledger`); tests
//! implement it with a scripted fake, so everything above this line runs natively.

use crate::oaktree::cloud::blobs::Blob;
use crate::oaktree::cloud::http::{HttpError, Request, Response};
use crate::oaktree::cloud::log::Level;

/// The bytes of an image being created: host-held, so the driver sees only their facts and
/// can attach them to one request. `handle` is none in native tests.
pub struct ImageData<'a> {
    pub size: u64,
    pub md5: String,
    pub sha256: String,
    pub disk_format: String,
    pub handle: Option<&'a Blob>,
}

impl<'a> ImageData<'a> {
    /// Reads the facts of a host blob.
    pub fn of(blob: &'a Blob) -> Self {
        Self {
            size: blob.size(),
            md5: blob.md5(),
            sha256: blob.sha256(),
            disk_format: blob.disk_format(),
            handle: Some(blob),
        }
    }
}

/// Host services available during one driver call.
pub trait Host {
    /// Sends one HTTP request; the host applies deadlines, limits and egress policy.
    fn send(&self, request: Request) -> Result<Response, HttpError>;
    /// Sends a request whose body is the image's bytes (the request's own body is none).
    fn send_blob(&self, request: Request, data: &ImageData<'_>) -> Result<Response, HttpError>;
    /// Reads a value from the cloud-region's key-value store.
    fn state_get(&self, key: &str) -> Option<Vec<u8>>;
    /// Stores a value, dropped by the host after `ttl_ms` when given.
    fn state_set(&self, key: &str, value: &[u8], ttl_ms: Option<u64>);
    /// Removes a value; absent keys are fine.
    fn state_delete(&self, key: &str);
    /// Emits a log line into the host's tracing.
    fn log(&self, level: Level, message: &str);
    /// Records something created on the user's behalf, to be cleaned up if the operation fails.
    fn ledger_created(&self, kind: &str, id: &str);
    /// The recorded thing needs no cleanup any more.
    fn ledger_settled(&self, kind: &str, id: &str);
}
