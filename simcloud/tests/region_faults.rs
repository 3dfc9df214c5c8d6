//! Per-region faults and latency, set by config, by `set_fault` and by the admin API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use oaktree_simcloud::{Fault, SimError};
use serde_json::json;

#[tokio::test]
async fn unavailable_region_answers_503_and_its_neighbour_stays_up() {
    let sim = start(small_config()).await;
    let token = token(&sim, "c1").await;
    sim.set_fault("c1", "r1", Fault::Unavailable, 0).unwrap();
    let r1 = format!("{}/compute/v2.1/servers", region_url(&sim, "c1", "r1"));
    let r2 = format!("{}/compute/v2.1/servers", region_url(&sim, "c1", "r2"));
    assert_eq!(get(&r1, Some(&token)).await.0, 503);
    assert_eq!(get(&r2, Some(&token)).await.0, 200);
    // Keystone is not part of a region's fault.
    assert_eq!(
        post_token(&sim, "c1", &password_auth("demo", "secret"))
            .await
            .0,
        201
    );
}

#[tokio::test]
async fn a_region_told_to_fail_twice_answers_503_twice_then_recovers_and_logs_arrivals() {
    let sim = start(small_config()).await;
    let token = token(&sim, "c1").await;
    sim.fail_next("c1", "r1", 2).unwrap();
    let url = format!("{}/compute/v2.1/servers", region_url(&sim, "c1", "r1"));
    assert_eq!(get(&url, Some(&token)).await.0, 503);
    assert_eq!(get(&url, Some(&token)).await.0, 503);
    assert_eq!(get(&url, Some(&token)).await.0, 200);
    let arrivals = sim.arrivals("c1", "r1").unwrap();
    assert_eq!(arrivals.len(), 3);
    assert!(arrivals.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn unauthorized_region_answers_401_to_a_valid_token_but_keeps_discovery_public() {
    let sim = start(small_config()).await;
    let token = token(&sim, "c1").await;
    sim.set_fault("c1", "r1", Fault::Unauthorized, 0).unwrap();
    let root = region_url(&sim, "c1", "r1");
    let (status, body) = get(&format!("{root}/image/v2/images"), Some(&token)).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], 401);
    assert_eq!(get(&format!("{root}/compute/v2.1"), None).await.0, 200);
}

#[tokio::test]
async fn latency_delays_every_service_answer() {
    let sim = start(small_config()).await;
    let token = token(&sim, "c1").await;
    sim.set_fault("c1", "r1", Fault::None, 300).unwrap();
    let url = format!("{}/network/v2.0/networks", region_url(&sim, "c1", "r1"));
    let began = Instant::now();
    assert_eq!(get(&url, Some(&token)).await.0, 200);
    assert!(began.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn timeout_region_holds_requests_until_the_fault_is_lifted() {
    let sim = start(small_config()).await;
    let token = token(&sim, "c1").await;
    sim.set_fault("c1", "r1", Fault::Timeout, 0).unwrap();
    let url = format!("{}/compute/v2.1/servers", region_url(&sim, "c1", "r1"));
    let short = reqwest::Client::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let held = short.get(&url).header("x-auth-token", &token).send().await;
    assert!(held.unwrap_err().is_timeout());
    let waiting = tokio::spawn({
        let (url, token) = (url.clone(), token.clone());
        async move { get(&url, Some(&token)).await.0 }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    sim.set_fault("c1", "r1", Fault::None, 0).unwrap();
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .unwrap()
            .unwrap(),
        200
    );
}

#[tokio::test]
async fn admin_api_sets_faults_and_reports_request_counts() {
    let sim = start(small_config()).await;
    let token = token(&sim, "c1").await;
    let admin = format!("{}/_admin/clouds/c1/regions/r2", sim.base_url());
    let response = client()
        .put(&admin)
        .body(json!({"fault": "unavailable", "latency_ms": 0}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let url = format!("{}/image/v2/images", region_url(&sim, "c1", "r2"));
    assert_eq!(get(&url, Some(&token)).await.0, 503);
    assert_eq!(sim.request_count("c1", "r2"), 1);
    assert_eq!(sim.request_count("c1", "r1"), 0);
    let (status, stats) = get(&format!("{}/_admin/stats", sim.base_url()), None).await;
    assert_eq!(status, 200);
    let r2 = stats["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "r2")
        .unwrap();
    assert_eq!(
        (r2["requests"].as_u64(), r2["fault"].as_str()),
        (Some(1), Some("unavailable"))
    );
    let unknown = client()
        .put(format!("{}/_admin/clouds/c1/regions/zz", sim.base_url()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
}

#[tokio::test]
async fn set_fault_on_an_unknown_location_is_an_error() {
    let sim = start(small_config()).await;
    assert!(matches!(
        sim.set_fault("c1", "nowhere", Fault::Timeout, 0),
        Err(SimError::UnknownLocation { .. })
    ));
}

#[tokio::test]
async fn faults_from_config_apply_from_the_start() {
    let mut config = small_config();
    config.clouds[0].regions[1].fault = Fault::Unavailable;
    let sim = start(config).await;
    let token = token(&sim, "c1").await;
    let url = format!("{}/network/v2.0/networks", region_url(&sim, "c1", "r2"));
    assert_eq!(get(&url, Some(&token)).await.0, 503);
}
