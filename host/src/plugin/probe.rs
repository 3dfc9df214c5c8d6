//! The background prober of an open circuit ([`crate::limits::breaker`]).
//!
//! One task per open circuit, started by the failure that opened it:
//! 1. sleep until the circuit's next probe time;
//! 2. half-open the circuit (requests are still refused, so this is the one request out);
//! 3. take a permit from the cloud-region's budget, like any driver request, and send the GET
//!    that failed last again, with its headers, under [`PROBE_TIMEOUT`];
//! 4. an answer closes the circuit and the task ends; a failure opens it for another interval.
//!
//! The GET was checked against the egress allowlist when the driver first sent it.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::imports::send_and_read;
use super::runtime::HostServices;
use crate::limits::breaker::{CircuitKey, Outcome, ProbeRequest};

/// Longest a probe may wait for its budget and its answer (a hanging region must not hold
/// the circuit half-open for long).
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts the prober of the circuit `key`, which has just opened.
pub fn spawn(services: Arc<HostServices>, key: CircuitKey) {
    tokio::spawn(async move { run(&services, &key).await });
}

async fn run(services: &HostServices, key: &CircuitKey) {
    let breakers = &services.breakers;
    while let Some((when, request)) = breakers.next_probe(key) {
        tokio::time::sleep_until(when).await;
        if !breakers.start_probe(key) {
            return;
        }
        let timeout = PROBE_TIMEOUT.min(breakers.settings().probe_interval.max(EPSILON));
        let outcome = probe(services, key, &request, Instant::now() + timeout).await;
        tracing::info!(
            cloud = %key.0, region = %key.1, service = %key.2, ?outcome,
            "circuit breaker probe"
        );
        if breakers.probed(key, outcome) {
            return;
        }
    }
}

/// Shortest probe timeout, whatever the interval.
const EPSILON: Duration = Duration::from_millis(100);

async fn probe(
    services: &HostServices,
    key: &CircuitKey,
    request: &ProbeRequest,
    deadline: Instant,
) -> Outcome {
    let Ok(permit) = services
        .limits
        .acquire(&key.0, &key.1, &key.2, deadline)
        .await
    else {
        return Outcome::Neutral;
    };
    let left = deadline.saturating_duration_since(Instant::now());
    let mut builder = services.http.get(&request.url).timeout(left);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let started = std::time::Instant::now();
    let result = send_and_read(builder, left).await;
    drop(permit);
    let outcome = super::imports::breaker_outcome(&result);
    let label = match &outcome {
        Outcome::Answered => "probe_ok",
        Outcome::Failed(_) | Outcome::Neutral => "probe_failed",
    };
    services
        .metrics
        .http_request(&key.0, &key.1, &key.2, label, started.elapsed());
    outcome
}
