//! The gate in front of every service call (nova, glance, neutron) of a region.
//!
//! 1. Resolve the region (404 when the simulator does not serve it).
//! 2. Count the request (`SimCloud::request_count`).
//! 3. Sleep the region's latency.
//! 4. Apply the fault: `Unavailable` → 503; `Timeout` → hold the request until the fault is
//!    lifted, the simulator stops, or [`MAX_HOLD`] passes (then 504); `Unauthorized` → 401 on
//!    authenticated calls (discovery stays public: a 401 there hangs keystoneauth).
//!    A region told to `fail_next(n)` answers its next n authenticated calls with 503.
//! 5. For authenticated calls, require an unexpired project-scoped token of this cloud.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tokio::time::{Instant, sleep};
use tracing::debug;

use crate::config::Fault;
use crate::reply;
use crate::state::{RegionState, SimState};

/// The longest a `Timeout` region holds a request (and the cap on configured latency).
pub const MAX_HOLD: Duration = Duration::from_secs(120);

/// How often a held request re-reads the region's fault.
const HOLD_POLL: Duration = Duration::from_millis(50);

/// Whether a call needs a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Version discovery: never needs a token.
    Public,
    /// Everything else.
    Token,
}

/// Runs the gate; `Err` is the response to send instead of the service's answer.
pub async fn enter<'s>(
    state: &'s SimState,
    cloud: &str,
    region: &str,
    headers: &HeaderMap,
    access: Access,
) -> Result<&'s RegionState, Response> {
    let Ok(target) = state.region(cloud, region) else {
        return Err(reply::keystone_error(
            StatusCode::NOT_FOUND,
            &format!("No region {region:?} in cloud {cloud:?}"),
        ));
    };
    let count = target.count_request();
    let latency = Duration::from_millis(target.control().latency_ms).min(MAX_HOLD);
    debug!(cloud, region, count, ?latency, "service request");
    if !latency.is_zero() {
        sleep(latency).await;
    }
    if access == Access::Token && target.take_forced_failure() {
        return Err(reply::keystone_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is unavailable (simulated transient failure).",
        ));
    }
    let held_since = Instant::now();
    loop {
        match target.control().fault {
            Fault::None => break,
            Fault::Unavailable => {
                return Err(reply::keystone_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The service is unavailable (simulated fault).",
                ));
            }
            Fault::Unauthorized if access == Access::Token => {
                return Err(reply::service_unauthorized(&state.auth_url(cloud)));
            }
            Fault::Unauthorized => break,
            Fault::Timeout => {
                if state.shutting_down.load(Ordering::Relaxed) {
                    return Err(reply::keystone_error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "The simulator is shutting down.",
                    ));
                }
                if held_since.elapsed() >= MAX_HOLD {
                    return Err(reply::keystone_error(
                        StatusCode::GATEWAY_TIMEOUT,
                        "The service did not answer in time (simulated fault).",
                    ));
                }
                sleep(HOLD_POLL).await;
            }
        }
    }
    if access == Access::Token && !token_ok(state, cloud, headers) {
        return Err(reply::service_unauthorized(&state.auth_url(cloud)));
    }
    Ok(target)
}

fn token_ok(state: &SimState, cloud: &str, headers: &HeaderMap) -> bool {
    headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .and_then(|token| state.tokens.valid(token, cloud))
        .is_some_and(|record| record.project_scoped)
}
