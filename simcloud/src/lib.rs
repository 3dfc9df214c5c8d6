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
mod admin_lifecycle;
mod app;
mod catalog;
mod cinder;
mod config;
mod endpoints;
mod error;
mod faults;
mod glance;
mod glance_patch;
mod glance_schema;
mod glance_write;
mod ids;
mod jsoncloud;
mod keypairs;
mod keystone;
mod keystone_v2;
mod lifecycle;
mod live;
mod neutron;
mod neutron_write;
mod nova;
mod nova_write;
mod pagination;
mod reply;
mod secgroups;
mod seed;
mod seed_compute;
mod server;
mod state;
mod storage_routes;
mod store;
mod subnets;
mod swift;
mod tasks;
mod time;
mod upload;
mod vendor;
mod views;
mod write_routes;

pub use config::{Fault, PageSizes, SimCloudConfig, SimConfig, SimRegionConfig};
pub use endpoints::EndpointStyle;
pub use error::SimError;
pub use faults::MAX_HOLD;
pub use lifecycle::{BootFault, Lifecycle};
pub use seed::{Inventory, SeededItem};
pub use seed_compute::DUPLICATE_SERVER_NAME;
pub use server::{Created, SimCloud};
pub use vendor::Vendor;
