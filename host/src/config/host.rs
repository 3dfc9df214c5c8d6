//! The daemon's own config file (`oaktree.yaml`): strict YAML, every key optional.
//!
//! 1. Parse the YAML (syntax errors carry line and column); an empty file means all defaults.
//! 2. Reject keys we do not know, naming the file and key and listing the allowed ones.
//! 3. Deserialize (type errors name the key path), validate ranges, then resolve relative paths
//!    against the directory of the file.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::ConfigError;
use super::merge::key_text;
use super::parse::read_file;

/// Keys of [`HostConfig`], for the unknown-key message; a test keeps it in step with the struct.
const HOST_KEYS: &[&str] = &[
    "listen",
    "plugin_dir",
    "clouds_file",
    "profiles",
    "default_deadline_ms",
    "max_concurrency",
    "plugin_memory_limit_mb",
    "log_format",
    "limits",
    "metrics_listen",
    "watch_plugins",
    "plugin_cache_dir",
    "plugin_fuel",
    "egress",
    "work_dir",
    "qemu_img",
    "upload_dirs",
    "max_upload_bytes",
    "max_deadline_ms",
    "idempotency_window_s",
    "shutdown_grace_ms",
    "plugin_instances",
    "plugin_memory_total_mb",
    "max_plugin_file_mb",
    "circuit_breaker",
];

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Where compiled plugins are cached (`plugin_cache_dir`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "Option<PathBuf>")]
pub enum PluginCacheDir {
    /// Key absent: `$XDG_CACHE_HOME/oaktree/plugins`, else `$HOME/.cache/oaktree/plugins`,
    /// else no cache.
    #[default]
    Default,
    /// `none`, empty or null: compile on every load.
    Off,
    /// This directory (relative paths resolve against the config file's directory).
    Dir(PathBuf),
}

impl From<Option<PathBuf>> for PluginCacheDir {
    fn from(value: Option<PathBuf>) -> Self {
        match value {
            None => PluginCacheDir::Off,
            Some(dir) if dir.as_os_str().is_empty() || dir == Path::new("none") => {
                PluginCacheDir::Off
            }
            Some(dir) => PluginCacheDir::Dir(dir),
        }
    }
}

impl PluginCacheDir {
    /// The directory to use, with the default taken from the process environment.
    pub fn resolve(&self) -> Option<PathBuf> {
        self.resolve_with(
            std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from),
            std::env::var_os("HOME").map(PathBuf::from),
        )
    }

    /// [`PluginCacheDir::resolve`] with the environment given. Relative XDG values are
    /// ignored, as the XDG spec asks.
    pub fn resolve_with(
        &self,
        xdg_cache_home: Option<PathBuf>,
        home: Option<PathBuf>,
    ) -> Option<PathBuf> {
        match self {
            PluginCacheDir::Off => None,
            PluginCacheDir::Dir(dir) => Some(dir.clone()),
            PluginCacheDir::Default => xdg_cache_home
                .filter(|dir| dir.is_absolute())
                .or_else(|| home.filter(|h| h.is_absolute()).map(|h| h.join(".cache")))
                .map(|cache| cache.join("oaktree").join("plugins")),
        }
    }
}

