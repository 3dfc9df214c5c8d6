use super::*;
use crate::fake::{FakeHost, error_body, sent, session, session_with};

/// moto's DescribeSecurityGroups answer (trimmed).
const GROUPS: &str = r#"<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><securityGroupInfo><item><groupId>sg-1</groupId><ipPermissionsEgress><item><ipProtocol>-1</ipProtocol></item></ipPermissionsEgress><tagSet/><vpcId>vpc-1</vpcId><ownerId>123456789012</ownerId><groupName>web</groupName><groupDescription>web servers</groupDescription><ipPermissions/></item><item><groupId>sg-2</groupId><vpcId>vpc-1</vpcId><groupName>db</groupName><groupDescription>db</groupDescription></item></securityGroupInfo></DescribeSecurityGroupsResponse>"#;

/// moto's DescribeSecurityGroupRules answer for sg-1.
const RULES: &str = r#"<DescribeSecurityGroupRulesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><securityGroupRuleSet><item><securityGroupRuleId>sgr-egress</securityGroupRuleId><groupId>sg-1</groupId><isEgress>true</isEgress><ipProtocol>-1</ipProtocol><fromPort>-1</fromPort><toPort>-1</toPort><cidrIpv4>0.0.0.0/0</cidrIpv4><tagSet/></item><item><securityGroupRuleId>sgr-ssh</securityGroupRuleId><groupId>sg-1</groupId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><cidrIpv4>10.0.0.0/8</cidrIpv4><tagSet/></item><item><securityGroupRuleId>sgr-v6</securityGroupRuleId><groupId>sg-1</groupId><isEgress>false</isEgress><ipProtocol>-1</ipProtocol><fromPort>-1</fromPort><toPort>-1</toPort><cidrIpv6>::/0</cidrIpv6><tagSet/></item><item><securityGroupRuleId>sgr-dns</securityGroupRuleId><groupId>sg-1</groupId><isEgress>false</isEgress><ipProtocol>udp</ipProtocol><fromPort>53</fromPort><toPort>53</toPort><referencedGroupInfo><groupId>sg-1</groupId><userId>123456789012</userId></referencedGroupInfo><tagSet/></item></securityGroupRuleSet></DescribeSecurityGroupRulesResponse>"#;

const SSH_AUTHORIZED: &str = r#"<AuthorizeSecurityGroupIngressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><return>true</return><securityGroupRuleSet><item><securityGroupRuleId>sgr-ssh</securityGroupRuleId><groupId>sg-1</groupId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><cidrIpv4>10.0.0.0/8</cidrIpv4><tagSet/></item></securityGroupRuleSet></AuthorizeSecurityGroupIngressResponse>"#;

fn ssh() -> SecurityGroupRuleCreate {
    SecurityGroupRuleCreate {
        security_group_id: "sg-1".into(),
        direction: "ingress".into(),
        ethertype: "IPv4".into(),
        protocol: Some("tcp".into()),
        port_range_min: Some(22),
        port_range_max: Some(22),
        remote_ip_prefix: Some("10.0.0.0/8".into()),
        remote_group_id: None,
    }
}

#[test]
fn list_security_groups_gives_each_group_its_own_rules() {
    let host = FakeHost::default();
    host.on("DescribeSecurityGroupRules", 200, &[], RULES);
    host.on("DescribeSecurityGroups", 200, &[], GROUPS);
    let groups = session(&host).list_security_groups().unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=DescribeSecurityGroupRules&MaxResults=1000"
    );
    assert_eq!(
        sent(&host, 1),
        "Action=DescribeSecurityGroups&MaxResults=1000"
    );
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].name, "web");
    assert_eq!(groups[0].description, "web servers");
    assert_eq!(
        groups[0]
            .placement
            .project
            .as_ref()
            .and_then(|p| p.id.as_deref()),
        Some("123456789012")
    );
    assert_eq!(groups[0].rules.len(), 4);
    assert!(groups[1].rules.is_empty());
    assert!(
        groups[0]
            .properties
            .contains(&("vpcId".into(), "vpc-1".into()))
    );
    assert!(
        !groups[0]
            .properties
            .iter()
            .any(|(k, _)| k == "ipPermissions")
    );
}

/// id, direction, ethertype, protocol, first port, remote prefix, remote group.
type RuleSummary<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<u32>,
    Option<&'a str>,
    Option<&'a str>,
);

