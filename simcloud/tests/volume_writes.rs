//! Cinder volumes against a started simulator: create, settle, page, delete.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::*;
use reqwest::Method;
use serde_json::json;
use support::*;

#[tokio::test]
async fn a_new_volume_is_creating_then_available_and_can_be_deleted() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    let project = sim.inventory("c1", "r1").unwrap().project_id;
    let volumes = format!(
        "{}/volume/v3/{project}/volumes",
        region_url(&sim, "c1", "r1")
    );
    let (status, created) = send(
        Method::POST,
        &volumes,
        &token,
        Some(json!({"volume": {"size": 2, "name": "data"}})),
    )
    .await;
    assert_eq!(status, 202, "{created}");
    let volume = &created["volume"];
    assert_eq!(
        (volume["status"].as_str(), volume["bootable"].as_str()),
        (Some("creating"), Some("false"))
    );
    let url = format!("{volumes}/{}", volume["id"].as_str().unwrap());
    let ready = poll_until(&url, &token, |_, b| b["volume"]["status"] == "available").await;
    assert_eq!(ready["volume"]["size"], 2);
    assert_eq!(ready["volume"]["attachments"], json!([]));

    let image = sim.inventory("c1", "r1").unwrap().images[0].id.clone();
    let from_image = json!({"volume": {"size": 1, "name": "boot", "imageRef": image}});
    let (_, boot) = send(Method::POST, &volumes, &token, Some(from_image)).await;
    assert_eq!(boot["volume"]["bootable"], "true");
    let (_, page) = get(&format!("{volumes}/detail?limit=1"), Some(&token)).await;
    assert_eq!(page["volumes"].as_array().unwrap().len(), 1);
    let next = page["volumes_links"][0]["href"].as_str().unwrap();
    let (_, rest) = get(next, Some(&token)).await;
    assert_eq!(rest["volumes"][0]["name"], "boot");

    assert_eq!(
        send(
            Method::POST,
            &volumes,
            &token,
            Some(json!({"volume": {"size": 0}}))
        )
        .await
        .0,
        400
    );
    assert_eq!(send(Method::DELETE, &url, &token, None).await.0, 202);
    let (status, gone) = get(&url, Some(&token)).await;
    assert_eq!(status, 404);
    assert_eq!(gone["itemNotFound"]["code"], 404);
}

#[tokio::test]
async fn the_block_storage_endpoint_answers_version_discovery() {
    let sim = start(quick_config()).await;
    let root = format!("{}/volume/", region_url(&sim, "c1", "r1"));
    let (status, versions) = get(&root, None).await;
    assert_eq!(status, 300);
    assert_eq!(versions["versions"][0]["id"], "v3.0");
}
