//! The admin API for a region's write behaviour (not OpenStack):
//!
//! - `GET /_admin/clouds/{cloud}/regions/{region}/lifecycle` → the region's [`Lifecycle`].
//! - `PUT` the same path with any of `build_ms`, `delete_ms`, `volume_ms`, `server_quota`
//!   (a number, or `null` for unlimited), `boot_fault` (`"none"`, `"all"`, `{"next": N}`) and
//!   `public_address` (a boolean); omitted keys keep their value → 200 with the new state.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use tracing::info;

use crate::lifecycle::Lifecycle;
use crate::reply;
use crate::state::SimState;

const KEYS: [&str; 6] = [
    "build_ms",
    "delete_ms",
    "volume_ms",
    "server_quota",
    "boot_fault",
    "public_address",
];

/// `current` with the keys of `update` applied; the error names the offending key.
fn apply(current: Lifecycle, update: &Map<String, Value>) -> Result<Lifecycle, String> {
    if let Some(unknown) = update.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!(
            "unknown field `{unknown}`, expected one of {KEYS:?}"
        ));
    }
    let mut merged = serde_json::to_value(current).map_err(|e| e.to_string())?;
    for (key, value) in update {
        merged[key] = value.clone();
    }
    serde_json::from_value(merged).map_err(|e| e.to_string())
}

/// `GET /_admin/clouds/{cloud}/regions/{region}/lifecycle`.
pub async fn get_lifecycle(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Path<(String, String)>,
) -> Response {
    match state.region(&cloud, &region) {
        Ok(target) => reply::json(StatusCode::OK, json!(target.live.lock().times)),
        Err(e) => reply::keystone_error(StatusCode::NOT_FOUND, &e.to_string()),
    }
}

/// `PUT /_admin/clouds/{cloud}/regions/{region}/lifecycle`.
pub async fn set_lifecycle(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let update: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(e) => return reply::keystone_error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let target = match state.region(&cloud, &region) {
        Ok(target) => target,
        Err(e) => return reply::keystone_error(StatusCode::NOT_FOUND, &e.to_string()),
    };
    let mut live = target.live.lock();
    match apply(live.times, &update) {
        Ok(times) => {
            live.times = times;
            info!(cloud, region, ?times, "region lifecycle changed");
            reply::json(StatusCode::OK, json!(times))
        }
        Err(message) => reply::keystone_error(StatusCode::BAD_REQUEST, &message),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::lifecycle::BootFault;

    #[test]
    fn updates_keep_omitted_keys_and_accept_null_quota() {
        let mut current = Lifecycle {
            server_quota: Some(3),
            ..Lifecycle::default()
        };
        let update = json!({"boot_fault": {"next": 2}, "build_ms": 10});
        current = apply(current, update.as_object().unwrap()).unwrap();
        assert_eq!(
            (current.boot_fault, current.build_ms, current.server_quota),
            (BootFault::Next(2), 10, Some(3))
        );
        let unlimited = json!({"server_quota": null});
        assert_eq!(
            apply(current, unlimited.as_object().unwrap())
                .unwrap()
                .server_quota,
            None
        );
        assert!(apply(current, json!({"nope": 1}).as_object().unwrap()).is_err());
    }

    #[test]
    fn servers_can_be_given_a_public_address_of_their_own() {
        let update = json!({"public_address": true});
        let changed = apply(Lifecycle::default(), update.as_object().unwrap()).unwrap();
        assert!(changed.public_address);
        assert!(!Lifecycle::default().public_address);
    }
}
