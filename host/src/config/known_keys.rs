//! The keys openstacksdk reads from a cloud entry, and the check that finds the others.
//!
//! openstacksdk ignores keys it does not know, so a misspelt `auth_tpye` silently means the
//! default `password`. oaktree keeps the tolerance (an unknown key never stops the daemon) but
//! reports each one with its file and key path and the closest known key.
//!
//! The lists come from openstacksdk's `config/schema.json`, `defaults.json`, `loader.py` and
//! `cloud_region.py` (what `CloudRegion` reads, including the per-service keys built by
//! `_get_config`: `<service>_api_version`, `<service>_endpoint_override`, ...), keystoneauth's
//! auth plugin options, and oaktree's own additions (`driver`, `allowed_hosts`, `rate_burst`).
//!
//! 1. Only clouds whose settings are openstacksdk's are checked: no `profile:` or a vendor
//!    profile, and no `driver:` other than an OpenStack one. A cloud served by another driver
//!    (`profile: aws`) has that driver's keys, which the host does not know.
//! 2. Per checked cloud: its own keys, the keys under `auth:`, and the same inside each
//!    `regions[i].values`.

use serde_json::{Map, Value};

use super::parse::CloudsFile;
use super::suggest::closest;
use super::warning::ConfigWarning;

/// Keys a cloud entry (or a region's `values`) may hold, besides [`AUTH_KEYS`] (which
/// openstacksdk moves under `auth:` when written beside it) and [`SERVICE_SUFFIXES`].
pub(crate) const CLOUD_KEYS: &[&str] = &[
    // Identity and selection.
    "auth",
    "auth_type",
    "auth_plugin",
    "profile",
    "cloud",
    "region_name",
    "regions",
    "interface",
    "endpoint_type",
    "endpoint_override",
    // keystoneauth session.
    "api_timeout",
    "timeout",
    "cacert",
    "verify",
    "insecure",
    "cert",
    "key",
    "timing",
    "split_loggers",
    "connect_retries",
    "connect_retry_delay",
    "status_code_retries",
    // Cloud behaviour (schema.json, vendor-schema.json).
    "floating_ip_source",
    "secgroup_source",
    "image_api_use_tasks",
    "image_format",
    "disable_vendor_agent",
    "vendor_hook",
    "requires_floating_ip",
    "networks",
    "external_network",
    "internal_network",
    "nat_destination",
    "nat_source",
    "force_ipv4",
    "additional_metric_tags",
    // openstacksdk's per-service rate limits, and oaktree's additions.
    "rate_limit",
    "concurrency",
    "rate_burst",
    "driver",
    "allowed_hosts",
];

/// Options of keystoneauth's auth plugins (password, token, application credential, OIDC,
/// SAML, OAuth, TOTP, admin_token / none with `endpoint`) and Rackspace's `api_key`.
pub(crate) const AUTH_KEYS: &[&str] = &[
    "auth_url",
    "username",
    "user_id",
    "password",
    "user_domain_id",
    "user_domain_name",
    "project_id",
    "project_name",
    "project_domain_id",
    "project_domain_name",
    "domain_id",
    "domain_name",
    "tenant_id",
    "tenant_name",
    "trust_id",
    "system_scope",
    "default_domain_id",
    "default_domain_name",
    "token",
    "auth_token",
    "passcode",
    "application_credential_id",
    "application_credential_name",
    "application_credential_secret",
    "api_key",
    "endpoint",
    "auth_methods",
    "reauthenticate",
    "access_key",
    "access_secret",
    "consumer_key",
    "consumer_secret",
    "identity_provider",
    "protocol",
    "client_id",
    "client_secret",
    "discovery_endpoint",
    "access_token_endpoint",
    "access_token",
    "access_token_type",
    "openid_scope",
    "code",
    "redirect_uri",
    "device_authorization_endpoint",
    "code_challenge_method",
    "identity_provider_url",
    "service_provider_endpoint",
    "service_provider_entity_id",
    "oauth2_endpoint",
    "oauth2_client_id",
    "oauth2_client_secret",
];

/// Endings of per-service keys (`compute_api_version`, `block_storage_endpoint_override`,
/// `image_endpoint_type`, `baremetal_status_code_retries`): any service prefix is accepted.
pub(crate) const SERVICE_SUFFIXES: &[&str] = &[
    "_api_version",
    "_default_microversion",
    "_min_version",
    "_max_version",
    "_endpoint_override",
    "_endpoint",
    "_endpoint_type",
    "_interface",
    "_region_name",
    "_service_name",
    "_service_type",
    "_connect_retries",
    "_connect_retry_delay",
    "_status_code_retries",
    "_timeout",
    "_disabled_reason",
];

/// Service prefixes offered in suggestions for misspelt per-service keys.
const COMMON_SERVICES: &[&str] = &[
    "compute",
    "identity",
    "image",
    "network",
    "volume",
    "block_storage",
    "object_store",
    "dns",
    "orchestration",
    "baremetal",
    "load_balancer",
    "key_manager",
    "placement",
    "shared_file_system",
];

/// Whether openstacksdk (or oaktree) reads `key` in a cloud entry.
pub(crate) fn is_cloud_key(key: &str) -> bool {
    CLOUD_KEYS.contains(&key)
        || AUTH_KEYS.contains(&key)
        || key.strip_prefix("has_").is_some_and(|s| !s.is_empty())
        || SERVICE_SUFFIXES
            .iter()
            .any(|suffix| key.len() > suffix.len() && key.ends_with(suffix))
}

