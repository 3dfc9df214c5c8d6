//! Configuration: `clouds.yaml` exactly as openstacksdk reads it, expanded into cloud-regions,
//! and the daemon's own strict `oaktree.yaml`, and the checks that decide whether the daemon
//! may start with them.

mod auth;
mod cache;
mod clouds;
mod environment;
mod error;
mod expand;
mod host;
mod known_keys;
mod merge;
mod parse;
mod profiles;
mod search;
mod suggest;
mod validate;
mod warning;

pub use cache::expirations;
pub use clouds::CloudsConfig;
pub use error::ConfigError;
pub use expand::CloudRegionConfig;
pub use host::{CircuitBreakerConfig, HostConfig, LogFormat, PluginCacheDir, default_work_dir};
pub use profiles::BUILTIN_PROFILES;
pub use search::ConfigEnv;
pub use validate::{MAX_PLUGIN_MEMORY_MB, check_at_start};
pub use warning::ConfigWarning;
