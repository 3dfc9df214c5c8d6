use super::*;
use crate::fake::{FakeHost, error_body, sent, session};

/// moto 5.2.5's RunInstances answer (trimmed).
const RUN: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><reservationId>r-9f0bf0689ca40656f</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet><item><networkInterfaceSet><item><attachment><attachTime>2026-11-24T23:36:34.000Z</attachTime><deviceIndex>0</deviceIndex></attachment><groupSet><item><groupId>sg-b6176d28061456ebc</groupId><groupName>default</groupName></item></groupSet><privateIpAddress>172.31.0.4</privateIpAddress><subnetId>subnet-cdd77baab27e5756c</subnetId></item></networkInterfaceSet><tagSet><item><key>Name</key><value>web</value></item><item><key>team</key><value>oak</value></item></tagSet><instanceId>i-e411981bacbc4e6f9</instanceId><imageId>ami-03cf127a</imageId><instanceState><code>0</code><name>pending</name></instanceState><keyName>k1</keyName><instanceType>t3.micro</instanceType><placement><availabilityZone>us-east-1a</availabilityZone></placement><privateIpAddress>172.31.0.4</privateIpAddress></item></instancesSet><requestId>request-id</requestId></RunInstancesResponse>"#;

fn spec() -> ServerCreate {
    ServerCreate {
        name: "web".into(),
        image_id: "ami-03cf127a".into(),
        flavor_id: "t3.micro".into(),
        network_ids: vec!["subnet-cdd77baab27e5756c".into()],
        key_name: Some("k1".into()),
        user_data: Some("#!/bin/sh\necho hi".into()),
        metadata: vec![
            ("team".into(), "oak".into()),
            ("Name".into(), "ignored".into()),
        ],
        security_groups: vec!["sg-1".into(), "web".into()],
        zone: Some("us-east-1a".into()),
    }
}

#[test]
fn create_server_runs_one_instance_with_everything_the_spec_names() {
    let host = FakeHost::default();
    host.on("RunInstances", 200, &[], RUN);

    let server = session(&host).create_server(&spec()).unwrap();

    assert_eq!(
        sent(&host, 0),
        "Action=RunInstances&ImageId=ami-03cf127a&InstanceType=t3.micro&MinCount=1&MaxCount=1&\
         SubnetId=subnet-cdd77baab27e5756c&KeyName=k1&UserData=IyEvYmluL3NoCmVjaG8gaGk%3D&\
         SecurityGroupId.1=sg-1&SecurityGroup.1=web&Placement.AvailabilityZone=us-east-1a&\
         TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&\
         TagSpecification.1.Tag.1.Value=web&TagSpecification.1.Tag.2.Key=team&\
         TagSpecification.1.Tag.2.Value=oak"
    );
    assert_eq!(server.id, "i-e411981bacbc4e6f9");
    assert_eq!(server.name, "web");
    assert_eq!(server.status, "BUILD");
    assert_eq!(server.placement.zone.as_deref(), Some("us-east-1a"));
    assert_eq!(
        server.placement.project.and_then(|p| p.id).as_deref(),
        Some("123456789012")
    );
    assert_eq!(server.key_name.as_deref(), Some("k1"));
}

#[test]
fn create_server_with_only_the_required_fields_sends_only_those() {
    let host = FakeHost::default();
    host.on("RunInstances", 200, &[], RUN);
    let spec = ServerCreate {
        name: String::new(),
        network_ids: Vec::new(),
        key_name: None,
        user_data: None,
        metadata: Vec::new(),
        security_groups: Vec::new(),
        zone: None,
        ..spec()
    };
    session(&host).create_server(&spec).unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=RunInstances&ImageId=ami-03cf127a&InstanceType=t3.micro&MinCount=1&MaxCount=1"
    );
}

#[test]
fn create_server_refuses_more_than_one_subnet_without_calling_ec2() {
    let host = FakeHost::default();
    let spec = ServerCreate {
        network_ids: vec!["subnet-1".into(), "subnet-2".into()],
        ..spec()
    };
    let err = session(&host).create_server(&spec).unwrap_err();
    assert!(matches!(err, Error::Invalid(m) if m.contains("one subnet")));
    assert!(host.requests.borrow().is_empty());
}

#[test]
fn create_server_reports_capacity_as_unavailable_and_quota_as_forbidden() {
    let host = FakeHost::default();
    host.on(
        "RunInstances",
        500,
        &[],
        &error_body("InsufficientInstanceCapacity", "no t3.micro capacity"),
    );
    host.on(
        "RunInstances",
        400,
        &[],
        &error_body("InstanceLimitExceeded", "limit of 20 instances"),
    );
    let s = session(&host);
    assert!(matches!(
        s.create_server(&spec()).unwrap_err(),
        Error::Unavailable(m) if m.contains("no t3.micro capacity")
    ));
    assert!(matches!(
        s.create_server(&spec()).unwrap_err(),
        Error::Forbidden(m) if m.contains("InstanceLimitExceeded")
    ));
}

fn terminate_answer(previous: &str) -> String {
    format!(
        "<TerminateInstancesResponse><instancesSet><item><instanceId>i-1</instanceId>\
         <currentState><code>32</code><name>shutting-down</name></currentState><previousState>\
         <code>16</code><name>{previous}</name></previousState></item></instancesSet>\
         </TerminateInstancesResponse>"
    )
}

#[test]
fn delete_server_terminates_the_instance() {
    let host = FakeHost::default();
    host.on("TerminateInstances", 200, &[], &terminate_answer("running"));
    session(&host).delete_server("i-1").unwrap();
    assert_eq!(sent(&host, 0), "Action=TerminateInstances&InstanceId.1=i-1");
}

#[test]
fn delete_server_of_an_already_terminated_instance_is_not_found() {
    let host = FakeHost::default();
    host.on(
        "TerminateInstances",
        200,
        &[],
        &terminate_answer("terminated"),
    );
    assert!(matches!(
        session(&host).delete_server("i-1").unwrap_err(),
        Error::NotFound(_)
    ));
}

#[test]
fn unknown_and_malformed_instance_ids_are_not_found_for_delete_and_get() {
    for code in ["InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"] {
        let host = FakeHost::default();
        host.on("TerminateInstances", 400, &[], &error_body(code, "bad id"));
        host.on("DescribeInstances", 400, &[], &error_body(code, "bad id"));
        let s = session(&host);
        assert!(
            matches!(s.delete_server("nope").unwrap_err(), Error::NotFound(_)),
            "{code}"
        );
        assert!(
            matches!(s.get_server("nope").unwrap_err(), Error::NotFound(_)),
            "{code}"
        );
    }
}

#[test]
fn get_server_of_a_terminated_instance_is_deleted() {
    let host = FakeHost::default();
    host.on(
        "DescribeInstances",
        200,
        &[],
        "<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>i-1\
         </instanceId><instanceState><code>48</code><name>terminated</name></instanceState>\
         </item></instancesSet></item></reservationSet></DescribeInstancesResponse>",
    );
    assert_eq!(session(&host).get_server("i-1").unwrap().status, "DELETED");
}
