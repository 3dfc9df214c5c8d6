//! The clouds file's `cache:` block as typed TTLs per resource kind.
//!
//! openstacksdk's keys: `expiration_time` (alias `max_age`) is the default for every kind,
//! `expiration: {server: 5, image: 3600, ...}` sets one kind; seconds, `-1` never expires,
//! `0` turns caching off. Without a cache block oaktree uses [`DEFAULT_SECONDS`]: short
//! enough that the clouds stay the source of truth, long enough to absorb bursts of
//! identical reads.

use serde_json::{Map, Value};

use super::clouds::CloudsConfig;
use super::error::ConfigError;
use crate::cache::{Expirations, ResourceKind, Ttl};

/// TTLs in seconds when the clouds file says nothing: servers change state often (shade
/// used 5 s for its batched server list); flavors almost never. Floating IPs move between
/// servers and volumes go through creating/attaching states, so they are as short as servers
/// (openstacksdk's `floating_ip` default is 5 s too); keypairs, security groups and subnets
/// change only when someone edits them, and writes through oaktree invalidate them anyway.
pub const DEFAULT_SECONDS: [(ResourceKind, i64); 9] = [
    (ResourceKind::Server, 5),
    (ResourceKind::Image, 60),
    (ResourceKind::Flavor, 300),
    (ResourceKind::Network, 60),
    (ResourceKind::FloatingIp, 5),
    (ResourceKind::Keypair, 60),
    (ResourceKind::SecurityGroup, 60),
    (ResourceKind::Subnet, 60),
    (ResourceKind::Volume, 5),
];

/// Reads `cache:` from the clouds file into per-kind TTLs.
pub fn expirations(clouds: &CloudsConfig) -> Result<Expirations, ConfigError> {
    let block = &clouds.cache;
    let invalid = |at: &str, message: String| ConfigError::invalid(&clouds.source, at, message);
    let default = match block
        .get("expiration_time")
        .or_else(|| block.get("max_age"))
    {
        Some(value) => Some(seconds(value).map_err(|m| invalid("cache.expiration_time", m))?),
        None => None,
    };
    let mut by_kind: Vec<(ResourceKind, i64)> = DEFAULT_SECONDS
        .iter()
        .map(|(kind, seconds)| (*kind, default.unwrap_or(*seconds)))
        .collect();
    match block.get("expiration") {
        None | Some(Value::Null) => {}
        Some(Value::Object(per_kind)) => apply_per_kind(per_kind, &mut by_kind, &invalid)?,
        Some(_) => {
            return Err(invalid(
                "cache.expiration",
                "must be a mapping of resource kind to seconds, e.g. `{server: 5, image: 3600}`"
                    .to_owned(),
            ));
        }
    }
    Ok(Expirations::from_seconds(by_kind, 0))
}

fn apply_per_kind(
    per_kind: &Map<String, Value>,
    by_kind: &mut [(ResourceKind, i64)],
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<(), ConfigError> {
    for (name, value) in per_kind {
        let at = format!("cache.expiration.{name}");
        // openstacksdk also lists kinds oaktree does not serve yet (port, ...):
        // those are accepted and have no effect until the kind exists.
        let Some(kind) = ResourceKind::from_name(name) else {
            tracing::debug!(
                key = at,
                "cache expiration for a kind oaktree does not cache"
            );
            continue;
        };
        let seconds = seconds(value).map_err(|m| invalid(&at, m))?;
        if let Some(slot) = by_kind.iter_mut().find(|(k, _)| *k == kind) {
            slot.1 = seconds;
        }
    }
    Ok(())
}

/// A TTL in seconds: an integer of -1 or more (numbers written as text are accepted).
fn seconds(value: &Value) -> Result<i64, String> {
    let seconds = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let seconds = seconds.ok_or_else(|| {
        format!("must be a whole number of seconds (-1 never expires, 0 is off), not {value}")
    })?;
    Ttl::try_from(seconds).map_err(|e| e.to_string())?;
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::*;

    fn load(text: &str) -> Result<Expirations, ConfigError> {
        let clouds = CloudsConfig::from_str(text, Path::new("/c/clouds.yaml"), None)?;
        expirations(&clouds)
    }

    #[test]
    fn without_a_cache_block_the_defaults_apply() {
        let e = load("clouds: {}\n").unwrap();
        assert_eq!(
            e.ttl(ResourceKind::Server),
            Ttl::For(Duration::from_secs(5))
        );
        assert_eq!(
            e.ttl(ResourceKind::Flavor),
            Ttl::For(Duration::from_secs(300))
        );
    }

    #[test]
    fn per_kind_expirations_override_the_default_time() {
        let e = load("cache:\n  expiration_time: 30\n  expiration:\n    server: 0\n    image: -1\n    port: 7\nclouds: {}\n").unwrap();
        assert_eq!(e.ttl(ResourceKind::Server), Ttl::Off);
        assert_eq!(e.ttl(ResourceKind::Image), Ttl::Forever);
        assert_eq!(
            e.ttl(ResourceKind::Network),
            Ttl::For(Duration::from_secs(30))
        );
    }

    #[test]
    fn the_network_and_storage_kinds_have_their_own_defaults_and_keys() {
        let e = load("clouds: {}\n").unwrap();
        let seconds = |kind| e.ttl(kind);
        assert_eq!(
            seconds(ResourceKind::FloatingIp),
            Ttl::For(Duration::from_secs(5))
        );
        assert_eq!(
            seconds(ResourceKind::Volume),
            Ttl::For(Duration::from_secs(5))
        );
        for kind in [
            ResourceKind::Keypair,
            ResourceKind::SecurityGroup,
            ResourceKind::Subnet,
        ] {
            assert_eq!(seconds(kind), Ttl::For(Duration::from_secs(60)), "{kind}");
        }
        let e =
            load("cache:\n  expiration:\n    floating_ip: 0\n    security_group: -1\nclouds: {}\n")
                .unwrap();
        assert_eq!(e.ttl(ResourceKind::FloatingIp), Ttl::Off);
        assert_eq!(e.ttl(ResourceKind::SecurityGroup), Ttl::Forever);
    }

    #[test]
    fn a_bad_expiration_names_the_file_and_key() {
        let err = load("cache:\n  expiration:\n    server: -5\nclouds: {}\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/c/clouds.yaml") && err.contains("cache.expiration.server"),
            "{err}"
        );
        let err = load("cache:\n  expiration_time: soon\nclouds: {}\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cache.expiration_time") && err.contains("whole number"),
            "{err}"
        );
    }
}