#[test]
fn rules_become_one_wit_rule_each_with_ec2s_rule_id() {
    let host = FakeHost::default();
    host.on("DescribeSecurityGroups", 200, &[], GROUPS);
    host.on("DescribeSecurityGroupRules", 200, &[], RULES);
    let group = session(&host).get_security_group("sg-1").unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=DescribeSecurityGroups&GroupId.1=sg-1"
    );
    assert_eq!(
        sent(&host, 1),
        "Action=DescribeSecurityGroupRules&Filter.1.Name=group-id&Filter.1.Value.1=sg-1&\
         MaxResults=1000"
    );
    let summary: Vec<RuleSummary<'_>> = group
        .rules
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.direction.as_str(),
                r.ethertype.as_str(),
                r.protocol.as_deref(),
                r.port_range_min,
                r.remote_ip_prefix.as_deref(),
                r.remote_group_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "sgr-egress",
                "egress",
                "IPv4",
                None,
                None,
                Some("0.0.0.0/0"),
                None
            ),
            (
                "sgr-ssh",
                "ingress",
                "IPv4",
                Some("tcp"),
                Some(22),
                Some("10.0.0.0/8"),
                None
            ),
            ("sgr-v6", "ingress", "IPv6", None, None, Some("::/0"), None),
            (
                "sgr-dns",
                "ingress",
                "IPv4",
                Some("udp"),
                Some(53),
                None,
                Some("sg-1")
            ),
        ]
    );
}

#[test]
fn get_security_group_of_an_unknown_id_is_not_found() {
    let host = FakeHost::default();
    host.on(
        "DescribeSecurityGroups",
        400,
        &[],
        &error_body("InvalidGroup.NotFound", "does not exist"),
    );
    assert!(matches!(
        session(&host).get_security_group("sg-0").unwrap_err(),
        Error::NotFound(_)
    ));
}

#[test]
fn create_security_group_goes_into_the_default_vpc_and_reads_the_group_back() {
    let host = FakeHost::default();
    host.on(
        "DescribeVpcs",
        200,
        &[],
        "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId></item></vpcSet>\
         </DescribeVpcsResponse>",
    );
    host.on(
        "CreateSecurityGroup",
        200,
        &[],
        "<CreateSecurityGroupResponse><groupId>sg-1</groupId></CreateSecurityGroupResponse>",
    );
    host.on("DescribeSecurityGroups", 200, &[], GROUPS);
    host.on("DescribeSecurityGroupRules", 200, &[], RULES);
    let spec = SecurityGroupCreate {
        name: "web".into(),
        description: "web servers".into(),
    };
    let group = session(&host).create_security_group(&spec).unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=DescribeVpcs&Filter.1.Name=is-default&Filter.1.Value.1=true"
    );
    assert_eq!(
        sent(&host, 1),
        "Action=CreateSecurityGroup&GroupName=web&GroupDescription=web%20servers&VpcId=vpc-1"
    );
    assert_eq!(group.id, "sg-1");
    assert_eq!(group.rules.len(), 4);
}

#[test]
fn create_security_group_uses_the_configured_vpc_and_the_name_for_an_empty_description() {
    let host = FakeHost::default();
    host.on(
        "CreateSecurityGroup",
        200,
        &[],
        "<CreateSecurityGroupResponse><groupId>sg-9</groupId></CreateSecurityGroupResponse>",
    );
    host.on(
        "DescribeSecurityGroups",
        503,
        &[],
        &error_body("Unavailable", "down"),
    );
    let s = session_with(
        &host,
        r#"{"aws_access_key_id":"AK","aws_secret_access_key":"SK","vpc_id":"vpc-7"}"#,
    );
    let spec = SecurityGroupCreate {
        name: "web".into(),
        description: String::new(),
    };
    let group = s.create_security_group(&spec).unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=CreateSecurityGroup&GroupName=web&GroupDescription=web&VpcId=vpc-7"
    );
    // The read-back failed: the group is still reported, from what is known.
    assert_eq!(group.id, "sg-9");
    assert_eq!(group.name, "web");
}

#[test]
fn create_security_group_without_a_default_vpc_asks_for_vpc_id() {
    let host = FakeHost::default();
    host.on(
        "DescribeVpcs",
        200,
        &[],
        "<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>",
    );
    let spec = SecurityGroupCreate {
        name: "web".into(),
        description: "x".into(),
    };
    let err = session(&host).create_security_group(&spec).unwrap_err();
    assert!(matches!(err, Error::Invalid(m) if m.contains("vpc_id")));
}

#[test]
fn a_duplicate_group_name_is_a_conflict_and_a_group_in_use_too() {
    let host = FakeHost::default();
    host.on(
        "CreateSecurityGroup",
        400,
        &[],
        &error_body("InvalidGroup.Duplicate", "already exists"),
    );
    host.on(
        "DeleteSecurityGroup",
        400,
        &[],
        &error_body("DependencyViolation", "in use"),
    );
    let s = session_with(
        &host,
        r#"{"aws_access_key_id":"AK","aws_secret_access_key":"SK","vpc_id":"vpc-7"}"#,
    );
    let spec = SecurityGroupCreate {
        name: "web".into(),
        description: "x".into(),
    };
    assert!(matches!(
        s.create_security_group(&spec).unwrap_err(),
        Error::Conflict(_)
    ));
    assert!(matches!(
        s.delete_security_group("sg-1").unwrap_err(),
        Error::Conflict(_)
    ));
    assert_eq!(sent(&host, 1), "Action=DeleteSecurityGroup&GroupId=sg-1");
}

