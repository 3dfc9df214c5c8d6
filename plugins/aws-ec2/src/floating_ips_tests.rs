use super::*;
use crate::fake::{FakeHost, error_body, sent, session};

/// moto's DescribeAddresses answer for an associated Elastic IP.
const ATTACHED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<DescribeAddressesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><addressesSet><item><allocationId>eipalloc-1</allocationId><associationId>eipassoc-1</associationId><domain>vpc</domain><networkInterfaceId>eni-1</networkInterfaceId><networkInterfaceOwnerId>123456789012</networkInterfaceOwnerId><privateIpAddress>172.31.0.4</privateIpAddress><tagSet><item><key>team</key><value>oak</value></item></tagSet><instanceId>i-1</instanceId><publicIp>127.113.135.148</publicIp></item></addressesSet><requestId>request-id</requestId></DescribeAddressesResponse>"#;

/// moto's DescribeAddresses answer for a free Elastic IP (empty elements included).
const FREE: &str = r#"<DescribeAddressesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><addressesSet><item><allocationId>eipalloc-1</allocationId><domain>vpc</domain><networkInterfaceId/><tagSet/><instanceId/><publicIp>127.113.135.148</publicIp></item></addressesSet></DescribeAddressesResponse>"#;

const ALLOCATED: &str = r#"<AllocateAddressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><allocationId>eipalloc-1</allocationId><domain>vpc</domain><publicIp>127.113.135.148</publicIp><requestId>request-id</requestId></AllocateAddressResponse>"#;

const OK: &str = "<Response><return>true</return></Response>";

#[test]
fn an_associated_elastic_ip_is_an_active_attached_floating_ip() {
    let host = FakeHost::default();
    host.on("DescribeAddresses", 200, &[], ATTACHED);
    let ip = session(&host).get_floating_ip("eipalloc-1").unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=DescribeAddresses&AllocationId.1=eipalloc-1"
    );
    assert_eq!(ip.id, "eipalloc-1");
    assert_eq!(ip.floating_address, "127.113.135.148");
    assert_eq!(ip.fixed_address.as_deref(), Some("172.31.0.4"));
    assert_eq!(ip.server_id.as_deref(), Some("i-1"));
    assert_eq!(ip.port_id.as_deref(), Some("eni-1"));
    assert_eq!(ip.network_id, "vpc");
    assert!(ip.is_attached);
    assert_eq!(ip.status, "ACTIVE");
    assert!(
        ip.properties
            .contains(&("associationId".into(), "eipassoc-1".into()))
    );
    assert!(ip.properties.contains(&("tag:team".into(), "oak".into())));
}

#[test]
fn a_free_elastic_ip_is_down_and_unattached() {
    let host = FakeHost::default();
    host.on("DescribeAddresses", 200, &[], FREE);
    let ips = session(&host).list_floating_ips().unwrap();
    assert_eq!(sent(&host, 0), "Action=DescribeAddresses");
    assert_eq!(ips.len(), 1);
    assert!(!ips[0].is_attached);
    assert_eq!(ips[0].status, "DOWN");
    assert_eq!(ips[0].server_id, None);
}

#[test]
fn get_floating_ip_of_an_unknown_allocation_is_not_found() {
    let host = FakeHost::default();
    host.on(
        "DescribeAddresses",
        400,
        &[],
        &error_body("InvalidAllocationID.NotFound", "not found"),
    );
    assert!(matches!(
        session(&host).get_floating_ip("eipalloc-0").unwrap_err(),
        Error::NotFound(_)
    ));
}

#[test]
fn create_floating_ip_allocates_in_the_vpc_domain() {
    let host = FakeHost::default();
    host.on("AllocateAddress", 200, &[], ALLOCATED);
    let spec = FloatingIpCreate {
        network_id: None,
        server_id: None,
    };
    let ip = session(&host).create_floating_ip(&spec).unwrap();
    assert_eq!(sent(&host, 0), "Action=AllocateAddress&Domain=vpc");
    assert_eq!(ip.id, "eipalloc-1");
    assert_eq!(ip.floating_address, "127.113.135.148");
    assert_eq!(ip.status, "DOWN");
}

