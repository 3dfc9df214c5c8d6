//! EC2 XML items → WIT records.
//!
//! Each converter takes one `<item>` of a Describe* answer and consumes the elements that
//! have a WIT field; the rest go to `properties` (see [`xml::rest`]). Tags become `metadata`
//! (servers), `key=value` strings (images) or properties (`tag:<key>`); the `Name` tag is the
//! resource's name.

use roxmltree::Node;

use crate::oaktree::cloud::types::{
    Address, AddressKind, Flavor, Image, Network, Placement, Project, Server,
};
use crate::xml::{self, child, flag, items, number, path, rest, tags, text};

/// The instance state name → the WIT's vendor-neutral server status.
pub fn server_status(state: &str) -> String {
    match state {
        "pending" => "BUILD".into(),
        "running" => "ACTIVE".into(),
        "stopping" | "stopped" => "SHUTOFF".into(),
        "shutting-down" | "terminated" => "DELETED".into(),
        "" => "UNKNOWN".into(),
        other => other.to_ascii_uppercase(),
    }
}

pub(crate) fn project(owner: Option<String>) -> Option<Project> {
    owner.map(|id| Project {
        id: Some(id),
        name: None,
        domain_id: None,
        domain_name: None,
    })
}

pub(crate) fn name_tag(tags: &[(String, String)]) -> String {
    tags.iter()
        .find(|(k, _)| k == "Name")
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

const INSTANCE_KEYS: &[&str] = &[
    "instanceId",
    "imageId",
    "instanceState",
    "keyName",
    "instanceType",
    "launchTime",
    "placement",
    "privateIpAddress",
    "ipAddress",
    "groupSet",
    "tagSet",
    "networkInterfaceSet",
    "subnetId",
    "vpcId",
];

/// One `instancesSet/item`; `owner` is the reservation's `ownerId` (the account).
pub fn server(item: Node<'_, '_>, owner: Option<String>) -> Server {
    let tags = tags(item);
    let state = path(item, &["instanceState", "name"]).unwrap_or_default();
    let private_v4 = text(item, "privateIpAddress");
    let public_v4 = text(item, "ipAddress");
    let (addresses, public_v6) = addresses(item, private_v4.as_deref(), public_v4.as_deref());
    let mut properties = rest(item, INSTANCE_KEYS);
    if let Some(code) = path(item, &["instanceState", "code"]) {
        properties.push(("instanceState.code".into(), code));
    }
    properties.push(("instanceState.name".into(), state.clone()));
    for key in ["subnetId", "vpcId"] {
        if let Some(v) = text(item, key) {
            properties.push((key.into(), v));
        }
    }
    if let Some(placement) = child(item, "placement") {
        for (k, v) in rest(placement, &["availabilityZone"]) {
            properties.push((format!("placement.{k}"), v));
        }
    }
    let instance_type = text(item, "instanceType");
    // EC2 reports no creation time; the primary interface's attach time is when the instance
    // was created (launchTime moves on every start).
    let created_at = items(item, "networkInterfaceSet")
        .into_iter()
        .find(|nic| path(*nic, &["attachment", "deviceIndex"]).as_deref() == Some("0"))
        .and_then(|nic| path(nic, &["attachment", "attachTime"]))
        .unwrap_or_default();
    Server {
        id: text(item, "instanceId").unwrap_or_default(),
        name: name_tag(&tags),
        placement: Placement {
            zone: path(item, &["placement", "availabilityZone"]),
            project: project(owner),
        },
        status: server_status(&state),
        image_id: text(item, "imageId"),
        flavor_id: instance_type.clone(),
        flavor_name: instance_type,
        addresses,
        public_v4,
        public_v6,
        private_v4,
        key_name: text(item, "keyName"),
        metadata: tags,
        security_groups: security_groups(item),
        user_id: None,
        host_id: None,
        power_state: None,
        task_state: None,
        vm_state: None,
        progress: None,
        fault: None,
        created_at,
        updated_at: String::new(),
        launched_at: text(item, "launchTime"),
        properties,
    }
}

/// The instance's security group names; from its interfaces when the instance-level set is
/// empty (moto fills only the interfaces').
fn security_groups(item: Node<'_, '_>) -> Vec<String> {
    let name = |g: Node<'_, '_>| text(g, "groupName").or_else(|| text(g, "groupId"));
    let mut groups: Vec<String> = items(item, "groupSet")
        .into_iter()
        .filter_map(name)
        .collect();
    if groups.is_empty() {
        for nic in items(item, "networkInterfaceSet") {
            for g in items(nic, "groupSet").into_iter().filter_map(name) {
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
        }
    }
    groups
}

/// Addresses from the network interfaces (private IPs fixed, IPv6 fixed, the public IPv4
/// association floating); falls back to the top-level addresses without interfaces.
fn addresses(
    item: Node<'_, '_>,
    private_v4: Option<&str>,
    public_v4: Option<&str>,
) -> (Vec<Address>, Option<String>) {
    let mut out = Vec::new();
    let mut public_v6 = None;
    let default_network = text(item, "subnetId")
        .or_else(|| text(item, "vpcId"))
        .unwrap_or_default();
    let address = |network: &str, address: String, v: u8, kind, mac: &Option<String>| Address {
        network: network.to_string(),
        address,
        ip_version: v,
        kind,
        mac: mac.clone(),
    };
    for nic in items(item, "networkInterfaceSet") {
        let network = text(nic, "subnetId").unwrap_or_else(|| default_network.clone());
        let mac = text(nic, "macAddress");
        let mut privates = items(nic, "privateIpAddressesSet");
        if privates.is_empty() {
            privates.push(nic);
        }
        for p in privates {
            if let Some(ip) = text(p, "privateIpAddress") {
                out.push(address(&network, ip, 4, AddressKind::Fixed, &mac));
            }
            if let Some(ip) = path(p, &["association", "publicIp"])
                && !out.iter().any(|a| a.address == ip)
            {
                out.push(address(&network, ip, 4, AddressKind::Floating, &mac));
            }
        }
        for v6 in items(nic, "ipv6AddressesSet") {
            if let Some(ip) = text(v6, "ipv6Address") {
                public_v6.get_or_insert_with(|| ip.clone());
                out.push(address(&network, ip, 6, AddressKind::Fixed, &mac));
            }
        }
    }
    if out.is_empty()
        && let Some(ip) = private_v4
    {
        out.push(address(
            &default_network,
            ip.into(),
            4,
            AddressKind::Fixed,
            &None,
        ));
    }
    if let Some(ip) = public_v4
        && !out.iter().any(|a| a.address == ip)
    {
        out.push(address(
            &default_network,
            ip.into(),
            4,
            AddressKind::Floating,
            &None,
        ));
    }
    (out, public_v6)
}

const IMAGE_KEYS: &[&str] = &[
    "imageId",
    "name",
    "imageState",
    "isPublic",
    "imageOwnerId",
    "creationDate",
    "tagSet",
    "blockDeviceMapping",
];

/// One `imagesSet/item`.
pub fn image(item: Node<'_, '_>) -> Image {
    let owner = text(item, "imageOwnerId");
    let tags = tags(item);
    let mut properties = rest(item, IMAGE_KEYS);
    let mappings = items(item, "blockDeviceMapping");
    if let Some(set) = child(item, "blockDeviceMapping") {
        properties.push(("blockDeviceMapping".into(), xml::to_json(set).to_string()));
    }
    let root_device = text(item, "rootDeviceName");
    let min_disk_gib = mappings
        .iter()
        .find(|m| text(**m, "deviceName") == root_device)
        .or_else(|| mappings.first())
        .and_then(|m| number(*m, &["ebs", "volumeSize"]))
        .unwrap_or(0);
    let is_public = flag(item, "isPublic").unwrap_or(false);
    Image {
        id: text(item, "imageId").unwrap_or_default(),
        name: text(item, "name").unwrap_or_else(|| name_tag(&tags)),
        placement: Placement {
            zone: None,
            project: project(owner.clone()),
        },
        status: text(item, "imageState")
            .unwrap_or_default()
            .to_ascii_lowercase(),
        visibility: if is_public { "public" } else { "private" }.into(),
        is_protected: false,
        disk_format: None,
        container_format: None,
        size_bytes: None,
        virtual_size_bytes: None,
        min_disk_gib,
        min_ram_mib: 0,
        checksum: None,
        owner,
        tags: tags.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        created_at: text(item, "creationDate").unwrap_or_default(),
        updated_at: String::new(),
        properties,
    }
}

const INSTANCE_TYPE_KEYS: &[&str] = &[
    "instanceType",
    "vCpuInfo",
    "memoryInfo",
    "instanceStorageInfo",
];

/// One `instanceTypeSet/item` of DescribeInstanceTypes.
pub fn flavor(item: Node<'_, '_>) -> Flavor {
    let name = text(item, "instanceType").unwrap_or_default();
    let mut properties = rest(item, INSTANCE_TYPE_KEYS);
    for key in ["vCpuInfo", "instanceStorageInfo"] {
        if let Some(node) = child(item, key) {
            properties.push((key.into(), xml::to_json(node).to_string()));
        }
    }
    Flavor {
        id: name.clone(),
        name,
        placement: Placement {
            zone: None,
            project: None,
        },
        vcpus: number(item, &["vCpuInfo", "defaultVCpus"])
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0),
        ram_mib: number(item, &["memoryInfo", "sizeInMiB"]).unwrap_or(0),
        // EBS-backed: no root disk comes with the type; instance store is ephemeral.
        disk_gib: 0,
        ephemeral_gib: number(item, &["instanceStorageInfo", "totalSizeInGB"]).unwrap_or(0),
        swap_mib: 0,
        is_public: true,
        is_disabled: false,
        extra_specs: Vec::new(),
        properties,
    }
}

const VPC_KEYS: &[&str] = &["vpcId", "state", "tagSet", "ownerId"];

/// One `vpcSet/item`, with the ids and zones of its subnets (from DescribeSubnets).
pub fn network(item: Node<'_, '_>, subnets: &[Subnet]) -> Network {
    let id = text(item, "vpcId").unwrap_or_default();
    let tags = tags(item);
    let state = text(item, "state").unwrap_or_default();
    let mut properties = rest(item, VPC_KEYS);
    properties.push(("state".into(), state.clone()));
    for (k, v) in &tags {
        properties.push((format!("tag:{k}"), v.clone()));
    }
    let mine: Vec<&Subnet> = subnets.iter().filter(|s| s.vpc_id == id).collect();
    let mut zones: Vec<String> = mine.iter().filter_map(|s| s.zone.clone()).collect();
    zones.sort();
    zones.dedup();
    Network {
        name: name_tag(&tags),
        placement: Placement {
            zone: None,
            project: project(text(item, "ownerId")),
        },
        status: match state.as_str() {
            "available" => "ACTIVE".into(),
            "pending" => "BUILD".into(),
            other => other.to_ascii_uppercase(),
        },
        is_shared: false,
        is_router_external: false,
        is_admin_state_up: true,
        mtu: None,
        subnet_ids: mine.iter().map(|s| s.id.clone()).collect(),
        availability_zones: zones,
        created_at: String::new(),
        updated_at: String::new(),
        properties,
        id,
    }
}

/// What a network needs of a subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub zone: Option<String>,
}

/// One `subnetSet/item`.
pub fn subnet(item: Node<'_, '_>) -> Option<Subnet> {
    Some(Subnet {
        id: text(item, "subnetId")?,
        vpc_id: text(item, "vpcId")?,
        zone: text(item, "availabilityZone"),
    })
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
