//! What the driver needs from the host, as a trait.
//!
//! `lib.rs` implements it over the WIT imports (`http`, `log`; SigV4 needs no cached tokens, so
//! the driver is stateless and leaves `state` alone); tests implement it
//! with a scripted fake, so everything above this line runs natively.

use crate::oaktree::cloud::http::{HttpError, Request, Response};
use crate::oaktree::cloud::log::Level;

/// Host services available during one driver call.
pub trait Host {
    /// Sends one HTTP request; the host applies deadlines, limits and egress policy.
    fn send(&self, request: Request) -> Result<Response, HttpError>;
    /// Emits a log line into the host's tracing.
    fn log(&self, level: Level, message: &str);
}
