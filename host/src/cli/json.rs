//! Explicit conversions from the generated protobuf messages to `serde_json::Value`
//! (prost types do not derive serde). Every field of every message is written, with the
//! proto field names as keys; enums are their short names (`TIMEOUT`, `FLOATING`).
//!
//! `get` renders its key/value view from these values too, so "all fields" means the same
//! thing in both outputs.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::proto::{
    Address, CloudRegion, Flavor, FloatingIp, Image, Keypair, Location, LocationInfo,
    LocationStatus, Network, PluginInfo, Project, SecurityGroup, SecurityGroupRule, Server,
    StatusKind, Subnet, Volume, address,
};

/// The short name of a status kind: `OK`, `TIMEOUT`, ...; unknown numbers as `KIND_<n>`.
pub fn kind_name(kind: i32) -> String {
    match StatusKind::try_from(kind) {
        Ok(kind) => kind
            .as_str_name()
            .trim_start_matches("STATUS_KIND_")
            .to_string(),
        Err(_) => format!("KIND_{kind}"),
    }
}

fn address_kind_name(kind: i32) -> String {
    match address::Kind::try_from(kind) {
        Ok(kind) => kind.as_str_name().trim_start_matches("KIND_").to_string(),
        Err(_) => format!("KIND_{kind}"),
    }
}

fn string_map(map: &HashMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<_, _>>(),
    )
}

pub fn project(project: &Project) -> Value {
    json!({
        "id": project.id,
        "name": project.name,
        "domain_id": project.domain_id,
        "domain_name": project.domain_name,
    })
}

pub fn location(location: &Location) -> Value {
    json!({
        "cloud": location.cloud,
        "region": location.region,
        "zone": location.zone,
        "project": location.project.as_ref().map_or(Value::Null, project),
    })
}

fn opt_location(loc: Option<&Location>) -> Value {
    loc.map_or(Value::Null, location)
}

pub fn cloud_region(at: &CloudRegion) -> Value {
    json!({ "cloud": at.cloud, "region": at.region })
}

pub fn status(status: &LocationStatus) -> Value {
    json!({
        "location": status.location.as_ref().map_or(Value::Null, cloud_region),
        "kind": kind_name(status.kind),
        "message": status.message,
        "item_count": status.item_count,
        "elapsed_ms": status.elapsed_ms,
        "retry_after_ms": status.retry_after_ms,
        "limiter_wait_ms": status.limiter_wait_ms,
        "cache": crate::proto::CacheSource::try_from(status.cache)
            .map(|c| c.as_str_name().trim_start_matches("CACHE_SOURCE_").to_owned())
            .unwrap_or_default(),
        "ignored_failure": if status.ignored_failure == 0 { Value::Null } else { kind_name(status.ignored_failure).into() },
        "http_attempts": status.http_attempts,
    })
}

pub fn location_info(info: &LocationInfo) -> Value {
    json!({
        "location": info.location.as_ref().map_or(Value::Null, cloud_region),
        "driver": info.driver,
        "driver_version": info.driver_version,
        "profile": info.profile,
    })
}

pub fn plugin_info(info: &PluginInfo) -> Value {
    json!({
        "name": info.name,
        "version": info.version,
        "file": info.file,
        "profiles": info.profiles,
        "capabilities": info.capabilities,
        "image_disk_formats": info.image_disk_formats,
        "floating_ips": info.floating_ips,
        "rate_limits": info.rate_limits.iter().map(|limit| json!({
            "service": limit.service,
            "calls_per_second": limit.calls_per_second,
            "burst": limit.burst,
            "max_in_flight": limit.max_in_flight,
        })).collect::<Vec<_>>(),
        "loaded_at_unix_ms": info.loaded_at_unix_ms,
    })
}

