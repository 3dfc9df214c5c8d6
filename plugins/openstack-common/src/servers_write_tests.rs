//! Tests for `servers_write.rs` against a fake host: the nova request, the read back, errors.

use serde_json::json;

use super::*;
use crate::fake::{COMPUTE, FakeHost, context};
use crate::oaktree::cloud::types::Throttle;

fn spec() -> ServerCreate {
    ServerCreate {
        name: "node-1".into(),
        image_id: "img-1".into(),
        flavor_id: "42".into(),
        network_ids: vec!["net-1".into(), "net-2".into()],
        key_name: Some("nodepool".into()),
        user_data: Some("#cloud-config\n".into()),
        metadata: vec![("group".into(), "ci".into())],
        security_groups: vec!["default".into(), "web".into()],
        zone: Some("az-1".into()),
    }
}

fn accepted() -> Value {
    json!({"server": {"id": "srv-1", "adminPass": "s3cret", "OS-DCF:diskConfig": "MANUAL",
                      "links": [{"rel": "self", "href": "http://n/compute/v2.1/servers/srv-1"}],
                      "security_groups": [{"name": "default"}]}})
}

#[test]
fn a_server_is_posted_with_the_whole_spec_and_read_back_in_full() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let servers = format!("{COMPUTE}/servers");
    host.on("POST", &servers, 202, &[], &accepted());
    host.on(
        "GET",
        &format!("{servers}/srv-1"),
        200,
        &[],
        &json!({"server": {"id": "srv-1", "name": "node-1", "status": "BUILD", "tenant_id": "p1",
                           "OS-EXT-AZ:availability_zone": "az-1", "key_name": "nodepool"}}),
    );
    let server = Session::open(&host, &context())?.create_server(&spec())?;
    assert_eq!(
        host.sent(Method::Post, &servers),
        Some(json!({"server": {
            "name": "node-1", "imageRef": "img-1", "flavorRef": "42",
            "networks": [{"uuid": "net-1"}, {"uuid": "net-2"}],
            "key_name": "nodepool", "metadata": {"group": "ci"},
            "security_groups": [{"name": "default"}, {"name": "web"}],
            "availability_zone": "az-1", "user_data": "I2Nsb3VkLWNvbmZpZwo="
        }}))
    );
    assert_eq!(
        (server.id.as_str(), server.status.as_str()),
        ("srv-1", "BUILD")
    );
    assert_eq!(server.placement.zone.as_deref(), Some("az-1"));
    assert_eq!(server.key_name.as_deref(), Some("nodepool"));
    Ok(())
}

#[test]
fn a_minimal_spec_leaves_networks_and_every_optional_key_to_nova() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let servers = format!("{COMPUTE}/servers");
    host.on("POST", &servers, 202, &[], &accepted());
    host.on(
        "GET",
        &format!("{servers}/srv-1"),
        200,
        &[],
        &json!({"server": {"id": "srv-1", "status": "BUILD"}}),
    );
    let minimal = ServerCreate {
        network_ids: Vec::new(),
        key_name: None,
        user_data: None,
        metadata: Vec::new(),
        security_groups: Vec::new(),
        zone: None,
        ..spec()
    };
    Session::open(&host, &context())?.create_server(&minimal)?;
    assert_eq!(
        host.sent(Method::Post, &servers),
        Some(json!({"server": {"name": "node-1", "imageRef": "img-1", "flavorRef": "42"}}))
    );
    Ok(())
}

#[test]
fn a_server_whose_read_back_fails_is_still_reported_as_building_without_its_password()
-> Result<(), Error> {
    let host = FakeHost::cloud();
    let servers = format!("{COMPUTE}/servers");
    host.on("POST", &servers, 202, &[], &accepted());
    host.on(
        "GET",
        &format!("{servers}/srv-1"),
        503,
        &[],
        &json!({"computeFault": {"message": "try later"}}),
    );
    let server = Session::open(&host, &context())?.create_server(&spec())?;
    assert_eq!(
        (
            server.id.as_str(),
            server.name.as_str(),
            server.status.as_str()
        ),
        ("srv-1", "node-1", "BUILD")
    );
    assert!(
        server.properties.iter().all(|(k, _)| k != "adminPass"),
        "{:?}",
        server.properties
    );
    assert!(
        host.logs
            .borrow()
            .iter()
            .any(|l| l.contains("server srv-1 was created but reading it back failed"))
    );
    Ok(())
}

#[test]
fn novas_quota_refusal_is_forbidden_with_its_message() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "POST",
        &format!("{COMPUTE}/servers"),
        403,
        &[],
        &json!({"forbidden": {"code": 403, "message":
            "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"}}),
    );
    let result = Session::open(&host, &context())?.create_server(&spec());
    assert!(
        matches!(result, Err(Error::Forbidden(ref m))
            if m.ends_with("answered 403: Quota exceeded for instances: Requested 1, but already used 10 of 10 instances")),
        "{result:?}"
    );
    Ok(())
}

#[test]
fn a_legacy_413_quota_refusal_is_forbidden_not_throttled() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "POST",
        &format!("{COMPUTE}/servers"),
        413,
        &[],
        &json!({"overLimit": {"code": 413, "message": "Quota exceeded for cores", "retryAfter": "0"}}),
    );
    let result = Session::open(&host, &context())?.create_server(&spec());
    assert!(matches!(result, Err(Error::Forbidden(_))), "{result:?}");
    Ok(())
}

#[test]
fn a_rate_limit_on_create_stays_throttled() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "POST",
        &format!("{COMPUTE}/servers"),
        429,
        &[("retry-after", "3")],
        &json!({"overLimit": {"message": "This request was rate-limited."}}),
    );
    let result = Session::open(&host, &context())?.create_server(&spec());
    assert!(
        matches!(
            result,
            Err(Error::Throttled(Throttle {
                retry_after_ms: Some(3000),
                ..
            }))
        ),
        "{result:?}"
    );
    Ok(())
}

#[test]
fn deleting_a_server_sends_a_delete_and_a_gone_one_is_not_found() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{COMPUTE}/servers/srv-1");
    host.on("DELETE", &url, 204, &[], &json!(null));
    let mut session = Session::open(&host, &context())?;
    session.delete_server("srv-1")?;
    assert_eq!(host.urls(Method::Delete), [url]);
    let gone = format!("{COMPUTE}/servers/srv-9");
    host.on(
        "DELETE",
        &gone,
        404,
        &[],
        &json!({"itemNotFound": {"code": 404, "message": "Instance srv-9 could not be found."}}),
    );
    let result = session.delete_server("srv-9");
    assert!(
        matches!(result, Err(Error::NotFound(ref m)) if m.contains("Instance srv-9 could not be found.")),
        "{result:?}"
    );
    Ok(())
}

#[test]
fn deleting_without_an_id_is_invalid_and_sends_nothing() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let result = Session::open(&host, &context())?.delete_server("");
    assert!(matches!(result, Err(Error::Invalid(_))), "{result:?}");
    assert!(host.urls(Method::Delete).is_empty());
    Ok(())
}
