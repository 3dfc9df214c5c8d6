//! Errors of the simulator library: configuration problems and unknown locations.

use std::path::PathBuf;

/// Everything the simulator library can refuse.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A cloud/region pair that the running simulator does not serve.
    #[error("unknown location: cloud {cloud:?} region {region:?}")]
    UnknownLocation { cloud: String, region: String },
    /// The configuration file could not be read.
    #[error("cannot read simulator config {path}: {source}")]
    ReadConfig {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The configuration file is not valid YAML for [`crate::SimConfig`] (the message names the key).
    #[error("invalid simulator config {path}: {source}")]
    ParseConfig {
        path: PathBuf,
        source: serde_yaml::Error,
    },
    /// The configuration parsed but describes something the simulator cannot serve.
    #[error("invalid simulator config at {key}: {reason}")]
    InvalidConfig { key: String, reason: String },
}
