use super::*;
use crate::fake::{FakeHost, error_body, sent, session};

/// One subnet as moto's DescribeSubnets/CreateSubnet gives it (trimmed).
const SUBNET: &str = "<availabilityZoneId>use1-az1</availabilityZoneId><ownerId>123456789012\
    </ownerId><ipv6CidrBlockAssociationSet/><tagSet><item><key>Name</key><value>app</value>\
    </item></tagSet><subnetId>subnet-1</subnetId><state>available</state><vpcId>vpc-1</vpcId>\
    <cidrBlock>172.31.96.0/24</cidrBlock><availabilityZone>us-east-1b</availabilityZone>\
    <mapPublicIpOnLaunch>false</mapPublicIpOnLaunch>";

fn spec() -> SubnetCreate {
    SubnetCreate {
        network_id: "vpc-1".into(),
        name: "app".into(),
        cidr: "172.31.96.0/24".into(),
        ip_version: 4,
        gateway_ip: None,
        enable_dhcp: true,
        dns_nameservers: Vec::new(),
    }
}

#[test]
fn a_subnet_has_its_vpc_zone_cidr_gateway_and_pool() {
    let host = FakeHost::default();
    host.on(
        "DescribeSubnets",
        200,
        &[],
        &format!("<DescribeSubnetsResponse><subnetSet><item>{SUBNET}</item></subnetSet></DescribeSubnetsResponse>"),
    );
    let s = session(&host).get_subnet("subnet-1").unwrap();
    assert_eq!(sent(&host, 0), "Action=DescribeSubnets&SubnetId.1=subnet-1");
    assert_eq!(s.id, "subnet-1");
    assert_eq!(s.name, "app");
    assert_eq!(s.network_id, "vpc-1");
    assert_eq!(s.placement.zone.as_deref(), Some("us-east-1b"));
    assert_eq!(s.cidr, "172.31.96.0/24");
    assert_eq!(s.ip_version, 4);
    assert_eq!(s.gateway_ip.as_deref(), Some("172.31.96.1"));
    assert!(s.is_dhcp_enabled);
    assert_eq!(s.allocation_pools.len(), 1);
    assert_eq!(s.allocation_pools[0].start, "172.31.96.4");
    assert_eq!(s.allocation_pools[0].end, "172.31.96.254");
    assert!(s.properties.contains(&("state".into(), "available".into())));
}

#[test]
fn list_subnets_follows_next_token() {
    let host = FakeHost::default();
    host.on(
        "DescribeSubnets",
        200,
        &[],
        &format!("<R><subnetSet><item>{SUBNET}</item></subnetSet><nextToken>t2</nextToken></R>"),
    );
    host.on(
        "DescribeSubnets",
        200,
        &[],
        &format!("<R><subnetSet><item>{SUBNET}</item></subnetSet></R>"),
    );
    assert_eq!(session(&host).list_subnets().unwrap().len(), 2);
    assert_eq!(
        sent(&host, 1),
        "Action=DescribeSubnets&MaxResults=1000&NextToken=t2"
    );
}

#[test]
fn create_subnet_sends_vpc_cidr_and_name_tag() {
    let host = FakeHost::default();
    host.on(
        "CreateSubnet",
        200,
        &[],
        &format!("<CreateSubnetResponse><subnet>{SUBNET}</subnet></CreateSubnetResponse>"),
    );
    let s = session(&host).create_subnet(&spec()).unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=CreateSubnet&VpcId=vpc-1&CidrBlock=172.31.96.0%2F24&\
         TagSpecification.1.ResourceType=subnet&TagSpecification.1.Tag.1.Key=Name&\
         TagSpecification.1.Tag.1.Value=app"
    );
    assert_eq!(s.id, "subnet-1");
}

#[test]
fn create_subnet_accepts_the_gateway_ec2_would_choose_and_refuses_others() {
    let ok = SubnetCreate {
        gateway_ip: Some("172.31.96.1".into()),
        ..spec()
    };
    assert!(create_subnet(&ok).is_ok());
    for bad in [
        SubnetCreate {
            gateway_ip: Some("172.31.96.254".into()),
            ..spec()
        },
        SubnetCreate {
            enable_dhcp: false,
            ..spec()
        },
        SubnetCreate {
            dns_nameservers: vec!["8.8.8.8".into()],
            ..spec()
        },
        SubnetCreate {
            ip_version: 5,
            ..spec()
        },
    ] {
        assert!(
            matches!(create_subnet(&bad), Err(Error::Invalid(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn an_ipv6_subnet_is_created_ipv6_native() {
    let spec = SubnetCreate {
        cidr: "2600:1f18::/64".into(),
        ip_version: 6,
        name: String::new(),
        ..spec()
    };
    assert_eq!(
        create_subnet(&spec).unwrap(),
        params(&[
            ("VpcId", "vpc-1"),
            ("Ipv6CidrBlock", "2600:1f18::/64"),
            ("Ipv6Native", "true")
        ])
    );
}

#[test]
fn overlapping_subnets_conflict_and_unknown_ones_are_not_found() {
    let host = FakeHost::default();
    host.on(
        "CreateSubnet",
        400,
        &[],
        &error_body("InvalidSubnet.Conflict", "conflicts with another subnet"),
    );
    host.on(
        "DeleteSubnet",
        400,
        &[],
        &error_body("InvalidSubnetID.NotFound", "does not exist"),
    );
    let s = session(&host);
    assert!(matches!(
        s.create_subnet(&spec()).unwrap_err(),
        Error::Conflict(_)
    ));
    assert!(matches!(
        s.delete_subnet("subnet-0").unwrap_err(),
        Error::NotFound(_)
    ));
    assert_eq!(sent(&host, 1), "Action=DeleteSubnet&SubnetId=subnet-0");
}

#[test]
fn deleting_a_subnet_in_use_is_a_conflict() {
    let host = FakeHost::default();
    host.on(
        "DeleteSubnet",
        400,
        &[],
        &error_body("DependencyViolation", "has dependencies"),
    );
    assert!(matches!(
        session(&host).delete_subnet("subnet-1").unwrap_err(),
        Error::Conflict(_)
    ));
}
