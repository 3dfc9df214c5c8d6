//! The load-time checks: what `describe()` states about the driver.

use super::report::Report;
use crate::plugin::bindings::wit;

/// `describe()`: name, semver version, profiles, capabilities, sane rate limits.
pub fn check(report: &mut Report, info: &wit::DriverInfo) {
    report.record(
        "describe.name",
        if info.name.trim().is_empty() {
            Err("the driver name is empty; return a stable name such as \"openstack\"".into())
        } else {
            Ok(format!("{:?}", info.name))
        },
    );
    report.record(
        "describe.version",
        if is_semver(&info.version) {
            Ok(info.version.clone())
        } else {
            Err(format!(
                "{:?} is not a semantic version (MAJOR.MINOR.PATCH); return env!(\"CARGO_PKG_VERSION\") or the package version",
                info.version
            ))
        },
    );
    report.record(
        "describe.profiles",
        if info.profiles.is_empty() || info.profiles.iter().any(|p| p.trim().is_empty()) {
            Err("declare at least one non-empty clouds.yaml profile the driver serves".into())
        } else {
            Ok(info.profiles.join(", "))
        },
    );
    report.record(
        "describe.capabilities",
        if info.capabilities.is_empty() {
            Err("declare the functions the driver implements in `capabilities`".into())
        } else {
            Ok(format!("{} declared", info.capabilities.len()))
        },
    );
    let bad: Vec<String> = info
        .rate_limits
        .iter()
        .filter(|l| {
            !(l.calls_per_second.is_finite() && l.calls_per_second > 0.0)
                || l.burst < 1
                || l.max_in_flight < 1
        })
        .map(|l| {
            format!(
                "{} (calls-per-second {}, burst {}, max-in-flight {})",
                l.service.as_deref().unwrap_or("whole region"),
                l.calls_per_second,
                l.burst,
                l.max_in_flight
            )
        })
        .collect();
    report.record(
        "describe.rate-limits",
        if bad.is_empty() {
            Ok(format!("{} budgets, all positive", info.rate_limits.len()))
        } else {
            Err(format!(
                "need calls-per-second > 0, burst >= 1, max-in-flight >= 1: {}",
                bad.join("; ")
            ))
        },
    );
}

/// MAJOR.MINOR.PATCH with optional `-pre` and `+build`, numbers without leading zeros.
pub fn is_semver(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_needs_three_numbers_and_allows_pre_release_and_build() {
        assert!(is_semver("0.2.0"));
        assert!(is_semver("1.10.3-rc.1+abc"));
        assert!(!is_semver("0.2"));
        assert!(!is_semver("v1.0.0"));
        assert!(!is_semver("01.0.0"));
        assert!(!is_semver(""));
    }
}