/// The host's settings. Everything that describes clouds lives in clouds.yaml instead.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostConfig {
    /// gRPC listen address.
    pub listen: SocketAddr,
    /// Directory of driver plugins (`*.wasm`); relative to the config file's directory.
    pub plugin_dir: PathBuf,
    /// An explicit clouds.yaml (skips the search); relative to the config file's directory.
    pub clouds_file: Option<PathBuf>,
    /// Profile name → plugin name. Empty: the host matches the profiles each plugin declares.
    pub profiles: BTreeMap<String, String>,
    /// Deadline for a call that brings none, in milliseconds; > 0.
    pub default_deadline_ms: u64,
    /// Locations one call asks at once; ≥ 1. The daemon-wide bound is `plugin_instances`.
    pub max_concurrency: usize,
    /// Linear-memory limit of one plugin instance, in MiB; > 0.
    pub plugin_memory_limit_mb: u64,
    /// Log line format.
    pub log_format: LogFormat,
    /// Rate-limit overrides, applied over plugin defaults and clouds.yaml in order:
    /// `{cloud: glob, region: glob, service: compute, calls_per_second, burst, max_in_flight}`.
    pub limits: Vec<crate::limits::settings::HostLimit>,
    /// Where to serve Prometheus metrics (`GET /metrics`); absent: not served.
    pub metrics_listen: Option<SocketAddr>,
    /// Reload plugins as `.wasm` files in `plugin_dir` are added, replaced or removed.
    pub watch_plugins: bool,
    /// Where compiled plugins are cached on disk; see [`PluginCacheDir`].
    pub plugin_cache_dir: PluginCacheDir,
    /// Fuel (about one unit per Wasm instruction) each plugin call may burn; absent: unmetered.
    pub plugin_fuel: Option<u64>,
    /// Extra egress allowlist entries, applied to the cloud-regions their globs match:
    /// `{cloud: glob, region: glob, allowed_hosts: [host, host:port, "*.example.com"]}`.
    pub egress: Vec<crate::plugin::egress::HostEgress>,
    /// Where image uploads and their conversions are kept while an operation runs, with the
    /// operation records and the cleanup ledger (they must survive a restart); absent: the
    /// state directory, see [`default_work_dir`]. Created readable by its owner only.
    pub work_dir: Option<PathBuf>,
    /// The `qemu-img` used to detect and convert disk formats.
    pub qemu_img: PathBuf,
    /// Directories whose files a client may name as an image's `source_path` (read on the
    /// daemon's machine); relative to the config file's directory. Empty (the default): every
    /// `source_path` is refused, so a client can never make the daemon read its files.
    pub upload_dirs: Vec<PathBuf>,
    /// The largest image a client may stream to the daemon, in bytes; > 0.
    pub max_upload_bytes: u64,
    /// The longest deadline a call may ask for (`grpc-timeout`), in milliseconds; longer ones
    /// are cut to this; ≥ `default_deadline_ms`.
    pub max_deadline_ms: u64,
    /// How long a create's `request_id` is remembered, in seconds: a repeat within this window
    /// answers the first create's result instead of creating again; > 0.
    pub idempotency_window_s: u64,
    /// The file this config was read from, named in errors; `None` for a config made in code.
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// On SIGTERM or SIGINT, how long calls, streams and operations in flight may take to
    /// finish before they are cut off (operations recorded as interrupted), in milliseconds.
    pub shutdown_grace_ms: u64,
    /// Plugin instances alive at once, daemon-wide (the pool); more calls wait their turn
    /// (FIFO, inside their deadline); ≥ 1.
    pub plugin_instances: u32,
    /// Linear memory all plugin instances together may hold, in MiB; > 0. A call waits for
    /// its instance's initial memory; a guest growing past what is left traps, naming the key.
    pub plugin_memory_total_mb: u64,
    /// Plugin files larger than this (MiB) are rejected without being read; > 0.
    pub max_plugin_file_mb: u64,
    /// When a cloud-region's service circuit opens, and how often an open one is probed.
    pub circuit_breaker: CircuitBreakerConfig,
}

/// `circuit_breaker:` of the daemon config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CircuitBreakerConfig {
    /// Consecutive failures (refused, 5xx, timeout) that open a circuit; 0 turns it off.
    pub failures: u32,
    /// Milliseconds from opening (or a failed probe) to the next probe; > 0.
    pub probe_interval_ms: u64,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        let defaults = crate::limits::BreakerSettings::default();
        CircuitBreakerConfig {
            failures: defaults.failures,
            probe_interval_ms: u64::try_from(defaults.probe_interval.as_millis())
                .unwrap_or(u64::MAX),
        }
    }
}

impl CircuitBreakerConfig {
    pub fn settings(&self) -> crate::limits::BreakerSettings {
        crate::limits::BreakerSettings {
            failures: self.failures,
            probe_interval: std::time::Duration::from_millis(self.probe_interval_ms),
        }
    }
}

/// The default work directory: `$XDG_STATE_HOME/oaktree`, else `~/.local/state/oaktree`;
/// `None` when neither variable gives an absolute path.
pub fn default_work_dir() -> Option<PathBuf> {
    default_work_dir_with(
        std::env::var_os("XDG_STATE_HOME").map(PathBuf::from),
        std::env::var_os("HOME").map(PathBuf::from),
    )
}

/// [`default_work_dir`] with the environment given. Relative XDG values are ignored, as the
/// XDG spec asks.
pub fn default_work_dir_with(
    xdg_state_home: Option<PathBuf>,
    home: Option<PathBuf>,
) -> Option<PathBuf> {
    xdg_state_home
        .filter(|dir| dir.is_absolute())
        .or_else(|| {
            home.filter(|h| h.is_absolute())
                .map(|h| h.join(".local").join("state"))
        })
        .map(|state| state.join("oaktree"))
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 50051)),
            plugin_dir: PathBuf::from("plugins"),
            clouds_file: None,
            profiles: BTreeMap::new(),
            // 30 s: long enough for a slow region's list call, short enough to fail a hung one.
            default_deadline_ms: 30_000,
            // 1,024: a 1,000-region listing asks every region in one round (a task each is
            // small; the per-region budgets protect the clouds, plugin_instances the daemon).
            max_concurrency: 1024,
            // 256 MiB: a driver holds parsed JSON pages, never image bytes (those stay host-side).
            plugin_memory_limit_mb: 256,
            log_format: LogFormat::Text,
            limits: Vec::new(),
            metrics_listen: None,
            // On: dropping a .wasm into the directory is how a new cloud driver is deployed.
            watch_plugins: true,
            plugin_cache_dir: PluginCacheDir::Default,
            plugin_fuel: None,
            egress: Vec::new(),
            work_dir: None,
            qemu_img: PathBuf::from("qemu-img"),
            upload_dirs: Vec::new(),
            // 64 GiB: larger than any cloud image in common use, small enough to fail a
            // runaway stream before it fills a disk.
            max_upload_bytes: 64 << 30,
            // 5 min: a federated read that needs longer is better streamed or split.
            max_deadline_ms: 300_000,
            // 10 min: covers a client's retries after a dropped connection.
            idempotency_window_s: 600,
            source: None,
            // 30 s: a page of listings or a short upload finishes; a stuck client does not
            // hold a restart for long.
            shutdown_grace_ms: 30_000,
            // One instance per region of a 1,000-region listing; see RuntimeSettings.
            plugin_instances: 1024,
            // ~1,000 drivers of ~1.3 MiB, or 8 at the 256 MiB per-instance cap.
            plugin_memory_total_mb: 2048,
            // The largest driver here is under 2 MiB, a Python one about 40 MiB.
            max_plugin_file_mb: 64,
            circuit_breaker: CircuitBreakerConfig::default(),
        }
    }
}

