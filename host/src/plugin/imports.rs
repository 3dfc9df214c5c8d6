//! The host services a driver imports: `http`, `state` and `log`.
//!
//! `http.send` (and `http.send-blob`) is the only way out of the sandbox. The host first checks
//! the destination against the cloud-region's egress allowlist ([`super::egress`]): a refused
//! request is never sent, takes no budget, is counted (outcome `denied`), logged, and fails
//! the call. Then it asks the (cloud, region, service) circuit breaker ([`crate::limits::breaker`]):
//! an open circuit refuses the request at once, unsent and without retries, and the call
//! remembers the circuit for its location status. Then it sends with reqwest, bounds the
//! request by the call's remaining time, caps the response size, and lower-cases header
//! names so drivers need not care. Every attempt's outcome feeds the breaker: this is the
//! one place that sees refused connections, 5xx answers and timeouts, per service, for every
//! kind of call (lists, gets, writes, operations); the failure that opens a circuit starts
//! its background prober ([`super::probe`]).

use std::sync::atomic::Ordering;
use std::time::Duration;

use tracing::{Level, event};

use super::bindings::http_api::{HttpError, Method, Request, Response};
use super::bindings::{http_api, ledger_api, log_api, state_api, wit};
use super::blob::Blob;
use super::probe;
use super::retry::{self, Verdict};
use super::runtime::{HostServices, HostState};
use crate::limits::LimitError;
use crate::limits::breaker::{Admit, CircuitKey, Outcome, ProbeRequest};
use wasmtime::component::Resource;

/// How long a cloud-region's budget pauses after a 429 that gave no Retry-After.
const DEFAULT_THROTTLE_PAUSE: Duration = Duration::from_secs(1);

/// Largest response body a driver may receive (a page of 5,000 servers is a few MiB).
const MAX_RESPONSE_BYTES: usize = 64 << 20;

impl wit::Host for HostState {}

impl http_api::Host for HostState {
    async fn send(&mut self, req: Request) -> Result<Response, HttpError> {
        self.send_request(req, None).await
    }

    async fn send_blob(
        &mut self,
        req: Request,
        body: Resource<Blob>,
    ) -> Result<Response, HttpError> {
        if req.body.is_some() {
            return Err(HttpError::Denied(
                "send-blob takes its body from the blob; the request's own body must be none"
                    .to_owned(),
            ));
        }
        let blob = match self.table.get(&body) {
            Ok(blob) => blob.clone(),
            Err(e) => return Err(HttpError::Denied(format!("unknown blob handle: {e}"))),
        };
        self.send_request(req, Some(blob)).await
    }
}

