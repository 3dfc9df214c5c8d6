//! Tests for `floating_ips.rs` against a fake host: neutron requests, ports, errors.

use serde_json::json;

use super::*;
use crate::fake::{FakeHost, NETWORK, context};

fn fip(id: &str, port: Option<&str>) -> Value {
    json!({"id": id, "floating_ip_address": "203.0.113.7", "floating_network_id": "ext",
           "port_id": port, "fixed_ip_address": port.map(|_| "10.0.0.5"),
           "status": if port.is_some() { "ACTIVE" } else { "DOWN" }, "project_id": "p1"})
}

/// srv-1 has an IPv6-only port first, then a dual-stack one.
fn ports(host: &FakeHost) {
    host.on(
        "GET",
        &format!("{NETWORK}/ports?device_id=srv-1"),
        200,
        &[],
        &json!({"ports": [
            {"id": "port-v6", "device_id": "srv-1", "fixed_ips": [{"ip_address": "2001:db8::5"}]},
            {"id": "port-1", "device_id": "srv-1", "fixed_ips": [
                {"subnet_id": "s6", "ip_address": "2001:db8::6"},
                {"subnet_id": "s4", "ip_address": "10.0.0.5"}]}
        ]}),
    );
}

#[test]
fn floating_ips_are_listed_across_pages() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let first = format!("{NETWORK}/floatingips");
    let second = format!("{first}?marker=a");
    host.on(
        "GET",
        &first,
        200,
        &[],
        &json!({"floatingips": [fip("a", None)],
                "floatingips_links": [{"rel": "next", "href": second}]}),
    );
    host.on(
        "GET",
        &second,
        200,
        &[],
        &json!({"floatingips": [fip("b", Some("port-1"))]}),
    );
    let fips = Session::open(&host, &context())?.list_floating_ips()?;
    assert_eq!(
        fips.iter()
            .map(|f| (f.id.as_str(), f.is_attached, f.status.as_str()))
            .collect::<Vec<_>>(),
        [("a", false, "DOWN"), ("b", true, "ACTIVE")]
    );
    assert_eq!(fips[1].server_id, None, "neutron gave no port_details");
    Ok(())
}

#[test]
fn one_floating_ip_is_got_by_id_and_a_missing_one_is_not_found() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "GET",
        &format!("{NETWORK}/floatingips/a"),
        200,
        &[],
        &json!({"floatingip": fip("a", None)}),
    );
    host.on(
        "GET",
        &format!("{NETWORK}/floatingips/zz"),
        404,
        &[],
        &json!({"NeutronError": {"type": "FloatingIPNotFound", "message": "Floating IP zz could not be found"}}),
    );
    let mut session = Session::open(&host, &context())?;
    assert_eq!(
        session.get_floating_ip("a")?.floating_address,
        "203.0.113.7"
    );
    let result = session.get_floating_ip("zz");
    assert!(matches!(result, Err(Error::NotFound(_))), "{result:?}");
    Ok(())
}

#[test]
fn a_floating_ip_without_a_network_comes_from_the_first_external_one() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "GET",
        &format!("{NETWORK}/networks?router:external=true"),
        200,
        &[],
        &json!({"networks": [{"id": "internal", "router:external": false},
                             {"id": "public", "router:external": true}]}),
    );
    let url = format!("{NETWORK}/floatingips");
    host.on(
        "POST",
        &url,
        201,
        &[],
        &json!({"floatingip": fip("new", None)}),
    );
    let created = Session::open(&host, &context())?.create_floating_ip(&FloatingIpCreate {
        network_id: None,
        server_id: None,
    })?;
    assert_eq!(
        host.sent(Method::Post, &url),
        Some(json!({"floatingip": {"floating_network_id": "public"}}))
    );
    assert_eq!((created.id.as_str(), created.is_attached), ("new", false));
    Ok(())
}

