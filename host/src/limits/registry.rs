//! [`Limits`]: the daemon-wide registry of budgets, keyed by cloud, region and service.
//!
//! One `Limits` per daemon, so every connection, plugin instance and request that calls the same
//! cloud-region draws from the same [`Budget`] (keystoneauth kept one limiter per Adapter, so two
//! connections to one region each got the full budget).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::{Budget, LimitError, LimitSpec, Permit};

/// Budgets by cloud, then region.
#[derive(Debug, Default)]
pub struct Limits {
    clouds: Mutex<HashMap<String, HashMap<String, Location>>>,
}

/// One cloud-region's budgets.
#[derive(Debug, Default)]
struct Location {
    region: Option<Entry>,
    services: HashMap<String, Entry>,
}

/// A configured spec and, once the first call needs it, its budget.
#[derive(Debug)]
struct Entry {
    spec: LimitSpec,
    budget: Option<Budget>,
}

impl Entry {
    fn new(spec: LimitSpec) -> Entry {
        Entry { spec, budget: None }
    }

    fn budget(&mut self) -> Budget {
        self.budget
            .get_or_insert_with(|| Budget::new(self.spec))
            .clone()
    }
}

/// Everything one call acquired; dropping it frees the in-flight slots.
#[derive(Debug)]
pub struct CallPermit {
    _service: Option<Permit>,
    _region: Option<Permit>,
    waited: Duration,
}

impl CallPermit {
    /// Time from arrival at [`Limits::acquire`] to start (not the sum of the two budgets' waits).
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

impl Limits {
    /// An empty registry: every location is unlimited until configured.
    pub fn new() -> Limits {
        Limits::default()
    }

    /// Sets the spec for a cloud-region (None service = whole region). Called by the host with the
    /// plugin's describe() defaults overridden by config.
    ///
    /// Configuring the same spec again (a plugin reload) keeps the live budget. A different spec
    /// replaces it with a fresh, full one on the next call; calls already holding permits of the
    /// old budget finish without counting against the new one.
    pub fn configure(&self, cloud: &str, region: &str, service: Option<&str>, spec: LimitSpec) {
        let mut clouds = self.lock();
        let location = clouds
            .entry(cloud.to_owned())
            .or_default()
            .entry(region.to_owned())
            .or_default();
        match service {
            None => {
                if location
                    .region
                    .as_ref()
                    .is_none_or(|entry| entry.spec != spec)
                {
                    location.region = Some(Entry::new(spec));
                }
            }
            Some(service) => {
                let entry = location.services.entry(service.to_owned());
                let entry = entry.or_insert_with(|| Entry::new(spec));
                if entry.spec != spec {
                    *entry = Entry::new(spec);
                }
            }
        }
    }

    /// Acquires what a call to `service` at (cloud, region) needs; unconfigured locations are
    /// unlimited (returns immediately).
    ///
    /// With both a service and a region budget, the call queues on the service budget first and,
    /// once at its head with a slot and token ready, on the region budget; then it takes the
    /// service token. See the module docs for why this order is FIFO and cannot deadlock.
    pub async fn acquire(
        &self,
        cloud: &str,
        region: &str,
        service: &str,
        deadline: Instant,
    ) -> Result<CallPermit, LimitError> {
        let arrived = Instant::now();
        let (region_budget, service_budget) = self.budgets(cloud, region, service);
        let (service_permit, region_permit) = match (service_budget, region_budget) {
            (Some(service_budget), region_budget) => {
                let turn = service_budget.turn(arrived, deadline).await?;
                turn.ready(deadline).await?;
                let region_permit = match region_budget {
                    Some(region_budget) => {
                        Some(region_budget.acquire_from(arrived, deadline).await?)
                    }
                    None => None,
                };
                (Some(turn.start(deadline).await?), region_permit)
            }
            (None, Some(region_budget)) => (
                None,
                Some(region_budget.acquire_from(arrived, deadline).await?),
            ),
            (None, None) => (None, None),
        };
        Ok(CallPermit {
            _service: service_permit,
            _region: region_permit,
            waited: Instant::now().saturating_duration_since(arrived),
        })
    }

