//! The wasmtime embedding, built once per daemon: Engine, Linker and the epoch ticker.
//!
//! - Pooling allocator: instance slots are reserved up front, so a per-call instance costs
//!   microseconds instead of fresh mmaps. A call waits for a free slot ([`super::admission`]):
//!   a busy pool is a queue, never a failure. Each memory slot reserves address space for the
//!   per-instance cap only (not wasmtime's 4 GiB default), so 1,024 slots stay a few hundred
//!   GiB of untouched address space; freed memories and fiber stacks are decommitted, so RSS
//!   follows the instances alive, not the most there ever were.
//! - Epoch interruption: a ticker thread advances the engine's epoch every [`EPOCH_TICK`];
//!   at each tick a running guest yields to the executor and, once its call's deadline has
//!   passed, traps — so a guest stuck in a loop neither starves other calls nor outlives
//!   its deadline.
//!   A guest blocked in a host call is bounded separately: host calls get the time left.
//! - Fuel (optional, `plugin_fuel`): every call's Store gets the same fuel; a guest that burns
//!   it traps at once, however much of its deadline is left.
//! - Compiled plugins are cached on disk ([`super::artifact_cache`]) when a cache directory
//!   is configured.
//! - HTTP: one reqwest client; it follows a redirect only to the same scheme, host and port, so
//!   a redirect elsewhere reaches the driver, whose next request meets the egress allowlist.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::admission::{Admission, GuestMemory};
use super::artifact_cache::{ArtifactCache, CompileCounters, Origin};
use super::bindings::CloudDriver;
use super::egress::{Allowlist, EgressPolicies};
use super::state_store::StateStore;
use crate::limits::{Breakers, CircuitSnapshot, Limits};
use crate::location::CloudRegion;
use crate::metrics::Metrics;

/// Granularity of guest deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Knobs of the embedding, from the host config.
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    /// Largest linear memory one plugin instance may grow to.
    pub memory_limit_bytes: usize,
    /// Plugin instances that may exist at once (pool size); more calls wait for a slot.
    pub max_instances: u32,
    /// Linear memory all plugin instances together may hold.
    pub memory_total_bytes: usize,
    /// Largest plugin file the registry reads; bigger ones are rejected unread.
    pub max_plugin_file_bytes: u64,
    /// When a cloud-region's service circuit opens and how often it is probed.
    pub breaker: crate::limits::BreakerSettings,
    /// Fuel each call's Store starts with; `None` runs guests without fuel metering.
    pub fuel: Option<u64>,
    /// Where compiled plugins are cached; `None` compiles on every load.
    pub artifact_cache_dir: Option<PathBuf>,
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        Self {
            memory_limit_bytes: 256 << 20,
            // 1,024: one instance per cloud-region of a 1,000-region everywhere-listing, so
            // the fan-out finishes in one round trip; the per-region budgets protect clouds.
            max_instances: 1024,
            // 2 GiB: ~1,000 drivers of ~1.3 MiB each at once, or 8 at the per-instance cap.
            memory_total_bytes: 2048 << 20,
            // 64 MiB: the largest driver here is under 2 MiB; a Python one about 40 MiB.
            max_plugin_file_bytes: 64 << 20,
            breaker: crate::limits::BreakerSettings::default(),
            fuel: None,
            artifact_cache_dir: None,
        }
    }
}

/// Services shared by every call: the HTTP client, the state store and the budgets.
pub struct HostServices {
    pub http: reqwest::Client,
    pub state: StateStore,
    /// Every driver HTTP call passes its cloud-region's (and service's) budget.
    pub limits: Limits,
    pub metrics: Arc<Metrics>,
    /// Where each cloud-region's drivers may send HTTP.
    pub egress: EgressPolicies,
    /// Circuit breakers per cloud-region and service, fed by every HTTP attempt.
    pub breakers: Breakers,
}

/// Where a call's `ledger` import writes through, so what a driver creates is on disk before
/// its next request goes out (the operations' cleanup ledger implements it).
pub trait LedgerSink: Send + Sync {
    /// The driver reported creating (or being about to create) `kind` `id`.
    fn created(&self, kind: &str, id: &str);
    /// The driver deleted `kind` `id` itself.
    fn settled(&self, kind: &str, id: &str);
}

