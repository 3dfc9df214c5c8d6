//! Glance import tasks on the Rackspace-flavoured cloud: stage in swift, import, and the
//! failures (missing object, bytes that are not VHD); other clouds refuse the tasks API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod uploads;

use oaktree_simcloud::SimCloud;
use reqwest::Method;
use serde_json::{Value, json};
use uploads::*;

/// Stages `bytes` as `images/<name>` in rax/DFW.
async fn stage(sim: &SimCloud, token: &str, name: &str, bytes: Vec<u8>) {
    let account = swift(sim, "rax", "DFW");
    put_bytes(
        &format!("{account}/images"),
        token,
        "text/plain",
        Vec::new(),
    )
    .await;
    let (status, _) = put_bytes(
        &format!("{account}/images/{name}"),
        token,
        "application/octet-stream",
        bytes,
    )
    .await;
    assert_eq!(status, 201);
}

async fn post_task(sim: &SimCloud, token: &str, input: Value) -> Value {
    let body = json!({"type": "import", "input": input});
    let (status, task) = send(
        Method::POST,
        &format!("{}/tasks", glance(sim, "rax", "DFW")),
        Some(token),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{task}");
    assert_eq!(task["status"], "pending");
    task
}

#[tokio::test]
async fn importing_a_staged_vhd_makes_an_active_image() {
    let sim = start_vendors().await;
    let token = rax_token(&sim).await;
    let bytes = disk_image("vpc");
    stage(&sim, &token, "disk.vhd", bytes.clone()).await;
    let input = json!({"import_from": "images/disk.vhd", "import_from_format": "vhd",
                       "image_properties": {"name": "imported"}});
    let task = post_task(&sim, &token, input).await;
    let task = wait_for_task(&sim, &token, task["id"].as_str().unwrap()).await;
    assert_eq!(task["status"], "success", "{task}");
    let image_id = task["result"]["image_id"].as_str().unwrap();
    let url = format!("{}/images/{image_id}", glance(&sim, "rax", "DFW"));
    let (status, image) = send(Method::GET, &url, Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(image["name"], "imported");
    assert_eq!(image["status"], "active");
    assert_eq!(image["disk_format"], "vhd");
    assert_eq!(image["checksum"], md5_hex(&bytes));
    assert!(image["virtual_size"].as_u64().unwrap() >= 1024 * 1024);
}

#[tokio::test]
async fn importing_qcow2_bytes_on_a_vhd_only_cloud_fails_with_a_message() {
    let sim = start_vendors().await;
    let token = rax_token(&sim).await;
    stage(&sim, &token, "disk.qcow2", disk_image("qcow2")).await;
    let input = json!({"import_from": "images/disk.qcow2", "image_properties": {"name": "q"}});
    let task = post_task(&sim, &token, input).await;
    let task = wait_for_task(&sim, &token, task["id"].as_str().unwrap()).await;
    assert_eq!(task["status"], "failure");
    assert!(
        task["message"].as_str().unwrap().contains("qcow2"),
        "{task}"
    );

    let declared = json!({"import_from": "images/disk.qcow2", "import_from_format": "qcow2",
                          "image_properties": {"name": "q"}});
    let task = post_task(&sim, &token, declared).await;
    let task = wait_for_task(&sim, &token, task["id"].as_str().unwrap()).await;
    assert_eq!(task["status"], "failure");
    assert!(
        task["message"].as_str().unwrap().contains("accepts vhd"),
        "{task}"
    );
}

#[tokio::test]
async fn importing_a_missing_object_fails() {
    let sim = start_vendors().await;
    let token = rax_token(&sim).await;
    let input = json!({"import_from": "images/absent.vhd", "image_properties": {"name": "a"}});
    let task = post_task(&sim, &token, input).await;
    let task = wait_for_task(&sim, &token, task["id"].as_str().unwrap()).await;
    assert_eq!(task["status"], "failure");
    assert!(
        task["message"].as_str().unwrap().contains("not found"),
        "{task}"
    );
    assert!(task["result"].is_null());
}

#[tokio::test]
async fn a_task_read_before_its_time_is_up_is_processing() {
    let config = oaktree_simcloud::SimConfig {
        image_task_ms: 60_000,
        ..oaktree_simcloud::SimConfig::vendors()
    };
    let sim = SimCloud::start(config, "127.0.0.1:0").await.unwrap();
    let token = rax_token(&sim).await;
    let input = json!({"import_from": "images/x", "image_properties": {}});
    let task = post_task(&sim, &token, input).await;
    let url = format!(
        "{}/tasks/{}",
        glance(&sim, "rax", "DFW"),
        task["id"].as_str().unwrap()
    );
    let (_, task) = send(Method::GET, &url, Some(&token), None).await;
    assert_eq!(task["status"], "processing");
    assert!(task["result"].is_null());
}

#[tokio::test]
async fn clouds_that_upload_directly_refuse_the_tasks_api() {
    let sim = start_vendors().await;
    let token = v3_token(&sim, "stack").await;
    let body = json!({"type": "import", "input": {"import_from": "a/b", "image_properties": {}}});
    let url = format!("{}/tasks", glance(&sim, "stack", "RegionOne"));
    assert_eq!(
        send(Method::POST, &url, Some(&token), Some(body)).await.0,
        403
    );
}
