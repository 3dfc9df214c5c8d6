//! What a person sees: the table columns of each resource kind, the per-location status
//! section and the summary line.
//!
//! The status section never hides a failure: every location asked gets a line, failed ones
//! with their kind and the cloud's message, and the summary counts them.

use crate::proto::{
    CacheSource, Flavor, FloatingIp, Image, Keypair, Location, LocationStatus, Network,
    SecurityGroup, Server, StatusKind, Subnet, Volume,
};

use super::json::kind_name;
use super::table::Table;

/// Columns every listing starts with.
pub const LOCATION_COLUMNS: [&str; 4] = ["CLOUD", "REGION", "ZONE", "PROJECT"];

pub fn location_cells(location: Option<&Location>) -> Vec<String> {
    let Some(location) = location else {
        return vec![String::new(); LOCATION_COLUMNS.len()];
    };
    let project = location.project.as_ref().map_or(String::new(), |p| {
        if p.name.is_empty() {
            p.id.clone()
        } else {
            p.name.clone()
        }
    });
    vec![
        location.cloud.clone(),
        location.region.clone(),
        location.zone.clone(),
        project,
    ]
}

pub const SERVER_COLUMNS: &[&str] = &["ID", "NAME", "STATUS", "FLAVOR", "IP"];

pub fn server_cells(server: &Server) -> Vec<String> {
    let flavor = if server.flavor_name.is_empty() {
        &server.flavor_id
    } else {
        &server.flavor_name
    };
    vec![
        server.id.clone(),
        server.name.clone(),
        server.status.clone(),
        flavor.clone(),
        server.interface_ip.clone(),
    ]
}

pub const IMAGE_COLUMNS: &[&str] = &["ID", "NAME", "STATUS", "DISK FORMAT", "SIZE", "VISIBILITY"];

pub fn image_cells(image: &Image) -> Vec<String> {
    vec![
        image.id.clone(),
        image.name.clone(),
        image.status.clone(),
        image.disk_format.clone(),
        human_size(image.size_bytes),
        image.visibility.clone(),
    ]
}

pub const FLAVOR_COLUMNS: &[&str] = &["ID", "NAME", "VCPUS", "RAM (MiB)", "DISK (GiB)"];

pub fn flavor_cells(flavor: &Flavor) -> Vec<String> {
    vec![
        flavor.id.clone(),
        flavor.name.clone(),
        flavor.vcpus.to_string(),
        flavor.ram_mib.to_string(),
        flavor.disk_gib.to_string(),
    ]
}

pub const NETWORK_COLUMNS: &[&str] = &["ID", "NAME", "STATUS", "SHARED", "EXTERNAL"];

pub fn network_cells(network: &Network) -> Vec<String> {
    vec![
        network.id.clone(),
        network.name.clone(),
        network.status.clone(),
        yes_no(network.is_shared),
        yes_no(network.is_router_external),
    ]
}

pub const FLOATING_IP_COLUMNS: &[&str] = &["ID", "IP", "FIXED IP", "SERVER", "STATUS"];

pub fn floating_ip_cells(ip: &FloatingIp) -> Vec<String> {
    vec![
        ip.id.clone(),
        ip.floating_ip_address.clone(),
        ip.fixed_ip_address.clone(),
        ip.server_id.clone(),
        ip.status.clone(),
    ]
}

pub const KEYPAIR_COLUMNS: &[&str] = &["NAME", "FINGERPRINT", "TYPE"];

pub fn keypair_cells(keypair: &Keypair) -> Vec<String> {
    vec![
        keypair.name.clone(),
        keypair.fingerprint.clone(),
        keypair.key_type.clone(),
    ]
}

pub const SECURITY_GROUP_COLUMNS: &[&str] = &["ID", "NAME", "RULES", "DESCRIPTION"];

pub fn security_group_cells(group: &SecurityGroup) -> Vec<String> {
    vec![
        group.id.clone(),
        group.name.clone(),
        group.rules.len().to_string(),
        group.description.clone(),
    ]
}

pub const SUBNET_COLUMNS: &[&str] = &["ID", "NAME", "CIDR", "NETWORK", "GATEWAY", "DHCP"];

pub fn subnet_cells(subnet: &Subnet) -> Vec<String> {
    vec![
        subnet.id.clone(),
        subnet.name.clone(),
        subnet.cidr.clone(),
        subnet.network_id.clone(),
        subnet.gateway_ip.clone(),
        yes_no(subnet.is_dhcp_enabled),
    ]
}

pub const VOLUME_COLUMNS: &[&str] = &["ID", "NAME", "STATUS", "SIZE (GiB)", "TYPE", "ATTACHED TO"];

pub fn volume_cells(volume: &Volume) -> Vec<String> {
    let attached: Vec<&str> = volume
        .attachments
        .iter()
        .map(|a| a.server_id.as_str())
        .collect();
    vec![
        volume.id.clone(),
        volume.name.clone(),
        volume.status.clone(),
        volume.size_gib.to_string(),
        volume.volume_type.clone(),
        attached.join(", "),
    ]
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

/// Bytes in binary units with one decimal: `512 B`, `12.0 KiB`, `13.2 MiB`, `1.5 GiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    // f64 is exact enough for one decimal of any u64.
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `n servers`, `1 server`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// `cloud/region`, or `cloud` for a cloud without regions.
pub fn status_label(status: &LocationStatus) -> String {
    match &status.location {
        Some(at) if at.region.is_empty() => at.cloud.clone(),
        Some(at) => format!("{}/{}", at.cloud, at.region),
        None => "(unknown location)".to_string(),
    }
}

/// What a caller makes of a NOT_FOUND status: a failure for listings, but only "not here"
/// for `get`, which asks every location for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    List,
    Get,
}

