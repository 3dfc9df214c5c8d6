//! One driver call for one cloud-region.
//!
//! 1. The call waits (FIFO, inside its deadline) for an instance slot and its guest memory
//!    ([`super::admission`]); a busy pool delays a call, it never fails one early.
//! 2. A fresh Store (from the pool) carries the call's [`HostState`]: the cloud-region, the
//!    deadline and the memory limiter holding the slot.
//! 3. Every epoch tick the guest yields to the executor; past the deadline it traps. Host
//!    imports get the time left.
//! 4. The plugin is instantiated from its `InstancePre` and the function is called.
//! 5. A trap, an out-of-time guest or a failed instantiation becomes a [`CallError`] for this
//!    call only; the Store and instance are dropped either way.

use std::sync::Arc;

use tokio::time::Instant;
use wasmtime::component::{
    ComponentNamedList, Instance, Lift, Lower, Resource, ResourceTable, TypedFunc,
};
use wasmtime::{PoolConcurrencyLimitError, Store, Trap, UpdateDeadline};
use wasmtime_wasi::WasiCtx;

use super::admission::{AdmissionError, GuestMemory, MemoryRefused, TOTAL_MEMORY_KEY};
use super::bindings::{DRIVER_EXPORT, wit};
use super::blob::Blob;
use super::registry::LoadedPlugin;
use super::runtime::{CallStats, HostState, Runtime};
use crate::location::CloudRegion;

/// Why a driver call produced no answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The driver reported an expected failure (vendor error, bad config, ...).
    #[error("{}", describe_driver_error(.0))]
    Driver(wit::Error),
    /// The call did not finish before its deadline.
    #[error("no answer within the deadline")]
    Deadline,
    /// The guest trapped: a bug in the plugin, contained to this call.
    #[error("plugin {plugin} trapped: {message}")]
    Trap { plugin: String, message: String },
    /// The host itself failed while running the call (a bug in oaktree, not the plugin).
    #[error("host failure: {0}")]
    Host(String),
    /// The plugin could not be instantiated (pool exhausted, memory limit).
    #[error("plugin {plugin} could not be instantiated: {message}")]
    Instantiate { plugin: String, message: String },
}

pub fn describe_driver_error(error: &wit::Error) -> String {
    match error {
        wit::Error::NotFound(m) => format!("not found: {m}"),
        wit::Error::Unauthorized(m) => format!("unauthorized: {m}"),
        wit::Error::Forbidden(m) => format!("forbidden: {m}"),
        wit::Error::Conflict(m) => format!("conflict: {m}"),
        wit::Error::Throttled(t) => match t.retry_after_ms {
            Some(ms) => format!("throttled (retry after {ms} ms): {}", t.message),
            None => format!("throttled: {}", t.message),
        },
        wit::Error::Unavailable(m) => format!("unavailable: {m}"),
        wit::Error::Timeout(m) => format!("timeout: {m}"),
        wit::Error::Invalid(m) => format!("invalid: {m}"),
        wit::Error::Unsupported(m) => format!("unsupported: {m}"),
        wit::Error::Other(m) => m.clone(),
    }
}

/// A prepared call: which plugin, for which cloud-region, with which config, until when.
pub struct DriverCall {
    pub runtime: Arc<Runtime>,
    pub plugin: Arc<LoadedPlugin>,
    pub at: CloudRegion,
    /// The cloud-region's configuration as JSON (see `call-context.config` in the WIT).
    pub config_json: Arc<str>,
    pub deadline: Instant,
    /// Filled by the host imports during the call.
    pub stats: Arc<CallStats>,
}

/// Generates one method per driver function: instantiate, look up that one export, call it
/// under the deadline, settle. Only the called export is looked up (and type-checked): the
/// generated `CloudDriverPre::instantiate_async` would check all 38 on every call.
macro_rules! driver_functions {
    ($($method:ident => $export:ident ( $($arg:ident : $ty:ty),* ) -> $out:ty;)*) => {
        impl DriverCall {
            $(
                pub async fn $method(&self $(, $arg: $ty)*) -> Result<$out, CallError> {
                    let started = Instant::now();
                    let result = async {
                        let (mut store, instance) = self.instantiate().await?;
                        let func = self.export::<
                            (&wit::CallContext, $($ty,)*),
                            (Result<$out, wit::Error>,),
                        >(&mut store, &instance, stringify!($method))?;
                        let ctx = self.context();
                        let outcome = tokio::time::timeout_at(self.deadline, async {
                            let (answer,) = func.call_async(&mut store, (&ctx, $($arg,)*)).await?;
                            Ok(answer)
                        })
                        .await;
                        self.settle(outcome)
                    }
                    .await;
                    self.runtime.metrics().plugin_call(
                        &self.plugin.name,
                        stringify!($method),
                        outcome_label(&result),
                        started.elapsed(),
                    );
                    result
                }
            )*
        }
    };
}