#[test]
fn create_floating_ip_from_a_pool_names_the_pool_and_refuses_other_networks() {
    let host = FakeHost::default();
    host.on("AllocateAddress", 200, &[], ALLOCATED);
    let s = session(&host);
    s.create_floating_ip(&FloatingIpCreate {
        network_id: Some("ipv4pool-ec2-1".into()),
        server_id: None,
    })
    .unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=AllocateAddress&Domain=vpc&PublicIpv4Pool=ipv4pool-ec2-1"
    );
    let err = s
        .create_floating_ip(&FloatingIpCreate {
            network_id: Some("public".into()),
            server_id: None,
        })
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
}

#[test]
fn create_floating_ip_for_a_server_associates_it_at_once() {
    let host = FakeHost::default();
    host.on("AllocateAddress", 200, &[], ALLOCATED);
    host.on("AssociateAddress", 200, &[], OK);
    host.on("DescribeAddresses", 200, &[], ATTACHED);
    let ip = session(&host)
        .create_floating_ip(&FloatingIpCreate {
            network_id: None,
            server_id: Some("i-1".into()),
        })
        .unwrap();
    assert_eq!(
        sent(&host, 1),
        "Action=AssociateAddress&AllocationId=eipalloc-1&InstanceId=i-1"
    );
    assert_eq!(ip.server_id.as_deref(), Some("i-1"));
}

#[test]
fn a_failed_association_releases_the_new_address_and_reports_the_failure() {
    let host = FakeHost::default();
    host.on("AllocateAddress", 200, &[], ALLOCATED);
    host.on(
        "AssociateAddress",
        400,
        &[],
        &error_body("InvalidInstanceID.NotFound", "no i-0"),
    );
    host.on("ReleaseAddress", 200, &[], OK);
    let err = session(&host)
        .create_floating_ip(&FloatingIpCreate {
            network_id: None,
            server_id: Some("i-0".into()),
        })
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(m) if m.contains("no i-0")));
    assert_eq!(
        sent(&host, 2),
        "Action=ReleaseAddress&AllocationId=eipalloc-1"
    );
}

#[test]
fn attach_floating_ip_associates_and_answers_the_attached_address() {
    let host = FakeHost::default();
    host.on("AssociateAddress", 200, &[], OK);
    host.on("DescribeAddresses", 200, &[], ATTACHED);
    let ip = session(&host)
        .attach_floating_ip("eipalloc-1", "i-1")
        .unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=AssociateAddress&AllocationId=eipalloc-1&InstanceId=i-1"
    );
    assert!(ip.is_attached);
}

#[test]
fn attaching_an_address_already_in_use_is_a_conflict() {
    let host = FakeHost::default();
    host.on(
        "AssociateAddress",
        400,
        &[],
        &error_body("Resource.AlreadyAssociated", "already associated"),
    );
    assert!(matches!(
        session(&host)
            .attach_floating_ip("eipalloc-1", "i-2")
            .unwrap_err(),
        Error::Conflict(_)
    ));
}

#[test]
fn delete_floating_ip_disassociates_before_releasing() {
    let host = FakeHost::default();
    host.on("DescribeAddresses", 200, &[], ATTACHED);
    host.on("DisassociateAddress", 200, &[], OK);
    host.on("ReleaseAddress", 200, &[], OK);
    session(&host).delete_floating_ip("eipalloc-1").unwrap();
    assert_eq!(
        sent(&host, 1),
        "Action=DisassociateAddress&AssociationId=eipassoc-1"
    );
    assert_eq!(
        sent(&host, 2),
        "Action=ReleaseAddress&AllocationId=eipalloc-1"
    );
}

#[test]
fn delete_floating_ip_of_a_free_address_only_releases_it() {
    let host = FakeHost::default();
    host.on("DescribeAddresses", 200, &[], FREE);
    host.on("ReleaseAddress", 200, &[], OK);
    session(&host).delete_floating_ip("eipalloc-1").unwrap();
    assert_eq!(host.bodies().len(), 2);
    assert_eq!(
        sent(&host, 1),
        "Action=ReleaseAddress&AllocationId=eipalloc-1"
    );
}

#[test]
fn delete_floating_ip_of_an_unknown_allocation_is_not_found() {
    let host = FakeHost::default();
    host.on(
        "DescribeAddresses",
        400,
        &[],
        &error_body("InvalidAllocationID.NotFound", "gone"),
    );
    assert!(matches!(
        session(&host).delete_floating_ip("eipalloc-0").unwrap_err(),
        Error::NotFound(_)
    ));
    assert_eq!(host.bodies().len(), 1);
}
