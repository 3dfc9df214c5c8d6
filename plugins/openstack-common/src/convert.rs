//! Vendor JSON → WIT records (openstack.md §3h), pure.
//!
//! Each converter takes one item of a list (or a get) by value, removes the keys it turns into
//! fields, and puts every key left over into `properties`: strings as-is, other JSON as
//! compact text, nulls skipped. Placement follows shade (§3a): servers use
//! `tenant_id`/`project_id` and `OS-EXT-AZ:availability_zone`, images `owner`, networks
//! `project_id`, flavors the token's project; names and domains come from the token only when
//! the resource's project is the token's.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::Value;

use crate::auth::TokenProject;
use crate::fields::Fields;
use crate::oaktree::cloud::types::{
    Address, AddressKind, Error, Flavor, Image, Network, Placement, Project, Server,
};
use crate::value;

/// The owning project of a resource: complete when it is the token's project (or unknown),
/// otherwise only its id.
pub fn project(owner: Option<String>, token: &TokenProject) -> Option<Project> {
    let domain = token.domain.clone().unwrap_or_default();
    match owner {
        Some(id) if token.id.as_deref() != Some(id.as_str()) => Some(Project {
            id: Some(id),
            name: None,
            domain_id: None,
            domain_name: None,
        }),
        _ if token.id.is_none() && token.name.is_none() => None,
        _ => Some(Project {
            id: token.id.clone(),
            name: token.name.clone(),
            domain_id: domain.id,
            domain_name: domain.name,
        }),
    }
}

fn placement(zone: Option<String>, owner: Option<String>, token: &TokenProject) -> Placement {
    Placement {
        zone,
        project: project(owner, token),
    }
}

/// A nova server (`/servers/detail` item).
pub fn server(item: Value, token: &TokenProject) -> Result<Server, Error> {
    let mut f = Fields::new(item, "server")?;
    let owner = f.text("tenant_id").or(f.text("project_id"));
    let zone = f.text("OS-EXT-AZ:availability_zone");
    let image_id = match f.take("image") {
        Value::Object(image) => image.get("id").and_then(value::text),
        other => value::text(&other),
    };
    let (flavor_id, flavor_name) = match f.take("flavor") {
        Value::Object(flavor) => (
            flavor.get("id").and_then(value::text),
            flavor.get("original_name").and_then(value::text),
        ),
        _ => (None, None),
    };
    let addresses = addresses(f.take("addresses"));
    let access_v4 = f.text("accessIPv4");
    let access_v6 = f.text("accessIPv6");
    let mut security_groups: Vec<String> = Vec::new();
    if let Value::Array(groups) = f.take("security_groups") {
        for name in groups
            .iter()
            .filter_map(|g| g.get("name").and_then(value::text))
        {
            // nova repeats a group once per port.
            if !security_groups.contains(&name) {
                security_groups.push(name);
            }
        }
    }
    let fault = f.take("fault").get("message").and_then(value::text);
    let created_at = f
        .text("created")
        .or(f.text("created_at"))
        .unwrap_or_default();
    let updated_at = f
        .text("updated")
        .or(f.text("updated_at"))
        .unwrap_or_default();
    Ok(Server {
        id: f.string("id"),
        name: f.string("name"),
        placement: placement(zone, owner, token),
        status: f.string("status").to_ascii_uppercase(),
        image_id,
        flavor_id,
        flavor_name,
        public_v4: access_v4.or_else(|| public_v4(&addresses)),
        public_v6: access_v6.or_else(|| public_v6(&addresses)),
        private_v4: private_v4(&addresses),
        addresses,
        key_name: f.text("key_name"),
        metadata: f.pairs("metadata"),
        security_groups,
        user_id: f.text("user_id"),
        host_id: f.text("hostId"),
        power_state: f.text("OS-EXT-STS:power_state"),
        task_state: f.text("OS-EXT-STS:task_state"),
        vm_state: f.text("OS-EXT-STS:vm_state"),
        progress: f.unsigned("progress").and_then(|p| u32::try_from(p).ok()),
        fault,
        created_at,
        updated_at,
        launched_at: f.text("OS-SRV-USG:launched_at"),
        properties: f.properties(),
    })
}

/// nova's `addresses`: `{network: [{addr, version, OS-EXT-IPS:type, OS-EXT-IPS-MAC:mac_addr}]}`.
fn addresses(value: Value) -> Vec<Address> {
    let Value::Object(networks) = value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (network, entries) in networks {
        let Value::Array(entries) = entries else {
            continue;
        };
        for entry in entries {
            let Some(address) = entry.get("addr").and_then(value::text) else {
                continue;
            };
            let ip_version = match entry.get("version").and_then(value::unsigned) {
                Some(6) => 6,
                Some(4) => 4,
                _ if address.contains(':') => 6,
                _ => 4,
            };
            let kind = match entry.get("OS-EXT-IPS:type").and_then(Value::as_str) {
                Some("fixed") => AddressKind::Fixed,
                Some("floating") => AddressKind::Floating,
                _ => AddressKind::Unknown,
            };
            let mac = entry.get("OS-EXT-IPS-MAC:mac_addr").and_then(value::text);
            out.push(Address {
                network: network.clone(),
                address,
                ip_version,
                kind,
                mac,
            });
        }
    }
    out
}