pub fn is_failure(status: &LocationStatus, call: Call) -> bool {
    match StatusKind::try_from(status.kind) {
        Ok(StatusKind::Ok) => false,
        Ok(StatusKind::NotFound) => call == Call::List,
        _ => true,
    }
}

/// One line per location: `alpha/us-east  OK  12 items  53 ms` or
/// `beta/eu  TIMEOUT  <message>`. The item count and time share one cell, padded among the
/// OK lines, so a long failure message does not push the times far to the right.
pub fn status_section(statuses: &[LocationStatus]) -> String {
    let is_ok = |s: &LocationStatus| s.kind == StatusKind::Ok as i32;
    let items = |s: &LocationStatus| count(s.item_count as usize, "item", "items");
    let items_width = statuses
        .iter()
        .filter(|s| is_ok(s))
        .map(|s| items(s).len())
        .max()
        .unwrap_or(0);
    let mut table = Table::headless();
    for status in statuses {
        let detail = if is_ok(status) {
            let mut detail = format!("{:<items_width$}  {} ms", items(status), status.elapsed_ms);
            for note in status_notes(status) {
                detail.push_str("  ");
                detail.push_str(&note);
            }
            detail
        } else if status.retry_after_ms > 0 {
            format!(
                "{} (retry after {} ms)",
                status.message, status.retry_after_ms
            )
        } else {
            status.message.clone()
        };
        table.push(vec![status_label(status), kind_name(status.kind), detail]);
    }
    table.render()
}

/// What else an OK status says: where the answer came from, limiter waits, retries and an
/// ignored failure.
fn status_notes(status: &LocationStatus) -> Vec<String> {
    let mut notes = Vec::new();
    match CacheSource::try_from(status.cache) {
        Ok(CacheSource::Hit) => notes.push("cached".to_owned()),
        Ok(CacheSource::Stale) => notes.push("cached (stale, refreshing)".to_owned()),
        Ok(CacheSource::Shared) => notes.push("shared with an identical call".to_owned()),
        _ => {}
    }
    if status.limiter_wait_ms > 0 {
        notes.push(format!(
            "waited {} ms for the rate limit",
            status.limiter_wait_ms
        ));
    }
    if status.http_attempts > 1 {
        notes.push(format!("{} HTTP attempts", status.http_attempts));
    }
    if status.ignored_failure != 0 {
        notes.push(format!(
            "treated as empty: {} {}",
            kind_name(status.ignored_failure),
            status.message
        ));
    }
    notes
}

/// `12 servers from 3 locations; 1 location failed`.
pub fn list_summary(
    items: usize,
    plural_kind: (&str, &str),
    statuses: &[LocationStatus],
) -> String {
    let failed = statuses
        .iter()
        .filter(|s| is_failure(s, Call::List))
        .count();
    let answered = statuses.len() - failed;
    format!(
        "{} from {}; {} failed",
        count(items, plural_kind.0, plural_kind.1),
        count(answered, "location", "locations"),
        count(failed, "location", "locations"),
    )
}

/// `found at alpha/us-east; 4 locations asked; 1 location failed`.
pub fn get_summary(found_at: Option<&Location>, statuses: &[LocationStatus]) -> String {
    let failed = statuses.iter().filter(|s| is_failure(s, Call::Get)).count();
    let place = match found_at {
        Some(at) if at.region.is_empty() => format!("found at {}", at.cloud),
        Some(at) => format!("found at {}/{}", at.cloud, at.region),
        None => "not found".to_string(),
    };
    format!(
        "{place}; {} asked; {} failed",
        count(statuses.len(), "location", "locations"),
        count(failed, "location", "locations"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::CloudRegion;

    fn status(
        cloud: &str,
        region: &str,
        kind: StatusKind,
        items: u32,
        message: &str,
    ) -> LocationStatus {
        LocationStatus {
            location: Some(CloudRegion {
                cloud: cloud.into(),
                region: region.into(),
            }),
            kind: kind as i32,
            message: message.into(),
            item_count: items,
            elapsed_ms: 53,
            ..LocationStatus::default()
        }
    }

    #[test]
    fn human_sizes_use_binary_units() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(13_287_936), "12.7 MiB");
        assert_eq!(human_size(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
        assert_eq!(human_size(u64::MAX), "16384.0 PiB");
    }

    #[test]
    fn status_section_shows_every_location_including_failures() {
        let statuses = [
            status("alpha", "us-east", StatusKind::Ok, 12, ""),
            status(
                "beta",
                "",
                StatusKind::Timeout,
                0,
                "no answer within 30s, the deadline",
            ),
            status("alpha", "us-west", StatusKind::Ok, 1, ""),
        ];
        assert_eq!(
            status_section(&statuses),
            "alpha/us-east  OK       12 items  53 ms\n\
             beta           TIMEOUT  no answer within 30s, the deadline\n\
             alpha/us-west  OK       1 item    53 ms\n"
        );
        assert_eq!(
            list_summary(13, ("server", "servers"), &statuses),
            "13 servers from 2 locations; 1 location failed"
        );
    }

    #[test]
    fn not_found_fails_a_listing_but_not_a_get() {
        let missing = status("alpha", "us-west", StatusKind::NotFound, 0, "no such image");
        assert!(is_failure(&missing, Call::List));
        assert!(!is_failure(&missing, Call::Get));
    }
}