#[test]
fn a_cloud_without_an_external_network_is_invalid() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "GET",
        &format!("{NETWORK}/networks?router:external=true"),
        200,
        &[],
        &json!({"networks": []}),
    );
    let result = Session::open(&host, &context())?.create_floating_ip(&FloatingIpCreate {
        network_id: None,
        server_id: None,
    });
    assert!(
        matches!(result, Err(Error::Invalid(ref m)) if m.contains("no external network")),
        "{result:?}"
    );
    Ok(())
}

#[test]
fn a_floating_ip_for_a_server_is_created_on_its_ipv4_port() -> Result<(), Error> {
    let host = FakeHost::cloud();
    ports(&host);
    let url = format!("{NETWORK}/floatingips");
    host.on(
        "POST",
        &url,
        201,
        &[],
        &json!({"floatingip": fip("new", Some("port-1"))}),
    );
    let created = Session::open(&host, &context())?.create_floating_ip(&FloatingIpCreate {
        network_id: Some("ext".into()),
        server_id: Some("srv-1".into()),
    })?;
    assert_eq!(
        host.sent(Method::Post, &url),
        Some(
            json!({"floatingip": {"floating_network_id": "ext", "port_id": "port-1",
                                   "fixed_ip_address": "10.0.0.5"}})
        )
    );
    assert!(created.is_attached);
    assert_eq!(created.server_id.as_deref(), Some("srv-1"));
    Ok(())
}

#[test]
fn neutrons_quota_refusal_is_forbidden() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "POST",
        &format!("{NETWORK}/floatingips"),
        409,
        &[],
        &json!({"NeutronError": {"type": "OverQuota", "detail": "",
                                 "message": "Quota exceeded for resources: ['floatingip']."}}),
    );
    let result = Session::open(&host, &context())?.create_floating_ip(&FloatingIpCreate {
        network_id: Some("ext".into()),
        server_id: None,
    });
    assert!(
        matches!(result, Err(Error::Forbidden(ref m)) if m.ends_with("Quota exceeded for resources: ['floatingip'].")),
        "{result:?}"
    );
    Ok(())
}

#[test]
fn attaching_puts_the_servers_port_and_names_the_server() -> Result<(), Error> {
    let host = FakeHost::cloud();
    ports(&host);
    let url = format!("{NETWORK}/floatingips/a");
    host.on(
        "PUT",
        &url,
        200,
        &[],
        &json!({"floatingip": fip("a", Some("port-1"))}),
    );
    let attached = Session::open(&host, &context())?.attach_floating_ip("a", "srv-1")?;
    assert_eq!(
        host.sent(Method::Put, &url),
        Some(json!({"floatingip": {"port_id": "port-1", "fixed_ip_address": "10.0.0.5"}}))
    );
    assert_eq!(
        (attached.port_id.as_deref(), attached.server_id.as_deref()),
        (Some("port-1"), Some("srv-1"))
    );
    assert_eq!(attached.fixed_address.as_deref(), Some("10.0.0.5"));
    Ok(())
}

#[test]
fn attaching_to_a_server_without_ports_is_a_conflict_and_sends_no_put() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "GET",
        &format!("{NETWORK}/ports?device_id=srv-2"),
        200,
        &[],
        &json!({"ports": []}),
    );
    let result = Session::open(&host, &context())?.attach_floating_ip("a", "srv-2");
    assert!(
        matches!(result, Err(Error::Conflict(ref m)) if m.contains("server srv-2 has no port")),
        "{result:?}"
    );
    assert!(host.urls(Method::Put).is_empty());
    Ok(())
}

#[test]
fn deleting_a_floating_ip_sends_a_delete_and_a_gone_one_is_not_found() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{NETWORK}/floatingips/a");
    host.on("DELETE", &url, 204, &[], &json!(null));
    host.on(
        "DELETE",
        &url,
        404,
        &[],
        &json!({"NeutronError": {"message": "Floating IP a could not be found"}}),
    );
    let mut session = Session::open(&host, &context())?;
    session.delete_floating_ip("a")?;
    let again = session.delete_floating_ip("a");
    assert!(matches!(again, Err(Error::NotFound(_))), "{again:?}");
    assert_eq!(host.urls(Method::Delete), [url.clone(), url]);
    Ok(())
}