driver_functions! {
    list_images => call_list_images() -> Vec<wit::Image>;
    get_image => call_get_image(id: &str) -> wit::Image;
    list_flavors => call_list_flavors() -> Vec<wit::Flavor>;
    get_flavor => call_get_flavor(id: &str) -> wit::Flavor;
    list_servers => call_list_servers() -> Vec<wit::Server>;
    get_server => call_get_server(id: &str) -> wit::Server;
    list_networks => call_list_networks() -> Vec<wit::Network>;
    get_network => call_get_network(id: &str) -> wit::Network;
    create_server => call_create_server(spec: &wit::ServerCreate) -> wit::Server;
    delete_server => call_delete_server(id: &str) -> ();
    list_floating_ips => call_list_floating_ips() -> Vec<wit::FloatingIp>;
    get_floating_ip => call_get_floating_ip(id: &str) -> wit::FloatingIp;
    create_floating_ip => call_create_floating_ip(spec: &wit::FloatingIpCreate) -> wit::FloatingIp;
    attach_floating_ip => call_attach_floating_ip(id: &str, server_id: &str) -> wit::FloatingIp;
    delete_floating_ip => call_delete_floating_ip(id: &str) -> ();
    list_keypairs => call_list_keypairs() -> Vec<wit::Keypair>;
    get_keypair => call_get_keypair(name: &str) -> wit::Keypair;
    create_keypair => call_create_keypair(spec: &wit::KeypairCreate) -> wit::Keypair;
    delete_keypair => call_delete_keypair(name: &str) -> ();
    list_security_groups => call_list_security_groups() -> Vec<wit::SecurityGroup>;
    get_security_group => call_get_security_group(id: &str) -> wit::SecurityGroup;
    create_security_group => call_create_security_group(spec: &wit::SecurityGroupCreate) -> wit::SecurityGroup;
    delete_security_group => call_delete_security_group(id: &str) -> ();
    create_security_group_rule => call_create_security_group_rule(spec: &wit::SecurityGroupRuleCreate) -> wit::SecurityGroupRule;
    delete_security_group_rule => call_delete_security_group_rule(id: &str) -> ();
    list_subnets => call_list_subnets() -> Vec<wit::Subnet>;
    get_subnet => call_get_subnet(id: &str) -> wit::Subnet;
    create_subnet => call_create_subnet(spec: &wit::SubnetCreate) -> wit::Subnet;
    delete_subnet => call_delete_subnet(id: &str) -> ();
    list_volumes => call_list_volumes() -> Vec<wit::Volume>;
    get_volume => call_get_volume(id: &str) -> wit::Volume;
    create_volume => call_create_volume(spec: &wit::VolumeCreate) -> wit::Volume;
    delete_volume => call_delete_volume(id: &str) -> ();
    image_formats => call_image_formats() -> Vec<String>;
    delete_image => call_delete_image(id: &str) -> ();
    cleanup => call_cleanup(kind: &str, id: &str) -> ();
}

impl DriverCall {
    /// Creates an image from host-held bytes: the blob is put in the call's resource table and
    /// lent to the driver, which can only measure it and attach it to `http.send-blob`.
    pub async fn create_image(
        &self,
        spec: &wit::ImageCreate,
        blob: &Blob,
    ) -> Result<wit::Image, CallError> {
        let started = Instant::now();
        let result = async {
            let (mut store, instance) = self.instantiate().await?;
            let func = self.export::<
                (&wit::CallContext, &wit::ImageCreate, Resource<Blob>),
                (Result<wit::Image, wit::Error>,),
            >(&mut store, &instance, "create_image")?;
            let handle = store
                .data_mut()
                .table
                .push(blob.clone())
                .map_err(|e| CallError::Host(format!("could not lend the image blob: {e}")))?;
            let ctx = self.context();
            let outcome = tokio::time::timeout_at(self.deadline, async {
                let (answer,) = func.call_async(&mut store, (&ctx, spec, handle)).await?;
                Ok(answer)
            })
            .await;
            self.settle(outcome)
        }
        .await;
        self.runtime.metrics().plugin_call(
            &self.plugin.name,
            "create_image",
            outcome_label(&result),
            started.elapsed(),
        );
        result
    }
}