    /// The vendor answered 429 / Retry-After for `service`: penalises the service budget if one is
    /// configured, else the region's (the vendor throttles per service where it can). At an
    /// unconfigured location there is nothing to pause, and the call is a no-op.
    pub fn penalise(&self, cloud: &str, region: &str, service: &str, retry_after: Duration) {
        let (region_budget, service_budget) = self.budgets(cloud, region, service);
        if let Some(budget) = service_budget.or(region_budget) {
            budget.penalise(retry_after);
        }
    }

    /// The (region, service) budgets for a call, built on first use.
    fn budgets(
        &self,
        cloud: &str,
        region: &str,
        service: &str,
    ) -> (Option<Budget>, Option<Budget>) {
        let mut clouds = self.lock();
        let Some(location) = clouds
            .get_mut(cloud)
            .and_then(|regions| regions.get_mut(region))
        else {
            return (None, None);
        };
        let region_budget = location.region.as_mut().map(Entry::budget);
        let service_budget = location.services.get_mut(service).map(Entry::budget);
        (region_budget, service_budget)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HashMap<String, Location>>> {
        // Every critical section is a map lookup or insert; a panic cannot leave it half-done.
        self.clouds.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn spec(calls_per_second: f64, burst: u32, max_in_flight: u32) -> LimitSpec {
        LimitSpec {
            calls_per_second,
            burst,
            max_in_flight,
        }
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Runs the calls concurrently (each drops its permit at once); returns start offsets in ms.
    async fn starts_ms(limits: &Arc<Limits>, calls: &[(&'static str, &'static str)]) -> Vec<u64> {
        let t0 = Instant::now();
        let tasks: Vec<_> = calls
            .iter()
            .map(|&(region, service)| {
                let limits = limits.clone();
                tokio::spawn(async move {
                    drop(
                        limits
                            .acquire("acme", region, service, far())
                            .await
                            .unwrap(),
                    );
                    (Instant::now() - t0).as_millis() as u64
                })
            })
            .collect();
        let mut starts = Vec::new();
        for task in tasks {
            starts.push(task.await.unwrap());
        }
        starts.sort();
        starts
    }

    #[tokio::test(start_paused = true)]
    async fn unconfigured_locations_are_unlimited() {
        let limits = Arc::new(Limits::new());
        limits.configure("acme", "east", Some("compute"), spec(1.0, 1, 1));
        let calls = [("west", "compute"); 100];
        assert_eq!(starts_ms(&limits, &calls).await, vec![0; 100]);
        let permit = limits
            .acquire("other", "east", "compute", far())
            .await
            .unwrap();
        assert_eq!(permit.waited(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_service_call_is_bounded_by_both_its_service_and_its_region_rate() {
        let limits = Arc::new(Limits::new());
        // East: the service is the tighter rate; west: the region is.
        limits.configure("acme", "east", None, spec(10.0, 1, 10));
        limits.configure("acme", "east", Some("compute"), spec(2.0, 1, 10));
        limits.configure("acme", "west", None, spec(2.0, 1, 10));
        limits.configure("acme", "west", Some("compute"), spec(10.0, 1, 10));
        let expected = vec![0, 500, 1000, 1500];
        assert_eq!(
            starts_ms(&limits, &[("east", "compute"); 4]).await,
            expected
        );
        assert_eq!(
            starts_ms(&limits, &[("west", "compute"); 4]).await,
            expected
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_service_call_is_bounded_by_both_in_flight_caps() {
        let limits = Limits::new();
        limits.configure("acme", "east", None, spec(1e6, 100, 2));
        limits.configure("acme", "east", Some("compute"), spec(1e6, 100, 1));
        let now = || Instant::now() + ms(1);
        let compute = limits
            .acquire("acme", "east", "compute", far())
            .await
            .unwrap();
        assert!(
            limits
                .acquire("acme", "east", "compute", now())
                .await
                .is_err(),
            "service cap"
        );
        let image = limits
            .acquire("acme", "east", "image", far())
            .await
            .unwrap();
        assert!(
            limits
                .acquire("acme", "east", "image", now())
                .await
                .is_err(),
            "region cap"
        );
        drop(image);
        assert!(
            limits
                .acquire("acme", "east", "compute", now())
                .await
                .is_err(),
            "service cap"
        );
        drop(compute);
        assert!(
            limits
                .acquire("acme", "east", "compute", now())
                .await
                .is_ok()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn all_services_of_a_region_share_its_budget() {
        let limits = Arc::new(Limits::new());
        limits.configure("acme", "east", None, spec(10.0, 1, 100));
        limits.configure("acme", "east", Some("compute"), spec(100.0, 10, 100));
        let calls = [("east", "compute"), ("east", "image"), ("east", "network")].repeat(10);
        let starts = starts_ms(&limits, &calls).await;
        assert_eq!(starts, (0..30).map(|i| i * 100).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn regions_and_clouds_do_not_share_budgets() {
        let limits = Limits::new();
        for (cloud, region) in [("acme", "east"), ("acme", "west"), ("other", "east")] {
            limits.configure(cloud, region, None, spec(1.0, 1, 1));
        }
        for (cloud, region) in [("acme", "east"), ("acme", "west"), ("other", "east")] {
            let permit = limits
                .acquire(cloud, region, "compute", far())
                .await
                .unwrap();
            assert_eq!(permit.waited(), Duration::ZERO, "{cloud}/{region}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn penalise_pauses_the_service_budget_if_configured_else_the_region() {
        let limits = Arc::new(Limits::new());
        limits.configure("acme", "east", None, spec(100.0, 10, 10));
        limits.configure("acme", "east", Some("compute"), spec(100.0, 10, 10));
        limits.penalise("acme", "east", "compute", Duration::from_secs(2));
        assert_eq!(starts_ms(&limits, &[("east", "image")]).await, vec![0]);
        assert_eq!(starts_ms(&limits, &[("east", "compute")]).await, vec![2000]);

        limits.penalise("acme", "east", "image", Duration::from_secs(3));
        assert_eq!(starts_ms(&limits, &[("east", "compute")]).await, vec![3000]);
        limits.penalise("acme", "nowhere", "image", Duration::from_secs(3)); // a no-op
    }

    #[tokio::test(start_paused = true)]
    async fn reconfiguring_the_same_spec_keeps_the_live_budget_and_a_new_spec_replaces_it() {
        let limits = Limits::new();
        limits.configure("acme", "east", None, spec(1.0, 1, 1));
        let held = limits
            .acquire("acme", "east", "compute", far())
            .await
            .unwrap();
        limits.configure("acme", "east", None, spec(1.0, 1, 1));
        let soon = Instant::now() + ms(10);
        assert!(
            limits
                .acquire("acme", "east", "compute", soon)
                .await
                .is_err()
        );

        limits.configure("acme", "east", None, spec(5.0, 2, 2));
        let (region, _) = limits.budgets("acme", "east", "compute");
        assert_eq!(region.unwrap().spec(), spec(5.0, 2, 2));
        drop(held);
    }

    #[tokio::test(start_paused = true)]
    async fn a_mix_of_service_and_region_callers_all_get_through_within_every_cap() {
        let limits = Arc::new(Limits::new());
        limits.configure("acme", "east", None, spec(50.0, 5, 2));
        limits.configure("acme", "east", Some("compute"), spec(20.0, 2, 1));
        limits.configure("acme", "east", Some("image"), spec(20.0, 2, 1));
        let (region, _) = limits.budgets("acme", "east", "network");
        let region = region.unwrap();
        let peak = Arc::new(AtomicU32::new(0));
        let services = ["compute", "image", "network"];
        let tasks: Vec<_> = (0..300)
            .map(|i| {
                let (limits, region, peak) = (limits.clone(), region.clone(), peak.clone());
                tokio::spawn(async move {
                    let service = services[i % 3];
                    let permit = limits
                        .acquire("acme", "east", service, far())
                        .await
                        .unwrap();
                    peak.fetch_max(region.in_flight(), Ordering::SeqCst);
                    tokio::time::sleep(ms(30)).await;
                    drop(permit);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(region.in_flight(), 0);
    }
}
