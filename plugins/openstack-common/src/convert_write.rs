//! Vendor JSON → WIT records for the kinds the write modules manage (openstack.md §3h), pure:
//! neutron floating IPs, security groups and rules, subnets, nova keypairs, cinder volumes.
//!
//! Same strict normalisation as `convert`: each converter removes the keys it turns into
//! fields and puts every key left over into `properties` (strings as-is, other JSON as compact
//! text, nulls skipped). Placement is the resource's `project_id`/`tenant_id` (cinder:
//! `os-vol-tenant-attr:tenant_id`), completed from the token when it is the token's project.

use serde_json::Value;

use crate::auth::TokenProject;
use crate::convert;
use crate::fields::Fields;
use crate::oaktree::cloud::types::{
    AllocationPool, Error, FloatingIp, Keypair, Placement, SecurityGroup, SecurityGroupRule,
    Subnet, Volume, VolumeAttachment,
};
use crate::value;

fn placement(zone: Option<String>, owner: Option<String>, token: &TokenProject) -> Placement {
    Placement {
        zone,
        project: convert::project(owner, token),
    }
}

/// The object under `key` in a single-resource answer (`{"floatingip": {...}}`).
pub fn item(mut body: Value, key: &str, what: &str) -> Result<Value, Error> {
    match body.get_mut(key).map(Value::take) {
        Some(item @ Value::Object(_)) => Ok(item),
        _ => Err(Error::Other(format!("{what} answered without `{key}`"))),
    }
}

/// A neutron floating IP. `server-id` is the device of `port_details` (neutron's
/// fip-port-details extension) when neutron includes it; `port_details` itself stays in
/// `properties`.
pub fn floating_ip(item: Value, token: &TokenProject) -> Result<FloatingIp, Error> {
    let server_id = item
        .get("port_details")
        .and_then(|p| p.get("device_id"))
        .and_then(value::text);
    let mut f = Fields::new(item, "floating IP")?;
    let owner = f.owner(&["project_id", "tenant_id"]);
    let port_id = f.text("port_id");
    Ok(FloatingIp {
        id: f.string("id"),
        placement: placement(None, owner, token),
        floating_address: f.string("floating_ip_address"),
        fixed_address: f.text("fixed_ip_address"),
        network_id: f.string("floating_network_id"),
        server_id: server_id.filter(|_| port_id.is_some()),
        is_attached: port_id.is_some(),
        port_id,
        status: f.string("status").to_ascii_uppercase(),
        created_at: f.string("created_at"),
        updated_at: f.string("updated_at"),
        properties: f.properties(),
    })
}

/// A nova keypair, bare or wrapped as list entries are (`{"keypair": {...}}`). Keypairs belong
/// to the user, so placement is the token's project. `private_key` is only in the answer to a
/// create that generated the key.
pub fn keypair(item: Value, token: &TokenProject) -> Result<Keypair, Error> {
    let item = match item {
        Value::Object(mut map) if map.len() == 1 && map.contains_key("keypair") => {
            map.remove("keypair").unwrap_or(Value::Null)
        }
        other => other,
    };
    let mut f = Fields::new(item, "keypair")?;
    Ok(Keypair {
        name: f.string("name"),
        placement: placement(None, None, token),
        public_key: f.string("public_key"),
        fingerprint: f.string("fingerprint"),
        key_type: f.string("type"),
        private_key: f.text("private_key"),
        created_at: f.string("created_at"),
        properties: f.properties(),
    })
}

/// A neutron security group rule.
pub fn security_group_rule(item: Value) -> Result<SecurityGroupRule, Error> {
    let mut f = Fields::new(item, "security group rule")?;
    Ok(SecurityGroupRule {
        id: f.string("id"),
        security_group_id: f.string("security_group_id"),
        direction: f.string("direction").to_ascii_lowercase(),
        ethertype: f.string("ethertype"),
        protocol: f.text("protocol"),
        port_range_min: f.small("port_range_min"),
        port_range_max: f.small("port_range_max"),
        remote_ip_prefix: f.text("remote_ip_prefix"),
        remote_group_id: f.text("remote_group_id"),
        properties: f.properties(),
    })
}

/// A neutron security group with its `security_group_rules`.
pub fn security_group(item: Value, token: &TokenProject) -> Result<SecurityGroup, Error> {
    let mut f = Fields::new(item, "security group")?;
    let owner = f.owner(&["project_id", "tenant_id"]);
    let rules = match f.take("security_group_rules") {
        Value::Array(rules) => rules
            .into_iter()
            .map(security_group_rule)
            .collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    Ok(SecurityGroup {
        id: f.string("id"),
        name: f.string("name"),
        placement: placement(None, owner, token),
        description: f.string("description"),
        rules,
        created_at: f.string("created_at"),
        updated_at: f.string("updated_at"),
        properties: f.properties(),
    })
}

/// A neutron subnet. A missing `ip_version` is read from the CIDR.
pub fn subnet(item: Value, token: &TokenProject) -> Result<Subnet, Error> {
    let mut f = Fields::new(item, "subnet")?;
    let owner = f.owner(&["project_id", "tenant_id"]);
    let cidr = f.string("cidr");
    let ip_version = match value::unsigned(&f.take("ip_version")) {
        Some(6) => 6,
        Some(4) => 4,
        _ if cidr.contains(':') => 6,
        _ => 4,
    };
    let allocation_pools = match f.take("allocation_pools") {
        Value::Array(pools) => pools
            .iter()
            .filter_map(|p| {
                Some(AllocationPool {
                    start: p.get("start").and_then(value::text)?,
                    end: p.get("end").and_then(value::text)?,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(Subnet {
        id: f.string("id"),
        name: f.string("name"),
        placement: placement(None, owner, token),
        network_id: f.string("network_id"),
        cidr,
        ip_version,
        gateway_ip: f.text("gateway_ip"),
        is_dhcp_enabled: f.flag("enable_dhcp", true),
        dns_nameservers: f.strings("dns_nameservers"),
        allocation_pools,
        created_at: f.string("created_at"),
        updated_at: f.string("updated_at"),
        properties: f.properties(),
    })
}

/// A cinder volume (v3, or v2/v1 with their `display_*` names).
pub fn volume(item: Value, token: &TokenProject) -> Result<Volume, Error> {
    let mut f = Fields::new(item, "volume")?;
    let owner = f.owner(&["os-vol-tenant-attr:tenant_id", "project_id", "tenant_id"]);
    let zone = f.text("availability_zone");
    let name = f.text("name").or(f.text("display_name"));
    let description = f.text("description").or(f.text("display_description"));
    let attachments = match f.take("attachments") {
        Value::Array(entries) => entries
            .iter()
            .filter_map(|a| {
                Some(VolumeAttachment {
                    server_id: a.get("server_id").and_then(value::text)?,
                    device: a.get("device").and_then(value::text),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(Volume {
        id: f.string("id"),
        name: name.unwrap_or_default(),
        placement: placement(zone, owner, token),
        status: f.string("status").to_ascii_lowercase(),
        size_gib: value::unsigned(&f.take("size")).unwrap_or(0),
        // cinder v2 reports "no type" as the string "None".
        volume_type: f.text("volume_type").filter(|t| t != "None"),
        is_bootable: f.flag("bootable", false),
        description: description.unwrap_or_default(),
        attachments,
        created_at: f.string("created_at"),
        updated_at: f.string("updated_at"),
        properties: f.properties(),
    })
}

#[cfg(test)]
#[path = "convert_write_tests.rs"]
mod tests;
