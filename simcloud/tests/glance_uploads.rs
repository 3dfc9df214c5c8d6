//! Glance writes: create, upload (format checked by magic against real `qemu-img` files),
//! update with JSON-patch, delete; and each vendor's disk formats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod uploads;

use oaktree_simcloud::SimCloud;
use reqwest::Method;
use serde_json::{Value, json};
use uploads::*;

async fn create(
    sim: &SimCloud,
    cloud: &str,
    region: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    send(
        Method::POST,
        &format!("{}/images", glance(sim, cloud, region)),
        Some(token),
        Some(body),
    )
    .await
}

async fn show(sim: &SimCloud, cloud: &str, region: &str, token: &str, id: &str) -> Value {
    let (status, image) = send(
        Method::GET,
        &format!("{}/images/{id}", glance(sim, cloud, region)),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{image}");
    image
}

#[tokio::test]
async fn a_qcow2_upload_makes_an_active_image_with_its_md5_and_sizes() {
    let sim = start_vendors().await;
    let token = v3_token(&sim, "stack").await;
    let request = json!({"name": "tiny", "disk_format": "qcow2", "container_format": "bare",
                         "visibility": "private", "min_disk": 1, "tags": ["t1"],
                         "owner_specified.openstack.md5": "abc"});
    let (status, image) = create(&sim, "stack", "RegionOne", &token, request).await;
    assert_eq!(status, 201, "{image}");
    assert_eq!(image["status"], "queued");
    assert_eq!(image["owner_specified.openstack.md5"], "abc");
    let id = image["id"].as_str().unwrap();

    let bytes = disk_image("qcow2");
    let url = format!("{}/images/{id}/file", glance(&sim, "stack", "RegionOne"));
    let (status, text) = put_bytes(&url, &token, "application/octet-stream", bytes.clone()).await;
    assert_eq!(status, 204, "{text}");

    let image = show(&sim, "stack", "RegionOne", &token, id).await;
    assert_eq!(image["status"], "active");
    assert_eq!(image["checksum"], md5_hex(&bytes));
    assert_eq!(image["size"], bytes.len());
    assert_eq!(image["virtual_size"], 1024 * 1024);
    assert_eq!(image["os_hash_algo"], "sha512");
    let (_, list) = send(
        Method::GET,
        &format!("{}/images?name=tiny", glance(&sim, "stack", "RegionOne")),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(list["images"][0]["id"], id);
}

#[tokio::test]
async fn bytes_that_are_not_the_declared_format_kill_the_image() {
    let sim = start_vendors().await;
    let token = v3_token(&sim, "ovh").await;
    let request = json!({"name": "liar", "disk_format": "raw", "container_format": "bare"});
    let (status, image) = create(&sim, "ovh", "GRA", &token, request).await;
    assert_eq!(status, 201, "{image}");
    let id = image["id"].as_str().unwrap();
    let url = format!("{}/images/{id}/file", glance(&sim, "ovh", "GRA"));
    let (status, text) = put_bytes(
        &url,
        &token,
        "application/octet-stream",
        disk_image("qcow2"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(text.contains("does not match disk_format 'raw'"), "{text}");
    assert_eq!(
        show(&sim, "ovh", "GRA", &token, id).await["status"],
        "killed"
    );
}

#[tokio::test]
async fn each_vendor_refuses_disk_formats_it_does_not_take_at_create() {
    let sim = start_vendors().await;
    let ovh = v3_token(&sim, "ovh").await;
    let (status, text) = create(
        &sim,
        "ovh",
        "GRA",
        &ovh,
        json!({"name": "q", "disk_format": "qcow2"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        text.as_str()
            .unwrap()
            .contains("\"qcow2\" is not one of [\"raw\"]"),
        "{text}"
    );
    let rax = rax_token(&sim).await;
    let (status, _) = create(
        &sim,
        "rax",
        "DFW",
        &rax,
        json!({"name": "q", "disk_format": "qcow2"}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = create(
        &sim,
        "rax",
        "DFW",
        &rax,
        json!({"name": "v", "disk_format": "vhd"}),
    )
    .await;
    assert_eq!(status, 201);
    let stack = v3_token(&sim, "stack").await;
    let (status, _) = create(
        &sim,
        "stack",
        "RegionOne",
        &stack,
        json!({"disk_format": "vhd"}),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn rackspace_refuses_direct_upload_with_403() {
    let sim = start_vendors().await;
    let token = rax_token(&sim).await;
    let request = json!({"name": "v", "disk_format": "vhd", "container_format": "bare"});
    let (_, image) = create(&sim, "rax", "DFW", &token, request).await;
    let url = format!(
        "{}/images/{}/file",
        glance(&sim, "rax", "DFW"),
        image["id"].as_str().unwrap()
    );
    let (status, text) =
        put_bytes(&url, &token, "application/octet-stream", disk_image("vpc")).await;
    assert_eq!(status, 403);
    assert!(text.contains("tasks"), "{text}");
}

#[tokio::test]
async fn a_json_patch_adds_replaces_and_removes_properties() {
    let sim = start_vendors().await;
    let token = v3_token(&sim, "stack").await;
    let (_, image) = create(
        &sim,
        "stack",
        "RegionOne",
        &token,
        json!({"name": "p", "extra": "x"}),
    )
    .await;
    let url = format!(
        "{}/images/{}",
        glance(&sim, "stack", "RegionOne"),
        image["id"].as_str().unwrap()
    );
    let patch = json!([
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/hw_disk_bus", "value": "scsi"},
        {"op": "remove", "path": "/extra"},
    ]);
    let response = client()
        .patch(&url)
        .header("x-auth-token", &token)
        .header(
            "content-type",
            "application/openstack-images-v2.1-json-patch",
        )
        .body(patch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let patched: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(patched["name"], "renamed");
    assert_eq!(patched["hw_disk_bus"], "scsi");
    assert!(patched.get("extra").is_none());

    let read_only = json!([{"op": "replace", "path": "/status", "value": "active"}]);
    let response = client()
        .patch(&url)
        .header("x-auth-token", &token)
        .header(
            "content-type",
            "application/openstack-images-v2.1-json-patch",
        )
        .body(read_only.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn a_deleted_image_is_gone_from_show_and_list() {
    let sim = start_vendors().await;
    let token = v3_token(&sim, "stack").await;
    let (_, image) = create(
        &sim,
        "stack",
        "RegionTwo",
        &token,
        json!({"name": "doomed"}),
    )
    .await;
    let url = format!(
        "{}/images/{}",
        glance(&sim, "stack", "RegionTwo"),
        image["id"].as_str().unwrap()
    );
    assert_eq!(send(Method::DELETE, &url, Some(&token), None).await.0, 204);
    assert_eq!(send(Method::GET, &url, Some(&token), None).await.0, 404);
    assert_eq!(send(Method::DELETE, &url, Some(&token), None).await.0, 404);
    let (_, list) = send(
        Method::GET,
        &format!("{}/images?name=doomed", glance(&sim, "stack", "RegionTwo")),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(list["images"], json!([]));
}
