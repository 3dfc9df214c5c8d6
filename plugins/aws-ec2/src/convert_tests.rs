use super::*;

/// One instance as moto 5.2.5 answers DescribeInstances (trimmed), plus a public IP
/// association and an IPv6 address as real EC2 adds them.
const INSTANCES: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><reservationSet><item><reservationId>r-471ac87ccbf074c6f</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet><item><architecture>x86_64</architecture><blockDeviceMapping><item><deviceName>/dev/sda1</deviceName><ebs><attachTime>2026-11-24T22:46:54.000Z</attachTime><volumeId>vol-fa9dae41a498173e4</volumeId></ebs></item></blockDeviceMapping><networkInterfaceSet><item><association><publicIp>54.1.2.3</publicIp><ipOwnerId>amazon</ipOwnerId></association><attachment><attachTime>2026-11-20T10:00:00.000Z</attachTime><deviceIndex>0</deviceIndex><status>attached</status></attachment><groupSet><item><groupId>sg-9d96f60ae8c74312f</groupId><groupName>default</groupName></item></groupSet><ipv6AddressesSet><item><ipv6Address>2600:1f18::1</ipv6Address></item></ipv6AddressesSet><macAddress>02:00:00:43:cc:40</macAddress><privateIpAddress>10.10.1.4</privateIpAddress><privateIpAddressesSet><item><primary>true</primary><privateIpAddress>10.10.1.4</privateIpAddress><association><publicIp>54.1.2.3</publicIp></association></item></privateIpAddressesSet><subnetId>subnet-66ac5bdca144cd549</subnetId><vpcId>vpc-09cc8bbe809eb09d8</vpcId></item></networkInterfaceSet><rootDeviceName>/dev/sda1</rootDeviceName><groupSet/><stateReason><code/><message/></stateReason><tagSet><item><key>Name</key><value>web-1</value></item><item><key>team</key><value>oaktree</value></item></tagSet><instanceId>i-ea0c9e0187a5a33c0</instanceId><imageId>ami-03cf127a</imageId><instanceState><code>80</code><name>stopped</name></instanceState><privateDnsName>ip-10-10-1-4.ec2.internal</privateDnsName><reason/><keyName>oaktree</keyName><instanceType>t3.micro</instanceType><launchTime>2026-11-24T22:46:54.000Z</launchTime><placement><groupName/><tenancy>default</tenancy><availabilityZone>us-east-1b</availabilityZone></placement><monitoring><state>disabled</state></monitoring><subnetId>subnet-66ac5bdca144cd549</subnetId><vpcId>vpc-09cc8bbe809eb09d8</vpcId><privateIpAddress>10.10.1.4</privateIpAddress><ipAddress>54.1.2.3</ipAddress></item></instancesSet></item></reservationSet><requestId>request-id</requestId></DescribeInstancesResponse>"#;

fn first_instance(doc: &roxmltree::Document<'_>) -> Server {
    let reservation = items(doc.root_element(), "reservationSet")[0];
    let owner = text(reservation, "ownerId");
    server(items(reservation, "instancesSet")[0], owner)
}

