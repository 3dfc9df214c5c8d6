//! Prometheus metrics: what the daemon counts and times, and the `GET /metrics` endpoint that
//! exposes it in the text exposition format 0.0.4.
//!
//! The registry and the exposition are written here rather than taken from a metrics crate: seven
//! fixed families need little more than a sorted map each.
//!
//! 1. The daemon builds one [`Metrics`] and shares it (`Arc`) with the plugin host, the limiter,
//!    the cache and the federation layer, which record through its methods.
//! 2. Each family keeps its series in a std `Mutex<BTreeMap<label values, series>>`, locked only
//!    for one update. A record costs a map lookup under an uncontended lock, next to an HTTP call
//!    or a plugin call it measures, so sharded atomics would buy nothing. In-flight gauges are
//!    atomics handed to their [`InFlightGuard`], so the guard's drop takes no lock.
//! 3. [`serve`] answers `GET /metrics` with [`Metrics::render`], which copies each family under its
//!    lock and formats outside it: families in a fixed order, series sorted by label values.

mod recorder;
mod registry;
mod server;

pub use recorder::{InFlightGuard, Metrics};
pub use server::serve;