fn v4(address: &Address) -> Option<Ipv4Addr> {
    match address.address.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => Some(ip),
        _ => None,
    }
}

/// RFC 1918, loopback and link-local addresses are not reachable from outside the cloud.
fn is_private_v4(ip: Ipv4Addr) -> bool {
    ip.is_private() || ip.is_loopback() || ip.is_link_local()
}

/// The first floating IPv4, else the first routable fixed one.
fn public_v4(addresses: &[Address]) -> Option<String> {
    let floating = addresses
        .iter()
        .find(|a| a.kind == AddressKind::Floating && v4(a).is_some());
    let routable = || {
        addresses
            .iter()
            .find(|a| a.kind != AddressKind::Floating && v4(a).is_some_and(|ip| !is_private_v4(ip)))
    };
    floating.or_else(routable).map(|a| a.address.clone())
}

/// The first fixed (or unmarked) RFC 1918 IPv4.
fn private_v4(addresses: &[Address]) -> Option<String> {
    addresses
        .iter()
        .find(|a| a.kind != AddressKind::Floating && v4(a).is_some_and(is_private_v4))
        .map(|a| a.address.clone())
}

/// The first globally routable IPv6 (not link-local, unique-local or loopback).
fn public_v6(addresses: &[Address]) -> Option<String> {
    addresses
        .iter()
        .find(|a| match a.address.parse::<IpAddr>() {
            Ok(IpAddr::V6(ip)) => is_global_v6(ip),
            _ => false,
        })
        .map(|a| a.address.clone())
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || (first & 0xffc0) == 0xfe80
        || (first & 0xfe00) == 0xfc00)
}

/// A nova flavor (`/flavors/detail` item); placement is the token's project.
pub fn flavor(item: Value, token: &TokenProject) -> Result<Flavor, Error> {
    let mut f = Fields::new(item, "flavor")?;
    let mut extra_specs = f.pairs("extra_specs");
    if extra_specs.is_empty() {
        extra_specs = f.pairs("OS-FLV-WITH-EXT-SPECS:extra_specs");
    }
    let ephemeral = f
        .unsigned("OS-FLV-EXT-DATA:ephemeral")
        .or(f.unsigned("ephemeral"));
    Ok(Flavor {
        id: f.string("id"),
        name: f.string("name"),
        placement: placement(None, None, token),
        vcpus: f
            .unsigned("vcpus")
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0),
        ram_mib: f.unsigned("ram").unwrap_or(0),
        disk_gib: f.unsigned("disk").unwrap_or(0),
        ephemeral_gib: ephemeral.unwrap_or(0),
        // nova reports "no swap" as "".
        swap_mib: f.unsigned("swap").unwrap_or(0),
        is_public: f.flag("os-flavor-access:is_public", true),
        is_disabled: f.flag("OS-FLV-DISABLED:disabled", false),
        extra_specs,
        properties: f.properties(),
    })
}

/// A glance v2 image.
pub fn image(item: Value, token: &TokenProject) -> Result<Image, Error> {
    let mut f = Fields::new(item, "image")?;
    let owner = f.text("owner");
    let is_public = value::flag(&f.take("is_public"));
    let visibility = f.text("visibility").unwrap_or_else(|| {
        if is_public == Some(true) {
            "public".into()
        } else {
            "private".into()
        }
    });
    Ok(Image {
        id: f.string("id"),
        name: f.string("name"),
        placement: placement(None, owner.clone(), token),
        status: f.string("status").to_ascii_lowercase(),
        visibility,
        is_protected: f.flag("protected", false),
        disk_format: f.text("disk_format"),
        container_format: f.text("container_format"),
        size_bytes: f.unsigned("size"),
        virtual_size_bytes: f.unsigned("virtual_size"),
        min_disk_gib: f.unsigned("min_disk").unwrap_or(0),
        min_ram_mib: f.unsigned("min_ram").unwrap_or(0),
        checksum: f.text("checksum"),
        owner,
        tags: f.strings("tags"),
        created_at: f.string("created_at"),
        updated_at: f.string("updated_at"),
        properties: f.properties(),
    })
}

/// A neutron network.
pub fn network(item: Value, token: &TokenProject) -> Result<Network, Error> {
    let mut f = Fields::new(item, "network")?;
    let owner = f.text("project_id").or(f.text("tenant_id"));
    Ok(Network {
        id: f.string("id"),
        name: f.string("name"),
        placement: placement(None, owner, token),
        status: f.string("status"),
        is_shared: f.flag("shared", false),
        is_router_external: f.flag("router:external", false),
        is_admin_state_up: f.flag("admin_state_up", true),
        mtu: f.unsigned("mtu").and_then(|m| u32::try_from(m).ok()),
        subnet_ids: f.strings("subnets"),
        availability_zones: f.strings("availability_zones"),
        created_at: f.string("created_at"),
        updated_at: f.string("updated_at"),
        properties: f.properties(),
    })
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
