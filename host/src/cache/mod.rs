//! The read cache in front of driver calls: TTLs per resource kind, one load per key at a
//! time, and stale answers while one caller refreshes (shade's batched-list behaviour, for
//! lists and gets alike), with keys that always carry identity, cloud and region.
//!
//! The flow of [`Cache::get_or_load`]:
//! 1. `bypass`, or a kind whose TTL is [`Ttl::Off`]: load now, alone; store only on bypass.
//! 2. A fresh value: answer it ([`Source::Hit`]).
//! 3. A stale value (past its TTL, within twice it): answer it ([`Source::Stale`]); if no load
//!    is running for the key, this caller spawns one refresh and does not wait for it (outside
//!    a Tokio runtime it runs the refresh itself, then answers the stale value).
//! 4. No value, or one too old to serve: if a load is running, wait for it and take its value
//!    or its error ([`Source::Shared`]); otherwise register a flight and load
//!    ([`Source::Miss`]). A flight whose loader is cancelled or panics releases its waiters,
//!    who start over at 2.
//! 5. A finished load is stored unless its (cloud, region, kind) was invalidated, or a newer
//!    answer landed, after it began (one generation counter orders both). Errors are never
//!    stored.
//!
//! Memory: at most one value per key, and keys are bounded by identities × cloud-regions ×
//! kinds × queries (`get:<id>` adds one per id asked for). Values too old to serve are dropped
//! when next looked up, and by a sweep every max(64, entries) stores; [`Ttl::Forever`] values
//! stay until invalidated. Invalidation generations take one small entry per cloud-region
//! ever written to.

mod flight;
mod key;
mod lookup;
mod store;
mod ttl;

pub use key::{CacheKey, ResourceKind};
pub use lookup::{Cache, Lookup, Source};
pub use ttl::{Expirations, InvalidTtl, Ttl};