/// What one driver call's host imports observed, read by the caller after the call.
#[derive(Default)]
pub struct CallStats {
    /// Microseconds the call's HTTP requests waited for the cloud-region's budget.
    pub limiter_wait_us: AtomicU64,
    /// HTTP attempts made, retries included.
    pub http_attempts: AtomicU32,
    /// Resources the driver reported creating (`ledger.created`) and not yet settled, as
    /// (kind, id), in creation order.
    created: Mutex<Vec<(String, String)>>,
    /// The first request the egress allowlist refused, as the refusal's message.
    egress_denied: std::sync::OnceLock<String>,
    /// The first request an open circuit refused: the circuit as it was then.
    circuit_open: std::sync::OnceLock<CircuitSnapshot>,
    /// Where `ledger` reports are also written, durably, when the call belongs to an
    /// operation.
    ledger: Option<Arc<dyn LedgerSink>>,
}

impl std::fmt::Debug for CallStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallStats")
            .field("limiter_wait_us", &self.limiter_wait_us)
            .field("http_attempts", &self.http_attempts)
            .field("created", &self.created)
            .field("egress_denied", &self.egress_denied)
            .field("ledger", &self.ledger.is_some())
            .finish()
    }
}

impl CallStats {
    /// Stats whose `ledger` reports are also written through to `sink`.
    pub fn with_ledger(sink: Arc<dyn LedgerSink>) -> Self {
        Self {
            ledger: Some(sink),
            ..Self::default()
        }
    }

    pub fn limiter_wait(&self) -> Duration {
        Duration::from_micros(self.limiter_wait_us.load(Ordering::Relaxed))
    }

    pub fn http_attempts(&self) -> u32 {
        self.http_attempts.load(Ordering::Relaxed)
    }

    pub fn ledger_created(&self, kind: String, id: String) {
        if let Some(sink) = &self.ledger {
            sink.created(&kind, &id);
        }
        self.created_entries().push((kind, id));
    }

    pub fn ledger_settled(&self, kind: &str, id: &str) {
        if let Some(sink) = &self.ledger {
            sink.settled(kind, id);
        }
        self.created_entries()
            .retain(|(k, i)| !(k == kind && i == id));
    }

    /// Remembers a refused request (the first one wins).
    pub fn record_egress_denied(&self, message: String) {
        // Already set means an earlier refusal is the one reported.
        let _ = self.egress_denied.set(message);
    }

    /// The first refused request's message, if the driver tried to send outside its allowlist.
    pub fn egress_denied(&self) -> Option<&str> {
        self.egress_denied.get().map(String::as_str)
    }

    /// Remembers a request an open circuit refused (the first one wins).
    pub fn record_circuit_open(&self, snapshot: CircuitSnapshot) {
        // Already set means an earlier refusal is the one reported.
        let _ = self.circuit_open.set(snapshot);
    }

    /// The open circuit that refused one of the call's requests, if any did.
    pub fn circuit_open(&self) -> Option<&CircuitSnapshot> {
        self.circuit_open.get()
    }

    /// What the driver created and did not settle during the call.
    pub fn unsettled(&self) -> Vec<(String, String)> {
        self.created_entries().clone()
    }

