//! The checks that decide whether the daemon may start: a config that cannot work is refused
//! at once, naming the file and key, instead of failing call by call later.
//!
//! [`check_at_start`], called once by the daemon before anything is loaded:
//! 1. log every tolerated oddity of the clouds files ([`ConfigWarning`]s: unknown keys);
//! 2. the daemon config's values: `limits`/`egress` globs and numbers, the plugin memory
//!    limit (also checked when the file is loaded, see [`host_values`]);
//! 3. the clouds: at least one, and an `auth_url` for every OpenStack cloud-region whose
//!    auth type signs in at keystone;
//! 4. the machine: qemu-img and the directories (see `environment`).
//!
//! Every error names the file it is about: the daemon config's own path for its keys (or
//! "built-in defaults" for a config made in code), the clouds file for clouds.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::clouds::CloudsConfig;
use super::environment;
use super::error::ConfigError;
use super::host::HostConfig;
#[cfg(doc)]
use super::warning::ConfigWarning;

/// wasm32 linear memory cannot exceed 4 GiB: a larger per-instance limit would only reserve
/// address space no plugin can use.
pub const MAX_PLUGIN_MEMORY_MB: u64 = 4096;

/// What errors call the daemon config when it was built in code rather than read from a file.
const NO_FILE: &str = "daemon config (built-in defaults, no file)";

/// Auth types (keystoneauth plugin names) that sign in at keystone and so need `auth_url`.
/// `none`, `admin_token`, `noauth` and `http_basic` do not; unknown types are left to the
/// driver.
const KEYSTONE_AUTH_TYPES: &[&str] = &[
    "password",
    "v2password",
    "v3password",
    "token",
    "v2token",
    "v3token",
    "v3applicationcredential",
    "application_credential",
    "rackspace_apikey",
    "v3totp",
    "v3multifactor",
    "v3tokenlessauth",
    "v3oidcpassword",
    "v3oidcclientcredentials",
    "v3oidcauthcode",
    "v3oidcaccesstoken",
    "v3oidcdeviceauthz",
    "v3samlpassword",
    "v3adfspassword",
    "v3oauth1",
    "v3oauth2clientcredential",
    "v3oauth2mtlsclientcredential",
    "v3kerberos",
];

/// Runs every startup check; see the module doc. Warnings are logged, errors returned.
pub fn check_at_start(host: &HostConfig, clouds: &CloudsConfig) -> Result<(), ConfigError> {
    for warning in &clouds.warnings {
        tracing::warn!(file = %warning.path.display(), key = %warning.at, "{warning}");
    }
    let host_file = host_file(host);
    host_values(host, &host_file)?;
    clouds_usable(clouds)?;
    environment::qemu_img(host, &host_file)?;
    environment::directories(host, &host_file)?;
    Ok(())
}

/// The path daemon-config errors name.
pub(crate) fn host_file(host: &HostConfig) -> PathBuf {
    host.source
        .clone()
        .unwrap_or_else(|| PathBuf::from(NO_FILE))
}