impl DriverCall {
    fn context(&self) -> wit::CallContext {
        wit::CallContext {
            cloud: self.at.cloud.clone(),
            region: self.at.region.clone(),
            config: self.config_json.to_string(),
        }
    }

    /// The driver export for `method` (`list_images` → `list-images`), type-checked against
    /// the signature the host calls it with.
    fn export<P, R>(
        &self,
        store: &mut Store<HostState>,
        instance: &Instance,
        method: &str,
    ) -> Result<TypedFunc<P, R>, CallError>
    where
        P: ComponentNamedList + Lower + Send + Sync,
        R: ComponentNamedList + Lift + Send + Sync,
    {
        let name = method.replace('_', "-");
        let component = self.plugin.pre.instance_pre().component();
        let index = component
            .get_export_index(None, DRIVER_EXPORT)
            .and_then(|driver| component.get_export_index(Some(&driver), &name))
            .ok_or_else(|| CallError::Instantiate {
                plugin: self.plugin.name.to_string(),
                message: format!("it does not export {DRIVER_EXPORT}#{name}"),
            })?;
        instance
            .get_typed_func::<P, R>(&mut *store, &index)
            .map_err(|e| CallError::Instantiate {
                plugin: self.plugin.name.to_string(),
                message: format!("{DRIVER_EXPORT}#{name}: {e:#}"),
            })
    }

    /// Waits for a slot and memory, then instantiates. Should the pool run short of some
    /// other share (core instances, tables) a component needs, it waits for a release and
    /// tries again, inside the deadline.
    async fn instantiate(&self) -> Result<(Store<HostState>, Instance), CallError> {
        let pre = self.plugin.pre.instance_pre();
        let admission = self.runtime.admission();
        let initial = initial_memory_bytes(pre.component());
        loop {
            let who = (self.plugin.name.clone(), self.at.clone());
            let limits = admission
                .enter(Some(who), initial, self.deadline)
                .await
                .map_err(|error| admission_failed(&self.plugin.name, &error))?;
            let mut store = new_store(
                &self.runtime,
                self.plugin.name.clone(),
                self.at.clone(),
                self.deadline,
                self.stats.clone(),
                limits,
            );
            match pre.instantiate_async(&mut store).await {
                Ok(instance) => return Ok((store, instance)),
                Err(error) if error.downcast_ref::<PoolConcurrencyLimitError>().is_some() => {
                    drop(store);
                    if Instant::now() + POOL_RETRY >= self.deadline {
                        return Err(CallError::Deadline);
                    }
                    tracing::debug!(plugin = %self.plugin.name, %error, "pool share busy; waiting");
                    tokio::time::sleep(POOL_RETRY).await;
                }
                Err(error) => {
                    return Err(CallError::Instantiate {
                        plugin: self.plugin.name.to_string(),
                        message: format!("{error:#}"),
                    });
                }
            }
        }
    }

    fn settle<T>(
        &self,
        outcome: Result<wasmtime::Result<Result<T, wit::Error>>, tokio::time::error::Elapsed>,
    ) -> Result<T, CallError> {
        match outcome {
            Err(_elapsed) => Err(CallError::Deadline),
            // A refused request fails the call whatever the driver made of the refusal.
            Ok(Ok(answer)) => match (self.stats.egress_denied(), self.stats.circuit_open()) {
                (Some(denied), _) => {
                    Err(CallError::Driver(wit::Error::Forbidden(denied.to_owned())))
                }
                // The driver failed because an open circuit refused it: say that, not
                // whatever the driver made of the refusal.
                (None, Some(open)) if answer.is_err() => {
                    Err(CallError::Driver(wit::Error::Unavailable(open.describe())))
                }
                (None, _) => answer.map_err(CallError::Driver),
            },
            Ok(Err(trap)) => Err(classify_trap(&self.plugin.name, trap)),
        }
    }
}

