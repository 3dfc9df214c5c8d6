//! The outcome of one location within a call.

use std::time::Duration;

use crate::limits::CircuitSnapshot;
use crate::location::CloudRegion;
use crate::plugin::CallError;
use crate::plugin::bindings::wit;
use crate::plugin::registry::SelectError;

/// Classification of a location's outcome; mirrors `oaktree.v1.StatusKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Ok,
    Unavailable,
    Unauthorized,
    Forbidden,
    Timeout,
    Throttled,
    Invalid,
    Internal,
    Unsupported,
    NotFound,
    /// The cloud accepted the request but what it made failed there (a server in ERROR).
    CloudFault,
}

/// Where a location's answer came from; mirrors `oaktree.v1.CacheSource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnswerSource {
    /// Asked the cloud.
    #[default]
    Cloud,
    CacheHit,
    /// A stale cached answer, served while one refresh runs.
    CacheStale,
    /// Joined an identical call in flight.
    Shared,
    Bypass,
}

impl StatusKind {
    /// Lower-case name, for metrics labels.
    pub fn label(self) -> &'static str {
        match self {
            StatusKind::Ok => "ok",
            StatusKind::Unavailable => "unavailable",
            StatusKind::Unauthorized => "unauthorized",
            StatusKind::Forbidden => "forbidden",
            StatusKind::Timeout => "timeout",
            StatusKind::Throttled => "throttled",
            StatusKind::Invalid => "invalid",
            StatusKind::Internal => "internal",
            StatusKind::Unsupported => "unsupported",
            StatusKind::NotFound => "not_found",
            StatusKind::CloudFault => "cloud_fault",
        }
    }
}

impl AnswerSource {
    /// Lower-case name, for metrics labels.
    pub fn label(self) -> &'static str {
        match self {
            AnswerSource::Cloud => "miss",
            AnswerSource::CacheHit => "hit",
            AnswerSource::CacheStale => "stale",
            AnswerSource::Shared => "shared",
            AnswerSource::Bypass => "bypass",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LocationStatus {
    pub at: CloudRegion,
    pub kind: StatusKind,
    pub message: String,
    pub item_count: u32,
    pub elapsed: Duration,
    pub retry_after_ms: Option<u64>,
    /// Time the location's HTTP calls waited for its rate limit and concurrency budget.
    pub limiter_wait: Duration,
    /// HTTP attempts the driver's calls made, retries included.
    pub http_attempts: u32,
    pub source: AnswerSource,
    /// The failure kind the caller asked to treat as empty, when that happened.
    pub ignored_failure: Option<StatusKind>,
    /// The open circuit breaker that answered for this location, when one did.
    pub circuit: Option<CircuitSnapshot>,
}

impl LocationStatus {
    pub fn ok(at: CloudRegion, item_count: usize, elapsed: Duration) -> Self {
        Self {
            at,
            kind: StatusKind::Ok,
            message: String::new(),
            item_count: u32::try_from(item_count).unwrap_or(u32::MAX),
            elapsed,
            retry_after_ms: None,
            limiter_wait: Duration::ZERO,
            http_attempts: 0,
            source: AnswerSource::Cloud,
            ignored_failure: None,
            circuit: None,
        }
    }

    pub fn failed(at: CloudRegion, error: &CallError, elapsed: Duration) -> Self {
        let (kind, retry_after_ms) = classify(error);
        Self {
            at,
            kind,
            message: error.to_string(),
            item_count: 0,
            elapsed,
            retry_after_ms,
            limiter_wait: Duration::ZERO,
            http_attempts: 0,
            source: AnswerSource::Cloud,
            ignored_failure: None,
            circuit: None,
        }
    }

    /// The cloud accepted the request but what it made failed there; `fault` is the
    /// cloud's own account of why.
    pub fn cloud_fault(at: CloudRegion, fault: String, elapsed: Duration) -> Self {
        Self {
            at,
            kind: StatusKind::CloudFault,
            message: fault,
            item_count: 0,
            elapsed,
            retry_after_ms: None,
            limiter_wait: Duration::ZERO,
            http_attempts: 0,
            source: AnswerSource::Cloud,
            ignored_failure: None,
            circuit: None,
        }
    }

    pub fn no_plugin(at: CloudRegion, error: &SelectError) -> Self {
        Self {
            at,
            kind: StatusKind::Unsupported,
            message: error.to_string(),
            item_count: 0,
            elapsed: Duration::ZERO,
            retry_after_ms: None,
            limiter_wait: Duration::ZERO,
            http_attempts: 0,
            source: AnswerSource::Cloud,
            ignored_failure: None,
            circuit: None,
        }
    }

    pub fn is_ok(&self) -> bool {
        self.kind == StatusKind::Ok
    }

    /// Turns a failure of one of `kinds` into an empty OK answer that remembers the kind.
    pub fn treat_as_empty(&mut self, kinds: &[StatusKind]) {
        if !self.is_ok() && kinds.contains(&self.kind) {
            self.ignored_failure = Some(self.kind);
            self.kind = StatusKind::Ok;
            self.item_count = 0;
        }
    }
}

fn classify(error: &CallError) -> (StatusKind, Option<u64>) {
    match error {
        CallError::Driver(driver_error) => match driver_error {
            wit::Error::NotFound(_) => (StatusKind::NotFound, None),
            wit::Error::Unauthorized(_) => (StatusKind::Unauthorized, None),
            wit::Error::Forbidden(_) => (StatusKind::Forbidden, None),
            wit::Error::Conflict(_) | wit::Error::Invalid(_) => (StatusKind::Invalid, None),
            wit::Error::Throttled(t) => (StatusKind::Throttled, t.retry_after_ms),
            wit::Error::Unavailable(_) => (StatusKind::Unavailable, None),
            wit::Error::Timeout(_) => (StatusKind::Timeout, None),
            wit::Error::Unsupported(_) => (StatusKind::Unsupported, None),
            wit::Error::Other(_) => (StatusKind::Internal, None),
        },
        CallError::Deadline => (StatusKind::Timeout, None),
        CallError::Trap { .. } | CallError::Instantiate { .. } | CallError::Host(_) => {
            (StatusKind::Internal, None)
        }
    }
}