/// The warnings for the unknown keys of `file`'s clouds for which `checked(name)` holds.
pub(crate) fn unknown_keys(
    file: &CloudsFile,
    checked: &dyn Fn(&str) -> bool,
) -> Vec<ConfigWarning> {
    let mut found = Finder {
        file,
        warnings: Vec::new(),
    };
    for (name, body) in file.clouds.iter().filter(|(name, _)| checked(name)) {
        found.settings(body, &format!("clouds.{name}"));
    }
    found.warnings
}

struct Finder<'a> {
    file: &'a CloudsFile,
    warnings: Vec<ConfigWarning>,
}

impl Finder<'_> {
    /// Step 2 of the module doc for one cloud entry or region `values` at `at`.
    fn settings(&mut self, body: &Map<String, Value>, at: &str) {
        for (key, value) in body {
            // Region `values` are normalised only later, at expansion.
            let key = key.replace('-', "_");
            match (key.as_str(), value) {
                ("auth", Value::Object(auth)) => {
                    let auth_keys = auth.keys().map(|k| k.replace('-', "_"));
                    for auth_key in auth_keys.filter(|k| !AUTH_KEYS.contains(&k.as_str())) {
                        let hint = closest(&auth_key, AUTH_KEYS.iter().copied()).map(str::to_owned);
                        self.warn(format!("{at}.auth.{auth_key}"), hint);
                    }
                }
                ("regions", Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(Value::Object(values)) = item.get("values") {
                            self.settings(values, &format!("{at}.regions[{i}].values"));
                        }
                    }
                }
                (key, _) if is_cloud_key(key) => {}
                (key, _) => {
                    let hint = suggest_cloud_key(key);
                    self.warn(format!("{at}.{key}"), hint);
                }
            }
        }
    }

    fn warn(&mut self, at: String, hint: Option<String>) {
        let message = match hint {
            Some(known) => format!(
                "unknown key (did you mean {known}?); openstacksdk and oaktree ignore it, so it \
                 has no effect. Fix: correct its spelling or remove it"
            ),
            None => "unknown key; openstacksdk and oaktree ignore it, so it has no effect. Fix: \
                     correct its spelling or remove it"
                .to_owned(),
        };
        self.warnings.push(ConfigWarning {
            path: self.file.path.clone(),
            at,
            message,
        });
    }
}

/// The closest known cloud key, per-service keys of common services included.
fn suggest_cloud_key(key: &str) -> Option<String> {
    let per_service: Vec<String> = COMMON_SERVICES
        .iter()
        .flat_map(|service| {
            SERVICE_SUFFIXES
                .iter()
                .map(move |s| format!("{service}{s}"))
        })
        .collect();
    let candidates = CLOUD_KEYS
        .iter()
        .copied()
        .chain(AUTH_KEYS.iter().copied())
        .chain(per_service.iter().map(String::as_str));
    closest(key, candidates).map(str::to_owned)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::config::parse::{FileKind, parse_clouds_file};
    use std::path::Path;

    fn warnings(text: &str) -> Vec<String> {
        let file = parse_clouds_file(text, Path::new("/c/clouds.yaml"), FileKind::Clouds).unwrap();
        unknown_keys(&file, &|name| name != "skipped")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_misspelt_key_warns_with_file_path_and_the_closest_known_key() {
        let found =
            warnings("clouds:\n  alpha:\n    auth_tpye: password\n    auth: {auth_url: x}\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "/c/clouds.yaml: clouds.alpha.auth_tpye: unknown key (did you mean auth_type?)"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn keys_under_auth_and_in_region_values_are_checked_too() {
        let found = warnings(
            "clouds:\n  alpha:\n    auth: {auth_url: x, pasword: p}\n    regions:\n      - R1\n      \
             - {name: R2, values: {image_fromat: raw, compute_api_version: '2.1'}}\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("clouds.alpha.auth.pasword: unknown key (did you mean password?)"),
            "{found:?}"
        );
        assert!(
            found[1].contains(
                "clouds.alpha.regions[1].values.image_fromat: unknown key (did you mean image_format?)"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn documented_and_per_service_keys_do_not_warn() {
        let found = warnings(
            "clouds:\n  a:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: x\n      \
             application_credential_id: i\n      application_credential_secret: s\n    \
             region_name: R\n    interface: internal\n    identity_api_version: 3\n    \
             block_storage_endpoint_override: http://x\n    image_endpoint_type: public\n    \
             has_dns: false\n    api_timeout: 5\n    cacert: /c.pem\n    verify: true\n    \
             rate_limit: {compute: 3}\n    concurrency: 2\n    networks: []\n    username: u\n    \
             project-name: p\n    allowed_hosts: [h]\n    nova_timeout: 9\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn clouds_of_other_drivers_are_not_checked() {
        let found = warnings("clouds:\n  skipped:\n    endpoint_url: http://x\n    aws_key: k\n");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn an_unknown_key_far_from_every_known_one_gets_no_suggestion() {
        let found = warnings("clouds:\n  a:\n    flavour_of_the_day: mint\n");
        assert!(
            found[0].ends_with(
                "clouds.a.flavour_of_the_day: unknown key; openstacksdk and oaktree ignore it, so \
                 it has no effect. Fix: correct its spelling or remove it"
            ),
            "{found:?}"
        );
    }
}
