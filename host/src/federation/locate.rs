//! One location, for writes and long operations: find its target, pick its plugin, prepare
//! a driver call, count what its calls cost ([`CallTally`]), and forget cached answers a
//! write made stale.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::kinds::ResourceKind;
use super::status::LocationStatus;
use super::{Federation, Target};
use crate::error::Error;
use crate::location::CloudRegion;
use crate::plugin::registry::{LoadedPlugin, SelectError};
use crate::plugin::{CallStats, DriverCall};

impl Federation {
    /// The configured target at `at`; an unknown cloud-region names the known ones. An empty
    /// region is accepted when the cloud has exactly one; names are exact (no patterns).
    pub fn target(&self, field: &str, at: &CloudRegion) -> Result<Target, Error> {
        if at.cloud.is_empty() {
            return Err(Error::InvalidArgument {
                field: format!("{field}.cloud"),
                message: "name the cloud (and region) to act in".to_owned(),
            });
        }
        if at.region.is_empty() {
            let regions: Vec<&Target> = self
                .targets
                .iter()
                .filter(|t| t.at.cloud == at.cloud)
                .collect();
            match regions.as_slice() {
                [only] => return Ok((*only).clone()),
                [] => {}
                several => {
                    return Err(Error::InvalidArgument {
                        field: format!("{field}.region"),
                        message: format!(
                            "cloud '{}' has {} regions; name one of: {}",
                            at.cloud,
                            several.len(),
                            several
                                .iter()
                                .map(|t| t.at.region.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
            }
        }
        self.targets
            .iter()
            .find(|t| t.at.cloud == at.cloud && (t.at.region == at.region))
            .cloned()
            .ok_or_else(|| {
                let known: Vec<String> = self.targets.iter().map(|t| t.at.to_string()).collect();
                Error::UnknownLocation {
                    field: field.to_owned(),
                    message: format!(
                        "no configured cloud-region is {at}; known: {}",
                        known.join(", ")
                    ),
                }
            })
    }

    /// The plugin serving a target.
    pub fn plugin_for(&self, target: &Target) -> Result<Arc<LoadedPlugin>, SelectError> {
        self.registry.select(
            target.driver.as_deref(),
            target.profile.as_deref(),
            &self.settings.profile_map,
        )
    }

    /// A driver call at `target` with `plugin`, due by `deadline`.
    pub fn driver_call(
        &self,
        target: &Target,
        plugin: Arc<LoadedPlugin>,
        deadline: Instant,
    ) -> DriverCall {
        DriverCall {
            runtime: self.registry.runtime().clone(),
            plugin,
            at: target.at.clone(),
            config_json: target.config_json.clone(),
            deadline,
            stats: Arc::new(CallStats::default()),
        }
    }

    /// Drops the cached listing of kind `K` at `at`, after a write changed it.
    pub fn forget<K: ResourceKind>(&self, at: &CloudRegion) {
        K::cache(&self.caches).invalidate(&at.cloud, &at.region, K::CACHE_KIND);
    }
}

/// HTTP attempts and limiter waits summed over the many driver calls one operation makes at
/// one location (resolve, create, every poll), for that location's status.
#[derive(Debug, Default)]
pub struct CallTally {
    inner: Mutex<Tally>,
}

#[derive(Debug, Default)]
struct Tally {
    /// Calls that may still be running; folded into the totals once they are done.
    running: Vec<Arc<CallStats>>,
    attempts: u32,
    waited: Duration,
}

impl CallTally {
    /// Counts `call`'s attempts from now on.
    pub fn track(&self, call: DriverCall) -> DriverCall {
        let mut tally = self.lock();
        tally.fold_finished();
        tally.running.push(call.stats.clone());
        call
    }

    /// Adds what a gathered call (a get or list through the federation) reported.
    pub fn add(&self, statuses: &[LocationStatus]) {
        let mut tally = self.lock();
        for status in statuses {
            tally.attempts = tally.attempts.saturating_add(status.http_attempts);
            tally.waited += status.limiter_wait;
        }
    }

    /// Writes the totals so far into `status`.
    pub fn stamp(&self, status: &mut LocationStatus) {
        let tally = self.lock();
        let running = tally.running.iter();
        status.http_attempts = running
            .clone()
            .fold(tally.attempts, |n, s| n.saturating_add(s.http_attempts()));
        status.limiter_wait = running.fold(tally.waited, |w, s| w + s.limiter_wait());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Tally {
    /// Moves calls nobody else holds (their DriverCall is dropped) into the totals, so a
    /// long wait keeps a handful of entries, not one per poll.
    fn fold_finished(&mut self) {
        let (done, running): (Vec<_>, Vec<_>) = std::mem::take(&mut self.running)
            .into_iter()
            .partition(|stats| Arc::strong_count(stats) == 1);
        for stats in done {
            self.attempts = self.attempts.saturating_add(stats.http_attempts());
            self.waited += stats.limiter_wait();
        }
        self.running = running;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;

    #[test]
    fn a_tally_sums_finished_and_running_calls_and_gathered_statuses() {
        let tally = CallTally::default();
        let finished = Arc::new(CallStats::default());
        finished.http_attempts.store(2, Ordering::Relaxed);
        let running = Arc::new(CallStats::default());
        running.http_attempts.store(1, Ordering::Relaxed);
        {
            let mut inner = tally.lock();
            inner.running.push(finished);
            inner.running.push(running.clone());
            inner.fold_finished();
            assert_eq!((inner.attempts, inner.running.len()), (2, 1));
        }
        let mut gathered = LocationStatus::ok(CloudRegion::new("a", "r"), 1, Duration::ZERO);
        gathered.http_attempts = 3;
        tally.add(&[gathered.clone()]);
        tally.stamp(&mut gathered);
        assert_eq!(gathered.http_attempts, 6);
    }
}
