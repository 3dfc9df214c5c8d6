//! RFC 3339 timestamps to unix seconds, for keystone's `expires_at`.
//!
//! Written by hand to keep the component small: only the shapes OpenStack emits are needed
//! (`2026-11-24T21:54:19.000000Z`, `…+00:00`, and older keystones' zone-less
//! `2026-11-24T21:54:19.000000`, which is UTC).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the unix epoch for an RFC 3339 timestamp, or `None` if it is not one.
pub fn parse_rfc3339(input: &str) -> Option<i64> {
    let s = input.trim().as_bytes();
    if s.len() < 19 || s[4] != b'-' || s[7] != b'-' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    if !matches!(s[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = digits(&s[0..4])?;
    let month = digits(&s[5..7])?;
    let day = digits(&s[8..10])?;
    let hour = digits(&s[11..13])?;
    let minute = digits(&s[14..16])?;
    let second = digits(&s[17..19])?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // Leap seconds (60) are accepted and land on the next second, as most parsers do.
    if second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some((b'.', tail)) = rest.split_first() {
        let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &tail[n..];
    }
    let offset = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let minutes = digits(&[*h1, *h2])? * 60 + digits(&[*m1, *m2])?;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second - offset)
}

/// Seconds since the unix epoch now (0 if the clock is before the epoch).
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn digits(bytes: &[u8]) -> Option<i64> {
    bytes.iter().try_fold(0i64, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystone_expiry_with_microseconds_and_z_parses() {
        // date -u -d 2026-11-24T21:54:19Z +%s
        assert_eq!(
            parse_rfc3339("2026-11-24T21:54:19.000000Z"),
            Some(1_795_557_259)
        );
    }

    #[test]
    fn numeric_offsets_shift_to_utc() {
        assert_eq!(
            parse_rfc3339("2026-11-24T21:54:19+00:00"),
            Some(1_795_557_259)
        );
        assert_eq!(
            parse_rfc3339("2026-11-24T22:54:19.5+01:00"),
            Some(1_795_557_259)
        );
        assert_eq!(
            parse_rfc3339("2026-11-24T16:24:19-05:30"),
            Some(1_795_557_259)
        );
    }

    #[test]
    fn zone_less_timestamps_are_utc() {
        assert_eq!(
            parse_rfc3339("2026-11-24T21:54:19.000000"),
            Some(1_795_557_259)
        );
    }

    #[test]
    fn epoch_and_leap_day_are_exact() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "",
            "tomorrow",
            "2026-13-01T00:00:00Z",
            "2026-11-24T21:54:19.Z",
            "2026-11-24T21:54:19+0100",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
