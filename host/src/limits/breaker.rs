//! Circuit breakers, one per cloud-region and service: a region that keeps failing answers at
//! once instead of costing every call its retries or its whole deadline.
//!
//! Fed by every HTTP attempt a driver makes (the host import is the one place that sees
//! refused connections, 5xx answers and timeouts, per service, for every kind of call):
//! 1. **Closed**: requests go out. A failure (connection refused, 5xx, timeout) adds to a
//!    count of consecutive failures; any other answer resets it. At `failures` the circuit
//!    opens.
//! 2. **Open**: requests are refused without being sent, with the time it opened, the last
//!    error and the time of the next probe. One background probe per circuit: at
//!    `probe_interval`, the GET that failed last is sent again (inside the region's budget).
//! 3. **Half-open** while that probe runs: still refusing, so exactly one request is in
//!    flight. It answering closes the circuit; failing opens it for another interval.
//!
//! When no GET is known (the failures were writes), the first request after the interval is
//! let through as the probe instead.
//!
//! All time is tokio time, so tests pause and advance the clock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

/// When circuits open and how often an open one is probed (daemon config `circuit_breaker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failures that open a circuit; 0 turns breakers off.
    pub failures: u32,
    /// Time from opening (or a failed probe) to the next probe.
    pub probe_interval: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings {
            // 5: one read's four attempts never open it alone, two failed calls in a row do.
            failures: 5,
            // 5 s: a recovered region is back within seconds; a dead one costs a probe per 5 s.
            probe_interval: Duration::from_secs(5),
        }
    }
}

/// Where a circuit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Closed,
    Open,
    HalfOpen,
}

/// An open circuit as a refused request reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircuitSnapshot {
    pub service: String,
    pub phase: Phase,
    /// When the circuit opened (wall clock).
    pub open_since: SystemTime,
    /// The failure that opened it, or the last failed probe's.
    pub last_error: String,
    /// When the next probe is sent (wall clock); now or past while one is in flight.
    pub next_probe: SystemTime,
    /// Consecutive failures counted when it opened.
    pub failures: u32,
}

impl CircuitSnapshot {
    /// One sentence for a location's status message.
    pub fn describe(&self) -> String {
        let ago = SystemTime::now()
            .duration_since(self.open_since)
            .unwrap_or_default();
        let next = self
            .next_probe
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        format!(
            "circuit breaker open for {} since {:.1} s ago ({} failures in a row; last: {}); \
             not asked again until the next probe in {} ms",
            self.service,
            ago.as_secs_f64(),
            self.failures,
            self.last_error,
            next.as_millis()
        )
    }
}

/// What happened to one HTTP attempt, as far as the breaker cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The service answered (any status but a 5xx).
    Answered,
    /// Refused connection, 5xx or timeout, with a short description.
    Failed(String),
    /// Says nothing about the service (refused by the host, malformed request).
    Neutral,
}

/// A GET that can be sent again as the probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// Whether a request may go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admit {
    Send,
    /// Send it: it is the probe of a half-open circuit that knew no GET to replay.
    SendAsProbe,
    Refuse(CircuitSnapshot),
}

/// The circuit of (cloud, region, service).
pub type CircuitKey = (String, String, String);

#[derive(Debug)]
struct Circuit {
    phase: Phase,
    consecutive: u32,
    last_error: String,
    open_since: SystemTime,
    /// Failures counted when it opened.
    opened_after: u32,
    next_probe: Instant,
    replay: Option<ProbeRequest>,
}

impl Circuit {
    fn closed() -> Circuit {
        Circuit {
            phase: Phase::Closed,
            consecutive: 0,
            last_error: String::new(),
            open_since: SystemTime::UNIX_EPOCH,
            opened_after: 0,
            next_probe: Instant::now(),
            replay: None,
        }
    }

    fn snapshot(&self, service: &str) -> CircuitSnapshot {
        CircuitSnapshot {
            service: service.to_owned(),
            phase: self.phase,
            open_since: self.open_since,
            last_error: self.last_error.clone(),
            next_probe: wall_clock(self.next_probe),
            failures: self.opened_after,
        }
    }
}

/// Every circuit of the daemon.
#[derive(Debug)]
pub struct Breakers {
    settings: BreakerSettings,
    circuits: Mutex<HashMap<CircuitKey, Circuit>>,
}

impl Breakers {
    pub fn new(settings: BreakerSettings) -> Breakers {
        Breakers {
            settings,
            circuits: Mutex::new(HashMap::new()),
        }
    }

    pub fn settings(&self) -> BreakerSettings {
        self.settings
    }