/// Step 2 of the module doc: the daemon config's values that need no look at the machine.
/// `path` is the file named in errors.
pub(crate) fn host_values(host: &HostConfig, path: &Path) -> Result<(), ConfigError> {
    if host.plugin_memory_limit_mb > MAX_PLUGIN_MEMORY_MB {
        return Err(ConfigError::invalid(
            path,
            "plugin_memory_limit_mb",
            format!(
                "{} MiB is more than a plugin can use: plugins are 32-bit WebAssembly, whose \
                 memory cannot exceed {MAX_PLUGIN_MEMORY_MB} MiB (4 GiB). Fix: set it between 1 \
                 and {MAX_PLUGIN_MEMORY_MB}, or remove the key to use the default (256)",
                host.plugin_memory_limit_mb
            ),
        ));
    }
    for (i, entry) in host.limits.iter().enumerate() {
        let at = format!("limits[{i}]");
        glob(path, &format!("{at}.cloud"), &entry.cloud)?;
        glob(path, &format!("{at}.region"), &entry.region)?;
        let set = &entry.set;
        if let Some(rate) = set.calls_per_second.filter(|r| !r.is_finite() || *r <= 0.0) {
            return Err(ConfigError::invalid(
                path,
                format!("{at}.calls_per_second"),
                format!(
                    "must be a number above 0 (got {rate}); e.g. 2 for two calls a second, 0.5 \
                     for one every two seconds"
                ),
            ));
        }
        for (key, value) in [("burst", set.burst), ("max_in_flight", set.max_in_flight)] {
            if value == Some(0) {
                return Err(ConfigError::invalid(
                    path,
                    format!("{at}.{key}"),
                    "must be at least 1 (got 0); use 1 for one call at a time",
                ));
            }
        }
    }
    for (i, entry) in host.egress.iter().enumerate() {
        glob(path, &format!("egress[{i}].cloud"), &entry.cloud)?;
        glob(path, &format!("egress[{i}].region"), &entry.region)?;
        for (j, host_entry) in entry.allowed_hosts.iter().enumerate() {
            let at = format!("egress[{i}].allowed_hosts[{j}]");
            if let Err(error) = crate::plugin::egress::Rule::parse(host_entry, &at, String::new()) {
                return Err(ConfigError::invalid(
                    path,
                    at,
                    format!(
                        "{:?} is not a host entry: {}; write `host`, `host:port`, `host:*` or \
                         `*.example.com[:port]`",
                        error.entry, error.reason
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Refuses a cloud or region selector that is not a glob (`[ab`, `**x`).
fn glob(path: &Path, at: &str, pattern: &str) -> Result<(), ConfigError> {
    glob::Pattern::new(pattern).map(drop).map_err(|error| {
        ConfigError::invalid(
            path,
            at,
            format!(
                "{pattern:?} is not a valid glob: {}. Fix: use `*` (any text), `?` (one \
                 character), `[abc]` (one of) or a plain name",
                error.msg
            ),
        )
    })
}

/// Step 3 of the module doc.
fn clouds_usable(clouds: &CloudsConfig) -> Result<(), ConfigError> {
    let file = &clouds.source;
    if clouds.regions.is_empty() {
        return Err(ConfigError::invalid(
            file,
            "clouds",
            "defines no cloud, so the daemon would serve nothing. Fix: add one under `clouds:`, \
             e.g. `mycloud: {auth: {auth_url: https://keystone.example.com/v3, username: ..., \
             password: ..., project_name: ...}, region_name: RegionOne}`",
        ));
    }
    for region in &clouds.regions {
        if !clouds.openstack_clouds.contains(&region.cloud) {
            continue;
        }
        let auth_type = region
            .config
            .get("auth_type")
            .and_then(Value::as_str)
            .unwrap_or("password")
            .to_ascii_lowercase()
            .replace('-', "_");
        let auth_url = region.config.get("auth").and_then(|a| a.get("auth_url"));
        let has_url = auth_url
            .and_then(Value::as_str)
            .is_some_and(|url| !url.trim().is_empty());
        if KEYSTONE_AUTH_TYPES.contains(&auth_type.as_str()) && !has_url {
            let cloud = &region.cloud;
            let which = match region.region.as_str() {
                "" => String::new(),
                name => format!(" (region {name})"),
            };
            return Err(ConfigError::invalid(
                file,
                format!("clouds.{cloud}.auth.auth_url"),
                format!(
                    "missing{which}: auth_type {auth_type} signs in at keystone, so the cloud \
                     needs its identity URL. Fix: add `auth_url: https://<keystone host>/v3` \
                     under `clouds.{cloud}.auth` (here or in secure.yaml), or name a vendor \
                     `profile:` that sets it"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn host(text: &str) -> Result<HostConfig, ConfigError> {
        HostConfig::from_str(text, Path::new("/etc/oaktree/oaktree.yaml"))
    }

    fn clouds(text: &str) -> Result<(), ConfigError> {
        clouds_usable(&CloudsConfig::from_str(text, Path::new("/c/clouds.yaml"), None).unwrap())
    }

    #[test]
    fn a_bad_limits_glob_names_the_daemon_config_and_the_key() {
        let err = host("limits:\n  - {cloud: '[ab', calls_per_second: 1}\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "/etc/oaktree/oaktree.yaml: limits[0].cloud: \"[ab\" is not a valid glob"
            ),
            "{err}"
        );
        let err = host("egress:\n  - {region: 'a[', allowed_hosts: [h]}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains(": egress[0].region: "), "{err}");
    }

    #[test]
    fn bad_limits_numbers_name_the_daemon_config_and_the_key() {
        let err = host("limits:\n  - {cloud: a}\n  - {burst: 0}\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/etc/oaktree/oaktree.yaml: limits[1].burst: must be at least 1"),
            "{err}"
        );
        let err = host("limits:\n  - {calls_per_second: -2}\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(": limits[0].calls_per_second: must be a number above 0"),
            "{err}"
        );
    }

    #[test]
    fn an_oversized_plugin_memory_limit_names_the_file_and_key() {
        let err = host("plugin_memory_limit_mb: 8192\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "/etc/oaktree/oaktree.yaml: plugin_memory_limit_mb: 8192 MiB is more than a \
                 plugin can use"
            ),
            "{err}"
        );
        assert!(host("plugin_memory_limit_mb: 4096\n").is_ok());
    }

    #[test]
    fn the_plugin_runtime_accepts_the_memory_ceiling() {
        use crate::plugin::{Runtime, RuntimeSettings};
        let runtime = |mb: u64| {
            Runtime::new(RuntimeSettings {
                memory_limit_bytes: usize::try_from(mb << 20).unwrap(),
                ..RuntimeSettings::default()
            })
        };
        // The ceiling itself is wasm32's, enforced by `host_values`: the pool now reserves
        // each slot's limit of address space, so the runtime alone would take more.
        assert!(runtime(MAX_PLUGIN_MEMORY_MB).is_ok());
    }

    #[test]
    fn a_config_made_in_code_is_named_as_the_built_in_defaults() {
        let config = HostConfig {
            plugin_memory_limit_mb: 1 << 20,
            ..HostConfig::default()
        };
        let err = host_values(&config, &host_file(&config))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(NO_FILE), "{err}");
    }

    #[test]
    fn zero_clouds_are_refused_naming_the_clouds_file() {
        let err = clouds("clouds: {}\n").unwrap_err().to_string();
        assert!(
            err.starts_with("/c/clouds.yaml: clouds: defines no cloud"),
            "{err}"
        );
    }

    #[test]
    fn a_keystone_cloud_without_auth_url_is_refused_naming_cloud_and_region() {
        let err = clouds("clouds:\n  alpha:\n    auth: {username: u}\n    regions: [R1]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "/c/clouds.yaml: clouds.alpha.auth.auth_url: missing (region R1): auth_type password"
            ),
            "{err}"
        );
        let err = clouds("clouds:\n  a:\n    auth_type: v3applicationcredential\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("clouds.a.auth.auth_url: missing: auth_type v3applicationcredential"),
            "{err}"
        );
    }

    #[test]
    fn clouds_that_need_no_auth_url_pass() {
        // An endpoint without keystone, a profile that supplies the URL, another driver.
        clouds("clouds:\n  a:\n    auth_type: none\n    auth: {endpoint: http://x}\n").unwrap();
        clouds(
            "clouds:\n  a:\n    auth_type: admin_token\n    auth: {endpoint: http://x, token: t}\n",
        )
        .unwrap();
        clouds("clouds:\n  v:\n    profile: vexxhost\n    auth: {username: u}\n").unwrap();
        clouds("clouds:\n  aws:\n    profile: aws\n    endpoint_url: http://x\n").unwrap();
        clouds("clouds:\n  a:\n    auth_url: http://k/v3\n    username: u\n").unwrap();
    }
}