    fn created_entries(&self) -> std::sync::MutexGuard<'_, Vec<(String, String)>> {
        // A poisoned lock only means a panic elsewhere mid-push; the list is still usable.
        self.created.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What one Store carries while a driver call runs.
pub struct HostState {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    /// The instance slot and guest memory this Store holds; also its `ResourceLimiter`.
    pub limits: GuestMemory,
    pub services: Arc<HostServices>,
    /// The cloud-region this call is for; scopes state and tags logs.
    pub at: CloudRegion,
    pub plugin: Arc<str>,
    /// When the whole call must be done; host calls get the time left.
    pub deadline: tokio::time::Instant,
    pub stats: Arc<CallStats>,
    /// Where this call's HTTP may go (the cloud-region's allowlist, computed at config load).
    pub egress: Arc<Allowlist>,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<HostState>,
    pub(crate) services: Arc<HostServices>,
    pub(crate) settings: RuntimeSettings,
    pub(crate) admission: Admission,
    artifact_cache: Option<ArtifactCache>,
    compile_counters: CompileCounters,
    ticker_stop: Arc<AtomicBool>,
}

impl Runtime {
    pub fn new(settings: RuntimeSettings) -> anyhow::Result<Self> {
        let slots = settings.max_instances.max(1);
        // A Rust driver is one component of three core instances, one memory and one table;
        // a component that needs more than these shares waits for a release (see call.rs).
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(slots)
            .total_core_instances(slots.saturating_mul(4))
            .total_memories(slots.saturating_mul(2))
            .total_tables(slots.saturating_mul(4))
            .total_stacks(slots)
            .max_core_instances_per_component(16)
            .max_memories_per_component(4)
            .max_tables_per_component(8)
            .max_memory_size(settings.memory_limit_bytes)
            // Fewer remembered warm slots: RSS follows the instances in use.
            .max_unused_warm_slots(16);

        let mut config = Config::new();
        config
            .epoch_interruption(true)
            .consume_fuel(settings.fuel.is_some())
            // Each memory slot reserves the per-instance cap, not 4 GiB: 2 × 1,024 slots of
            // 4 GiB would be 8 TiB of address space per daemon. Guests pay a bounds check.
            .memory_reservation(reservation(settings.memory_limit_bytes))
            // Zeroed (and so decommitted) fiber stacks: a burst of 1,000 calls does not leave
            // 1,000 touched stacks resident.
            .async_stack_zeroing(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config)?;
        let artifact_cache = settings.artifact_cache_dir.clone().and_then(|dir| {
            ArtifactCache::open(dir)
                .inspect_err(|error| {
                    tracing::warn!(%error, "plugin cache disabled; every load compiles");
                })
                .ok()
        });

        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        CloudDriver::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;

        let http = reqwest::Client::builder()
            .no_proxy()
            .user_agent(concat!("oaktree/", env!("CARGO_PKG_VERSION")))
            .redirect(same_origin_redirects())
            .build()?;
        let services = Arc::new(HostServices {
            http,
            state: StateStore::default(),
            limits: Limits::new(),
            metrics: Arc::new(Metrics::new()),
            egress: EgressPolicies::default(),
            breakers: Breakers::new(settings.breaker),
        });
        let admission = Admission::new(
            slots,
            settings.memory_limit_bytes,
            settings.memory_total_bytes,
        );

        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_epoch_ticker(engine.clone(), ticker_stop.clone())?;
        Ok(Self {
            engine,
            linker,
            services,
            settings,
            admission,
            artifact_cache,
            compile_counters: CompileCounters::default(),
            ticker_stop,
        })
    }

    /// The component for `wasm` read from `file`: from the artifact cache when it holds a
    /// valid entry, else compiled (and stored). Blocking; run it off the async threads.
    pub fn compile(&self, file: &Path, wasm: &[u8]) -> wasmtime::Result<(Component, Origin)> {
        let (component, origin) = match &self.artifact_cache {
            Some(cache) => {
                let stem = file
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("plugin");
                cache.load_or_compile(&self.engine, stem, wasm)?
            }
            None => (
                Component::from_binary(&self.engine, wasm)?,
                Origin::Compiled,
            ),
        };
        let counter = match origin {
            Origin::Cache => &self.compile_counters.cache_hits,
            Origin::Compiled => &self.compile_counters.compiled,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok((component, origin))
    }

    /// How many plugin loads compiled and how many came from the cache.
    pub fn compile_counters(&self) -> &CompileCounters {
        &self.compile_counters
    }

    /// The artifact cache's directory, when one is in use.
    pub fn artifact_cache_dir(&self) -> Option<&Path> {
        self.artifact_cache.as_ref().map(ArtifactCache::dir)
    }

    /// The egress allowlists of every cloud-region.
    pub fn egress(&self) -> &EgressPolicies {
        &self.services.egress
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn limits(&self) -> &Limits {
        &self.services.limits
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.services.metrics
    }

    /// The circuit breakers of every cloud-region and service.
    pub fn breakers(&self) -> &Breakers {
        &self.services.breakers
    }

    /// Instance slots and the guest memory budget.
    pub fn admission(&self) -> &Admission {
        &self.admission
    }
}

/// The address space one memory slot reserves: the per-instance cap, in whole Wasm pages.
fn reservation(memory_limit_bytes: usize) -> u64 {
    const PAGE: u64 = 64 << 10;
    (memory_limit_bytes as u64).div_ceil(PAGE).max(1) * PAGE
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// Redirects the host follows for a driver: same scheme, host and port as the request, at
/// most [`MAX_REDIRECTS`]. Any other redirect is handed to the driver as the 3xx response.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt.previous().first().is_some_and(|first| {
            first.scheme() == attempt.url().scheme()
                && first.host_str() == attempt.url().host_str()
                && first.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// reqwest's own default bound.
const MAX_REDIRECTS: usize = 10;

/// Advances the engine's epoch until the runtime is dropped.
fn spawn_epoch_ticker(engine: Engine, stop: Arc<AtomicBool>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("oaktree-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .map(|_| ())
}