    /// Asked before each attempt: send it, or refuse it with the open circuit.
    pub fn admit(&self, key: &CircuitKey) -> Admit {
        let mut circuits = self.lock();
        let Some(circuit) = circuits.get_mut(key) else {
            return Admit::Send;
        };
        match circuit.phase {
            Phase::Closed => Admit::Send,
            Phase::Open if circuit.replay.is_none() && Instant::now() >= circuit.next_probe => {
                circuit.phase = Phase::HalfOpen;
                Admit::SendAsProbe
            }
            Phase::Open | Phase::HalfOpen => Admit::Refuse(circuit.snapshot(&key.2)),
        }
    }

    /// Records an attempt's outcome. Returns true when this failure opened the circuit and
    /// a GET to probe with is known: the caller starts the background prober
    /// ([`Breakers::next_probe`], [`Breakers::probed`]).
    pub fn record(&self, key: &CircuitKey, outcome: Outcome, replay: Option<ProbeRequest>) -> bool {
        if self.settings.failures == 0 {
            return false;
        }
        let mut circuits = self.lock();
        match outcome {
            Outcome::Neutral => false,
            Outcome::Answered => {
                if let Some(circuit) = circuits.get_mut(key) {
                    if circuit.phase != Phase::Closed {
                        tracing::info!(cloud = %key.0, region = %key.1, service = %key.2, "circuit closed: the service answers again");
                    }
                    *circuit = Circuit::closed();
                }
                false
            }
            Outcome::Failed(error) => {
                let circuit = circuits.entry(key.clone()).or_insert_with(Circuit::closed);
                circuit.last_error = error;
                if replay.is_some() {
                    circuit.replay = replay;
                }
                match circuit.phase {
                    Phase::Closed => {
                        circuit.consecutive += 1;
                        if circuit.consecutive < self.settings.failures {
                            return false;
                        }
                        circuit.phase = Phase::Open;
                        circuit.open_since = SystemTime::now();
                        circuit.opened_after = circuit.consecutive;
                        circuit.next_probe = Instant::now() + self.settings.probe_interval;
                        tracing::warn!(
                            cloud = %key.0, region = %key.1, service = %key.2,
                            failures = circuit.consecutive, last_error = %circuit.last_error,
                            probe_in_ms = self.settings.probe_interval.as_millis() as u64,
                            "circuit opened: requests are refused until a probe succeeds"
                        );
                        circuit.replay.is_some()
                    }
                    // A real request let through as the probe failed: open for another round.
                    Phase::HalfOpen if circuit.replay.is_none() => {
                        circuit.phase = Phase::Open;
                        circuit.next_probe = Instant::now() + self.settings.probe_interval;
                        false
                    }
                    // Attempts already in flight when it opened, or during a background probe.
                    Phase::Open | Phase::HalfOpen => false,
                }
            }
        }
    }

    /// For the background prober: when to probe next and what to send, or None once the
    /// circuit is closed (the prober ends).
    pub fn next_probe(&self, key: &CircuitKey) -> Option<(Instant, ProbeRequest)> {
        let circuits = self.lock();
        let circuit = circuits.get(key)?;
        match (&circuit.phase, &circuit.replay) {
            (Phase::Closed, _) | (_, None) => None,
            (_, Some(request)) => Some((circuit.next_probe, request.clone())),
        }
    }

    /// For the background prober, at probe time: half-open the circuit. False when it has
    /// closed meanwhile (a request in flight came back fine) and no probe is needed.
    pub fn start_probe(&self, key: &CircuitKey) -> bool {
        let mut circuits = self.lock();
        match circuits.get_mut(key) {
            Some(circuit) if circuit.phase != Phase::Closed => {
                circuit.phase = Phase::HalfOpen;
                true
            }
            _ => false,
        }
    }

    /// For the background prober: the probe's outcome. Returns true when the circuit is
    /// closed (the prober ends).
    pub fn probed(&self, key: &CircuitKey, outcome: Outcome) -> bool {
        let error = match outcome {
            Outcome::Answered => {
                self.record(key, Outcome::Answered, None);
                return true;
            }
            Outcome::Failed(error) => error,
            Outcome::Neutral => "the probe could not be sent".to_owned(),
        };
        let mut circuits = self.lock();
        match circuits.get_mut(key) {
            Some(circuit) if circuit.phase != Phase::Closed => {
                circuit.phase = Phase::Open;
                circuit.last_error = format!("probe: {error}");
                circuit.next_probe = Instant::now() + self.settings.probe_interval;
                false
            }
            _ => true,
        }
    }

