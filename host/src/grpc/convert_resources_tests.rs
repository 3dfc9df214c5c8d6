//! Unit tests of [`super`]: records to messages, and specs validated field by field.

use super::*;
use crate::location::{Location, Project};

fn alpha() -> Location {
    Location::stamp(
        &CloudRegion::new("alpha", "us-east-1"),
        Some("us-east-1a".into()),
        Some(Project {
            id: Some("p1".into()),
            ..Project::default()
        }),
    )
}

fn placement() -> wit::Placement {
    wit::Placement {
        zone: None,
        project: None,
    }
}

fn field_of(error: Error) -> String {
    match error {
        Error::InvalidArgument { field, .. } => field,
        other => format!("not an invalid argument: {other}"),
    }
}

#[test]
fn a_security_group_carries_its_location_down_to_its_rules() {
    let group = wit::SecurityGroup {
        id: "sg-1".into(),
        name: "web".into(),
        placement: placement(),
        description: "web servers".into(),
        rules: vec![wit::SecurityGroupRule {
            id: "r-1".into(),
            security_group_id: "sg-1".into(),
            direction: "ingress".into(),
            ethertype: "IPv4".into(),
            protocol: Some("tcp".into()),
            port_range_min: Some(22),
            port_range_max: Some(22),
            remote_ip_prefix: Some("0.0.0.0/0".into()),
            remote_group_id: None,
            properties: vec![("revision_number".into(), "1".into())],
        }],
        created_at: String::new(),
        updated_at: String::new(),
        properties: Vec::new(),
    };
    let message = security_group(Located {
        location: alpha(),
        resource: group,
    });
    assert_eq!(
        message.location.as_ref().map(|l| l.cloud.as_str()),
        Some("alpha")
    );
    let rule = &message.rules[0];
    assert_eq!(rule.location, message.location);
    assert_eq!((rule.port_range_min, rule.port_range_max), (22, 22));
    assert_eq!(rule.remote_group_id, "");
    assert_eq!(
        rule.properties.get("revision_number").map(String::as_str),
        Some("1")
    );
}

#[test]
fn a_generated_keypair_keeps_its_private_key_and_an_imported_one_has_none() {
    let record = |private_key: Option<&str>| wit::Keypair {
        name: "deploy".into(),
        placement: placement(),
        public_key: "ssh-ed25519 AAAA".into(),
        fingerprint: "aa:bb".into(),
        key_type: "ssh".into(),
        private_key: private_key.map(str::to_owned),
        created_at: String::new(),
        properties: Vec::new(),
    };
    let generated = keypair(Located {
        location: alpha(),
        resource: record(Some("-----BEGIN")),
    });
    assert_eq!(generated.private_key, "-----BEGIN");
    let imported = keypair(Located {
        location: alpha(),
        resource: record(None),
    });
    assert_eq!(imported.private_key, "");
    assert_eq!(imported.name, "deploy");
}

#[test]
fn subnets_and_volumes_convert_their_nested_lists() {
    let s = subnet(Located {
        location: alpha(),
        resource: wit::Subnet {
            id: "sn-1".into(),
            name: "private".into(),
            placement: placement(),
            network_id: "net-1".into(),
            cidr: "10.0.0.0/24".into(),
            ip_version: 4,
            gateway_ip: None,
            is_dhcp_enabled: true,
            dns_nameservers: vec!["9.9.9.9".into()],
            allocation_pools: vec![wit::AllocationPool {
                start: "10.0.0.2".into(),
                end: "10.0.0.254".into(),
            }],
            created_at: String::new(),
            updated_at: String::new(),
            properties: Vec::new(),
        },
    });
    assert_eq!(s.ip_version, 4);
    assert_eq!(s.gateway_ip, "");
    assert_eq!(s.allocation_pools[0].end, "10.0.0.254");
    let v = volume(Located {
        location: alpha(),
        resource: wit::Volume {
            id: "v-1".into(),
            name: "data".into(),
            placement: placement(),
            status: "in-use".into(),
            size_gib: 10,
            volume_type: None,
            is_bootable: false,
            description: String::new(),
            attachments: vec![wit::VolumeAttachment {
                server_id: "s-1".into(),
                device: None,
            }],
            created_at: String::new(),
            updated_at: String::new(),
            properties: Vec::new(),
        },
    });
    assert_eq!(v.attachments[0].server_id, "s-1");
    assert_eq!(v.location.map(|l| l.zone), Some("us-east-1a".into()));
}

