//! Simulated OpenStack clouds — keystone, nova, glance and neutron for several clouds ×
//! regions — served from one process on one loopback port. It backs the demo and the
//! integration tests, so its answers follow the real services' shapes and pagination, and
//! its data is deterministic.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sim = oaktree_simcloud::SimCloud::start(oaktree_simcloud::SimConfig::demo(), "127.0.0.1:0").await?;
//! println!("{}", sim.clouds_yaml());
//! # Ok(()) }
//! ```

mod admin;
mod app;
mod catalog;
mod config;
mod error;
mod faults;
mod glance;
mod ids;
mod keystone;
mod neutron;
mod nova;
mod pagination;
mod reply;
mod seed;
mod seed_compute;
mod server;
mod state;
mod time;

pub use config::{Fault, PageSizes, SimCloudConfig, SimConfig, SimRegionConfig};
pub use error::SimError;
pub use faults::MAX_HOLD;
pub use seed::{Inventory, SeededItem};
pub use seed_compute::DUPLICATE_SERVER_NAME;
pub use server::SimCloud;