    /// The circuit of `key` as it stands (None: never failed, or closed and forgotten).
    pub fn snapshot(&self, key: &CircuitKey) -> Option<CircuitSnapshot> {
        self.lock().get(key).map(|c| c.snapshot(&key.2))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CircuitKey, Circuit>> {
        // A poisoned lock only means a panic elsewhere mid-update; the map is still usable.
        self.circuits.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The wall-clock time of a tokio instant (past or future).
fn wall_clock(at: Instant) -> SystemTime {
    let now = Instant::now();
    if at >= now {
        SystemTime::now() + (at - now)
    } else {
        SystemTime::now() - (now - at)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_secs(5);

    fn breakers() -> Breakers {
        Breakers::new(BreakerSettings {
            failures: 3,
            probe_interval: INTERVAL,
        })
    }

    fn key() -> CircuitKey {
        ("alpha".into(), "one".into(), "compute".into())
    }

    fn get() -> Option<ProbeRequest> {
        Some(ProbeRequest {
            url: "http://127.0.0.1:1/servers".into(),
            headers: vec![],
        })
    }

    fn failed() -> Outcome {
        Outcome::Failed("503 Service Unavailable".into())
    }

    #[tokio::test(start_paused = true)]
    async fn a_circuit_opens_after_the_threshold_of_consecutive_failures_only() {
        let b = breakers();
        b.record(&key(), failed(), get());
        b.record(&key(), failed(), get());
        b.record(&key(), Outcome::Answered, None);
        assert!(!b.record(&key(), failed(), get()));
        assert!(!b.record(&key(), failed(), get()));
        assert_eq!(b.admit(&key()), Admit::Send);
        assert!(
            b.record(&key(), failed(), get()),
            "the third failure opens it"
        );
        let Admit::Refuse(open) = b.admit(&key()) else {
            panic!("an open circuit refuses")
        };
        assert_eq!(open.phase, Phase::Open);
        assert_eq!(open.failures, 3);
        assert_eq!(open.last_error, "503 Service Unavailable");
        let text = open.describe();
        assert!(text.contains("3 failures in a row"), "{text}");
        assert!(text.contains("last: 503 Service Unavailable"), "{text}");
        assert!(text.contains("next probe in 4"), "{text}");
        let other = ("alpha".into(), "one".into(), "image".into());
        assert_eq!(
            b.admit(&other),
            Admit::Send,
            "other services are not affected"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn neutral_outcomes_neither_count_nor_reset() {
        let b = breakers();
        b.record(&key(), failed(), None);
        b.record(&key(), failed(), None);
        b.record(&key(), Outcome::Neutral, None);
        b.record(&key(), failed(), None);
        assert!(matches!(b.admit(&key()), Admit::Refuse(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn the_background_probe_half_opens_then_closes_when_the_service_answers() {
        let b = breakers();
        for _ in 0..3 {
            b.record(&key(), failed(), get());
        }
        let (when, request) = b.next_probe(&key()).unwrap();
        assert_eq!(when, Instant::now() + INTERVAL);
        assert_eq!(Some(request), get());
        tokio::time::advance(INTERVAL).await;
        assert!(
            matches!(b.admit(&key()), Admit::Refuse(_)),
            "no real request probes"
        );
        assert!(b.start_probe(&key()));
        let Admit::Refuse(half) = b.admit(&key()) else {
            panic!("half-open still refuses")
        };
        assert_eq!(half.phase, Phase::HalfOpen);
        assert!(b.probed(&key(), Outcome::Answered));
        assert_eq!(b.admit(&key()), Admit::Send);
        assert!(b.next_probe(&key()).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_reopens_for_another_interval() {
        let b = breakers();
        for _ in 0..3 {
            b.record(&key(), failed(), get());
        }
        tokio::time::advance(INTERVAL).await;
        assert!(b.start_probe(&key()));
        assert!(!b.probed(&key(), Outcome::Failed("connection refused".into())));
        let (when, _) = b.next_probe(&key()).unwrap();
        assert_eq!(when, Instant::now() + INTERVAL);
        let Admit::Refuse(open) = b.admit(&key()) else {
            panic!("still open")
        };
        assert_eq!(open.phase, Phase::Open);
        assert_eq!(open.last_error, "probe: connection refused");
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_get_to_replay_exactly_one_real_request_probes_after_the_interval() {
        let b = breakers();
        for _ in 0..3 {
            assert!(
                !b.record(&key(), failed(), None),
                "nothing to probe in the background"
            );
        }
        assert!(matches!(b.admit(&key()), Admit::Refuse(_)));
        tokio::time::advance(INTERVAL).await;
        assert_eq!(b.admit(&key()), Admit::SendAsProbe);
        assert!(
            matches!(b.admit(&key()), Admit::Refuse(_)),
            "only one probe"
        );
        b.record(&key(), failed(), None);
        assert!(matches!(b.admit(&key()), Admit::Refuse(_)));
        tokio::time::advance(INTERVAL).await;
        assert_eq!(b.admit(&key()), Admit::SendAsProbe);
        b.record(&key(), Outcome::Answered, None);
        assert_eq!(b.admit(&key()), Admit::Send);
    }

    #[tokio::test(start_paused = true)]
    async fn a_threshold_of_zero_turns_breakers_off() {
        let b = Breakers::new(BreakerSettings {
            failures: 0,
            probe_interval: INTERVAL,
        });
        for _ in 0..100 {
            b.record(&key(), failed(), get());
        }
        assert_eq!(b.admit(&key()), Admit::Send);
    }
}