#[test]
fn a_floating_ip_without_attachment_has_empty_server_fields() {
    let f = floating_ip(Located {
        location: alpha(),
        resource: wit::FloatingIp {
            id: "fip-1".into(),
            placement: placement(),
            floating_address: "203.0.113.7".into(),
            fixed_address: None,
            network_id: "ext".into(),
            port_id: None,
            server_id: None,
            is_attached: false,
            status: "DOWN".into(),
            created_at: String::new(),
            updated_at: String::new(),
            properties: Vec::new(),
        },
    });
    assert_eq!(f.floating_ip_address, "203.0.113.7");
    assert_eq!((f.server_id.as_str(), f.is_attached), ("", false));
}

#[test]
fn empty_spec_fields_mean_none_and_missing_required_ones_name_the_field() {
    let spec = floating_ip_create(Some(proto::FloatingIpSpec {
        network_id: " ".into(),
        server_id: "s-1".into(),
    }));
    assert_eq!(spec.network_id, None);
    assert_eq!(spec.server_id.as_deref(), Some("s-1"));
    let keypair = keypair_create(Some(proto::KeypairSpec {
        name: "deploy".into(),
        public_key: String::new(),
    }));
    assert!(matches!(keypair, Ok(ref k) if k.public_key.is_none()));
    assert_eq!(
        keypair_create(None).map_err(field_of).err().as_deref(),
        Some("keypair.name")
    );
    assert_eq!(
        security_group_create(None)
            .map_err(field_of)
            .err()
            .as_deref(),
        Some("security_group.name")
    );
    assert_eq!(
        volume_create(None).map_err(field_of).err().as_deref(),
        Some("volume.size_gib")
    );
}

#[test]
fn a_rule_spec_defaults_to_ingress_and_infers_its_ethertype() {
    let rule = security_group_rule_create(Some(proto::SecurityGroupRuleSpec {
        security_group_id: "sg-1".into(),
        protocol: "TCP".into(),
        port_range_min: Some(22),
        port_range_max: Some(22),
        remote_ip_prefix: "2001:db8::/32".into(),
        ..proto::SecurityGroupRuleSpec::default()
    }));
    let Ok(rule) = rule else {
        panic!("valid rule rejected: {rule:?}");
    };
    assert_eq!(
        (rule.direction.as_str(), rule.ethertype.as_str()),
        ("ingress", "IPv6")
    );
    assert_eq!(rule.protocol.as_deref(), Some("tcp"));
    let spec = |f: fn(&mut proto::SecurityGroupRuleSpec)| {
        let mut spec = proto::SecurityGroupRuleSpec {
            security_group_id: "sg-1".into(),
            ..proto::SecurityGroupRuleSpec::default()
        };
        f(&mut spec);
        security_group_rule_create(Some(spec))
            .map_err(field_of)
            .err()
    };
    assert_eq!(
        spec(|s| s.direction = "inbound".into()).as_deref(),
        Some("rule.direction")
    );
    assert_eq!(
        spec(|s| s.ethertype = "IPX".into()).as_deref(),
        Some("rule.ethertype")
    );
    assert_eq!(
        spec(|s| {
            s.port_range_min = Some(90);
            s.port_range_max = Some(80);
        })
        .as_deref(),
        Some("rule.port_range_min")
    );
    assert_eq!(
        spec(|s| {
            s.remote_ip_prefix = "10.0.0.0/8".into();
            s.remote_group_id = "sg-2".into();
        })
        .as_deref(),
        Some("rule.remote_group_id")
    );
}

#[test]
fn a_subnet_spec_takes_its_ip_version_from_the_cidr_and_enables_dhcp_by_default() {
    let spec = |cidr: &str, ip_version: u32| {
        subnet_create(Some(proto::SubnetSpec {
            network_id: "net-1".into(),
            cidr: cidr.into(),
            ip_version,
            ..proto::SubnetSpec::default()
        }))
    };
    let v6 = spec("2001:db8::/64", 0);
    assert!(matches!(v6, Ok(ref s) if s.ip_version == 6 && s.enable_dhcp));
    assert_eq!(
        spec("10.0.0.0/24", 6).map_err(field_of).err().as_deref(),
        Some("subnet.ip_version")
    );
    assert_eq!(
        spec("10.0.0.0", 0).map_err(field_of).err().as_deref(),
        Some("subnet.cidr")
    );
    assert_eq!(
        spec("", 0).map_err(field_of).err().as_deref(),
        Some("subnet.cidr")
    );
}