fn prop<'a>(properties: &'a [(String, String)], key: &str) -> Option<&'a str> {
    properties
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[test]
fn an_instance_becomes_a_server_with_zone_account_addresses_and_tags() {
    let doc = roxmltree::Document::parse(INSTANCES).unwrap();
    let s = first_instance(&doc);
    assert_eq!(s.id, "i-ea0c9e0187a5a33c0");
    assert_eq!(s.name, "web-1");
    assert_eq!(s.status, "SHUTOFF");
    assert_eq!(s.placement.zone.as_deref(), Some("us-east-1b"));
    assert_eq!(
        s.placement.project.as_ref().and_then(|p| p.id.as_deref()),
        Some("123456789012")
    );
    assert_eq!(s.image_id.as_deref(), Some("ami-03cf127a"));
    assert_eq!(s.flavor_id.as_deref(), Some("t3.micro"));
    assert_eq!(s.flavor_name.as_deref(), Some("t3.micro"));
    assert_eq!(s.key_name.as_deref(), Some("oaktree"));
    assert_eq!(s.private_v4.as_deref(), Some("10.10.1.4"));
    assert_eq!(s.public_v4.as_deref(), Some("54.1.2.3"));
    assert_eq!(s.public_v6.as_deref(), Some("2600:1f18::1"));
    assert_eq!(s.power_state, None);
    assert_eq!(
        s.metadata,
        vec![
            ("Name".to_string(), "web-1".to_string()),
            ("team".to_string(), "oaktree".to_string())
        ]
    );
    // moto leaves the instance's groupSet empty and fills the interface's.
    assert_eq!(s.security_groups, vec!["default"]);
    assert_eq!(s.launched_at.as_deref(), Some("2026-11-24T22:46:54.000Z"));
    assert_eq!(s.created_at, "2026-11-20T10:00:00.000Z");
    let kinds: Vec<(&str, u8, AddressKind)> = s
        .addresses
        .iter()
        .map(|a| (a.address.as_str(), a.ip_version, a.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("10.10.1.4", 4, AddressKind::Fixed),
            ("54.1.2.3", 4, AddressKind::Floating),
            ("2600:1f18::1", 6, AddressKind::Fixed),
        ]
    );
    assert!(
        s.addresses
            .iter()
            .all(|a| a.network == "subnet-66ac5bdca144cd549")
    );
    assert_eq!(s.addresses[0].mac.as_deref(), Some("02:00:00:43:cc:40"));
    let p = &s.properties;
    assert_eq!(prop(p, "instanceState.code"), Some("80"));
    assert_eq!(prop(p, "architecture"), Some("x86_64"));
    assert_eq!(prop(p, "vpcId"), Some("vpc-09cc8bbe809eb09d8"));
    assert_eq!(prop(p, "placement.tenancy"), Some("default"));
    assert_eq!(prop(p, "monitoring"), Some(r#"{"state":"disabled"}"#));
    assert_eq!(prop(p, "reason"), None, "empty elements are left out");
}

#[test]
fn instance_states_map_to_the_neutral_statuses() {
    let cases = [
        ("pending", "BUILD"),
        ("running", "ACTIVE"),
        ("stopping", "SHUTOFF"),
        ("stopped", "SHUTOFF"),
        ("shutting-down", "DELETED"),
        ("terminated", "DELETED"),
        ("hibernating", "HIBERNATING"),
    ];
    for (state, status) in cases {
        assert_eq!(server_status(state), status, "{state}");
    }
}

/// moto's answer to DescribeImages Owner.1=self after CreateImage (trimmed).
const IMAGES: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><imagesSet><item><blockDeviceMapping><item><ebs><deleteOnTermination>false</deleteOnTermination><snapshotId>snap-4314f907c00d393f7</snapshotId><volumeSize>15</volumeSize><volumeType>standard</volumeType></ebs><deviceName>/dev/sda1</deviceName></item></blockDeviceMapping><description/><name>golden-us-east-1</name><rootDeviceName>/dev/sda1</rootDeviceName><rootDeviceType>standard</rootDeviceType><tagSet><item><key>os</key><value>linux</value></item></tagSet><virtualizationType>hvm</virtualizationType><imageId>ami-95996f498b523ae9c</imageId><imageState>available</imageState><imageOwnerId>123456789012</imageOwnerId><creationDate>2026-11-24T22:46:54.000Z</creationDate><isPublic>false</isPublic><architecture>x86_64</architecture><imageType>machine</imageType></item></imagesSet><requestId>request-id</requestId></DescribeImagesResponse>"#;

#[test]
fn an_ami_becomes_an_image_with_owner_visibility_and_root_size() {
    let doc = roxmltree::Document::parse(IMAGES).unwrap();
    let i = image(items(doc.root_element(), "imagesSet")[0]);
    assert_eq!(i.id, "ami-95996f498b523ae9c");
    assert_eq!(i.name, "golden-us-east-1");
    assert_eq!(i.status, "available");
    assert_eq!(i.visibility, "private");
    assert_eq!(i.owner.as_deref(), Some("123456789012"));
    assert_eq!(
        i.placement.project.and_then(|p| p.id).as_deref(),
        Some("123456789012")
    );
    assert_eq!(i.min_disk_gib, 15);
    assert_eq!(i.tags, vec!["os=linux"]);
    assert_eq!(i.created_at, "2026-11-24T22:46:54.000Z");
    assert_eq!(prop(&i.properties, "architecture"), Some("x86_64"));
    assert!(
        prop(&i.properties, "blockDeviceMapping")
            .unwrap()
            .contains("snap-4314f907c00d393f7")
    );
}

/// moto's DescribeVpcs: the default VPC and a tagged one.
const VPCS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><vpcSet><item><ownerId>123456789012</ownerId><instanceTenancy>default</instanceTenancy><ipv6CidrBlockAssociationSet/><cidrBlockAssociationSet><item><associationId>vpc-cidr-assoc-e0cee6332bebe2b66</associationId><cidrBlock>10.10.0.0/16</cidrBlock><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet><isDefault>false</isDefault><tagSet><item><key>Name</key><value>oaktree-us-east-1</value></item></tagSet><vpcId>vpc-09cc8bbe809eb09d8</vpcId><state>available</state><cidrBlock>10.10.0.0/16</cidrBlock><dhcpOptionsId>default</dhcpOptionsId></item></vpcSet><requestId>request-id</requestId></DescribeVpcsResponse>"#;

#[test]
fn a_vpc_becomes_a_network_with_its_subnets_and_zones() {
    let doc = roxmltree::Document::parse(VPCS).unwrap();
    let subnets = [
        Subnet {
            id: "subnet-b".into(),
            vpc_id: "vpc-09cc8bbe809eb09d8".into(),
            zone: Some("us-east-1b".into()),
        },
        Subnet {
            id: "subnet-other".into(),
            vpc_id: "vpc-other".into(),
            zone: Some("us-east-1a".into()),
        },
    ];
    let n = network(items(doc.root_element(), "vpcSet")[0], &subnets);
    assert_eq!(n.id, "vpc-09cc8bbe809eb09d8");
    assert_eq!(n.name, "oaktree-us-east-1");
    assert_eq!(n.status, "ACTIVE");
    assert!(!n.is_shared);
    assert_eq!(n.subnet_ids, vec!["subnet-b"]);
    assert_eq!(n.availability_zones, vec!["us-east-1b"]);
    assert_eq!(prop(&n.properties, "cidrBlock"), Some("10.10.0.0/16"));
    assert_eq!(prop(&n.properties, "isDefault"), Some("false"));
    assert_eq!(prop(&n.properties, "tag:Name"), Some("oaktree-us-east-1"));
}

#[test]
fn an_instance_type_becomes_a_flavor_with_vcpus_and_ram() {
    let xml = r#"<DescribeInstanceTypesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><instanceTypeSet><item><instanceType>m5d.large</instanceType><currentGeneration>true</currentGeneration><vCpuInfo><defaultVCpus>2</defaultVCpus><defaultCores>1</defaultCores></vCpuInfo><memoryInfo><sizeInMiB>8192</sizeInMiB></memoryInfo><instanceStorageInfo><totalSizeInGB>75</totalSizeInGB></instanceStorageInfo><hypervisor>nitro</hypervisor></item></instanceTypeSet></DescribeInstanceTypesResponse>"#;
    let doc = roxmltree::Document::parse(xml).unwrap();
    let f = flavor(items(doc.root_element(), "instanceTypeSet")[0]);
    assert_eq!((f.id.as_str(), f.name.as_str()), ("m5d.large", "m5d.large"));
    assert_eq!(
        (f.vcpus, f.ram_mib, f.disk_gib, f.ephemeral_gib),
        (2, 8192, 0, 75)
    );
    assert!(f.is_public);
    assert_eq!(prop(&f.properties, "hypervisor"), Some("nitro"));
    assert_eq!(prop(&f.properties, "currentGeneration"), Some("true"));
}
