//! Helpers shared by the simulator's HTTP tests: start a sim, get a token, GET JSON.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use oaktree_simcloud::{SimCloud, SimCloudConfig, SimConfig, SimRegionConfig};
use serde_json::{Value, json};

/// Every request in the tests is bounded.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// One cloud `c1` with regions `r1` (default counts) and `r2` (default counts).
pub fn small_config() -> SimConfig {
    SimConfig::new(vec![SimCloudConfig::new(
        "c1",
        vec![SimRegionConfig::new("r1"), SimRegionConfig::new("r2")],
    )])
}

pub async fn start(config: SimConfig) -> SimCloud {
    SimCloud::start(config, "127.0.0.1:0").await.unwrap()
}

pub fn password_auth(user: &str, password: &str) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}},
    }})
}

/// POSTs `body` to the cloud's token endpoint: (status, X-Subject-Token, body).
pub async fn post_token(sim: &SimCloud, cloud: &str, body: &Value) -> (u16, Option<String>, Value) {
    let response = client()
        .post(format!("{}/v3/auth/tokens", sim.auth_url(cloud)))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let token = response
        .headers()
        .get("x-subject-token")
        .map(|v| v.to_str().unwrap().to_string());
    let text = response.text().await.unwrap();
    (
        status,
        token,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// A project-scoped token for the default demo user.
pub async fn token(sim: &SimCloud, cloud: &str) -> String {
    let (status, token, _) = post_token(sim, cloud, &password_auth("demo", "secret")).await;
    assert_eq!(status, 201);
    token.unwrap()
}

/// GETs `url` with an optional token: (status, JSON body or Null).
pub async fn get(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = client().get(url);
    if let Some(token) = token {
        request = request.header("x-auth-token", token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub fn region_url(sim: &SimCloud, cloud: &str, region: &str) -> String {
    format!("{}/{cloud}/{region}", sim.base_url())
}

pub fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}
