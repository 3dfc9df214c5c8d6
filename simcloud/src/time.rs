//! Timestamps without a date crate: RFC 3339 formatting of Unix seconds in UTC.
//!
//! Seeded resources use fixed instants after [`SEED_EPOCH`] so output is deterministic;
//! tokens use the wall clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// 2024-01-01T00:00:00Z: the creation time of the first seeded resource.
pub const SEED_EPOCH: i64 = 1_704_067_200;

/// Seconds and microseconds since the Unix epoch, now.
pub fn now_unix() -> (i64, u32) {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_micros(),
        ),
        Err(_) => (0, 0),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, as nova, glance and neutron print resource times.
pub fn rfc3339(secs: i64) -> String {
    let (date, hms) = split(secs);
    format!("{date}T{hms}Z")
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as keystone prints token times.
pub fn rfc3339_micros(secs: i64, micros: u32) -> String {
    let (date, hms) = split(secs);
    format!("{date}T{hms}.{micros:06}Z")
}

/// `YYYY-MM-DDTHH:MM:SS.ffffff` without a zone, as nova prints `OS-SRV-USG:launched_at`.
pub fn naive_micros(secs: i64) -> String {
    let (date, hms) = split(secs);
    format!("{date}T{hms}.000000")
}

fn split(secs: i64) -> (String, String) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3600, (rem % 3600) / 60, rem % 60),
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_epoch_is_new_year_2024() {
        assert_eq!(rfc3339(SEED_EPOCH), "2024-01-01T00:00:00Z");
    }

    #[test]
    fn leap_day_and_micros_are_formatted() {
        // 2024-02-29T12:34:56Z
        let t = SEED_EPOCH + 59 * 86_400 + 12 * 3600 + 34 * 60 + 56;
        assert_eq!(rfc3339_micros(t, 42), "2024-02-29T12:34:56.000042Z");
        assert_eq!(naive_micros(t), "2024-02-29T12:34:56.000000");
    }
}
