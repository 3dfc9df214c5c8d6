//! Tests for `convert.rs` with realistic nova, glance and neutron bodies.

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

/// A nova 2.1 server in ERROR, booted from volume, with a fixed and a floating address.
fn nova_server() -> Value {
    json!({
        "id": "9168b536-cd40-4630-b43f-b259807c6e87",
        "name": "nodepool-ubuntu-0001",
        "status": "error",
        "tenant_id": "p-demo",
        "user_id": "u-1",
        "metadata": {"nodepool_node_id": "0001", "groups": "a,b"},
        "hostId": "e5e1ba4aa5b0c8a4b7f0a0e0f2",
        "image": "",
        "flavor": {"id": "42", "links": [{"rel": "bookmark", "href": "http://n/flavors/42"}]},
        "created": "2026-01-02T03:04:05Z",
        "updated": "2026-01-02T03:05:00Z",
        "addresses": {
            "private": [
                {"version": 4, "addr": "10.0.0.5", "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:aa:bb:cc"},
                {"version": 6, "addr": "2001:db8::5", "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:aa:bb:cc"},
                {"version": 4, "addr": "203.0.113.7", "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:aa:bb:cc"}
            ]
        },
        "accessIPv4": "",
        "accessIPv6": "",
        "links": [{"rel": "self", "href": "http://n/v2.1/servers/9168"}],
        "OS-DCF:diskConfig": "MANUAL",
        "progress": 0,
        "OS-EXT-AZ:availability_zone": "nova",
        "config_drive": "",
        "key_name": "nodepool",
        "OS-SRV-USG:launched_at": null,
        "OS-SRV-USG:terminated_at": null,
        "OS-EXT-STS:task_state": null,
        "OS-EXT-STS:vm_state": "error",
        "OS-EXT-STS:power_state": 0,
        "os-extended-volumes:volumes_attached": [{"id": "vol-1"}],
        "security_groups": [{"name": "default"}, {"name": "default"}],
        "fault": {"code": 500, "created": "2026-01-02T03:05:00Z",
                  "message": "No valid host was found. There are not enough hosts available."}
    })
}

#[test]
fn a_nova_server_becomes_a_normalised_record() -> Result<(), Error> {
    let server = server(nova_server(), &token())?;
    assert_eq!(server.id, "9168b536-cd40-4630-b43f-b259807c6e87");
    assert_eq!(server.status, "ERROR");
    assert_eq!(server.image_id, None, "boot from volume has image \"\"");
    assert_eq!(server.flavor_id.as_deref(), Some("42"));
    assert_eq!(server.flavor_name, None);
    assert_eq!(
        server.fault.as_deref(),
        Some("No valid host was found. There are not enough hosts available.")
    );
    assert_eq!(server.placement.zone.as_deref(), Some("nova"));
    assert_eq!(
        server
            .placement
            .project
            .as_ref()
            .and_then(|p| p.domain_name.as_deref()),
        Some("Default")
    );
    assert_eq!(server.key_name.as_deref(), Some("nodepool"));
    assert_eq!(server.security_groups, ["default"]);
    assert_eq!(server.user_id.as_deref(), Some("u-1"));
    assert_eq!(
        server.host_id.as_deref(),
        Some("e5e1ba4aa5b0c8a4b7f0a0e0f2")
    );
    assert_eq!(server.power_state.as_deref(), Some("0"));
    assert_eq!(server.vm_state.as_deref(), Some("error"));
    assert_eq!(server.task_state, None);
    assert_eq!(server.launched_at, None);
    assert_eq!(server.progress, Some(0));
    assert_eq!(server.created_at, "2026-01-02T03:04:05Z");
    assert_eq!(
        server.metadata,
        [
            ("groups".into(), "a,b".into()),
            ("nodepool_node_id".into(), "0001".into())
        ]
    );
    Ok(())
}

