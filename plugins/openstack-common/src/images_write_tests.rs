//! Tests for `images_write.rs` against a fake host: both upload paths, delete and cleanup.

use serde_json::json;

use super::*;
use crate::fake::{FakeHost, versions};
use crate::oaktree::cloud::http::Request;
use crate::oaktree::cloud::types::CallContext;

const TOKENS: &str = "http://k/identity/v3/auth/tokens";
const IMAGES: &str = "http://g/image/v2/images";
const SWIFT: &str = "http://s/v1/AUTH_p1";
const TASKS: &str = "http://g/image/v2/tasks";

fn ctx(extra: Value) -> CallContext {
    let mut config = json!({
        "auth_type": "password",
        "auth": {"auth_url": "http://k/identity", "username": "demo", "password": "secret",
                 "project_name": "demo", "user_domain_name": "Default", "project_domain_name": "Default"},
        "region_name": "r1"
    });
    if let (Some(map), Some(extra)) = (config.as_object_mut(), extra.as_object()) {
        map.extend(extra.clone());
    }
    CallContext {
        cloud: "alpha".into(),
        region: "r1".into(),
        config: config.to_string(),
    }
}

fn cloud() -> FakeHost {
    let host = FakeHost::default();
    let body = json!({"token": {
    "expires_at": "2999-01-01T00:00:00Z",
    "project": {"id": "p1", "name": "demo"},
    "catalog": [
        {"type": "image", "endpoints": [{"interface": "public", "region": "r1", "url": "http://g/image"}]},
        {"type": "object-store", "endpoints": [{"interface": "public", "region": "r1", "url": SWIFT}]}
    ]}});
    host.on("POST", TOKENS, 201, &[("x-subject-token", "tok")], &body);
    // glance's root answers its version list with 300.
    let image = versions(&[("v2.16", "CURRENT", "http://g/image/v2/")]);
    host.on("GET", "http://g/image/", 300, &[], &image);
    host
}

fn spec() -> ImageCreate {
    ImageCreate {
        name: "ubuntu".into(),
        disk_format: "vhd".into(),
        container_format: "bare".into(),
        min_disk_gib: 10,
        min_ram_mib: 512,
        visibility: Some("private".into()),
        tags: vec!["ci".into()],
        properties: vec![("owner_specified.openstack.md5".into(), "abc".into())],
    }
}

fn bytes() -> ImageData<'static> {
    ImageData {
        size: 42,
        md5: "abc".into(),
        sha256: "def".into(),
        disk_format: "vhd".into(),
        handle: None,
    }
}

fn image(id: &str) -> Value {
    json!({"id": id, "name": "ubuntu", "status": "active", "visibility": "private",
           "owner": "p1", "tags": ["ci"], "owner_specified.openstack.object": "images/ubuntu"})
}

fn ledger(host: &FakeHost) -> Vec<(String, String)> {
    host.ledger.borrow().clone()
}

fn sent(host: &FakeHost, method: Method, url: &str) -> Option<Request> {
    host.requests
        .borrow()
        .iter()
        .find(|r| r.method == method && r.url == url)
        .cloned()
}

fn body_of(request: &Request) -> Value {
    request
        .body
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null)
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    client::header(&request.headers, name)
}

fn missing(what: &str) -> Error {
    Error::Other(format!("{what} was not sent"))
}

