//! Token-bucket arithmetic, with no locking and no waiting: the caller passes `now`.
//!
//! The bucket holds `tokens` as of the instant `updated`. Tokens accrue continuously at `rate` per
//! second and are capped at `burst` — so after any idle time at most `burst` calls start at once
//! (keystoneauth's `last_ts += delay` had no cap, so an idle gap became an unthrottled burst).
//! `updated` may lie in the future after [`Bucket::pause_until`]; no token exists before it.

use std::time::Duration;

use tokio::time::Instant;

/// Floating-point slack when counting a whole token: a waiter woken at the instant
/// [`Bucket::next_token`] computed must find the token there, not 0.999_999_999 of it and a
/// zero-length sleep. A millionth of a token early is far below any clock's resolution.
const EPSILON: f64 = 1e-6;

/// When the next token can be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    /// Now.
    Ready,
    /// At this instant, unless the bucket is paused further meanwhile.
    At(Instant),
    /// Too far in the future for `Instant` arithmetic: treat as never.
    Never,
}

#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// A full bucket. `rate` must be positive and finite (see `LimitSpec::sanitised`).
    pub(crate) fn full(rate: f64, burst: u32, now: Instant) -> Bucket {
        let burst = f64::from(burst);
        Bucket {
            rate,
            burst,
            tokens: burst,
            updated: now,
        }
    }

    /// Adds the tokens accrued up to `at`, capped at `burst`. No-op if `at` is not later.
    fn refill(&mut self, at: Instant) {
        if at > self.updated {
            let elapsed = at.duration_since(self.updated).as_secs_f64();
            self.tokens = (self.tokens + self.rate * elapsed).min(self.burst);
            self.updated = at;
        }
    }

    /// Tokens available at `now` (fractional), for tests and diagnostics.
    #[cfg(test)]
    pub(crate) fn tokens(&mut self, now: Instant) -> f64 {
        self.refill(now);
        if now < self.updated { 0.0 } else { self.tokens }
    }

    /// When a token can next be taken, seen from `now`.
    pub(crate) fn next_token(&mut self, now: Instant) -> Token {
        self.refill(now);
        if self.tokens + EPSILON >= 1.0 && now >= self.updated {
            return Token::Ready;
        }
        let missing = (1.0 - self.tokens).max(0.0);
        // Round up to whole nanoseconds so the wait is never a hair short; `as` saturates.
        let nanos = (missing / self.rate * 1e9).ceil() as u64;
        match self.updated.checked_add(Duration::from_nanos(nanos)) {
            Some(at) => Token::At(at),
            None => Token::Never,
        }
    }

    /// Takes one token if one is available at `now`.
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        if self.next_token(now) != Token::Ready {
            return false;
        }
        self.tokens = (self.tokens - 1.0).max(0.0);
        true
    }

    /// No token before `until`; from then on at most one, then the steady rate, so a vendor's
    /// Retry-After is not answered with a burst. Never makes a token come earlier than it would.
    pub(crate) fn pause_until(&mut self, until: Instant) {
        if until > self.updated {
            self.refill(until);
            self.tokens = self.tokens.min(1.0);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_new_bucket_is_full_and_hands_out_exactly_burst_tokens_at_once() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(10.0, 5, t0);
        let taken = (0..20).filter(|_| bucket.take(t0)).count();
        assert_eq!(taken, 5);
        assert_eq!(bucket.next_token(t0), Token::At(t0 + ms(100)));
    }

    #[test]
    fn tokens_refill_continuously_at_the_rate() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(4.0, 1, t0);
        assert!(bucket.take(t0));
        assert!((bucket.tokens(t0 + ms(125)) - 0.5).abs() < 1e-9);
        assert!(!bucket.take(t0 + ms(249)));
        assert!(bucket.take(t0 + ms(250)));
    }

    #[test]
    fn after_a_long_idle_the_bucket_holds_at_most_burst_tokens() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(10.0, 3, t0);
        let later = t0 + Duration::from_secs(3600);
        assert_eq!(bucket.tokens(later), 3.0);
        assert_eq!((0..100).filter(|_| bucket.take(later)).count(), 3);
    }

    #[test]
    fn a_waiter_woken_at_the_computed_instant_finds_its_token() {
        let t0 = Instant::now();
        for rate in [0.3, 3.0, 7.0, 13.0, 1000.0] {
            let mut bucket = Bucket::full(rate, 1, t0);
            let mut now = t0;
            for _ in 0..50 {
                match bucket.next_token(now) {
                    Token::Ready => assert!(bucket.take(now)),
                    Token::At(at) => {
                        now = at;
                        assert!(bucket.take(now), "rate {rate}: no token at {:?}", now - t0);
                    }
                    Token::Never => panic!("rate {rate} never refills"),
                }
            }
            let expected = 49.0 / rate;
            assert!(
                ((now - t0).as_secs_f64() - expected).abs() < 1e-6,
                "rate {rate}"
            );
        }
    }

    #[test]
    fn a_pause_blocks_tokens_until_its_end_then_gives_one_not_a_burst() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(10.0, 10, t0);
        bucket.pause_until(t0 + ms(2000));
        assert!(!bucket.take(t0 + ms(1999)));
        assert_eq!(bucket.next_token(t0 + ms(1999)), Token::At(t0 + ms(2000)));
        assert!(bucket.take(t0 + ms(2000)));
        assert!(!bucket.take(t0 + ms(2000)));
        assert!(bucket.take(t0 + ms(2100)));
    }

    #[test]
    fn a_pause_never_brings_the_next_token_forward() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(0.1, 1, t0);
        assert!(bucket.take(t0));
        bucket.pause_until(t0 + ms(1000));
        assert_eq!(bucket.next_token(t0), Token::At(t0 + ms(10_000)));
        // A shorter pause after a longer one changes nothing.
        bucket.pause_until(t0 + ms(20_000));
        bucket.pause_until(t0 + ms(5_000));
        assert_eq!(bucket.next_token(t0), Token::At(t0 + ms(20_000)));
    }
}
