//! Finding what a create made when its answer never arrived (the daemon stopped while the
//! request was out), so the sweeper can delete it without touching anything else.
//!
//! A match must be unambiguous, else nothing is deleted and the entry stays pending with a
//! message saying why (deleting a user's own resource is worse than leaving one):
//! - `server`: the one server with the intent's name created at or after the intent (the
//!   cloud's `created-at`, allowing [`CLOCK_SKEW`]);
//! - `floating-ip`: the one unattached floating IP that did not exist before the intent.
//!
//! Other kinds are recorded by drivers before they create them (their ids are their names),
//! so they never need finding.

use std::time::Duration;

use super::record::Hint;
use crate::plugin::DriverCall;

/// How far the cloud's clock may be behind ours.
const CLOCK_SKEW: Duration = Duration::from_secs(120);

/// The id of what the create made, `None` when it made nothing.
pub async fn find(call: DriverCall, kind: &str, hint: &Hint) -> Result<Option<String>, String> {
    let candidates: Vec<String> = match kind {
        "server" => {
            let since = hint
                .since_unix_ms
                .saturating_sub(CLOCK_SKEW.as_millis() as u64);
            call.list_servers()
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|s| s.name == hint.name && s.status != "DELETED")
                .filter(|s| rfc3339_unix_ms(&s.created_at).is_some_and(|t| t >= since))
                .map(|s| s.id)
                .collect()
        }
        "floating-ip" => call
            .list_floating_ips()
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter(|ip| !ip.is_attached && !hint.existing.contains(&ip.id))
            .map(|ip| ip.id)
            .collect(),
        other => {
            return Err(format!(
                "the daemon stopped before the cloud gave this {other} an id, and the host \
                 cannot look {other}s up; check the location and delete it by hand"
            ));
        }
    };
    match candidates.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        many => Err(format!(
            "the daemon stopped before the cloud gave this {kind} an id, and {} candidates \
             match ({}); delete the right one by hand",
            many.len(),
            many.join(", ")
        )),
    }
}

/// Unix milliseconds of an RFC 3339 UTC time (`2026-12-04T16:40:32Z`, with optional
/// fraction, `Z`, `+00:00` or no zone, as clouds write them); `None` when not one.
pub fn rfc3339_unix_ms(text: &str) -> Option<u64> {
    let number = |range: std::ops::Range<usize>| -> Option<i64> { text.get(range)?.parse().ok() };
    let bytes = text.as_bytes();
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[13] != b':' {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let rest = &text[19..];
    let (fraction, zone) = match rest.strip_prefix('.') {
        Some(tail) => {
            let digits = tail
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(tail.len());
            let millis = format!("{:0<3}", &tail[..digits.min(3)]);
            (millis.parse::<i64>().ok()?, &tail[digits..])
        }
        None => (0, rest),
    };
    if !matches!(zone, "" | "Z" | "z" | "+00:00" | "-00:00") || !(1..=12).contains(&month) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
    u64::try_from(seconds * 1000 + fraction).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_timestamps_read_as_unix_milliseconds() {
        assert_eq!(rfc3339_unix_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_unix_ms("2026-12-04T16:40:32Z"),
            Some(1_796_402_432_000)
        );
        assert_eq!(
            rfc3339_unix_ms("2026-12-04T16:40:32.250000+00:00"),
            Some(1_796_402_432_250)
        );
        assert_eq!(
            rfc3339_unix_ms("2000-02-29T00:00:00"),
            Some(951_782_400_000)
        );
        assert_eq!(rfc3339_unix_ms("yesterday"), None);
        assert_eq!(rfc3339_unix_ms("2026-12-04T16:40:32+02:00"), None);
    }
}
