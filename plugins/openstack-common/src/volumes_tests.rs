//! Tests for `volumes.rs` against a fake host: the cinder endpoint, requests and answers.

use serde_json::json;

use super::*;
use crate::fake::{FakeHost, VOLUME, context};
use crate::oaktree::cloud::http::Method;

fn cinder_volume(id: &str, status: &str) -> serde_json::Value {
    json!({"id": id, "name": "data", "status": status, "size": 10, "availability_zone": "nova",
           "bootable": "false", "description": "", "volume_type": "lvmdriver-1",
           "attachments": [], "os-vol-tenant-attr:tenant_id": "p1"})
}

fn spec() -> VolumeCreate {
    VolumeCreate {
        name: "data".into(),
        size_gib: 10,
        description: "scratch".into(),
        volume_type: None,
        zone: None,
        image_id: None,
    }
}

#[test]
fn volumes_are_listed_in_detail_from_the_volumev3_endpoint_across_pages() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let first = format!("{VOLUME}/volumes/detail");
    let second = format!("{first}?marker=a");
    host.on(
        "GET",
        &first,
        200,
        &[],
        &json!({"volumes": [cinder_volume("a", "available")],
                "volumes_links": [{"rel": "next", "href": second}]}),
    );
    host.on(
        "GET",
        &second,
        200,
        &[],
        &json!({"volumes": [cinder_volume("b", "in-use")]}),
    );
    let volumes = Session::open(&host, &context())?.list_volumes()?;
    assert_eq!(
        volumes
            .iter()
            .map(|v| (v.id.as_str(), v.status.as_str()))
            .collect::<Vec<_>>(),
        [("a", "available"), ("b", "in-use")]
    );
    assert_eq!(
        host.requests.borrow().last().map(|r| r.service.clone()),
        Some("block-storage".into())
    );
    Ok(())
}

#[test]
fn one_volume_is_got_by_id_and_a_missing_one_is_not_found() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "GET",
        &format!("{VOLUME}/volumes/a"),
        200,
        &[],
        &json!({"volume": cinder_volume("a", "available")}),
    );
    host.on(
        "GET",
        &format!("{VOLUME}/volumes/zz"),
        404,
        &[],
        &json!({"itemNotFound": {"code": 404, "message": "Volume zz could not be found."}}),
    );
    let mut session = Session::open(&host, &context())?;
    assert_eq!(session.get_volume("a")?.size_gib, 10);
    let result = session.get_volume("zz");
    assert!(matches!(result, Err(Error::NotFound(_))), "{result:?}");
    Ok(())
}

#[test]
fn a_volume_is_created_with_only_the_options_given() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{VOLUME}/volumes");
    host.on(
        "POST",
        &url,
        202,
        &[],
        &json!({"volume": cinder_volume("new", "creating")}),
    );
    let mut session = Session::open(&host, &context())?;
    let volume = session.create_volume(&spec())?;
    assert_eq!(
        host.sent(Method::Post, &url),
        Some(json!({"volume": {"name": "data", "size": 10, "description": "scratch"}}))
    );
    assert_eq!(
        (volume.id.as_str(), volume.status.as_str()),
        ("new", "creating")
    );
    let from_image = VolumeCreate {
        volume_type: Some("ssd".into()),
        zone: Some("az-2".into()),
        image_id: Some("img-1".into()),
        ..spec()
    };
    session.create_volume(&from_image)?;
    assert_eq!(
        host.sent(Method::Post, &url),
        Some(
            json!({"volume": {"name": "data", "size": 10, "description": "scratch",
                               "volume_type": "ssd", "availability_zone": "az-2",
                               "imageRef": "img-1"}})
        )
    );
    Ok(())
}

#[test]
fn cinders_413_quota_refusal_is_forbidden() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "POST",
        &format!("{VOLUME}/volumes"),
        413,
        &[],
        &json!({"overLimit": {"code": 413, "retryAfter": "0", "message":
            "VolumeLimitExceeded: Maximum number of volumes allowed (10) exceeded for quota 'volumes'."}}),
    );
    let result = Session::open(&host, &context())?.create_volume(&spec());
    assert!(matches!(result, Err(Error::Forbidden(_))), "{result:?}");
    Ok(())
}

#[test]
fn deleting_an_attached_volume_is_invalid_as_cinder_answers_400() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{VOLUME}/volumes/a");
    host.on("DELETE", &url, 202, &[], &json!(null));
    host.on(
        "DELETE",
        &url,
        400,
        &[],
        &json!({"badRequest": {"code": 400, "message": "Invalid volume: Volume status must be available or error..."}}),
    );
    let mut session = Session::open(&host, &context())?;
    session.delete_volume("a")?;
    let busy = session.delete_volume("a");
    assert!(matches!(busy, Err(Error::Invalid(_))), "{busy:?}");
    Ok(())
}
