//! Tests for `security_groups.rs` against a fake host: neutron requests and answers.

use serde_json::json;

use super::*;
use crate::fake::{FakeHost, NETWORK, context};
use crate::oaktree::cloud::http::Method;

fn neutron_group(id: &str) -> serde_json::Value {
    json!({"id": id, "name": "web", "description": "web servers", "project_id": "p1",
           "security_group_rules": [
               {"id": "r-egress", "security_group_id": id, "direction": "egress",
                "ethertype": "IPv4", "protocol": null}]})
}

fn ssh_rule() -> SecurityGroupRuleCreate {
    SecurityGroupRuleCreate {
        security_group_id: "sg-1".into(),
        direction: "ingress".into(),
        ethertype: "IPv4".into(),
        protocol: Some("tcp".into()),
        port_range_min: Some(22),
        port_range_max: Some(22),
        remote_ip_prefix: Some("0.0.0.0/0".into()),
        remote_group_id: None,
    }
}

#[test]
fn security_groups_are_listed_across_pages_with_their_rules() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let first = format!("{NETWORK}/security-groups");
    let second = format!("{first}?marker=a");
    host.on(
        "GET",
        &first,
        200,
        &[],
        &json!({"security_groups": [neutron_group("a")],
                "security_groups_links": [{"rel": "next", "href": second}]}),
    );
    host.on(
        "GET",
        &second,
        200,
        &[],
        &json!({"security_groups": [neutron_group("b")]}),
    );
    let groups = Session::open(&host, &context())?.list_security_groups()?;
    assert_eq!(
        groups.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(groups[1].rules[0].security_group_id, "b");
    Ok(())
}

#[test]
fn one_security_group_is_got_by_id_and_a_missing_one_is_not_found() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "GET",
        &format!("{NETWORK}/security-groups/a"),
        200,
        &[],
        &json!({"security_group": neutron_group("a")}),
    );
    host.on(
        "GET",
        &format!("{NETWORK}/security-groups/zz"),
        404,
        &[],
        &json!({"NeutronError": {"type": "SecurityGroupNotFound", "message": "Security group zz does not exist"}}),
    );
    let mut session = Session::open(&host, &context())?;
    assert_eq!(session.get_security_group("a")?.description, "web servers");
    let result = session.get_security_group("zz");
    assert!(matches!(result, Err(Error::NotFound(_))), "{result:?}");
    Ok(())
}

#[test]
fn a_security_group_is_created_with_its_name_and_description() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{NETWORK}/security-groups");
    host.on(
        "POST",
        &url,
        201,
        &[],
        &json!({"security_group": neutron_group("new")}),
    );
    let group = Session::open(&host, &context())?.create_security_group(&SecurityGroupCreate {
        name: "web".into(),
        description: "web servers".into(),
    })?;
    assert_eq!(
        host.sent(Method::Post, &url),
        Some(json!({"security_group": {"name": "web", "description": "web servers"}}))
    );
    assert_eq!((group.id.as_str(), group.rules.len()), ("new", 1));
    Ok(())
}

#[test]
fn deleting_a_security_group_in_use_is_a_conflict() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{NETWORK}/security-groups/a");
    host.on("DELETE", &url, 204, &[], &json!(null));
    host.on(
        "DELETE",
        &url,
        409,
        &[],
        &json!({"NeutronError": {"type": "SecurityGroupInUse", "message": "Security Group a in use."}}),
    );
    let mut session = Session::open(&host, &context())?;
    session.delete_security_group("a")?;
    let busy = session.delete_security_group("a");
    assert!(matches!(busy, Err(Error::Conflict(_))), "{busy:?}");
    Ok(())
}

#[test]
fn a_rule_is_created_with_only_the_fields_the_spec_sets() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{NETWORK}/security-group-rules");
    host.on(
        "POST",
        &url,
        201,
        &[],
        &json!({"security_group_rule": {"id": "r-ssh", "security_group_id": "sg-1",
            "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
            "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0",
            "remote_group_id": null, "project_id": "p1"}}),
    );
    let mut session = Session::open(&host, &context())?;
    let rule = session.create_security_group_rule(&ssh_rule())?;
    assert_eq!(
        host.sent(Method::Post, &url),
        Some(
            json!({"security_group_rule": {"security_group_id": "sg-1", "direction": "ingress",
            "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
            "remote_ip_prefix": "0.0.0.0/0"}})
        )
    );
    assert_eq!((rule.id.as_str(), rule.port_range_min), ("r-ssh", Some(22)));
    let any = SecurityGroupRuleCreate {
        protocol: None,
        port_range_min: None,
        port_range_max: None,
        remote_ip_prefix: None,
        remote_group_id: Some("sg-2".into()),
        ..ssh_rule()
    };
    session.create_security_group_rule(&any)?;
    assert_eq!(
        host.sent(Method::Post, &url),
        Some(
            json!({"security_group_rule": {"security_group_id": "sg-1", "direction": "ingress",
            "ethertype": "IPv4", "remote_group_id": "sg-2"}})
        )
    );
    Ok(())
}

#[test]
fn a_duplicate_rule_is_a_conflict_and_a_deleted_rule_is_gone() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "POST",
        &format!("{NETWORK}/security-group-rules"),
        409,
        &[],
        &json!({"NeutronError": {"type": "SecurityGroupRuleExists", "message": "Security group rule already exists. Rule id is r-ssh."}}),
    );
    let url = format!("{NETWORK}/security-group-rules/r-ssh");
    host.on("DELETE", &url, 204, &[], &json!(null));
    let mut session = Session::open(&host, &context())?;
    let duplicate = session.create_security_group_rule(&ssh_rule());
    assert!(
        matches!(duplicate, Err(Error::Conflict(_))),
        "{duplicate:?}"
    );
    session.delete_security_group_rule("r-ssh")?;
    assert_eq!(host.urls(Method::Delete), [url]);
    Ok(())
}
