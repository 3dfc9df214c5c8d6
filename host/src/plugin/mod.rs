//! The plugin host: runs vendor drivers (WebAssembly components) for cloud-regions.
//!
//! 1. [`runtime::Runtime`] owns the wasmtime Engine (pooling allocator, epoch interruption)
//!    and the Linker with WASI and oaktree's host imports, built once.
//! 2. [`registry::Registry`] loads every `.wasm` in the plugin directory: compile once,
//!    `instantiate_pre`, smoke-call `describe()`, and answers which plugin serves a cloud.
//! 3. [`call`] runs one driver function for one cloud-region in a fresh Store with an epoch
//!    deadline and memory limit; a trap or a timeout fails only that call.
//! 4. [`imports`] implements what drivers import: `http` (sent by the host with the call's
//!    remaining time, only to hosts in the cloud-region's [`egress`] allowlist), `state` (per
//!    cloud-region, see [`state_store`]) and `log` (tracing).
//! 5. [`watch`] reloads the plugin directory as files change: new, replaced and removed
//!    `.wasm` files take effect without a restart; calls in flight finish on the old version.
//!    Every HTTP attempt feeds the circuit breakers; [`probe`] probes open circuits.
//! 6. [`admission`] queues calls for instance slots and guest memory (daemon-wide budget).
//! 7. [`artifact_cache`] keeps compiled plugins on disk, so a restart skips Cranelift.

pub mod admission;
pub mod artifact_cache;
pub mod bindings;
pub mod blob;
pub mod call;
pub mod egress;
pub mod imports;
pub mod probe;
pub mod registry;
pub mod retry;
pub mod runtime;
pub mod state_store;
pub mod watch;

pub use call::{CallError, DriverCall};
pub use registry::{LoadedPlugin, Registry};
pub use runtime::{CallStats, LedgerSink, Runtime, RuntimeSettings};