/// Builds the Store for one call: no WASI capabilities (no files, env, args, sockets),
/// `limits` as its memory limiter (it holds the call's instance slot and guest memory until
/// the Store is dropped), and an epoch callback that yields to the async executor
/// every tick (so a busy guest never starves other calls on its thread) and traps with
/// [`Trap::Interrupt`] once the call's deadline has passed.
pub fn new_store(
    runtime: &Runtime,
    plugin: Arc<str>,
    at: CloudRegion,
    deadline: Instant,
    stats: Arc<CallStats>,
    limits: GuestMemory,
) -> Store<HostState> {
    let state = HostState {
        wasi: WasiCtx::builder().build(),
        table: ResourceTable::new(),
        limits,
        services: runtime.services.clone(),
        egress: runtime.services.egress.for_location(&at),
        at,
        plugin,
        deadline,
        stats,
    };
    let mut store = Store::new(&runtime.engine, state);
    store.limiter(|state| &mut state.limits);
    if let Some(fuel) = runtime.settings.fuel
        && let Err(error) = store.set_fuel(fuel)
    {
        tracing::error!(
            error = format!("{error:#}"),
            "cannot give the call its fuel"
        );
    }
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|store| {
        if Instant::now() >= store.data().deadline {
            Ok(UpdateDeadline::Interrupt)
        } else {
            Ok(UpdateDeadline::YieldCustom(
                1,
                Box::pin(tokio::task::yield_now()),
            ))
        }
    });
    store
}

/// The metrics label of a call's outcome.
fn outcome_label<T>(result: &Result<T, CallError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(CallError::Driver(_)) => "driver_error",
        Err(CallError::Deadline) => "deadline",
        Err(CallError::Trap { .. }) => "trap",
        Err(CallError::Instantiate { .. }) => "instantiate_failed",
        Err(CallError::Host(_)) => "host_failure",
    }
}

/// How long a call whose component found the pool short of a share waits before retrying.
const POOL_RETRY: std::time::Duration = std::time::Duration::from_millis(2);

/// The linear memory a component's memories start with (an upper bound: every memory at the
/// largest initial size), plus room to grow a little without touching the budget again.
pub(crate) fn initial_memory_bytes(component: &wasmtime::component::Component) -> usize {
    /// What a listing driver typically grows by while parsing a page.
    const GROWTH_ROOM: usize = 256 << 10;
    let pages = component
        .resources_required()
        .map(|r| u64::from(r.num_memories) * r.max_initial_memory_size.unwrap_or(0))
        .unwrap_or(0);
    usize::try_from(pages.saturating_mul(64 << 10))
        .unwrap_or(usize::MAX)
        .saturating_add(GROWTH_ROOM)
}

/// A call that could not get a slot or memory before its deadline ran out of time.
fn admission_failed(plugin: &str, error: &AdmissionError) -> CallError {
    tracing::warn!(plugin, %error, "no plugin instance before the deadline");
    CallError::Deadline
}

pub fn classify_trap(plugin: &str, error: wasmtime::Error) -> CallError {
    if let Some(refused) = error.downcast_ref::<MemoryRefused>() {
        // The daemon-wide budget ran out because of other calls: this call may be retried.
        // The per-instance cap is this driver's own doing.
        return if refused.key == TOTAL_MEMORY_KEY {
            CallError::Driver(wit::Error::Throttled(wit::Throttle {
                message: refused.to_string(),
                retry_after_ms: None,
            }))
        } else {
            CallError::Trap {
                plugin: plugin.to_owned(),
                message: refused.to_string(),
            }
        };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => return CallError::Deadline,
        Some(Trap::OutOfFuel) => {
            return CallError::Trap {
                plugin: plugin.to_owned(),
                message: "out of fuel: the call used up the `plugin_fuel` budget of the \
                          daemon config (a runaway loop, or a budget too small for this call)"
                    .to_owned(),
            };
        }
        _ => {}
    }
    CallError::Trap {
        plugin: plugin.to_owned(),
        message: format!("{error:#}"),
    }
}
