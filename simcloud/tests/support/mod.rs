//! Helpers for the write tests: send any method with a JSON body, poll until a condition
//! holds (bounded), and a config whose servers and volumes settle quickly.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use oaktree_simcloud::{Lifecycle, SimCloudConfig, SimConfig, SimRegionConfig};
use reqwest::Method;
use serde_json::Value;

use crate::common::client;

/// Short enough that tests wait little, long enough that a loaded machine still sees
/// `BUILD` and `DELETED` before they pass.
pub const BUILD_MS: u64 = 1000;

/// Polls stop after this long: several build times.
pub const POLL_LIMIT: Duration = Duration::from_secs(10);

/// Cloud `c1`, regions `r1` and `r2` (10 servers each), with short build/delete/volume times.
pub fn quick_config() -> SimConfig {
    let region = |name: &str| SimRegionConfig {
        lifecycle: Lifecycle {
            build_ms: BUILD_MS,
            delete_ms: 1000,
            volume_ms: 200,
            ..Lifecycle::default()
        },
        ..SimRegionConfig::new(name)
    };
    SimConfig::new(vec![SimCloudConfig::new(
        "c1",
        vec![region("r1"), region("r2")],
    )])
}

/// Sends `method` to `url` with an optional token and JSON body: (status, JSON or Null).
pub async fn send(method: Method, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = client().request(method, url).header("x-auth-token", token);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// GETs `url` every 50 ms until `done(status, body)` holds; panics after [`POLL_LIMIT`].
pub async fn poll_until(url: &str, token: &str, done: impl Fn(u16, &Value) -> bool) -> Value {
    let started = std::time::Instant::now();
    loop {
        let (status, body) = send(Method::GET, url, token, None).await;
        if done(status, &body) {
            return body;
        }
        assert!(
            started.elapsed() < POLL_LIMIT,
            "{url} still {status} {body} after {POLL_LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
