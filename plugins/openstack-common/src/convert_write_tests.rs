//! Tests for `convert_write.rs` with realistic neutron, nova and cinder bodies.

use super::*;
use serde_json::json;

fn token() -> TokenProject {
    serde_json::from_value(
        json!({"id": "p-demo", "name": "demo", "domain": {"id": "default", "name": "Default"}}),
    )
    .unwrap_or_default()
}

fn property<'a>(properties: &'a [(String, String)], key: &str) -> Option<&'a str> {
    properties
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn project_name(placement: &Placement) -> Option<&str> {
    placement.project.as_ref().and_then(|p| p.name.as_deref())
}

#[test]
fn an_attached_floating_ip_names_its_server_from_the_port_details() -> Result<(), Error> {
    let fip = floating_ip(
        json!({
            "id": "fip-1", "floating_ip_address": "203.0.113.7", "fixed_ip_address": "10.0.0.5",
            "floating_network_id": "ext", "port_id": "port-1", "router_id": "r-1",
            "status": "active", "project_id": "p-demo", "tenant_id": "p-demo",
            "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:06Z",
            "description": "", "revision_number": 2, "tags": [],
            "port_details": {"device_id": "srv-1", "device_owner": "compute:nova"}
        }),
        &token(),
    )?;
    assert_eq!(
        (fip.floating_address.as_str(), fip.fixed_address.as_deref()),
        ("203.0.113.7", Some("10.0.0.5"))
    );
    assert_eq!(
        (fip.port_id.as_deref(), fip.server_id.as_deref()),
        (Some("port-1"), Some("srv-1"))
    );
    assert!(fip.is_attached);
    assert_eq!(fip.status, "ACTIVE");
    assert_eq!(fip.network_id, "ext");
    assert_eq!(project_name(&fip.placement), Some("demo"));
    assert_eq!(property(&fip.properties, "router_id"), Some("r-1"));
    assert_eq!(property(&fip.properties, "revision_number"), Some("2"));
    assert!(
        property(&fip.properties, "port_details").is_some_and(|p| p.contains("srv-1")),
        "port_details stays in properties"
    );
    assert_eq!(property(&fip.properties, "project_id"), None);
    Ok(())
}

#[test]
fn a_free_floating_ip_is_not_attached_and_has_no_server() -> Result<(), Error> {
    let fip = floating_ip(
        json!({"id": "fip-2", "floating_ip_address": "203.0.113.8", "fixed_ip_address": null,
               "floating_network_id": "ext", "port_id": null, "status": "DOWN",
               "port_details": null, "project_id": "p-other"}),
        &token(),
    )?;
    assert!(!fip.is_attached);
    assert_eq!(
        (fip.port_id, fip.server_id, fip.fixed_address),
        (None, None, None)
    );
    assert_eq!(project_name(&fip.placement), None, "another project's");
    assert!(fip.properties.is_empty(), "{:?}", fip.properties);
    Ok(())
}

#[test]
fn a_listed_keypair_is_unwrapped_and_keeps_its_extras_as_properties() -> Result<(), Error> {
    let keypair = keypair(
        json!({"keypair": {"name": "nodepool", "public_key": "ssh-ed25519 AAAA demo",
                            "fingerprint": "aa:bb", "type": "ssh"}}),
        &token(),
    )?;
    assert_eq!(keypair.name, "nodepool");
    assert_eq!(keypair.public_key, "ssh-ed25519 AAAA demo");
    assert_eq!(
        (keypair.fingerprint.as_str(), keypair.key_type.as_str()),
        ("aa:bb", "ssh")
    );
    assert_eq!(keypair.private_key, None);
    assert_eq!(project_name(&keypair.placement), Some("demo"));
    Ok(())
}

