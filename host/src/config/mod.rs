//! Configuration: `clouds.yaml` exactly as openstacksdk reads it, expanded into cloud-regions,
//! and the daemon's own strict `oaktree.yaml`.

mod auth;
mod cache;
mod clouds;
mod error;
mod expand;
mod host;
mod merge;
mod parse;
mod profiles;
mod search;

pub use cache::expirations;
pub use clouds::CloudsConfig;
pub use error::ConfigError;
pub use expand::CloudRegionConfig;
pub use host::{CircuitBreakerConfig, HostConfig, LogFormat, PluginCacheDir};
pub use profiles::BUILTIN_PROFILES;
pub use search::ConfigEnv;