#[test]
fn a_put_upload_creates_the_record_sends_the_bytes_and_keeps_the_image_in_the_ledger()
-> Result<(), Error> {
    let host = cloud();
    host.on(
        "POST",
        IMAGES,
        201,
        &[],
        &json!({"id": "i1", "status": "queued"}),
    );
    host.on("PUT", &format!("{IMAGES}/i1/file"), 204, &[], &Value::Null);
    host.on("GET", &format!("{IMAGES}/i1"), 200, &[], &image("i1"));
    let image = Session::open(&host, &ctx(json!({})))?.create_image(&spec(), &bytes())?;
    assert_eq!((image.id.as_str(), image.status.as_str()), ("i1", "active"));
    let post = sent(&host, Method::Post, IMAGES).ok_or_else(|| missing("the image POST"))?;
    assert_eq!(
        body_of(&post),
        json!({"name": "ubuntu", "disk_format": "vhd", "container_format": "bare",
               "min_disk": 10, "min_ram": 512, "visibility": "private", "tags": ["ci"],
               "owner_specified.openstack.md5": "abc"})
    );
    let put = sent(&host, Method::Put, &format!("{IMAGES}/i1/file"))
        .ok_or_else(|| missing("the file PUT"))?;
    assert_eq!(
        header(&put, "content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(put.body, None);
    assert_eq!(*host.blobs_sent.borrow(), [42]);
    assert_eq!(ledger(&host), [("image".into(), "i1".into())]);
    Ok(())
}

#[test]
fn a_failed_put_deletes_the_image_record_and_settles_it() -> Result<(), Error> {
    let host = cloud();
    host.on(
        "POST",
        IMAGES,
        201,
        &[],
        &json!({"id": "i1", "status": "queued"}),
    );
    let too_big = json!({"message": "Image exceeds the storage quota"});
    host.on("PUT", &format!("{IMAGES}/i1/file"), 413, &[], &too_big);
    host.on("DELETE", &format!("{IMAGES}/i1"), 204, &[], &Value::Null);
    let result = Session::open(&host, &ctx(json!({})))?.create_image(&spec(), &bytes());
    match result {
        Err(Error::Throttled(t)) => assert!(t.message.contains("storage quota"), "{t:?}"),
        other => panic!("expected the upload's error, got {other:?}"),
    }
    assert_eq!(host.urls(Method::Delete), [format!("{IMAGES}/i1")]);
    assert_eq!(ledger(&host), []);
    assert_eq!(
        *host.settled.borrow(),
        [("image".to_string(), "i1".to_string())]
    );
    Ok(())
}

fn task_cloud() -> FakeHost {
    let host = cloud();
    host.on("PUT", &format!("{SWIFT}/images"), 201, &[], &Value::Null);
    host.on(
        "PUT",
        &format!("{SWIFT}/images/ubuntu"),
        201,
        &[],
        &Value::Null,
    );
    host.on(
        "DELETE",
        &format!("{SWIFT}/images/ubuntu"),
        204,
        &[],
        &Value::Null,
    );
    host.on(
        "POST",
        TASKS,
        201,
        &[],
        &json!({"id": "t1", "status": "pending"}),
    );
    host
}

#[test]
fn a_task_import_stages_the_bytes_polls_the_task_and_removes_the_staging_object()
-> Result<(), Error> {
    let host = task_cloud();
    let task = format!("{TASKS}/t1");
    host.on("GET", &task, 503, &[], &json!({"message": "busy"}));
    host.on(
        "GET",
        &task,
        200,
        &[],
        &json!({"id": "t1", "status": "processing"}),
    );
    let done = json!({"id": "t1", "status": "success", "result": {"image_id": "i9"}});
    host.on("GET", &task, 200, &[], &done);
    host.on("GET", &format!("{IMAGES}/i9"), 200, &[], &image("i9"));
    let config = ctx(json!({"image_api_use_tasks": "True"}));
    let image = Session::open(&host, &config)?.create_image(&spec(), &bytes())?;
    assert_eq!(image.id, "i9");
    let object = sent(&host, Method::Put, &format!("{SWIFT}/images/ubuntu"))
        .ok_or_else(|| missing("the object PUT"))?;
    assert_eq!(
        header(&object, "x-object-meta-x-oaktree-autocreated"),
        Some("true")
    );
    assert_eq!(header(&object, "etag"), Some("abc"));
    assert_eq!(*host.blobs_sent.borrow(), [42]);
    let post = sent(&host, Method::Post, TASKS).ok_or_else(|| missing("the task POST"))?;
    assert_eq!(
        body_of(&post),
        json!({"type": "import", "input": {
            "import_from": "images/ubuntu", "import_from_format": "vhd",
            "image_properties": {"name": "ubuntu", "disk_format": "vhd",
                "container_format": "bare", "min_disk": 10, "min_ram": 512,
                "visibility": "private", "tags": ["ci"],
                "owner_specified.openstack.md5": "abc",
                "owner_specified.openstack.object": "images/ubuntu"}}})
    );
    assert_eq!(
        host.urls(Method::Get)
            .iter()
            .filter(|u| **u == task)
            .count(),
        3
    );
    assert_eq!(
        host.urls(Method::Delete),
        [format!("{SWIFT}/images/ubuntu")]
    );
    assert_eq!(ledger(&host), [("image".into(), "i9".into())]);
    let object = ("object".to_string(), "images/ubuntu".to_string());
    assert_eq!(*host.settled.borrow(), [object]);
    Ok(())
}

#[test]
fn a_failed_task_removes_the_staging_object_and_reports_the_task_message() -> Result<(), Error> {
    let host = task_cloud();
    let failed = json!({"id": "t1", "status": "failure",
                        "message": "Image cannot be imported. Error code: '396'"});
    host.on("GET", &format!("{TASKS}/t1"), 200, &[], &failed);
    let config = ctx(json!({"image_api_use_tasks": true}));
    let result = Session::open(&host, &config)?.create_image(&spec(), &bytes());
    match result {
        Err(Error::Other(m)) => assert!(m.contains("Error code: '396'"), "{m}"),
        other => panic!("expected the task's failure, got {other:?}"),
    }
    assert_eq!(
        host.urls(Method::Delete),
        [format!("{SWIFT}/images/ubuntu")]
    );
    assert_eq!(ledger(&host), []);
    let object = ("object".to_string(), "images/ubuntu".to_string());
    assert_eq!(*host.settled.borrow(), [object]);
    Ok(())
}

#[test]
fn cleanup_deletes_images_and_objects_and_takes_already_gone_as_done() -> Result<(), Error> {
    let host = cloud();
    host.on("DELETE", &format!("{IMAGES}/i1"), 204, &[], &Value::Null);
    host.on(
        "DELETE",
        &format!("{IMAGES}/gone"),
        404,
        &[],
        &json!({"message": "no"}),
    );
    host.on(
        "DELETE",
        &format!("{SWIFT}/images/a%20b"),
        204,
        &[],
        &Value::Null,
    );
    host.on(
        "DELETE",
        &format!("{SWIFT}/images/gone"),
        404,
        &[],
        &Value::Null,
    );
    let mut session = Session::open(&host, &ctx(json!({})))?;
    session.cleanup("image", "i1")?;
    session.cleanup("image", "gone")?;
    session.cleanup("object", "images/a b")?;
    session.cleanup("object", "images/gone")?;
    assert_eq!(host.urls(Method::Delete).len(), 4);
    assert!(matches!(
        session.cleanup("object", "no-slash"),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        session.cleanup("server", "s1"),
        Err(Error::Invalid(_))
    ));
    Ok(())
}

#[test]
fn a_swift_request_refused_with_a_cached_token_re_authenticates_once() -> Result<(), Error> {
    let host = cloud();
    let object = format!("{SWIFT}/images/old");
    host.on("DELETE", &object, 401, &[], &json!({"message": "expired"}));
    host.on("DELETE", &object, 204, &[], &Value::Null);
    Session::open(&host, &ctx(json!({})))?;
    Session::open(&host, &ctx(json!({})))?.cleanup("object", "images/old")?;
    assert_eq!(host.urls(Method::Post), [TOKENS, TOKENS]);
    assert_eq!(host.urls(Method::Delete), [object.clone(), object]);
    Ok(())
}

#[test]
fn deleting_an_image_also_deletes_the_staging_object_this_driver_left() -> Result<(), Error> {
    let host = cloud();
    let object = format!("{SWIFT}/images/ubuntu");
    host.on("GET", &format!("{IMAGES}/i1"), 200, &[], &image("i1"));
    host.on("DELETE", &format!("{IMAGES}/i1"), 204, &[], &Value::Null);
    let ours = [("x-object-meta-x-oaktree-autocreated", "true")];
    host.on("HEAD", &object, 200, &ours, &Value::Null);
    host.on("DELETE", &object, 204, &[], &Value::Null);
    Session::open(&host, &ctx(json!({})))?.delete_image("i1")?;
    assert_eq!(host.urls(Method::Delete), [format!("{IMAGES}/i1"), object]);
    Ok(())
}

#[test]
fn deleting_an_image_leaves_an_object_it_did_not_stage() -> Result<(), Error> {
    let host = cloud();
    host.on("GET", &format!("{IMAGES}/i1"), 200, &[], &image("i1"));
    host.on("DELETE", &format!("{IMAGES}/i1"), 204, &[], &Value::Null);
    host.on(
        "HEAD",
        &format!("{SWIFT}/images/ubuntu"),
        200,
        &[],
        &Value::Null,
    );
    Session::open(&host, &ctx(json!({})))?.delete_image("i1")?;
    assert_eq!(host.urls(Method::Delete), [format!("{IMAGES}/i1")]);
    Ok(())
}

#[test]
fn deleting_a_missing_image_is_not_found() -> Result<(), Error> {
    let host = cloud();
    host.on(
        "GET",
        &format!("{IMAGES}/nope"),
        404,
        &[],
        &json!({"message": "gone"}),
    );
    let result = Session::open(&host, &ctx(json!({})))?.delete_image("nope");
    assert!(matches!(result, Err(Error::NotFound(_))), "{result:?}");
    Ok(())
}

#[test]
fn image_formats_are_the_configured_image_format_else_the_vendor_defaults() -> Result<(), Error> {
    let defaults = vec!["vhd".to_string()];
    let configured =
        crate::config::Config::parse(&ctx(json!({"image_format": "RAW"})).config, "r1")?;
    assert_eq!(configured.image_formats(&defaults), ["raw"]);
    let plain = crate::config::Config::parse(&ctx(json!({})).config, "r1")?;
    assert_eq!(plain.image_formats(&defaults), ["vhd"]);
    Ok(())
}
