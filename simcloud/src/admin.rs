//! The admin API of the simulator itself (not OpenStack): change a region's fault and
//! latency, and read request counts.
//!
//! - `PUT /_admin/clouds/{cloud}/regions/{region}` `{"fault":"none|unavailable|timeout|unauthorized","latency_ms":N}`
//!   (either key may be omitted to keep its value) → 200 with the region's new state.
//! - `GET /_admin/stats` → `{"regions":[{"cloud","region","requests","fault","latency_ms"}]}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use tracing::info;

use crate::config::Fault;
use crate::reply;
use crate::state::{RegionControl, RegionState, SimState};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultUpdate {
    fault: Option<Fault>,
    latency_ms: Option<u64>,
}

fn region_json(cloud: &str, region: &str, state: &RegionState) -> Value {
    let control = state.control();
    json!({
        "cloud": cloud,
        "region": region,
        "requests": state.requests(),
        "fault": control.fault.as_str(),
        "latency_ms": control.latency_ms,
    })
}

/// `PUT /_admin/clouds/{cloud}/regions/{region}`.
pub async fn set_region(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let update: FaultUpdate = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(e) => return reply::keystone_error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let target = match state.region(&cloud, &region) {
        Ok(target) => target,
        Err(e) => return reply::keystone_error(StatusCode::NOT_FOUND, &e.to_string()),
    };
    let current = target.control();
    let control = RegionControl {
        fault: update.fault.unwrap_or(current.fault),
        latency_ms: update.latency_ms.unwrap_or(current.latency_ms),
    };
    target.set_control(control);
    info!(
        cloud,
        region,
        fault = control.fault.as_str(),
        latency_ms = control.latency_ms,
        "region behaviour changed"
    );
    reply::json(StatusCode::OK, region_json(&cloud, &region, target))
}

/// `GET /_admin/clouds/{cloud}/regions/{region}`.
pub async fn get_region(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Path<(String, String)>,
) -> Response {
    match state.region(&cloud, &region) {
        Ok(target) => reply::json(StatusCode::OK, region_json(&cloud, &region, target)),
        Err(e) => reply::keystone_error(StatusCode::NOT_FOUND, &e.to_string()),
    }
}

/// `GET /_admin/stats`.
pub async fn stats(State(state): State<Arc<SimState>>) -> Response {
    let regions: Vec<Value> = state
        .clouds
        .iter()
        .flat_map(|(cloud, c)| {
            c.regions
                .iter()
                .map(move |(region, r)| region_json(cloud, region, r))
        })
        .collect();
    reply::json(StatusCode::OK, json!({ "regions": regions }))
}
