//! The call's deadline, from the client's `grpc-timeout` header or the daemon's default,
//! capped by the daemon's maximum (`max_deadline_ms`): a client cannot make the daemon hold a
//! call, its location tasks and their plugin instances for hours.

use std::time::Duration;

use tokio::time::Instant;
use tonic::metadata::MetadataMap;

/// Parses a `grpc-timeout` value: up to 8 digits and a unit (H, M, S, m, u, n).
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    if value.len() < 2 || value.len() > 9 {
        return None;
    }
    let (digits, unit) = value.split_at(value.len() - 1);
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount.checked_mul(3600)?),
        "M" => Duration::from_secs(amount.checked_mul(60)?),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// How long the call may take: the client's timeout (or `default` when it sets none), never
/// more than `max`.
pub fn call_timeout(metadata: &MetadataMap, default: Duration, max: Duration) -> Duration {
    metadata
        .get("grpc-timeout")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_grpc_timeout)
        .unwrap_or(default)
        .min(max)
}

/// When the call must be answered; see [`call_timeout`].
pub fn call_deadline(metadata: &MetadataMap, default: Duration, max: Duration) -> Instant {
    Instant::now() + call_timeout(metadata, default, max)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_units_are_understood() {
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_grpc_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("100u"), Some(Duration::from_micros(100)));
    }

    fn with_timeout(value: &str) -> MetadataMap {
        let mut metadata = MetadataMap::new();
        metadata.insert("grpc-timeout", value.parse().unwrap());
        metadata
    }

    #[test]
    fn a_client_deadline_above_the_daemon_maximum_is_capped() {
        let default = Duration::from_secs(30);
        let max = Duration::from_secs(300);
        assert_eq!(call_timeout(&with_timeout("2H"), default, max), max);
        assert_eq!(call_timeout(&with_timeout("99999999S"), default, max), max);
        assert_eq!(
            call_timeout(&with_timeout("250m"), default, max),
            Duration::from_millis(250)
        );
        assert_eq!(call_timeout(&MetadataMap::new(), default, max), default);
        assert_eq!(
            call_timeout(&MetadataMap::new(), default, Duration::from_secs(10)),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn malformed_grpc_timeouts_are_ignored() {
        assert_eq!(parse_grpc_timeout("S"), None);
        assert_eq!(parse_grpc_timeout("12x"), None);
        assert_eq!(parse_grpc_timeout("123456789S"), None);
    }
}
