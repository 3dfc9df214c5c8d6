//! Conversions for floating IPs, keypairs, security groups (and rules), subnets and volumes:
//! driver records → `oaktree.v1` messages, and write requests → driver specs (validated, with
//! the request field named in every error).

use std::collections::HashMap;

use super::convert::location;
use crate::error::Error;
use crate::location::{CloudRegion, Located};
use crate::plugin::bindings::wit;
use crate::proto;

fn map(pairs: Vec<(String, String)>) -> HashMap<String, String> {
    pairs.into_iter().collect()
}

/// Empty text as none, for optional spec fields.
fn non_empty(text: String) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == text.len() {
        Some(text)
    } else {
        Some(trimmed.to_owned())
    }
}

fn required(field: &str, text: String, what: &str) -> Result<String, Error> {
    non_empty(text).ok_or_else(|| Error::InvalidArgument {
        field: field.to_owned(),
        message: format!("required: {what}"),
    })
}

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::InvalidArgument {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// A write's location. Only presence is checked here; the federation resolves it (and
/// answers NOT_FOUND with the known ones).
pub fn write_location(at: Option<proto::CloudRegion>) -> CloudRegion {
    let at = at.unwrap_or_default();
    CloudRegion::new(at.cloud.trim(), at.region.trim())
}

/// The id of a delete or attach: required.
pub fn id(field: &str, id: String, kind: &str) -> Result<String, Error> {
    required(field, id, &format!("the {kind}'s id"))
}

pub fn floating_ip(item: Located<wit::FloatingIp>) -> proto::FloatingIp {
    let Located {
        location: at,
        resource: f,
    } = item;
    proto::FloatingIp {
        location: Some(location(&at)),
        id: f.id,
        floating_ip_address: f.floating_address,
        fixed_ip_address: f.fixed_address.unwrap_or_default(),
        network_id: f.network_id,
        port_id: f.port_id.unwrap_or_default(),
        server_id: f.server_id.unwrap_or_default(),
        is_attached: f.is_attached,
        status: f.status,
        created_at: f.created_at,
        updated_at: f.updated_at,
        properties: map(f.properties),
    }
}

pub fn keypair(item: Located<wit::Keypair>) -> proto::Keypair {
    let Located {
        location: at,
        resource: k,
    } = item;
    proto::Keypair {
        location: Some(location(&at)),
        name: k.name,
        public_key: k.public_key,
        fingerprint: k.fingerprint,
        key_type: k.key_type,
        private_key: k.private_key.unwrap_or_default(),
        created_at: k.created_at,
        properties: map(k.properties),
    }
}

/// A rule, located where its group is.
pub fn security_group_rule(
    at: &crate::location::Location,
    r: wit::SecurityGroupRule,
) -> proto::SecurityGroupRule {
    proto::SecurityGroupRule {
        location: Some(location(at)),
        id: r.id,
        security_group_id: r.security_group_id,
        direction: r.direction,
        ethertype: r.ethertype,
        protocol: r.protocol.unwrap_or_default(),
        port_range_min: r.port_range_min.unwrap_or(0),
        port_range_max: r.port_range_max.unwrap_or(0),
        remote_ip_prefix: r.remote_ip_prefix.unwrap_or_default(),
        remote_group_id: r.remote_group_id.unwrap_or_default(),
        properties: map(r.properties),
    }
}

pub fn located_rule(item: Located<wit::SecurityGroupRule>) -> proto::SecurityGroupRule {
    security_group_rule(&item.location, item.resource)
}

pub fn security_group(item: Located<wit::SecurityGroup>) -> proto::SecurityGroup {
    let Located {
        location: at,
        resource: g,
    } = item;
    proto::SecurityGroup {
        location: Some(location(&at)),
        rules: g
            .rules
            .into_iter()
            .map(|r| security_group_rule(&at, r))
            .collect(),
        id: g.id,
        name: g.name,
        description: g.description,
        created_at: g.created_at,
        updated_at: g.updated_at,
        properties: map(g.properties),
    }
}

pub fn subnet(item: Located<wit::Subnet>) -> proto::Subnet {
    let Located {
        location: at,
        resource: s,
    } = item;
    proto::Subnet {
        location: Some(location(&at)),
        id: s.id,
        name: s.name,
        network_id: s.network_id,
        cidr: s.cidr,
        ip_version: u32::from(s.ip_version),
        gateway_ip: s.gateway_ip.unwrap_or_default(),
        is_dhcp_enabled: s.is_dhcp_enabled,
        dns_nameservers: s.dns_nameservers,
        allocation_pools: s
            .allocation_pools
            .into_iter()
            .map(|p| proto::AllocationPool {
                start: p.start,
                end: p.end,
            })
            .collect(),
        created_at: s.created_at,
        updated_at: s.updated_at,
        properties: map(s.properties),
    }
}

pub fn volume(item: Located<wit::Volume>) -> proto::Volume {
    let Located {
        location: at,
        resource: v,
    } = item;
    proto::Volume {
        location: Some(location(&at)),
        id: v.id,
        name: v.name,
        status: v.status,
        size_gib: v.size_gib,
        volume_type: v.volume_type.unwrap_or_default(),
        is_bootable: v.is_bootable,
        description: v.description,
        attachments: v
            .attachments
            .into_iter()
            .map(|a| proto::VolumeAttachment {
                server_id: a.server_id,
                device: a.device.unwrap_or_default(),
            })
            .collect(),
        created_at: v.created_at,
        updated_at: v.updated_at,
        properties: map(v.properties),
    }
}

pub fn floating_ip_create(spec: Option<proto::FloatingIpSpec>) -> wit::FloatingIpCreate {
    let spec = spec.unwrap_or_default();
    wit::FloatingIpCreate {
        network_id: non_empty(spec.network_id),
        server_id: non_empty(spec.server_id),
    }
}

pub fn keypair_create(spec: Option<proto::KeypairSpec>) -> Result<wit::KeypairCreate, Error> {
    let spec = spec.unwrap_or_default();
    Ok(wit::KeypairCreate {
        name: required("keypair.name", spec.name, "the keypair's name")?,
        public_key: non_empty(spec.public_key),
    })
}

pub fn security_group_create(
    spec: Option<proto::SecurityGroupSpec>,
) -> Result<wit::SecurityGroupCreate, Error> {
    let spec = spec.unwrap_or_default();
    Ok(wit::SecurityGroupCreate {
        name: required("security_group.name", spec.name, "the group's name")?,
        description: spec.description,
    })
}

pub fn security_group_rule_create(
    spec: Option<proto::SecurityGroupRuleSpec>,
) -> Result<wit::SecurityGroupRuleCreate, Error> {
    let spec = spec.unwrap_or_default();
    let security_group_id = required(
        "rule.security_group_id",
        spec.security_group_id,
        "the id of the group to add the rule to",
    )?;
    let direction = match non_empty(spec.direction)
        .map(|d| d.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("ingress") => "ingress".to_owned(),
        Some("egress") => "egress".to_owned(),
        Some(other) => {
            return Err(invalid(
                "rule.direction",
                format!("'{other}' is not a direction; use ingress or egress"),
            ));
        }
    };
    let remote_ip_prefix = non_empty(spec.remote_ip_prefix);
    let remote_group_id = non_empty(spec.remote_group_id);
    if remote_ip_prefix.is_some() && remote_group_id.is_some() {
        return Err(invalid(
            "rule.remote_group_id",
            "give remote_ip_prefix or remote_group_id, not both",
        ));
    }
    let ethertype = match non_empty(spec.ethertype).as_deref() {
        None if remote_ip_prefix.as_deref().is_some_and(|p| p.contains(':')) => "IPv6",
        None => "IPv4",
        Some(e) if e.eq_ignore_ascii_case("ipv4") => "IPv4",
        Some(e) if e.eq_ignore_ascii_case("ipv6") => "IPv6",
        Some(other) => {
            return Err(invalid(
                "rule.ethertype",
                format!("'{other}' is not an ethertype; use IPv4 or IPv6"),
            ));
        }
    }
    .to_owned();
    if let (Some(min), Some(max)) = (spec.port_range_min, spec.port_range_max)
        && min > max
    {
        return Err(invalid(
            "rule.port_range_min",
            format!("the range {min}-{max} is empty: min is above max"),
        ));
    }
    Ok(wit::SecurityGroupRuleCreate {
        security_group_id,
        direction,
        ethertype,
        protocol: non_empty(spec.protocol).map(|p| p.to_ascii_lowercase()),
        port_range_min: spec.port_range_min,
        port_range_max: spec.port_range_max,
        remote_ip_prefix,
        remote_group_id,
    })
}

pub fn subnet_create(spec: Option<proto::SubnetSpec>) -> Result<wit::SubnetCreate, Error> {
    let spec = spec.unwrap_or_default();
    let network_id = required(
        "subnet.network_id",
        spec.network_id,
        "the id of the network the subnet is on",
    )?;
    let cidr = required(
        "subnet.cidr",
        spec.cidr,
        "the address range, e.g. 10.1.0.0/24",
    )?;
    if !cidr.contains('/') {
        return Err(invalid(
            "subnet.cidr",
            format!("'{cidr}' is not a CIDR; write it as address/prefix, e.g. 10.1.0.0/24"),
        ));
    }
    let implied: u8 = if cidr.contains(':') { 6 } else { 4 };
    let ip_version = match spec.ip_version {
        0 => implied,
        4 | 6 if spec.ip_version == u32::from(implied) => implied,
        4 | 6 => {
            return Err(invalid(
                "subnet.ip_version",
                format!(
                    "{} does not match the cidr '{cidr}' (IPv{implied})",
                    spec.ip_version
                ),
            ));
        }
        other => {
            return Err(invalid(
                "subnet.ip_version",
                format!("{other} is not an IP version; use 4 or 6 (or 0 to take it from cidr)"),
            ));
        }
    };
    Ok(wit::SubnetCreate {
        network_id,
        name: spec.name,
        cidr,
        ip_version,
        gateway_ip: non_empty(spec.gateway_ip),
        enable_dhcp: spec.enable_dhcp.unwrap_or(true),
        dns_nameservers: spec
            .dns_nameservers
            .into_iter()
            .filter_map(non_empty)
            .collect(),
    })
}

pub fn volume_create(spec: Option<proto::VolumeSpec>) -> Result<wit::VolumeCreate, Error> {
    let spec = spec.unwrap_or_default();
    if spec.size_gib == 0 {
        return Err(invalid(
            "volume.size_gib",
            "required: the volume's size in GiB, at least 1",
        ));
    }
    Ok(wit::VolumeCreate {
        name: spec.name,
        size_gib: spec.size_gib,
        description: spec.description,
        volume_type: non_empty(spec.volume_type),
        zone: non_empty(spec.zone),
        image_id: non_empty(spec.image_id),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "convert_resources_tests.rs"]
mod tests;