pub fn image(image: &Image) -> Value {
    json!({
        "location": opt_location(image.location.as_ref()),
        "id": image.id,
        "name": image.name,
        "status": image.status,
        "visibility": image.visibility,
        "is_public": image.is_public,
        "is_protected": image.is_protected,
        "disk_format": image.disk_format,
        "container_format": image.container_format,
        "size_bytes": image.size_bytes,
        "virtual_size_bytes": image.virtual_size_bytes,
        "min_disk_gib": image.min_disk_gib,
        "min_ram_mib": image.min_ram_mib,
        "checksum": image.checksum,
        "owner": image.owner,
        "tags": image.tags,
        "created_at": image.created_at,
        "updated_at": image.updated_at,
        "properties": string_map(&image.properties),
    })
}

pub fn flavor(flavor: &Flavor) -> Value {
    json!({
        "location": opt_location(flavor.location.as_ref()),
        "id": flavor.id,
        "name": flavor.name,
        "vcpus": flavor.vcpus,
        "ram_mib": flavor.ram_mib,
        "disk_gib": flavor.disk_gib,
        "ephemeral_gib": flavor.ephemeral_gib,
        "swap_mib": flavor.swap_mib,
        "is_public": flavor.is_public,
        "is_disabled": flavor.is_disabled,
        "extra_specs": string_map(&flavor.extra_specs),
        "properties": string_map(&flavor.properties),
    })
}

pub fn address(address: &Address) -> Value {
    json!({
        "network": address.network,
        "address": address.address,
        "ip_version": address.ip_version,
        "kind": address_kind_name(address.kind),
        "mac": address.mac,
    })
}

pub fn server(server: &Server) -> Value {
    json!({
        "location": opt_location(server.location.as_ref()),
        "id": server.id,
        "name": server.name,
        "status": server.status,
        "image_id": server.image_id,
        "flavor_id": server.flavor_id,
        "flavor_name": server.flavor_name,
        "addresses": server.addresses.iter().map(address).collect::<Vec<_>>(),
        "public_v4": server.public_v4,
        "public_v6": server.public_v6,
        "private_v4": server.private_v4,
        "interface_ip": server.interface_ip,
        "key_name": server.key_name,
        "metadata": string_map(&server.metadata),
        "security_groups": server.security_groups,
        "user_id": server.user_id,
        "host_id": server.host_id,
        "power_state": server.power_state,
        "task_state": server.task_state,
        "vm_state": server.vm_state,
        "progress": server.progress,
        "fault": server.fault,
        "created_at": server.created_at,
        "updated_at": server.updated_at,
        "launched_at": server.launched_at,
        "properties": string_map(&server.properties),
    })
}

pub fn network(network: &Network) -> Value {
    json!({
        "location": opt_location(network.location.as_ref()),
        "id": network.id,
        "name": network.name,
        "status": network.status,
        "is_shared": network.is_shared,
        "is_router_external": network.is_router_external,
        "is_admin_state_up": network.is_admin_state_up,
        "mtu": network.mtu,
        "subnet_ids": network.subnet_ids,
        "availability_zones": network.availability_zones,
        "created_at": network.created_at,
        "updated_at": network.updated_at,
        "properties": string_map(&network.properties),
    })
}

pub fn floating_ip(ip: &FloatingIp) -> Value {
    json!({
        "location": opt_location(ip.location.as_ref()),
        "id": ip.id,
        "floating_ip_address": ip.floating_ip_address,
        "fixed_ip_address": ip.fixed_ip_address,
        "network_id": ip.network_id,
        "port_id": ip.port_id,
        "server_id": ip.server_id,
        "is_attached": ip.is_attached,
        "status": ip.status,
        "created_at": ip.created_at,
        "updated_at": ip.updated_at,
        "properties": string_map(&ip.properties),
    })
}

/// A keypair; `private_key` only when the daemon sent one (a generating create).
pub fn keypair(keypair: &Keypair) -> Value {
    let mut value = json!({
        "location": opt_location(keypair.location.as_ref()),
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
        "key_type": keypair.key_type,
        "created_at": keypair.created_at,
        "properties": string_map(&keypair.properties),
    });
    if !keypair.private_key.is_empty()
        && let Some(object) = value.as_object_mut()
    {
        object.insert("private_key".into(), keypair.private_key.clone().into());
    }
    value
}

