//! EC2 Elastic IPs and subnets → WIT records.
//!
//! An Elastic IP's id is its `allocationId`; it is attached when EC2 reports an association
//! (ACTIVE) and DOWN otherwise. A subnet's gateway and allocation pool follow from its CIDR:
//! AWS keeps the first four addresses (network, VPC router at +1, DNS, reserved) and the last.

use std::net::Ipv4Addr;

use roxmltree::Node;

use crate::convert::{name_tag, project};
use crate::oaktree::cloud::types::{AllocationPool, FloatingIp, Placement, Subnet};
use crate::xml::{items, rest, tags, text};

/// What an Elastic IP's `network-id` is when EC2 does not name a domain.
pub const DEFAULT_DOMAIN: &str = "vpc";

const ADDRESS_KEYS: &[&str] = &[
    "allocationId",
    "publicIp",
    "privateIpAddress",
    "instanceId",
    "networkInterfaceId",
    "domain",
    "tagSet",
];

/// One `addressesSet/item` of DescribeAddresses (or an AllocateAddress answer).
pub fn floating_ip(item: Node<'_, '_>) -> FloatingIp {
    let server_id = text(item, "instanceId");
    let port_id = text(item, "networkInterfaceId");
    let is_attached =
        text(item, "associationId").is_some() || server_id.is_some() || port_id.is_some();
    let public_ip = text(item, "publicIp").unwrap_or_default();
    let mut properties = rest(item, ADDRESS_KEYS);
    properties.extend(tag_properties(item));
    FloatingIp {
        // EC2-Classic addresses had no allocation id; their public IP named them.
        id: text(item, "allocationId").unwrap_or_else(|| public_ip.clone()),
        placement: Placement {
            zone: None,
            project: None,
        },
        floating_address: public_ip,
        fixed_address: text(item, "privateIpAddress"),
        network_id: text(item, "domain").unwrap_or_else(|| DEFAULT_DOMAIN.into()),
        port_id,
        server_id,
        is_attached,
        status: if is_attached { "ACTIVE" } else { "DOWN" }.into(),
        created_at: String::new(),
        updated_at: String::new(),
        properties,
    }
}

const SUBNET_KEYS: &[&str] = &[
    "subnetId",
    "vpcId",
    "cidrBlock",
    "availabilityZone",
    "ownerId",
    "tagSet",
];

/// One `subnetSet/item` of DescribeSubnets (or the `subnet` of a CreateSubnet answer).
pub fn subnet(item: Node<'_, '_>) -> Subnet {
    let tags = tags(item);
    let mut properties = rest(item, SUBNET_KEYS);
    properties.extend(tag_properties(item));
    let v4 = text(item, "cidrBlock");
    let v6 = items(item, "ipv6CidrBlockAssociationSet")
        .into_iter()
        .find_map(|a| text(a, "ipv6CidrBlock"));
    let (cidr, ip_version) = match (v4, v6) {
        (Some(cidr), _) => (cidr, 4),
        (None, Some(cidr)) => (cidr, 6),
        (None, None) => (String::new(), 4),
    };
    let range = (ip_version == 4).then(|| ipv4_range(&cidr)).flatten();
    Subnet {
        id: text(item, "subnetId").unwrap_or_default(),
        name: name_tag(&tags),
        placement: Placement {
            zone: text(item, "availabilityZone"),
            project: project(text(item, "ownerId")),
        },
        network_id: text(item, "vpcId").unwrap_or_default(),
        cidr,
        ip_version,
        gateway_ip: range
            .and_then(|(first, _)| first.checked_add(1))
            .map(|router| Ipv4Addr::from(router).to_string()),
        // VPC subnets always hand out addresses by DHCP; the servers come from the VPC's
        // DHCP options set, which is not the subnet's.
        is_dhcp_enabled: true,
        dns_nameservers: Vec::new(),
        allocation_pools: range
            .filter(|(first, last)| last.saturating_sub(*first) > 4)
            .map(|(first, last)| AllocationPool {
                start: Ipv4Addr::from(first + 4).to_string(),
                end: Ipv4Addr::from(last - 1).to_string(),
            })
            .into_iter()
            .collect(),
        created_at: String::new(),
        updated_at: String::new(),
        properties,
    }
}

/// The first and last address of an IPv4 CIDR (`10.0.1.0/24` → 10.0.1.0, 10.0.1.255).
pub fn ipv4_range(cidr: &str) -> Option<(u32, u32)> {
    let (address, prefix) = cidr.split_once('/')?;
    let address: Ipv4Addr = address.parse().ok()?;
    let prefix: u32 = prefix.parse().ok()?;
    let mask = match prefix {
        0 => 0,
        1..=32 => u32::MAX << (32 - prefix),
        _ => return None,
    };
    let first = u32::from(address) & mask;
    Some((first, first | !mask))
}

/// Tags as `tag:<key>` properties (resources whose WIT record has no tag field).
pub fn tag_properties(item: Node<'_, '_>) -> Vec<(String, String)> {
    tags(item)
        .into_iter()
        .map(|(k, v)| (format!("tag:{k}"), v))
        .collect()
}
