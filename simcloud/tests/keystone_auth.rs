//! Keystone behaviour: public discovery, token issue, catalog, and refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use oaktree_simcloud::{SimCloudConfig, SimConfig, SimRegionConfig};
use serde_json::json;

#[tokio::test]
async fn identity_discovery_answers_without_a_token() {
    let sim = start(small_config()).await;
    let (status, body) = get(&sim.auth_url("c1"), None).await;
    assert_eq!(status, 300);
    let href = body["versions"]["values"][0]["links"][0]["href"]
        .as_str()
        .unwrap();
    assert_eq!(href, format!("{}/v3/", sim.auth_url("c1")));
    let (status, body) = get(&format!("{}/v3", sim.auth_url("c1")), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["version"]["id"], "v3.14");
}

#[tokio::test]
async fn service_discovery_documents_answer_without_a_token() {
    let sim = start(small_config()).await;
    let root = region_url(&sim, "c1", "r1");
    assert_eq!(get(&format!("{root}/compute/v2.1"), None).await.0, 200);
    assert_eq!(get(&format!("{root}/compute/v2.1/"), None).await.0, 200);
    let (status, body) = get(&format!("{root}/image"), None).await;
    assert_eq!(status, 300);
    assert_eq!(
        body["versions"][0]["links"][0]["href"],
        format!("{root}/image/v2/")
    );
    assert_eq!(get(&format!("{root}/network"), None).await.0, 200);
}

#[tokio::test]
async fn password_token_carries_a_catalog_entry_per_region_and_interface() {
    let sim = start(small_config()).await;
    let (status, token, body) = post_token(&sim, "c1", &password_auth("demo", "secret")).await;
    assert_eq!(status, 201);
    assert!(token.is_some_and(|t| !t.is_empty()));
    let token = &body["token"];
    assert!(token["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(token["project"]["name"], "demo");
    assert_eq!(token["user"]["domain"]["name"], "Default");
    let catalog = token["catalog"].as_array().unwrap();
    let compute = catalog.iter().find(|s| s["type"] == "compute").unwrap();
    let endpoints = compute["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 2 * 3);
    let r2_public = endpoints
        .iter()
        .find(|e| e["region"] == "r2" && e["interface"] == "public")
        .unwrap();
    assert_eq!(
        r2_public["url"],
        format!("{}/compute/v2.1", region_url(&sim, "c1", "r2"))
    );
    for kind in ["image", "network", "identity"] {
        assert!(catalog.iter().any(|s| s["type"] == kind), "{kind} missing");
    }
}

#[tokio::test]
async fn wrong_password_is_refused_with_401() {
    let sim = start(small_config()).await;
    let (status, token, body) = post_token(&sim, "c1", &password_auth("demo", "nope")).await;
    assert_eq!(status, 401);
    assert!(token.is_none());
    assert_eq!(body["error"]["code"], 401);
}

#[tokio::test]
async fn application_credential_and_token_methods_issue_scoped_tokens() {
    let sim = start(small_config()).await;
    let appcred = json!({"auth": {"identity": {"methods": ["application_credential"],
        "application_credential": {"id": "appcred-c1", "secret": "secret"}}}});
    let (status, first, body) = post_token(&sim, "c1", &appcred).await;
    assert_eq!(status, 201);
    assert!(body["token"]["catalog"].is_array());
    let rescoped = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": first.unwrap()}},
        "scope": {"project": {"id": sim.inventory("c1", "r1").unwrap().project_id}}}});
    let (status, second, _) = post_token(&sim, "c1", &rescoped).await;
    assert_eq!(status, 201);
    let servers = format!("{}/compute/v2.1/servers", region_url(&sim, "c1", "r1"));
    assert_eq!(get(&servers, second.as_deref()).await.0, 200);
}

#[tokio::test]
async fn a_token_from_one_cloud_is_rejected_by_another() {
    let mut config = small_config();
    config
        .clouds
        .push(SimCloudConfig::new("c2", vec![SimRegionConfig::new("r1")]));
    let sim = start(config).await;
    let token = token(&sim, "c1").await;
    let url = format!("{}/compute/v2.1/servers", region_url(&sim, "c2", "r1"));
    assert_eq!(get(&url, Some(&token)).await.0, 401);
}

#[tokio::test]
async fn refuse_auth_makes_every_token_request_fail() {
    let mut cloud = SimCloudConfig::new("c1", vec![SimRegionConfig::new("r1")]);
    cloud.refuse_auth = true;
    let sim = start(SimConfig::new(vec![cloud])).await;
    let (status, _, _) = post_token(&sim, "c1", &password_auth("demo", "secret")).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn expired_tokens_are_rejected() {
    let mut config = small_config();
    config.token_ttl_secs = 1;
    let sim = start(config).await;
    let token = token(&sim, "c1").await;
    let url = format!("{}/compute/v2.1/servers", region_url(&sim, "c1", "r1"));
    assert_eq!(get(&url, Some(&token)).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(get(&url, Some(&token)).await.0, 401);
}

#[tokio::test]
async fn token_validation_returns_the_subject_token() {
    let sim = start(small_config()).await;
    let token = token(&sim, "c1").await;
    let response = client()
        .get(format!("{}/v3/auth/tokens", sim.auth_url("c1")))
        .header("x-auth-token", &token)
        .header("x-subject-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}