pub fn security_group_rule(rule: &SecurityGroupRule) -> Value {
    json!({
        "location": opt_location(rule.location.as_ref()),
        "id": rule.id,
        "security_group_id": rule.security_group_id,
        "direction": rule.direction,
        "ethertype": rule.ethertype,
        "protocol": rule.protocol,
        "port_range_min": rule.port_range_min,
        "port_range_max": rule.port_range_max,
        "remote_ip_prefix": rule.remote_ip_prefix,
        "remote_group_id": rule.remote_group_id,
        "properties": string_map(&rule.properties),
    })
}

/// A security group; its rules leave out their location, which is the group's.
pub fn security_group(group: &SecurityGroup) -> Value {
    let rules: Vec<Value> = group
        .rules
        .iter()
        .map(|rule| {
            let mut value = security_group_rule(rule);
            if let Some(object) = value.as_object_mut() {
                object.remove("location");
            }
            value
        })
        .collect();
    json!({
        "location": opt_location(group.location.as_ref()),
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "rules": rules,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
        "properties": string_map(&group.properties),
    })
}

pub fn subnet(subnet: &Subnet) -> Value {
    json!({
        "location": opt_location(subnet.location.as_ref()),
        "id": subnet.id,
        "name": subnet.name,
        "network_id": subnet.network_id,
        "cidr": subnet.cidr,
        "ip_version": subnet.ip_version,
        "gateway_ip": subnet.gateway_ip,
        "is_dhcp_enabled": subnet.is_dhcp_enabled,
        "dns_nameservers": subnet.dns_nameservers,
        "allocation_pools": subnet.allocation_pools.iter().map(|p| json!({
            "start": p.start,
            "end": p.end,
        })).collect::<Vec<_>>(),
        "created_at": subnet.created_at,
        "updated_at": subnet.updated_at,
        "properties": string_map(&subnet.properties),
    })
}

pub fn volume(volume: &Volume) -> Value {
    json!({
        "location": opt_location(volume.location.as_ref()),
        "id": volume.id,
        "name": volume.name,
        "status": volume.status,
        "size_gib": volume.size_gib,
        "volume_type": volume.volume_type,
        "is_bootable": volume.is_bootable,
        "description": volume.description,
        "attachments": volume.attachments.iter().map(|a| json!({
            "server_id": a.server_id,
            "device": a.device,
        })).collect::<Vec<_>>(),
        "created_at": volume.created_at,
        "updated_at": volume.updated_at,
        "properties": string_map(&volume.properties),
    })
}

/// Leading keys of the key/value view, in this order; the rest follow alphabetically with
/// the open-ended maps last.
const FIRST_KEYS: [&str; 7] = [
    "location", "cloud", "region", "zone", "id", "name", "status",
];
const LAST_KEYS: [&str; 3] = ["extra_specs", "metadata", "properties"];

/// Flattens a resource's JSON into `(dotted.key, text)` rows for the vertical view:
/// objects nest as `location.project.id`, lists of scalars join with ", ", lists of objects
/// index as `addresses[0].address`, empty objects and lists keep a row with an empty value.
pub fn flatten(value: &Value) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    flatten_into(&mut rows, String::new(), value);
    rows
}

