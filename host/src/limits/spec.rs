//! [`LimitSpec`]: what one budget allows, as typed config.
//!
//! The fields are numbers, not strings: a quoted `"2"` in config is a load error, never a string
//! that reaches the limiter (openstacksdk's `rate_limit: {compute: 2}` became `'2'` and failed at
//! use). [`LimitSpec::validate`] runs where config is loaded so the error names the file and key;
//! [`Budget::new`](super::Budget::new) never fails and clamps what slipped through.

use serde::Deserialize;

/// Slowest rate a budget will run at. A rate of zero or less (which `validate` rejects) is
/// clamped here rather than dividing by zero: calls then wait until their deadline.
const MIN_RATE: f64 = 1e-9;

/// Fastest rate a budget will run at. Above this the bucket's arithmetic (nanosecond waits)
/// loses meaning, and no cloud API takes a billion calls a second from one client anyway.
const MAX_RATE: f64 = 1e9;

/// The limits for one cloud-region, or one service within it.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSpec {
    /// Sustained rate of call starts, in calls per second (not seconds per call).
    pub calls_per_second: f64,
    /// Bucket capacity: how many calls may start at once after an idle period.
    pub burst: u32,
    /// How many calls may be in flight at the same time.
    pub max_in_flight: u32,
}

impl LimitSpec {
    /// Checks the spec; the error names the bad field, the value and the fix.
    pub fn validate(&self) -> Result<(), String> {
        let rate = self.calls_per_second;
        if !rate.is_finite() || rate <= 0.0 {
            return Err(format!(
                "calls_per_second must be a finite number above 0 (got {rate}); \
                 set it to the calls per second the vendor allows, e.g. 2.0 (0.5 is one call every 2 s)"
            ));
        }
        if self.burst == 0 {
            return Err(
                "burst must be at least 1 (got 0); use 1 to allow no calls beyond the steady rate"
                    .to_owned(),
            );
        }
        if self.max_in_flight == 0 {
            return Err(
                "max_in_flight must be at least 1 (got 0); use 1 for one call at a time".to_owned(),
            );
        }
        Ok(())
    }

    /// The nearest valid spec: what a [`Budget`](super::Budget) actually enforces.
    pub(crate) fn sanitised(self) -> LimitSpec {
        let rate = self.calls_per_second;
        let calls_per_second = if rate.is_nan() || rate <= 0.0 {
            MIN_RATE
        } else {
            rate.clamp(MIN_RATE, MAX_RATE)
        };
        LimitSpec {
            calls_per_second,
            burst: self.burst.max(1),
            max_in_flight: self.max_in_flight.max(1),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde::de::value::{Error as DeError, MapDeserializer};

    fn spec(calls_per_second: f64, burst: u32, max_in_flight: u32) -> LimitSpec {
        LimitSpec {
            calls_per_second,
            burst,
            max_in_flight,
        }
    }

    #[test]
    fn a_positive_rate_with_burst_and_in_flight_of_one_is_valid() {
        assert_eq!(spec(0.5, 1, 1).validate(), Ok(()));
    }

    #[test]
    fn a_zero_negative_nan_or_infinite_rate_is_rejected_naming_calls_per_second() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = spec(rate, 1, 1).validate().unwrap_err();
            assert!(err.starts_with("calls_per_second must be"), "{err}");
            assert!(err.contains("e.g. 2.0"), "the message gives the fix: {err}");
        }
    }

    #[test]
    fn a_zero_burst_is_rejected_naming_burst_and_the_fix() {
        let err = spec(1.0, 0, 1).validate().unwrap_err();
        assert!(
            err.starts_with("burst must be at least 1 (got 0); use 1"),
            "{err}"
        );
    }

    #[test]
    fn a_zero_max_in_flight_is_rejected_naming_max_in_flight_and_the_fix() {
        let err = spec(1.0, 1, 0).validate().unwrap_err();
        assert!(
            err.starts_with("max_in_flight must be at least 1 (got 0); use 1"),
            "{err}"
        );
    }

    #[test]
    fn an_invalid_spec_is_clamped_to_the_nearest_valid_one() {
        let clamped = spec(f64::NAN, 0, 0).sanitised();
        assert_eq!(clamped, spec(MIN_RATE, 1, 1));
        assert_eq!(spec(f64::INFINITY, 3, 2).sanitised(), spec(MAX_RATE, 3, 2));
        assert_eq!(spec(2.0, 3, 2).sanitised(), spec(2.0, 3, 2));
    }

    #[test]
    fn config_numbers_deserialize_and_unknown_fields_are_rejected() {
        let fields = [
            ("calls_per_second", 2u32),
            ("burst", 3),
            ("max_in_flight", 1),
        ];
        let parsed = LimitSpec::deserialize(MapDeserializer::<_, DeError>::new(fields.into_iter()));
        assert_eq!(parsed.unwrap(), spec(2.0, 3, 1));

        let typo = [
            ("calls_per_second", 2u32),
            ("burst", 3),
            ("max_inflight", 1),
        ];
        let err = LimitSpec::deserialize(MapDeserializer::<_, DeError>::new(typo.into_iter()));
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("unknown field `max_inflight`")
        );
    }

    #[test]
    fn a_quoted_rate_is_a_type_error_not_a_string_that_reaches_the_limiter() {
        let fields = [
            ("calls_per_second", "2"),
            ("burst", "3"),
            ("max_in_flight", "1"),
        ];
        let err = LimitSpec::deserialize(MapDeserializer::<_, DeError>::new(fields.into_iter()));
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("invalid type: string")
        );
    }
}
