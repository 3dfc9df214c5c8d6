//! When the host retries a driver's HTTP request, and after how long.
//!
//! - Only idempotent reads (GET, HEAD) are retried; a write is never blindly repeated.
//! - Retried: connection failures and 502/503/504 answers, with exponential backoff and
//!   full jitter; 429 (and 413) answers after the vendor's `Retry-After`.
//! - Never past the call's deadline: a wait that would not leave time for another attempt
//!   is not taken, and the last answer is returned to the driver as it was.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::bindings::http_api::{HttpError, Method, Response};

/// Attempts per request, the first included.
pub const MAX_ATTEMPTS: u32 = 4;
/// Backoff before the second attempt; doubles after each failure.
const BASE_BACKOFF: Duration = Duration::from_millis(100);
/// Longest backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Hand the outcome to the driver.
    Done,
    /// Wait this long, then try again.
    RetryAfter(Duration),
}

/// Decides whether attempt number `attempt` (1-based) is retried, given the time left.
pub fn decide(
    method: Method,
    outcome: &Result<Response, HttpError>,
    attempt: u32,
    left: Duration,
) -> Verdict {
    if !matches!(method, Method::Get | Method::Head) || attempt >= MAX_ATTEMPTS {
        return Verdict::Done;
    }
    let wait = match outcome {
        Err(HttpError::Connect(_)) => backoff(attempt),
        Ok(response) if matches!(response.status, 502..=504) => backoff(attempt),
        Ok(response) if matches!(response.status, 413 | 429) => match retry_after(response) {
            Some(wait) => wait,
            None => backoff(attempt),
        },
        _ => return Verdict::Done,
    };
    // Leave at least as long as the wait again for the attempt itself.
    if wait.saturating_mul(2) >= left {
        Verdict::Done
    } else {
        Verdict::RetryAfter(wait)
    }
}

/// The vendor's `Retry-After` in seconds (the HTTP-date form is not used by clouds' APIs).
pub fn retry_after(response: &Response) -> Option<Duration> {
    response
        .headers
        .iter()
        .find(|(name, _)| name == "retry-after")
        .and_then(|(_, value)| value.trim().parse::<f64>().ok())
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .map(|seconds| Duration::from_secs_f64(seconds.min(3600.0)))
}

/// Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))].
fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE_BACKOFF
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    let fraction = (random_u64() % 1_000_001) as f64 / 1_000_000.0;
    ceiling.mul_f64(fraction)
}

/// A cheap random number: a per-process random hash of a counter.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static STATE: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
    let state = STATE.get_or_init(RandomState::new);
    state.hash_one(COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)]) -> Result<Response, HttpError> {
        Ok(Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        })
    }

    const PLENTY: Duration = Duration::from_secs(30);

    #[test]
    fn reads_are_retried_on_gateway_errors_and_refused_connections() {
        for status in [502, 503, 504] {
            assert!(matches!(
                decide(Method::Get, &answer(status, &[]), 1, PLENTY),
                Verdict::RetryAfter(_)
            ));
        }
        let refused = Err(HttpError::Connect("refused".into()));
        assert!(matches!(
            decide(Method::Head, &refused, 1, PLENTY),
            Verdict::RetryAfter(_)
        ));
    }

    #[test]
    fn writes_are_never_retried() {
        for method in [Method::Post, Method::Put, Method::Patch, Method::Delete] {
            assert_eq!(decide(method, &answer(503, &[]), 1, PLENTY), Verdict::Done);
        }
    }

    #[test]
    fn success_client_errors_and_timeouts_are_not_retried() {
        for status in [200, 400, 401, 403, 404, 500] {
            assert_eq!(
                decide(Method::Get, &answer(status, &[]), 1, PLENTY),
                Verdict::Done
            );
        }
        let timeout = Err(HttpError::Timeout("late".into()));
        assert_eq!(decide(Method::Get, &timeout, 1, PLENTY), Verdict::Done);
    }

    #[test]
    fn throttled_reads_wait_what_the_vendor_asked() {
        let verdict = decide(
            Method::Get,
            &answer(429, &[("retry-after", "2")]),
            1,
            PLENTY,
        );
        assert_eq!(verdict, Verdict::RetryAfter(Duration::from_secs(2)));
    }

    #[test]
    fn no_retry_is_taken_that_the_deadline_cannot_fit() {
        let verdict = decide(
            Method::Get,
            &answer(429, &[("retry-after", "2")]),
            1,
            Duration::from_secs(3),
        );
        assert_eq!(verdict, Verdict::Done);
    }

    #[test]
    fn attempts_stop_at_the_maximum() {
        assert_eq!(
            decide(Method::Get, &answer(503, &[]), MAX_ATTEMPTS, PLENTY),
            Verdict::Done
        );
    }

    #[test]
    fn backoff_grows_but_stays_under_its_cap() {
        for attempt in 1..10 {
            let ceiling = BASE_BACKOFF
                .saturating_mul(1 << (attempt - 1))
                .min(MAX_BACKOFF);
            for _ in 0..100 {
                assert!(backoff(attempt) <= ceiling);
            }
        }
    }
}
