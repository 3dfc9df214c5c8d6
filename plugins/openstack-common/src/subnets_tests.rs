//! Tests for `subnets.rs` against a fake host: neutron requests and answers.

use serde_json::json;

use super::*;
use crate::fake::{FakeHost, NETWORK, context};
use crate::oaktree::cloud::http::Method;

fn neutron_subnet(id: &str) -> serde_json::Value {
    json!({"id": id, "name": "sub", "network_id": "net-1", "cidr": "10.0.0.0/24",
           "ip_version": 4, "gateway_ip": "10.0.0.1", "enable_dhcp": true,
           "dns_nameservers": [], "allocation_pools": [{"start": "10.0.0.2", "end": "10.0.0.254"}],
           "project_id": "p1"})
}

fn spec() -> SubnetCreate {
    SubnetCreate {
        network_id: "net-1".into(),
        name: "sub".into(),
        cidr: "10.0.0.0/24".into(),
        ip_version: 4,
        gateway_ip: None,
        enable_dhcp: true,
        dns_nameservers: vec!["9.9.9.9".into()],
    }
}

#[test]
fn subnets_are_listed_across_pages_and_got_by_id() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let first = format!("{NETWORK}/subnets");
    let second = format!("{first}?marker=a");
    host.on(
        "GET",
        &first,
        200,
        &[],
        &json!({"subnets": [neutron_subnet("a")], "subnets_links": [{"rel": "next", "href": second}]}),
    );
    host.on(
        "GET",
        &second,
        200,
        &[],
        &json!({"subnets": [neutron_subnet("b")]}),
    );
    host.on(
        "GET",
        &format!("{first}/b"),
        200,
        &[],
        &json!({"subnet": neutron_subnet("b")}),
    );
    let mut session = Session::open(&host, &context())?;
    let subnets = session.list_subnets()?;
    assert_eq!(
        subnets.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let one = session.get_subnet("b")?;
    assert_eq!(
        (one.network_id.as_str(), one.gateway_ip.as_deref()),
        ("net-1", Some("10.0.0.1"))
    );
    Ok(())
}

#[test]
fn a_subnet_is_created_without_a_gateway_when_none_is_asked() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{NETWORK}/subnets");
    host.on(
        "POST",
        &url,
        201,
        &[],
        &json!({"subnet": neutron_subnet("new")}),
    );
    let subnet = Session::open(&host, &context())?.create_subnet(&spec())?;
    assert_eq!(
        host.sent(Method::Post, &url),
        Some(
            json!({"subnet": {"network_id": "net-1", "name": "sub", "cidr": "10.0.0.0/24",
                               "ip_version": 4, "enable_dhcp": true,
                               "dns_nameservers": ["9.9.9.9"]}})
        )
    );
    assert_eq!(subnet.id, "new");
    Ok(())
}

#[test]
fn a_chosen_gateway_is_sent_and_an_overlapping_cidr_is_invalid() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{NETWORK}/subnets");
    host.on(
        "POST",
        &url,
        400,
        &[],
        &json!({"NeutronError": {"type": "InvalidInput",
            "message": "Invalid input for operation: Requested subnet with cidr: 10.0.0.0/24 for network: net-1 overlaps with another subnet."}}),
    );
    let with_gateway = SubnetCreate {
        gateway_ip: Some("10.0.0.254".into()),
        ..spec()
    };
    let result = Session::open(&host, &context())?.create_subnet(&with_gateway);
    assert!(
        matches!(result, Err(Error::Invalid(ref m)) if m.contains("overlaps with another subnet")),
        "{result:?}"
    );
    assert_eq!(
        host.sent(Method::Post, &url)
            .map(|b| b["subnet"]["gateway_ip"].clone()),
        Some(json!("10.0.0.254"))
    );
    Ok(())
}

#[test]
fn deleting_a_subnet_in_use_is_a_conflict() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{NETWORK}/subnets/a");
    host.on("DELETE", &url, 204, &[], &json!(null));
    host.on(
        "DELETE",
        &url,
        409,
        &[],
        &json!({"NeutronError": {"type": "SubnetInUse", "message": "Unable to complete operation on subnet a: One or more ports have an IP allocation from this subnet."}}),
    );
    let mut session = Session::open(&host, &context())?;
    session.delete_subnet("a")?;
    let busy = session.delete_subnet("a");
    assert!(matches!(busy, Err(Error::Conflict(_))), "{busy:?}");
    assert_eq!(host.urls(Method::Delete), [url.clone(), url]);
    Ok(())
}
