//! Configuration: `clouds.yaml` exactly as openstacksdk reads it, expanded into cloud-regions,
//! and the daemon's own strict `oaktree.yaml`.

mod auth;
mod cache;
mod clouds;
mod error;
mod expand;
mod host;
mod known_keys;
mod merge;
mod parse;
mod profiles;
mod search;
mod suggest;
mod warning;

pub use cache::expirations;
pub use clouds::CloudsConfig;
pub use error::ConfigError;
pub use expand::CloudRegionConfig;
pub use host::{HostConfig, LogFormat, PluginCacheDir};
pub use profiles::BUILTIN_PROFILES;
pub use search::ConfigEnv;
pub use warning::ConfigWarning;