impl HostConfig {
    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<HostConfig, ConfigError> {
        Self::from_str(&read_file(path)?, path)
    }

    /// Parses `text` as if read from `path` (used for messages and for relative paths).
    pub fn from_str(text: &str, path: &Path) -> Result<HostConfig, ConfigError> {
        let doc: serde_yaml::Value =
            serde_yaml::from_str(text).map_err(|e| ConfigError::yaml(path, &e))?;
        let mut config = match &doc {
            serde_yaml::Value::Null => HostConfig::default(),
            serde_yaml::Value::Mapping(map) => {
                if let Some(key) = map
                    .keys()
                    .map(key_text)
                    .find(|k| !HOST_KEYS.contains(&k.as_str()))
                {
                    return Err(ConfigError::UnknownKey {
                        path: path.to_path_buf(),
                        at: "top level".into(),
                        key,
                        allowed: HOST_KEYS.join(", "),
                    });
                }
                serde_yaml::from_str(text).map_err(|e| type_error(path, &e))?
            }
            _ => {
                return Err(ConfigError::invalid(
                    path,
                    "top level",
                    "must be a mapping of settings (listen, plugin_dir, ...)",
                ));
            }
        };
        config.validate(path)?;
        let base = path.parent().unwrap_or(Path::new(""));
        config.plugin_dir = base.join(&config.plugin_dir);
        config.clouds_file = config.clouds_file.map(|f| base.join(f));
        config.work_dir = config.work_dir.map(|d| base.join(d));
        config.upload_dirs = config.upload_dirs.iter().map(|d| base.join(d)).collect();
        if let PluginCacheDir::Dir(dir) = &mut config.plugin_cache_dir {
            *dir = base.join(&*dir);
        }
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let checks = [
            (
                "default_deadline_ms",
                self.default_deadline_ms == 0,
                "must be greater than 0 (milliseconds)",
            ),
            (
                "max_concurrency",
                self.max_concurrency == 0,
                "must be at least 1",
            ),
            (
                "plugin_memory_limit_mb",
                self.plugin_memory_limit_mb == 0,
                "must be greater than 0 (MiB)",
            ),
            (
                "max_upload_bytes",
                self.max_upload_bytes == 0,
                "must be greater than 0 (bytes)",
            ),
            (
                "max_deadline_ms",
                self.max_deadline_ms < self.default_deadline_ms,
                "must be at least `default_deadline_ms` (milliseconds)",
            ),
            (
                "idempotency_window_s",
                self.idempotency_window_s == 0,
                "must be greater than 0 (seconds)",
            ),
            (
                "plugin_instances",
                self.plugin_instances == 0,
                "must be at least 1",
            ),
            (
                "plugin_memory_total_mb",
                self.plugin_memory_total_mb == 0,
                "must be greater than 0 (MiB)",
            ),
            (
                "max_plugin_file_mb",
                self.max_plugin_file_mb == 0,
                "must be greater than 0 (MiB)",
            ),
            (
                "circuit_breaker.probe_interval_ms",
                self.circuit_breaker.probe_interval_ms == 0,
                "must be greater than 0 (milliseconds)",
            ),
        ];
        if let Some((key, _, fix)) = checks.iter().find(|(_, bad, _)| *bad) {
            return Err(ConfigError::invalid(
                path,
                *key,
                format!("{fix}; remove the key to use the default"),
            ));
        }
        if self.plugin_fuel == Some(0) {
            return Err(ConfigError::invalid(
                path,
                "plugin_fuel",
                "must be greater than 0 (a call needs fuel to run at all); remove the key to \
                 run plugins without fuel metering",
            ));
        }
        // Globs, limit numbers, egress entries and the memory ceiling: shared with the
        // startup check, which also covers configs made in code.
        super::validate::host_values(self, path)
    }
}

/// serde_yaml prefixes type errors with the key path (`profiles.x: invalid type ...`); keep it
/// as the `at` of the error.
fn type_error(path: &Path, err: &serde_yaml::Error) -> ConfigError {
    let text = err.to_string();
    match text.split_once(": ") {
        Some((at, rest)) if !at.contains(' ') => ConfigError::invalid(path, at, rest),
        _ => ConfigError::invalid(path, "top level", text),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "host_tests.rs"]
mod tests;