fn flatten_into(rows: &mut Vec<(String, String)>, key: String, value: &Value) {
    let join = |child: &str| {
        if key.is_empty() {
            child.to_string()
        } else {
            format!("{key}.{child}")
        }
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            let rank = |k: &str| match FIRST_KEYS.iter().position(|f| *f == k) {
                Some(i) => i,
                None if LAST_KEYS.contains(&k) => FIRST_KEYS.len() + 1,
                None => FIRST_KEYS.len(),
            };
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|k| (rank(k), k.as_str()));
            for k in keys {
                if let Some(child) = map.get(k) {
                    flatten_into(rows, join(k), child);
                }
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            for (i, item) in items.iter().enumerate() {
                flatten_into(rows, format!("{key}[{i}]"), item);
            }
        }
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().map(scalar_text).collect();
            rows.push((key, texts.join(", ")));
        }
        other => rows.push((key, scalar_text(other))),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Object(map) if map.is_empty() => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_in_alpha() -> Server {
        Server {
            location: Some(Location {
                cloud: "alpha".into(),
                region: "us-east".into(),
                zone: "az1".into(),
                project: Some(Project {
                    id: "p1".into(),
                    name: "demo".into(),
                    ..Project::default()
                }),
            }),
            id: "s-1".into(),
            name: "web-1".into(),
            status: "ACTIVE".into(),
            addresses: vec![Address {
                network: "private".into(),
                address: "10.0.0.5".into(),
                ip_version: 4,
                kind: address::Kind::Fixed as i32,
                mac: String::new(),
            }],
            security_groups: vec!["default".into(), "web".into()],
            progress: 100,
            metadata: HashMap::from([("role".to_string(), "web".to_string())]),
            ..Server::default()
        }
    }

    #[test]
    fn server_json_carries_its_location_and_every_field() {
        let value = server(&server_in_alpha());
        assert_eq!(value["location"]["cloud"], "alpha");
        assert_eq!(value["location"]["region"], "us-east");
        assert_eq!(value["location"]["zone"], "az1");
        assert_eq!(value["location"]["project"]["name"], "demo");
        assert_eq!(value["location"]["project"]["domain_id"], "");
        assert_eq!(value["addresses"][0]["kind"], "FIXED");
        assert_eq!(value["security_groups"], json!(["default", "web"]));
        assert_eq!(value["metadata"]["role"], "web");
        assert_eq!(value["progress"], 100);
        // 25 fields plus the location: nothing is dropped.
        assert_eq!(value.as_object().map(Map::len), Some(26));
    }

    #[test]
    fn server_without_location_has_null_location() {
        let value = server(&Server::default());
        assert_eq!(value["location"], Value::Null);
    }

    #[test]
    fn status_kind_is_the_short_name() {
        let value = status(&LocationStatus {
            location: Some(CloudRegion {
                cloud: "beta".into(),
                region: "eu".into(),
            }),
            kind: StatusKind::Timeout as i32,
            message: "no answer".into(),
            ..LocationStatus::default()
        });
        assert_eq!(value["kind"], "TIMEOUT");
        assert_eq!(value["location"]["cloud"], "beta");
        assert_eq!(kind_name(99), "KIND_99");
    }

    #[test]
    fn a_keypair_shows_its_private_key_only_when_it_has_one() {
        let mut keypair = Keypair {
            name: "deploy".into(),
            ..Keypair::default()
        };
        assert_eq!(super::keypair(&keypair).get("private_key"), None);
        keypair.private_key = "-----BEGIN".into();
        assert_eq!(super::keypair(&keypair)["private_key"], "-----BEGIN");
    }

    #[test]
    fn security_group_rules_are_listed_without_repeating_the_location() {
        let group = SecurityGroup {
            location: server_in_alpha().location,
            name: "web".into(),
            rules: vec![SecurityGroupRule {
                location: server_in_alpha().location,
                direction: "ingress".into(),
                port_range_min: 22,
                ..SecurityGroupRule::default()
            }],
            ..SecurityGroup::default()
        };
        let value = security_group(&group);
        assert_eq!(value["location"]["cloud"], "alpha");
        assert_eq!(value["rules"][0]["port_range_min"], 22);
        assert_eq!(value["rules"][0].get("location"), None);
    }

    #[test]
    fn flatten_puts_location_first_and_maps_last() {
        let rows = flatten(&server(&server_in_alpha()));
        let keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys[0], "location.cloud");
        assert!(keys.contains(&"location.project.name"));
        assert!(keys.contains(&"addresses[0].address"));
        assert_eq!(keys.last().copied(), Some("properties"));
        let groups = rows.iter().find(|(k, _)| k == "security_groups");
        assert_eq!(groups.map(|(_, v)| v.as_str()), Some("default, web"));
    }
}
