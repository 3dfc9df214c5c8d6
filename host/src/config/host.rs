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
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<HostConfig, ConfigError> {
        HostConfig::from_str(text, Path::new("/etc/oaktree/oaktree.yaml"))
    }

    #[test]
    fn an_empty_file_gives_the_defaults_with_paths_resolved() {
        let c = parse("").unwrap();
        assert_eq!(c.listen, "127.0.0.1:50051".parse().unwrap());
        assert_eq!(c.plugin_dir, PathBuf::from("/etc/oaktree/plugins"));
        assert_eq!(c.default_deadline_ms, 30_000);
        assert_eq!(c.max_concurrency, 1024);
        assert_eq!(c.plugin_instances, 1024);
        assert_eq!(c.plugin_memory_total_mb, 2048);
        assert_eq!(c.max_plugin_file_mb, 64);
        assert_eq!(c.circuit_breaker.failures, 5);
        assert_eq!(c.circuit_breaker.probe_interval_ms, 5000);
        assert_eq!(c.plugin_memory_limit_mb, 256);
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(c.watch_plugins);
        assert!(c.profiles.is_empty() && c.clouds_file.is_none());
    }

    #[test]
    fn relative_paths_resolve_against_the_file_and_absolute_ones_stay() {
        let c = parse("plugin_dir: ../wasm\nclouds_file: clouds.yaml\n").unwrap();
        assert_eq!(c.plugin_dir, PathBuf::from("/etc/oaktree/../wasm"));
        assert_eq!(
            c.clouds_file,
            Some(PathBuf::from("/etc/oaktree/clouds.yaml"))
        );
        let c = parse("plugin_dir: /opt/p\n").unwrap();
        assert_eq!(c.plugin_dir, PathBuf::from("/opt/p"));
    }

    #[test]
    fn every_key_can_be_set() {
        let c = parse(
            "listen: '0.0.0.0:9000'\nprofiles: {rackspace: rax}\ndefault_deadline_ms: 5\n\
             max_concurrency: 2\nplugin_memory_limit_mb: 64\nlog_format: json\n\
             watch_plugins: false\n",
        )
        .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.profiles.get("rackspace").map(String::as_str), Some("rax"));
        assert_eq!(
            (
                c.default_deadline_ms,
                c.max_concurrency,
                c.plugin_memory_limit_mb
            ),
            (5, 2, 64)
        );
        assert_eq!(c.log_format, LogFormat::Json);
        assert!(!c.watch_plugins);
    }

    #[test]
    fn an_unknown_key_names_the_file_and_lists_the_allowed_keys() {
        let err = parse("listn: 1\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "/etc/oaktree/oaktree.yaml: top level: unknown key 'listn' (allowed: listen, plugin_dir, \
             clouds_file, profiles, default_deadline_ms, max_concurrency, plugin_memory_limit_mb, \
             log_format, limits, metrics_listen, watch_plugins, plugin_cache_dir, plugin_fuel, \
             egress, work_dir, qemu_img, upload_dirs, max_upload_bytes, max_deadline_ms, \
             idempotency_window_s, shutdown_grace_ms, plugin_instances, plugin_memory_total_mb, \
             max_plugin_file_mb, circuit_breaker). Fix: remove it or correct its spelling"
        );
    }

    #[test]
    fn the_work_dir_defaults_to_the_xdg_state_directory_not_tmp() {
        assert_eq!(
            default_work_dir_with(Some("/xdg".into()), Some("/home/u".into())),
            Some(PathBuf::from("/xdg/oaktree"))
        );
        assert_eq!(
            default_work_dir_with(Some("relative".into()), Some("/home/u".into())),
            Some(PathBuf::from("/home/u/.local/state/oaktree"))
        );
        assert_eq!(default_work_dir_with(None, None), None);
        let c = parse("shutdown_grace_ms: 500\n").unwrap();
        assert_eq!(c.shutdown_grace_ms, 500);
        assert_eq!(parse("").unwrap().shutdown_grace_ms, 30_000);
    }

    #[test]
    fn the_plugin_cache_defaults_to_the_xdg_cache_and_can_be_moved_or_turned_off() {
        let c = parse("").unwrap();
        assert_eq!(c.plugin_cache_dir, PluginCacheDir::Default);
        let resolve = |c: &HostConfig| {
            c.plugin_cache_dir
                .resolve_with(Some("/xdg".into()), Some("/home/u".into()))
        };
        assert_eq!(resolve(&c), Some(PathBuf::from("/xdg/oaktree/plugins")));
        assert_eq!(
            c.plugin_cache_dir
                .resolve_with(Some("rel".into()), Some("/home/u".into())),
            Some(PathBuf::from("/home/u/.cache/oaktree/plugins"))
        );
        assert_eq!(c.plugin_cache_dir.resolve_with(None, None), None);
        let c = parse("plugin_cache_dir: cache\n").unwrap();
        assert_eq!(resolve(&c), Some(PathBuf::from("/etc/oaktree/cache")));
        for off in [
            "plugin_cache_dir: none\n",
            "plugin_cache_dir: ''\n",
            "plugin_cache_dir:\n",
        ] {
            assert_eq!(resolve(&parse(off).unwrap()), None, "{off}");
        }
    }

    #[test]
    fn fuel_and_egress_entries_are_read_and_checked() {
        let c = parse(
            "plugin_fuel: 5000000\negress:\n  - {cloud: alpha, allowed_hosts: [proxy:3128]}\n",
        )
        .unwrap();
        assert_eq!(c.plugin_fuel, Some(5_000_000));
        assert_eq!(c.egress[0].cloud, "alpha");
        assert_eq!(c.egress[0].region, "*");
        let err = parse("plugin_fuel: 0\n").unwrap_err().to_string();
        assert!(
            err.contains(": plugin_fuel: must be greater than 0"),
            "{err}"
        );
        let err = parse("egress:\n  - {allowed_hosts: [ok, 'a b']}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains(": egress[0].allowed_hosts[1]: "), "{err}");
        let err = parse("egress:\n  - {clod: a, allowed_hosts: []}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `clod`"), "{err}");
    }

    #[test]
    fn scale_keys_are_read_and_checked() {
        let c = parse(
            "plugin_instances: 8\nplugin_memory_total_mb: 100\nmax_plugin_file_mb: 3\n\
             circuit_breaker: {failures: 2, probe_interval_ms: 250}\n",
        )
        .unwrap();
        assert_eq!(
            (
                c.plugin_instances,
                c.plugin_memory_total_mb,
                c.max_plugin_file_mb
            ),
            (8, 100, 3)
        );
        let breaker = c.circuit_breaker.settings();
        assert_eq!(breaker.failures, 2);
        assert_eq!(
            breaker.probe_interval,
            std::time::Duration::from_millis(250)
        );
        let c = parse("circuit_breaker: {failures: 9}\n").unwrap();
        assert_eq!(c.circuit_breaker.probe_interval_ms, 5000);
        for (text, key) in [
            (
                "plugin_instances: 0\n",
                ": plugin_instances: must be at least 1",
            ),
            (
                "plugin_memory_total_mb: 0\n",
                ": plugin_memory_total_mb: must be",
            ),
            ("max_plugin_file_mb: 0\n", ": max_plugin_file_mb: must be"),
            (
                "circuit_breaker: {probe_interval_ms: 0}\n",
                ": circuit_breaker.probe_interval_ms: must be",
            ),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
        let err = parse("circuit_breaker: {failure: 1}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `failure`"), "{err}");
    }

    #[test]
    fn a_zero_deadline_names_the_file_and_key() {
        let err = parse("default_deadline_ms: 0\n").unwrap_err().to_string();
        assert!(
            err.starts_with(
                "/etc/oaktree/oaktree.yaml: default_deadline_ms: must be greater than 0"
            ),
            "{err}"
        );
        let err = parse("max_concurrency: 0\n").unwrap_err().to_string();
        assert!(
            err.contains(": max_concurrency: must be at least 1"),
            "{err}"
        );
    }

    #[test]
    fn a_wrong_type_names_the_key_path() {
        let err = parse("profiles:\n  x: [1]\n").unwrap_err().to_string();
        assert!(
            err.starts_with("/etc/oaktree/oaktree.yaml: profiles.x: invalid type"),
            "{err}"
        );
        let err = parse("listen: nowhere\n").unwrap_err().to_string();
        assert!(err.contains(": listen: invalid socket address"), "{err}");
        let err = parse("log_format: xml\n").unwrap_err().to_string();
        assert!(err.contains(": log_format: unknown variant `xml`"), "{err}");
    }

    #[test]
    fn malformed_yaml_names_the_file_and_line() {
        let err = parse("listen: [\n").unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { line: Some(_), .. }),
            "{err}"
        );
    }

    #[test]
    fn host_keys_match_the_struct_fields() {
        // serde's own unknown-field message lists the fields the derive knows.
        let err = serde_yaml::from_str::<HostConfig>("zzz: 1\n")
            .unwrap_err()
            .to_string();
        let expected: Vec<String> = HOST_KEYS.iter().map(|k| format!("`{k}`")).collect();
        assert!(err.contains(&expected.join(", ")), "{err}");
    }

    #[test]
    fn load_reads_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("o.yaml");
        std::fs::write(&p, "max_concurrency: 3\n").unwrap();
        let c = HostConfig::load(&p).unwrap();
        assert_eq!(c.max_concurrency, 3);
        assert_eq!(c.plugin_dir, dir.path().join("plugins"));
        assert!(matches!(
            HostConfig::load(&dir.path().join("missing.yaml")),
            Err(ConfigError::Read { .. })
        ));
    }

    #[test]
    fn hostile_input_keys_have_safe_defaults_and_resolve_like_work_dir() {
        let c = parse("").unwrap();
        assert!(
            c.upload_dirs.is_empty(),
            "no directory is readable by default"
        );
        assert_eq!(c.max_upload_bytes, 64 << 30);
        assert_eq!(c.max_deadline_ms, 300_000);
        assert_eq!(c.idempotency_window_s, 600);
        let c = parse("upload_dirs: [images, /srv/images]\n").unwrap();
        assert_eq!(
            c.upload_dirs,
            vec![
                PathBuf::from("/etc/oaktree/images"),
                PathBuf::from("/srv/images")
            ]
        );
        let err = parse("max_deadline_ms: 1000\n").unwrap_err().to_string();
        assert!(
            err.contains(": max_deadline_ms: must be at least `default_deadline_ms`"),
            "{err}"
        );
        for key in ["max_upload_bytes", "idempotency_window_s"] {
            let err = parse(&format!("{key}: 0\n")).unwrap_err().to_string();
            assert!(
                err.contains(&format!(": {key}: must be greater than 0")),
                "{err}"
            );
        }
    }
}