#[test]
fn a_generated_keypair_carries_its_private_key_and_a_got_one_its_dates() -> Result<(), Error> {
    let created = keypair(
        json!({"name": "k", "public_key": "ssh-rsa AAAA", "fingerprint": "f",
               "private_key": "-----BEGIN RSA PRIVATE KEY-----", "user_id": "u-1"}),
        &token(),
    )?;
    assert_eq!(
        created.private_key.as_deref(),
        Some("-----BEGIN RSA PRIVATE KEY-----")
    );
    assert_eq!(created.key_type, "", "nova before 2.2 does not say");
    assert_eq!(property(&created.properties, "user_id"), Some("u-1"));
    let got = keypair(
        json!({"name": "k", "public_key": "p", "fingerprint": "f", "id": 7, "deleted": false,
               "created_at": "2026-01-02T03:04:05.000000", "deleted_at": null}),
        &token(),
    )?;
    assert_eq!(got.created_at, "2026-01-02T03:04:05.000000");
    assert_eq!(property(&got.properties, "id"), Some("7"));
    assert_eq!(property(&got.properties, "deleted"), Some("false"));
    Ok(())
}

fn neutron_group() -> Value {
    json!({
        "id": "sg-1", "name": "web", "description": "web servers", "project_id": "p-demo",
        "tenant_id": "p-demo", "stateful": true, "revision_number": 3,
        "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z",
        "security_group_rules": [
            {"id": "r-1", "security_group_id": "sg-1", "direction": "egress", "ethertype": "IPv4",
             "protocol": null, "port_range_min": null, "port_range_max": null,
             "remote_ip_prefix": null, "remote_group_id": null, "description": null},
            {"id": "r-2", "security_group_id": "sg-1", "direction": "ingress", "ethertype": "IPv6",
             "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
             "remote_ip_prefix": "::/0", "remote_group_id": null, "project_id": "p-demo"}
        ]
    })
}

#[test]
fn a_security_group_brings_its_rules_normalised() -> Result<(), Error> {
    let group = security_group(neutron_group(), &token())?;
    assert_eq!((group.id.as_str(), group.name.as_str()), ("sg-1", "web"));
    assert_eq!(group.description, "web servers");
    assert_eq!(group.rules.len(), 2);
    let egress = &group.rules[0];
    assert_eq!(
        (egress.direction.as_str(), egress.protocol.as_deref()),
        ("egress", None)
    );
    let ssh = &group.rules[1];
    assert_eq!(
        (
            ssh.protocol.as_deref(),
            ssh.port_range_min,
            ssh.port_range_max
        ),
        (Some("tcp"), Some(22), Some(22))
    );
    assert_eq!(
        (ssh.ethertype.as_str(), ssh.remote_ip_prefix.as_deref()),
        ("IPv6", Some("::/0"))
    );
    assert_eq!(property(&ssh.properties, "project_id"), Some("p-demo"));
    assert_eq!(property(&group.properties, "stateful"), Some("true"));
    assert_eq!(property(&group.properties, "security_group_rules"), None);
    Ok(())
}

#[test]
fn a_subnet_keeps_its_pools_and_nameservers() -> Result<(), Error> {
    let subnet = subnet(
        json!({
            "id": "sn-1", "name": "private-subnet", "network_id": "net-1", "cidr": "10.0.0.0/24",
            "ip_version": 4, "gateway_ip": "10.0.0.1", "enable_dhcp": true,
            "dns_nameservers": ["8.8.8.8"], "host_routes": [], "subnetpool_id": null,
            "allocation_pools": [{"start": "10.0.0.2", "end": "10.0.0.254"}],
            "tenant_id": "p-demo", "created_at": "c", "updated_at": "u", "ipv6_ra_mode": null
        }),
        &token(),
    )?;
    assert_eq!(
        (subnet.cidr.as_str(), subnet.ip_version),
        ("10.0.0.0/24", 4)
    );
    assert_eq!(subnet.gateway_ip.as_deref(), Some("10.0.0.1"));
    assert!(subnet.is_dhcp_enabled);
    assert_eq!(subnet.dns_nameservers, ["8.8.8.8"]);
    assert_eq!(
        subnet.allocation_pools,
        [AllocationPool {
            start: "10.0.0.2".into(),
            end: "10.0.0.254".into()
        }]
    );
    assert_eq!(property(&subnet.properties, "host_routes"), Some("[]"));
    assert_eq!(property(&subnet.properties, "ipv6_ra_mode"), None);
    Ok(())
}

