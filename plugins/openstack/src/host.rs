//! What the driver needs from the host, as a trait.
//!
//! `lib.rs` implements it over the WIT imports (`http`, `state`, `log`); tests implement it
//! with a scripted fake, so everything above this line runs natively.

use crate::oaktree::cloud::http::{HttpError, Request, Response};
use crate::oaktree::cloud::log::Level;

/// Host services available during one driver call.
pub trait Host {
    /// Sends one HTTP request; the host applies deadlines, limits and egress policy.
    fn send(&self, request: Request) -> Result<Response, HttpError>;
    /// Reads a value from the cloud-region's key-value store.
    fn state_get(&self, key: &str) -> Option<Vec<u8>>;
    /// Stores a value, dropped by the host after `ttl_ms` when given.
    fn state_set(&self, key: &str, value: &[u8], ttl_ms: Option<u64>);
    /// Removes a value; absent keys are fine.
    fn state_delete(&self, key: &str);
    /// Emits a log line into the host's tracing.
    fn log(&self, level: Level, message: &str);
}