#[test]
fn create_rule_authorizes_one_permission_and_answers_ec2s_rule() {
    let host = FakeHost::default();
    host.on("AuthorizeSecurityGroupIngress", 200, &[], SSH_AUTHORIZED);
    let rule = session(&host).create_security_group_rule(&ssh()).unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&IpPermissions.1.IpProtocol=tcp&\
         IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22&\
         IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8"
    );
    assert_eq!(rule.id, "sgr-ssh");
    assert_eq!(rule.port_range_max, Some(22));
}

#[test]
fn create_rule_without_a_return_set_finds_the_rule_among_the_groups_rules() {
    let host = FakeHost::default();
    host.on(
        "AuthorizeSecurityGroupIngress",
        200,
        &[],
        "<AuthorizeSecurityGroupIngressResponse><return>true</return>\
         </AuthorizeSecurityGroupIngressResponse>",
    );
    host.on("DescribeSecurityGroupRules", 200, &[], RULES);
    let rule = session(&host).create_security_group_rule(&ssh()).unwrap();
    assert_eq!(rule.id, "sgr-ssh");
}

#[test]
fn rule_parameters_follow_neutrons_meaning() {
    let any_v6_egress = SecurityGroupRuleCreate {
        direction: "egress".into(),
        ethertype: "IPv6".into(),
        protocol: None,
        port_range_min: None,
        port_range_max: None,
        remote_ip_prefix: None,
        ..ssh()
    };
    let Authorize {
        action, request, ..
    } = authorize(&any_v6_egress).unwrap();
    assert_eq!(action, "AuthorizeSecurityGroupEgress");
    assert_eq!(
        request,
        params(&[
            ("GroupId", "sg-1"),
            ("IpPermissions.1.IpProtocol", "-1"),
            ("IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "::/0"),
        ])
    );
    let icmp_from_group = SecurityGroupRuleCreate {
        protocol: Some("icmp".into()),
        port_range_min: Some(8),
        port_range_max: None,
        remote_ip_prefix: None,
        remote_group_id: Some("sg-2".into()),
        ..ssh()
    };
    let Authorize { request, .. } = authorize(&icmp_from_group).unwrap();
    assert_eq!(
        request,
        params(&[
            ("GroupId", "sg-1"),
            ("IpPermissions.1.IpProtocol", "icmp"),
            ("IpPermissions.1.FromPort", "8"),
            ("IpPermissions.1.ToPort", "-1"),
            ("IpPermissions.1.Groups.1.GroupId", "sg-2"),
        ])
    );
    let all_tcp = SecurityGroupRuleCreate {
        port_range_min: None,
        port_range_max: None,
        ..ssh()
    };
    let Authorize { request, .. } = authorize(&all_tcp).unwrap();
    assert!(request.contains(&("IpPermissions.1.ToPort".into(), "65535".into())));
    for bad in [
        SecurityGroupRuleCreate {
            direction: "sideways".into(),
            ..ssh()
        },
        SecurityGroupRuleCreate {
            ethertype: "IPX".into(),
            ..ssh()
        },
        SecurityGroupRuleCreate {
            remote_group_id: Some("sg-2".into()),
            ..ssh()
        },
    ] {
        assert!(matches!(authorize(&bad), Err(Error::Invalid(_))), "{bad:?}");
    }
}

#[test]
fn a_duplicate_rule_is_a_conflict() {
    let host = FakeHost::default();
    host.on(
        "AuthorizeSecurityGroupIngress",
        400,
        &[],
        &error_body(
            "InvalidPermission.Duplicate",
            "The specified rule already exists",
        ),
    );
    assert!(matches!(
        session(&host)
            .create_security_group_rule(&ssh())
            .unwrap_err(),
        Error::Conflict(_)
    ));
}

#[test]
fn delete_rule_looks_up_its_group_and_direction_then_revokes_it_by_id() {
    let host = FakeHost::default();
    host.on(
        "DescribeSecurityGroupRules",
        200,
        &[],
        "<R><securityGroupRuleSet><item><securityGroupRuleId>sgr-egress</securityGroupRuleId>\
         <groupId>sg-1</groupId><isEgress>true</isEgress><ipProtocol>-1</ipProtocol>\
         </item></securityGroupRuleSet></R>",
    );
    host.on(
        "RevokeSecurityGroupEgress",
        200,
        &[],
        "<R><return>true</return></R>",
    );
    session(&host)
        .delete_security_group_rule("sgr-egress")
        .unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=DescribeSecurityGroupRules&SecurityGroupRuleId.1=sgr-egress"
    );
    assert_eq!(
        sent(&host, 1),
        "Action=RevokeSecurityGroupEgress&GroupId=sg-1&SecurityGroupRuleId.1=sgr-egress"
    );
}

#[test]
fn delete_rule_of_an_unknown_id_is_not_found() {
    let host = FakeHost::default();
    host.on(
        "DescribeSecurityGroupRules",
        400,
        &[],
        &error_body("InvalidSecurityGroupRuleId.NotFound", "does not exist"),
    );
    assert!(matches!(
        session(&host)
            .delete_security_group_rule("sgr-0")
            .unwrap_err(),
        Error::NotFound(_)
    ));
}
