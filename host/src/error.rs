//! Errors of a whole call (as opposed to one location's failure, which is a
//! [`crate::federation::LocationStatus`] inside a successful answer).
//!
//! `grpc::status` maps each variant to exactly one gRPC code, with details. The messages are
//! bounded: lists show at most [`MAX_LISTED`] entries plus a count, and a client's own input is
//! quoted shortened (see [`crate::grpc::client_text`]).

use crate::federation::LocationStatus;
use crate::federation::write::WriteFailure;
#[cfg(doc)]
use crate::grpc::client_text::MAX_LISTED;
use crate::grpc::client_text::{MAX_ENTRY_BYTES, listed, truncated};
use crate::location::CloudRegion;

/// One resource that matched an ambiguous get.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub at: CloudRegion,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request field is malformed; `field` is its path in the request message.
    #[error("{field}: {message}")]
    InvalidArgument { field: String, message: String },

    /// The selector names clouds or regions the daemon does not serve.
    #[error("{message}")]
    UnknownLocation { field: String, message: String },

    /// A get found nothing. `failures` are the locations that could not be asked, which may
    /// hide the resource.
    #[error("{}", not_found_message(.kind, .name_or_id, .failures))]
    NotFound {
        kind: &'static str,
        name_or_id: String,
        failures: Vec<LocationStatus>,
    },

    /// A get matched more than one resource.
    #[error("{}", ambiguous_message(.kind, .name_or_id, .candidates))]
    Ambiguous {
        kind: &'static str,
        name_or_id: String,
        candidates: Vec<Candidate>,
    },

    /// A write at one location failed there: no driver, a driver without the capability, or
    /// the driver's call failed. `driver` is empty when no driver serves the location.
    #[error("{operation} at {at}: {failure}")]
    Write {
        at: CloudRegion,
        driver: String,
        operation: &'static str,
        /// Boxed: it carries the driver's error, and `Error` travels in every `Result`.
        failure: Box<WriteFailure>,
    },
}

fn not_found_message(kind: &str, name_or_id: &str, failures: &[LocationStatus]) -> String {
    let name_or_id = truncated(name_or_id, MAX_ENTRY_BYTES);
    let mut message = format!("no {kind} matches '{name_or_id}'");
    if !failures.is_empty() {
        let failed = listed(
            failures
                .iter()
                .map(|s| format!("{} ({:?}: {})", s.at, s.kind, s.message)),
        );
        message.push_str(&format!(
            "; {} location(s) could not be searched and may hold it: {failed}",
            failures.len(),
        ));
    }
    message
}

fn ambiguous_message(kind: &str, name_or_id: &str, candidates: &[Candidate]) -> String {
    let name_or_id = truncated(name_or_id, MAX_ENTRY_BYTES);
    let shown = listed(
        candidates
            .iter()
            .map(|c| format!("{} '{}' at {}", c.id, c.name, c.at)),
    );
    format!(
        "'{name_or_id}' matches {} {kind}s: {shown}; ask for one by id, or narrow the selector",
        candidates.len(),
    )
}