#[test]
fn a_subnet_without_ip_version_or_gateway_is_read_from_its_cidr() -> Result<(), Error> {
    let subnet = subnet(
        json!({"id": "sn-6", "cidr": "2001:db8::/64", "gateway_ip": null, "enable_dhcp": false}),
        &token(),
    )?;
    assert_eq!((subnet.ip_version, subnet.gateway_ip), (6, None));
    assert!(!subnet.is_dhcp_enabled);
    Ok(())
}

#[test]
fn an_attached_cinder_volume_becomes_a_normalised_record() -> Result<(), Error> {
    let volume = volume(
        json!({
            "id": "vol-1", "name": "data", "status": "in-use", "size": 10,
            "availability_zone": "nova", "bootable": "false", "description": "scratch",
            "volume_type": "lvmdriver-1", "encrypted": false, "multiattach": false,
            "os-vol-tenant-attr:tenant_id": "p-demo", "metadata": {"a": "b"},
            "attachments": [{"server_id": "srv-1", "attachment_id": "att-1",
                             "device": "/dev/vdb", "volume_id": "vol-1"}],
            "created_at": "2026-01-02T03:04:05.000000", "updated_at": null
        }),
        &token(),
    )?;
    assert_eq!(
        (volume.name.as_str(), volume.status.as_str()),
        ("data", "in-use")
    );
    assert_eq!(volume.size_gib, 10);
    assert_eq!(volume.placement.zone.as_deref(), Some("nova"));
    assert_eq!(project_name(&volume.placement), Some("demo"));
    assert!(!volume.is_bootable, "cinder says \"false\" as a string");
    assert_eq!(volume.volume_type.as_deref(), Some("lvmdriver-1"));
    assert_eq!(
        volume.attachments,
        [VolumeAttachment {
            server_id: "srv-1".into(),
            device: Some("/dev/vdb".into())
        }]
    );
    assert_eq!(volume.updated_at, "");
    assert_eq!(
        property(&volume.properties, "metadata"),
        Some(r#"{"a":"b"}"#)
    );
    assert_eq!(property(&volume.properties, "encrypted"), Some("false"));
    Ok(())
}

#[test]
fn an_old_cinder_volume_uses_its_display_names_and_none_type() -> Result<(), Error> {
    let volume = volume(
        json!({"id": "vol-2", "display_name": "legacy", "display_description": "v2",
               "status": "CREATING", "size": "5", "volume_type": "None", "bootable": "true"}),
        &token(),
    )?;
    assert_eq!(
        (volume.name.as_str(), volume.description.as_str()),
        ("legacy", "v2")
    );
    assert_eq!((volume.status.as_str(), volume.size_gib), ("creating", 5));
    assert_eq!(volume.volume_type, None);
    assert!(volume.is_bootable);
    assert!(volume.properties.is_empty(), "{:?}", volume.properties);
    Ok(())
}

#[test]
fn single_answers_are_unwrapped_or_reported_without_their_key() {
    assert_eq!(
        item(json!({"volume": {"id": "v"}}), "volume", "POST /volumes"),
        Ok(json!({"id": "v"}))
    );
    assert_eq!(
        item(json!({"id": "v"}), "volume", "POST /volumes"),
        Err(Error::Other(
            "POST /volumes answered without `volume`".into()
        ))
    );
}

#[test]
fn a_record_that_is_not_an_object_is_an_error() {
    assert!(matches!(volume(json!([1]), &token()), Err(Error::Other(_))));
}