#[test]
fn server_addresses_keep_kind_mac_and_version_and_derive_public_and_private() -> Result<(), Error> {
    let server = server(nova_server(), &token())?;
    assert_eq!(server.addresses.len(), 3);
    let floating = &server.addresses[2];
    assert_eq!(
        (
            floating.network.as_str(),
            floating.kind,
            floating.ip_version
        ),
        ("private", AddressKind::Floating, 4)
    );
    assert_eq!(floating.mac.as_deref(), Some("fa:16:3e:aa:bb:cc"));
    assert_eq!(server.addresses[1].ip_version, 6);
    assert_eq!(server.public_v4.as_deref(), Some("203.0.113.7"));
    assert_eq!(server.private_v4.as_deref(), Some("10.0.0.5"));
    assert_eq!(server.public_v6.as_deref(), Some("2001:db8::5"));
    Ok(())
}

#[test]
fn access_ipv4_wins_and_a_routable_fixed_address_is_public() -> Result<(), Error> {
    let mut item = nova_server();
    item["accessIPv4"] = json!("198.51.100.1");
    assert_eq!(
        server(item, &token())?.public_v4.as_deref(),
        Some("198.51.100.1")
    );
    let item = json!({"id": "s", "addresses": {"public": [{"version": 4, "addr": "198.51.100.9", "OS-EXT-IPS:type": "fixed"}]}});
    let direct = server(item, &token())?;
    assert_eq!(
        (direct.public_v4.as_deref(), direct.private_v4),
        (Some("198.51.100.9"), None)
    );
    Ok(())
}