impl HostState {
    /// Sends one driver request under the call's deadline, budget and retry policy. A blob
    /// body streams from disk and is never retried (it is never a GET).
    async fn send_request(
        &mut self,
        req: Request,
        blob: Option<Blob>,
    ) -> Result<Response, HttpError> {
        let url = reqwest::Url::parse(&req.url)
            .map_err(|e| HttpError::Denied(format!("malformed URL {:?}: {e}", req.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HttpError::Denied(format!(
                "only http and https URLs may be sent, not {:?}",
                req.url
            )));
        }
        if let Err(denied) = self.egress.check(&url) {
            let message = denied.to_string();
            tracing::warn!(
                plugin = %self.plugin, cloud = %self.at.cloud, region = %self.at.region,
                service = %req.service, destination = %denied.destination,
                allowed = %denied.allowed, "driver request refused by the egress allowlist"
            );
            self.services.metrics.http_request(
                &self.at.cloud,
                &self.at.region,
                &req.service,
                "denied",
                Duration::ZERO,
            );
            self.stats.record_egress_denied(message.clone());
            return Err(HttpError::Denied(message));
        }
        let method = method_of(req.method);
        let circuit: CircuitKey = (
            self.at.cloud.clone(),
            self.at.region.clone(),
            req.service.clone(),
        );
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Admit::Refuse(open) = self.services.breakers.admit(&circuit) {
                let message = format!("{} not sent: {}", req.url, open.describe());
                self.stats.record_circuit_open(open);
                self.services.metrics.http_request(
                    &self.at.cloud,
                    &self.at.region,
                    &req.service,
                    "circuit_open",
                    Duration::ZERO,
                );
                return Err(HttpError::Connect(message));
            }
            let left = self
                .deadline
                .saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return Err(HttpError::Timeout(format!(
                    "the call's deadline passed before {} could be sent",
                    req.url
                )));
            }
            let permit = match self
                .services
                .limits
                .acquire(&self.at.cloud, &self.at.region, &req.service, self.deadline)
                .await
            {
                Ok(permit) => permit,
                Err(LimitError::Deadline { waited }) => {
                    self.record_wait(waited);
                    return Err(HttpError::Timeout(format!(
                        "waited {} ms for the cloud-region's rate limit; the call's deadline passed before {} could be sent",
                        waited.as_millis(),
                        req.url
                    )));
                }
            };
            self.record_wait(permit.waited());
            self.services.metrics.limiter_wait(
                &self.at.cloud,
                &self.at.region,
                &req.service,
                permit.waited(),
            );
            let in_flight = self
                .services
                .metrics
                .in_flight(&self.at.cloud, &self.at.region);
            let left = self
                .deadline
                .saturating_duration_since(tokio::time::Instant::now());
            let started = std::time::Instant::now();
            let mut builder = self
                .services
                .http
                .request(method.clone(), url.clone())
                .timeout(left);
            for (name, value) in &req.headers {
                builder = builder.header(name, value);
            }
            if let Some(body) = &req.body {
                builder = builder.body(body.clone());
            }
            if let Some(blob) = &blob {
                let body = blob.body().await.map_err(|e| {
                    HttpError::Other(format!(
                        "could not read the host's blob {}: {e}",
                        blob.file().path.display()
                    ))
                })?;
                if !req
                    .headers
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                {
                    builder = builder.header("content-length", blob.file().size);
                }
                builder = builder.body(body);
            }
            let mut pending = PendingAttempt {
                services: &self.services,
                circuit: &circuit,
                deadline: self.deadline,
                finished: false,
            };
            let result = send_and_read(builder, left).await;
            pending.finished = true;
            drop(pending);
            let replay = matches!(req.method, Method::Get).then(|| ProbeRequest {
                url: req.url.clone(),
                headers: req.headers.clone(),
            });
            if self
                .services
                .breakers
                .record(&circuit, breaker_outcome(&result), replay)
            {
                probe::spawn(self.services.clone(), circuit.clone());
            }
            drop(permit);
            drop(in_flight);
            self.services.metrics.http_request(
                &self.at.cloud,
                &self.at.region,
                &req.service,
                &outcome_label(&result),
                started.elapsed(),
            );
            self.stats.http_attempts.fetch_add(1, Ordering::Relaxed);
            if let Ok(response) = &result
                && matches!(response.status, 413 | 429)
            {
                let pause = retry::retry_after(response).unwrap_or(DEFAULT_THROTTLE_PAUSE);
                self.services
                    .limits
                    .penalise(&self.at.cloud, &self.at.region, &req.service, pause);
            }
            let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
            match &result {
                Ok(response) => tracing::debug!(
                    service = %req.service, %method, url = %req.url, status = response.status,
                    attempt, elapsed_ms, "driver http call"
                ),
                Err(error) => tracing::debug!(
                    service = %req.service, %method, url = %req.url, ?error, attempt, elapsed_ms,
                    "driver http call failed"
                ),
            }
            let left = self
                .deadline
                .saturating_duration_since(tokio::time::Instant::now());
            match retry::decide(req.method, &result, attempt, left) {
                Verdict::Done => return result,
                Verdict::RetryAfter(wait) => {
                    tracing::info!(
                        service = %req.service, url = %req.url, attempt,
                        wait_ms = wait.as_millis() as u64, "retrying driver http call"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// An attempt on the wire. Dropped before it finished (the call's deadline cut it off while
/// the service was silent), it counts as a timeout for the circuit breaker; a hanging region
/// must open its circuit even when no reqwest timeout fires first.
struct PendingAttempt<'a> {
    services: &'a HostServices,
    circuit: &'a CircuitKey,
    deadline: tokio::time::Instant,
    finished: bool,
}

impl Drop for PendingAttempt<'_> {
    fn drop(&mut self) {
        // Cancelled by the caller (not the deadline) says nothing about the service.
        if !self.finished && tokio::time::Instant::now() + DEADLINE_SLACK >= self.deadline {
            self.services.breakers.record(
                self.circuit,
                Outcome::Failed("no answer before the call's deadline".to_owned()),
                None,
            );
        }
    }
}

/// How close to its deadline a cancelled attempt counts as having run out of time.
const DEADLINE_SLACK: Duration = Duration::from_millis(20);

/// What an attempt says about the service: refused, 5xx (but 501, a missing feature) and
/// timeouts are failures; any other answer means it is up.
pub(crate) fn breaker_outcome(result: &Result<Response, HttpError>) -> Outcome {
    match result {
        Ok(response) if (500..600).contains(&response.status) && response.status != 501 => {
            Outcome::Failed(format!("HTTP {}", response.status))
        }
        Ok(_) => Outcome::Answered,
        Err(HttpError::Connect(m)) => Outcome::Failed(format!("connection failed: {m}")),
        Err(HttpError::Timeout(m)) => Outcome::Failed(format!("timeout: {m}")),
        Err(HttpError::Denied(_) | HttpError::Other(_)) => Outcome::Neutral,
    }
}

pub(crate) async fn send_and_read(
    builder: reqwest::RequestBuilder,
    left: Duration,
) -> Result<Response, HttpError> {
    let response = builder.send().await.map_err(|e| transport_error(e, left))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    let mut response = response;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(e, left))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(HttpError::Other(format!(
                "response body exceeds the {} MiB limit",
                MAX_RESPONSE_BYTES >> 20
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn transport_error(error: reqwest::Error, left: Duration) -> HttpError {
    let detail = error_chain(&error);
    if error.is_timeout() {
        HttpError::Timeout(format!(
            "no answer within the {} ms left: {detail}",
            left.as_millis()
        ))
    } else if error.is_connect() {
        HttpError::Connect(detail)
    } else {
        HttpError::Other(detail)
    }
}

/// reqwest's Display hides the cause ("error sending request"); keep the whole chain.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl HostState {
    fn record_wait(&self, waited: Duration) {
        let micros = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
        self.stats
            .limiter_wait_us
            .fetch_add(micros, Ordering::Relaxed);
    }
}

/// The metrics label of an attempt: the HTTP status, or the transport failure's class.
fn outcome_label(result: &Result<Response, HttpError>) -> String {
    match result {
        Ok(response) => response.status.to_string(),
        Err(HttpError::Timeout(_)) => "timeout".to_owned(),
        Err(HttpError::Connect(_)) => "connect".to_owned(),
        Err(HttpError::Denied(_)) => "denied".to_owned(),
        Err(HttpError::Other(_)) => "other".to_owned(),
    }
}

fn method_of(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Head => reqwest::Method::HEAD,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

impl state_api::Host for HostState {
    async fn get(&mut self, key: String) -> Option<Vec<u8>> {
        self.services.state.get(&self.at, &key)
    }

    async fn set(&mut self, key: String, value: Vec<u8>, ttl_ms: Option<u64>) {
        let ttl = ttl_ms.map(Duration::from_millis);
        if let Err(error) = self.services.state.try_set(&self.at, &key, value, ttl) {
            tracing::warn!(plugin = %self.plugin, %error, "driver state not stored");
        }
    }

    async fn delete(&mut self, key: String) {
        self.services.state.delete(&self.at, &key);
    }
}

impl log_api::Host for HostState {
    async fn emit(&mut self, level: log_api::Level, message: String) {
        let plugin = &*self.plugin;
        let (cloud, region) = (&self.at.cloud, &self.at.region);
        match level {
            log_api::Level::Trace => event!(Level::TRACE, plugin, cloud, region, "{message}"),
            log_api::Level::Debug => event!(Level::DEBUG, plugin, cloud, region, "{message}"),
            log_api::Level::Info => event!(Level::INFO, plugin, cloud, region, "{message}"),
            log_api::Level::Warn => event!(Level::WARN, plugin, cloud, region, "{message}"),
            log_api::Level::Error => event!(Level::ERROR, plugin, cloud, region, "{message}"),
        }
    }
}

/// A driver's ledger reports: kept for the caller after the call, and, when the call belongs
/// to an operation, written through to its durable cleanup ledger before this returns (so
/// before the driver's next request, e.g. the upload of a staging object, goes out).
impl ledger_api::Host for HostState {
    async fn created(&mut self, kind: String, id: String) {
        tracing::debug!(plugin = %self.plugin, kind, id, "driver recorded a created resource");
        self.stats.ledger_created(kind, id);
    }

    async fn settled(&mut self, kind: String, id: String) {
        self.stats.ledger_settled(&kind, &id);
    }
}
