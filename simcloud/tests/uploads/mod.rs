//! Helpers for the upload tests: the vendors world, v2.0 tokens, real disk images from
//! `qemu-img`, and small HTTP wrappers that return (status, body).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::Duration;

use md5::{Digest, Md5};
use oaktree_simcloud::{SimCloud, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};

/// Every request in the tests is bounded.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The vendors world (`stack`, `rax`, `ovh`) with import tasks that end after 200 ms.
pub async fn start_vendors() -> SimCloud {
    let config = SimConfig {
        image_task_ms: 200,
        ..SimConfig::vendors()
    };
    SimCloud::start(config, "127.0.0.1:0").await.unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// POSTs a v2.0 token request: (status, body).
pub async fn post_v2_token(sim: &SimCloud, cloud: &str, auth: Value) -> (u16, Value) {
    let url = format!("{}/v2.0/tokens", sim.auth_url(cloud));
    send(Method::POST, &url, None, Some(json!({ "auth": auth }))).await
}

/// A v2.0 token of `rax` from username and password.
pub async fn rax_token(sim: &SimCloud) -> String {
    let auth = json!({"passwordCredentials": {"username": "demo", "password": "secret"},
                      "tenantName": "demo"});
    let (status, body) = post_v2_token(sim, "rax", auth).await;
    assert_eq!(status, 200, "{body}");
    body["access"]["token"]["id"].as_str().unwrap().to_string()
}

/// A v3 project-scoped token of a v3 cloud.
pub async fn v3_token(sim: &SimCloud, cloud: &str) -> String {
    let auth = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "password": "secret", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}},
    }});
    let response = client()
        .post(format!("{}/v3/auth/tokens", sim.auth_url(cloud)))
        .header("content-type", "application/json")
        .body(auth.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    response.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string()
}

/// Sends JSON (or nothing): (status, JSON body or the text as a JSON string).
pub async fn send(
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client().request(method, url);
    if let Some(token) = token {
        request = request.header("x-auth-token", token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// PUTs raw bytes with `content_type`: (status, response text).
pub async fn put_bytes(
    url: &str,
    token: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let response = client()
        .put(url)
        .header("x-auth-token", token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// `{base}/{cloud}/{region}/image/v2`.
pub fn glance(sim: &SimCloud, cloud: &str, region: &str) -> String {
    format!("{}/{cloud}/{region}/image/v2", sim.base_url())
}

/// `{base}/{cloud}/{region}/swift/v1/AUTH_{project}`.
pub fn swift(sim: &SimCloud, cloud: &str, region: &str) -> String {
    let project = sim
        .config()
        .clouds
        .iter()
        .find(|c| c.name == cloud)
        .unwrap()
        .project_id();
    format!(
        "{}/{cloud}/{region}/swift/v1/AUTH_{project}",
        sim.base_url()
    )
}

/// A 1 MiB disk image made by the real `qemu-img` in `format` (`qcow2`, `vpc`, `raw`).
pub fn disk_image(format: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("disk.{format}"));
    let status = Command::new("qemu-img")
        .args(["create", "-q", "-f", format])
        .arg(&path)
        .arg("1M")
        .status()
        .expect("qemu-img is installed");
    assert!(status.success(), "qemu-img create -f {format} failed");
    std::fs::read(&path).unwrap()
}

pub fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// Polls a task until it ends (at most 5 s): the final task body.
pub async fn wait_for_task(sim: &SimCloud, token: &str, id: &str) -> Value {
    let url = format!("{}/tasks/{id}", glance(sim, "rax", "DFW"));
    for _ in 0..100 {
        let (status, task) = send(Method::GET, &url, Some(token), None).await;
        assert_eq!(status, 200, "{task}");
        if task["status"] == "success" || task["status"] == "failure" {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("task {id} did not end");
}