#[test]
fn unconsumed_server_keys_go_to_properties_and_nulls_are_skipped() -> Result<(), Error> {
    let server = server(nova_server(), &token())?;
    let props = &server.properties;
    assert_eq!(property(props, "OS-DCF:diskConfig"), Some("MANUAL"));
    assert_eq!(
        property(props, "os-extended-volumes:volumes_attached"),
        Some(r#"[{"id":"vol-1"}]"#)
    );
    assert_eq!(property(props, "config_drive"), Some(""));
    assert_eq!(property(props, "OS-SRV-USG:terminated_at"), None);
    for consumed in [
        "id",
        "status",
        "addresses",
        "fault",
        "OS-EXT-STS:vm_state",
        "hostId",
        "tenant_id",
        "image",
    ] {
        assert_eq!(property(props, consumed), None, "{consumed}");
    }
    Ok(())
}

#[test]
fn new_microversion_flavors_give_the_name_and_image_objects_give_the_id() -> Result<(), Error> {
    let item = json!({"id": "s", "status": "ACTIVE", "image": {"id": "img-1", "links": []},
                      "flavor": {"original_name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20}});
    let server = server(item, &token())?;
    assert_eq!(
        (server.flavor_id, server.flavor_name.as_deref()),
        (None, Some("m1.small"))
    );
    assert_eq!(server.image_id.as_deref(), Some("img-1"));
    Ok(())
}

#[test]
fn resources_of_other_projects_carry_only_the_project_id() -> Result<(), Error> {
    let mut item = nova_server();
    item["tenant_id"] = json!("p-other");
    let project = server(item, &token())?.placement.project;
    assert_eq!(
        project,
        Some(Project {
            id: Some("p-other".into()),
            name: None,
            domain_id: None,
            domain_name: None
        })
    );
    Ok(())
}

#[test]
fn a_flavor_with_empty_swap_has_zero_swap_and_reads_the_extensions() -> Result<(), Error> {
    let item = json!({
        "id": "42", "name": "m1.nano", "ram": 128, "vcpus": 1, "disk": 1, "swap": "",
        "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": false,
        "os-flavor-access:is_public": true, "rxtx_factor": 1.0, "description": null,
        "extra_specs": {"hw:cpu_policy": "dedicated"},
        "links": [{"rel": "self", "href": "http://n/v2.1/flavors/42"}]
    });
    let flavor = flavor(item, &token())?;
    assert_eq!(
        (
            flavor.vcpus,
            flavor.ram_mib,
            flavor.disk_gib,
            flavor.swap_mib,
            flavor.ephemeral_gib
        ),
        (1, 128, 1, 0, 0)
    );
    assert!(flavor.is_public && !flavor.is_disabled);
    assert_eq!(
        flavor.extra_specs,
        [("hw:cpu_policy".into(), "dedicated".into())]
    );
    assert_eq!(property(&flavor.properties, "rxtx_factor"), Some("1.0"));
    assert_eq!(property(&flavor.properties, "description"), None);
    assert_eq!(
        flavor.placement.project.and_then(|p| p.id).as_deref(),
        Some("p-demo")
    );
    Ok(())
}

#[test]
fn flavors_without_access_flags_are_public_and_enabled() -> Result<(), Error> {
    let flavor = flavor(json!({"id": "1", "name": "f", "swap": 512}), &token())?;
    assert!(flavor.is_public && !flavor.is_disabled);
    assert_eq!(flavor.swap_mib, 512);
    Ok(())
}

#[test]
fn a_glance_image_keeps_its_extra_properties() -> Result<(), Error> {
    let item = json!({
        "id": "img-1", "name": "ubuntu-noble", "status": "ACTIVE", "visibility": "public",
        "protected": false, "disk_format": "qcow2", "container_format": "bare",
        "size": 612_368_384u64, "virtual_size": null, "min_disk": 10, "min_ram": 0,
        "checksum": "d41d8cd98f00b204e9800998ecf8427e", "owner": "p-admin", "tags": ["ci", "nodepool"],
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:10:00Z",
        "os_hash_algo": "sha512", "hw_disk_bus": "scsi", "hw_scsi_model": "virtio-scsi",
        "owner_specified.openstack.md5": "abc", "self": "/v2/images/img-1", "file": "/v2/images/img-1/file",
        "schema": "/v2/schemas/image", "stores": "ceph", "locations": []
    });
    let image = image(item, &token())?;
    assert_eq!(
        (
            image.status.as_str(),
            image.visibility.as_str(),
            image.is_protected
        ),
        ("active", "public", false)
    );
    assert_eq!(
        (
            image.size_bytes,
            image.virtual_size_bytes,
            image.min_disk_gib
        ),
        (Some(612_368_384), None, 10)
    );
    assert_eq!(image.owner.as_deref(), Some("p-admin"));
    assert_eq!(
        image.placement.project.and_then(|p| p.id).as_deref(),
        Some("p-admin")
    );
    assert_eq!(image.tags, ["ci", "nodepool"]);
    assert_eq!(property(&image.properties, "hw_disk_bus"), Some("scsi"));
    assert_eq!(
        property(&image.properties, "owner_specified.openstack.md5"),
        Some("abc")
    );
    assert_eq!(property(&image.properties, "locations"), Some("[]"));
    assert_eq!(property(&image.properties, "virtual_size"), None);
    assert_eq!(property(&image.properties, "owner"), None);
    Ok(())
}

#[test]
fn a_neutron_network_maps_flags_subnets_and_zones() -> Result<(), Error> {
    let item = json!({
        "id": "net-1", "name": "public", "status": "ACTIVE", "shared": false,
        "router:external": true, "admin_state_up": true, "mtu": 1500,
        "subnets": ["sub-1", "sub-2"], "availability_zones": ["nova"],
        "project_id": "p-demo", "tenant_id": "p-demo", "provider:network_type": "flat",
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "tags": []
    });
    let network = network(item, &token())?;
    assert!(network.is_router_external && network.is_admin_state_up && !network.is_shared);
    assert_eq!((network.mtu, network.subnet_ids.len()), (Some(1500), 2));
    assert_eq!(network.availability_zones, ["nova"]);
    assert_eq!(
        network.placement.project.and_then(|p| p.name).as_deref(),
        Some("demo")
    );
    assert_eq!(
        property(&network.properties, "provider:network_type"),
        Some("flat")
    );
    assert_eq!(property(&network.properties, "tenant_id"), None);
    Ok(())
}

#[test]
fn a_non_object_item_is_an_error() {
    assert!(matches!(
        server(json!("nope"), &token()),
        Err(Error::Other(_))
    ));
}
