//! Shared server state: the seeded clouds, per-region fault controls and counters, and the
//! keystone token store.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::catalog;
use crate::config::{Fault, PageSizes, SimCloudConfig, SimConfig};
use crate::error::SimError;
use crate::ids;
use crate::seed::{RegionData, SeedContext};

/// Everything the HTTP handlers share.
pub struct SimState {
    /// `http://127.0.0.1:PORT`, the prefix of every URL the simulator prints.
    pub base_url: String,
    pub clouds: BTreeMap<String, CloudState>,
    pub token_ttl: Duration,
    pub page_sizes: PageSizes,
    pub tokens: TokenStore,
    /// Set when the simulator stops, so held (Timeout) requests return at once.
    pub shutting_down: AtomicBool,
    /// What clients wrote: glance images, swift objects and glance tasks.
    pub storage: crate::store::Storage,
}

/// One cloud: its config, derived ids, static catalog and regions.
pub struct CloudState {
    pub config: SimCloudConfig,
    pub project_id: String,
    pub user_id: String,
    pub domain_id: String,
    pub catalog: Value,
    pub regions: BTreeMap<String, RegionState>,
}

/// One region: seeded data, the current fault, and how many service requests it received.
pub struct RegionState {
    pub data: RegionData,
    control: Mutex<RegionControl>,
    requests: AtomicU64,
    /// Service calls still to answer 503 before behaving normally again.
    failures_left: AtomicU64,
    /// Arrival times of service calls, oldest first, at most [`REQUEST_LOG_CAP`].
    arrivals: Mutex<std::collections::VecDeque<tokio::time::Instant>>,
    /// What clients created, changed or deleted in nova, neutron and cinder.
    pub live: crate::live::RegionLive,
}

/// How many arrival times a region remembers (for rate measurements).
pub const REQUEST_LOG_CAP: usize = 100_000;

/// The runtime-adjustable behaviour of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionControl {
    pub fault: Fault,
    pub latency_ms: u64,
}

impl RegionState {
    pub fn control(&self) -> RegionControl {
        *lock(&self.control)
    }

    pub fn set_control(&self, control: RegionControl) {
        *lock(&self.control) = control;
    }

    /// Counts one service request, records its arrival, and returns the new total.
    pub fn count_request(&self) -> u64 {
        let mut arrivals = lock(&self.arrivals);
        if arrivals.len() == REQUEST_LOG_CAP {
            arrivals.pop_front();
        }
        arrivals.push_back(tokio::time::Instant::now());
        self.requests.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn arrivals(&self) -> Vec<tokio::time::Instant> {
        lock(&self.arrivals).iter().copied().collect()
    }

    /// Makes the next `count` service calls answer 503.
    pub fn fail_next(&self, count: u64) {
        self.failures_left.store(count, Ordering::Relaxed);
    }

    /// Whether this call must fail because of [`RegionState::fail_next`]; uses one up.
    pub fn take_forced_failure(&self) -> bool {
        self.failures_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

/// A poisoned lock only means another handler panicked mid-update of plain data; keep going.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SimState {
    /// Seeds every region of every cloud. `config` must be validated.
    pub fn build(config: &SimConfig, base_url: &str) -> SimState {
        let clouds = config
            .clouds
            .iter()
            .map(|cloud| (cloud.name.clone(), CloudState::build(cloud, base_url)))
            .collect();
        SimState {
            base_url: base_url.to_string(),
            clouds,
            token_ttl: Duration::from_secs(config.token_ttl_secs),
            page_sizes: config.page_sizes,
            tokens: TokenStore::default(),
            shutting_down: AtomicBool::new(false),
            storage: crate::store::Storage::new(config.image_task_ms),
        }
    }

    pub fn region(&self, cloud: &str, region: &str) -> Result<&RegionState, SimError> {
        self.clouds
            .get(cloud)
            .and_then(|c| c.regions.get(region))
            .ok_or_else(|| SimError::UnknownLocation {
                cloud: cloud.to_string(),
                region: region.to_string(),
            })
    }

    /// The versioned API URL of `service` (compute, network) in a region as the service
    /// prints it in links: with the project after the version on project-scoped clouds.
    pub fn api_base(&self, cloud: &str, region: &str, service: &str) -> String {
        let path = match self.clouds.get(cloud) {
            Some(c) => c.config.endpoints.api_path(service, &c.project_id),
            None => crate::endpoints::EndpointStyle::Stock.api_path(service, ""),
        };
        format!("{}/{cloud}/{region}/{path}", self.base_url)
    }

    /// The keystone URL of `cloud`, as clouds.yaml and `WWW-Authenticate` print it.
    pub fn auth_url(&self, cloud: &str) -> String {
        format!("{}/{cloud}/identity", self.base_url)
    }
}

impl CloudState {
    fn build(config: &SimCloudConfig, base_url: &str) -> CloudState {
        let project_id = config.project_id();
        let user_id = config.user_id();
        let regions = config
            .regions
            .iter()
            .map(|region| {
                let ctx = SeedContext {
                    base_url,
                    cloud: config,
                    region,
                    project_id: project_id.clone(),
                    user_id: user_id.clone(),
                };
                let data = RegionData::seed(&ctx);
                let live_ctx = crate::live::LiveContext {
                    base_url: base_url.to_string(),
                    cloud: config.name.clone(),
                    region: region.name.clone(),
                    project_id: project_id.clone(),
                    user_id: user_id.clone(),
                    vendor: config.vendor,
                };
                let live = crate::live::RegionLive::new(live_ctx, region.lifecycle, &data);
                let state = RegionState {
                    data,
                    live,
                    control: Mutex::new(RegionControl {
                        fault: region.fault,
                        latency_ms: region.latency_ms,
                    }),
                    requests: AtomicU64::new(0),
                    failures_left: AtomicU64::new(0),
                    arrivals: Mutex::new(std::collections::VecDeque::new()),
                };
                (region.name.clone(), state)
            })
            .collect();
        CloudState {
            catalog: catalog::build(config, base_url),
            domain_id: config.domain_id(),
            config: config.clone(),
            project_id,
            user_id,
            regions,
        }
    }
}

/// An issued token: whose it is, whether it can call services, when it expires, and the
/// `token` body keystone answered with (kept for validation and re-scoping).
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub cloud: String,
    pub project_scoped: bool,
    pub expires: SystemTime,
    pub body: Value,
}

/// Issued tokens. Expired ones are dropped whenever a new one is issued, so the map stays
/// bounded by the number of tokens issued within one TTL.
#[derive(Default)]
pub struct TokenStore {
    tokens: Mutex<HashMap<String, TokenRecord>>,
    issued: AtomicU64,
}

impl TokenStore {
    /// Records `record` under a fresh unique token id and returns the id.
    pub fn issue(&self, record: TokenRecord) -> String {
        let serial = self.issued.fetch_add(1, Ordering::Relaxed);
        let (secs, micros) = crate::time::now_unix();
        let noise = ids::hex(
            &[
                &record.cloud,
                &serial.to_string(),
                &secs.to_string(),
                &micros.to_string(),
            ],
            48,
        );
        let id = format!("gAAAAA{noise}{serial:08x}");
        let now = SystemTime::now();
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, t| t.expires > now);
        tokens.insert(id.clone(), record);
        id
    }

    /// The record of an unexpired token issued by `cloud`'s keystone.
    pub fn valid(&self, id: &str, cloud: &str) -> Option<TokenRecord> {
        let tokens = lock(&self.tokens);
        tokens
            .get(id)
            .filter(|t| t.cloud == cloud && t.expires > SystemTime::now())
            .cloned()
    }
}
