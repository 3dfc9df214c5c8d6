//! Vendor profiles: the built-in table (openstacksdk's `config/vendors/*`, inlined) and the
//! user's `clouds-public.yaml` entries, resolved into one settings mapping.
//!
//! 1. Look the name up in `clouds-public.yaml` first, then in the built-in table (openstacksdk's
//!    order). A URL is refused: fetching `/.well-known/openstack/api` needs the network.
//! 2. If the entry nests `profile:`, resolve that one first and merge the entry over it.
//! 3. Pop `status`/`message`: `deprecated` warns, `shutdown` is an error.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::error::ConfigError;
use super::merge::{key_text, merge_maps, normalize_map, yaml_to_json};
use super::parse::{kind_of, parse_document, parse_regions};

/// How deep `profile:` may nest before we call it a cycle.
const MAX_NESTING: usize = 8;

/// Names of the built-in profiles, in alphabetical order.
pub const BUILTIN_PROFILES: &[&str] = &[
    "auro",
    "betacloud",
    "binero",
    "bluebox",
    "catalyst",
    "citycloud",
    "conoha",
    "dreamcompute",
    "elastx",
    "entercloudsuite",
    "fuga",
    "ibmcloud",
    "internap",
    "limestonenetworks",
    "otc",
    "ovh",
    "ovh-us",
    "rackspace",
    "switchcloud",
    "switchengines",
    "ultimum",
    "unitedstack",
    "vexxhost",
    "zetta",
];

/// The settings of a built-in profile, before status handling. Only auth URLs that the
/// reference records are filled in; for the others the cloud supplies `auth.auth_url`.
fn builtin(name: &str) -> Option<Value> {
    let v = match name {
        "auro" => json!({
            "auth": {"auth_url": "https://api.van2.auro.io:5000/v3"},
            "identity_api_version": "3",
            "user_domain_name": "Default", "project_domain_name": "Default",
            "region_name": "RegionOne", "requires_floating_ip": true
        }),
        "betacloud" => json!({
            "identity_api_version": "3", "image_format": "raw", "block_storage_api_version": "3",
            "regions": ["betacloud-1"],
            "status": "shutdown", "message": "Betacloud has shut down"
        }),
        "binero" => json!({
            "identity_api_version": "3", "block_storage_api_version": "3", "regions": ["europe-se-1"]
        }),
        "bluebox" => json!({"block_storage_api_version": "1", "region_name": "RegionOne"}),
        "catalyst" => json!({
            "identity_api_version": "2.0", "image_api_version": "1",
            "block_storage_api_version": "1", "image_format": "raw",
            "regions": ["nz-por-1", "nz_wlg_2"]
        }),
        "citycloud" => json!({
            "auth": {"auth_url": "https://{region_name}.citycloud.com:5000/v3/"},
            "regions": ["Buf1", "Fra1", "Lon1", "Sto2", "Kna1", "dx1", "tky1"],
            "requires_floating_ip": true, "block_storage_api_version": "3",
            "identity_api_version": "3", "image_format": "raw"
        }),
        "conoha" => json!({
            "auth": {"auth_url": "https://identity.{region_name}.conoha.io"},
            "regions": ["sin1", "sjc1", "tyo1"], "identity_api_version": "2"
        }),
        "dreamcompute" => json!({
            "identity_api_version": "3", "region_name": "RegionOne", "image_format": "raw"
        }),
        "elastx" => json!({"identity_api_version": "3", "region_name": "se-sto"}),
        "entercloudsuite" => json!({
            "identity_api_version": "3", "image_api_version": "1", "block_storage_api_version": "1",
            "regions": ["it-mil1", "nl-ams1", "de-fra1"]
        }),
        "fuga" => json!({
            "identity_api_version": "3", "block_storage_api_version": "3",
            "user_domain_name": "Default", "project_domain_name": "Default",
            "status": "deprecated", "message": "Fuga Cloud has been renamed and moved"
        }),
        "ibmcloud" => json!({
            "block_storage_api_version": "2", "identity_api_version": "3", "region_name": "london",
            "status": "shutdown", "message": "IBM Cloud's OpenStack service has shut down"
        }),
        "internap" => json!({
            "identity_api_version": "3", "floating_ip_source": "None",
            "regions": ["ams01", "da01", "nyj01", "sin01", "sjc01"],
            "status": "shutdown", "message": "Internap is now HorizonIQ and no longer offers this cloud"
        }),
        "limestonenetworks" => json!({
            "auth": {"auth_url": "https://auth.cloud.lstn.net:5000/v3"},
            "identity_api_version": "3", "image_format": "raw", "volume_api_version": "3",
            "regions": [
                {"name": "us-dfw-1", "values": {"networks": [
                    {"name": "Public Internet", "routes_externally": true,
                     "default_interface": true, "nat_source": true},
                    {"name": "DDoS Protected", "routes_externally": true},
                    {"name": "Private Network (10.0.0.0/8 only)", "routes_externally": false},
                    {"name": "Private Network (Floating Public)", "routes_externally": false,
                     "nat_destination": true}
                ]}},
                {"name": "us-slc", "values": {"networks": [
                    {"name": "Public Internet", "routes_externally": true,
                     "default_interface": true, "nat_source": true},
                    {"name": "Private Network (10.0.0.0/8 only)", "routes_externally": false},
                    {"name": "Private Network (Floating Public)", "routes_externally": false,
                     "nat_destination": true}
                ]}}
            ]
        }),
        "otc" => json!({
            "auth": {"auth_url": "https://iam.{region_name}.otc.t-systems.com/v3"},
            "identity_api_version": "3", "interface": "public", "image_format": "qcow2",
            "vendor_hook": "otcextensions.sdk:load", "regions": ["eu-de", "eu-nl"]
        }),
        // The live ovh.json is only `profile: https://ovhcloud.com` (remote, unsupported here),
        // so this is the last inline version (before 4e3f50c16). It sets no image_format: OVH
        // takes qcow2, the default, and neither that file nor the reference says raw.
        "ovh" => json!({
            "auth": {"auth_url": "https://auth.cloud.ovh.net/"},
            "identity_api_version": "3", "floating_ip_source": "None",
            "user_domain_name": "Default", "project_domain_name": "Default",
            "regions": ["BHS", "BHS1", "BHS3", "DE", "DE1", "GRA", "GRA1", "GRA5", "SBG", "SBG1",
                        "SBG5", "UK", "UK1", "WAW", "WAW1"]
        }),
        // Region names are not in the reference; the cloud sets `region_name` or `regions`.
        "ovh-us" => json!({"identity_api_version": "3", "floating_ip_source": "None"}),
        "rackspace" => json!({
            "auth": {"auth_url": "https://identity.api.rackspacecloud.com/v2.0/"},
            "identity_api_version": "2.0",
            "regions": ["DFW", "HKG", "IAD", "ORD", "SYD", "LON"],
            "database_service_type": "rax:database",
            "compute_service_name": "cloudServersOpenStack",
            "image_api_use_tasks": true, "image_format": "vhd",
            "floating_ip_source": "None", "secgroup_source": "None",
            "requires_floating_ip": false,
            "block_storage_endpoint_override":
                "https://{region_name}.blockstorage.api.rackspacecloud.com/v2/",
            "block_storage_api_version": "2",
            "disable_vendor_agent": {"vm_mode": "hvm", "xenapi_use_agent": "False"},
            "has_network": false
        }),
        "switchcloud" | "switchengines" => {
            json!({"identity_api_version": "3", "image_format": "raw"})
        }
        "ultimum" => json!({
            "identity_api_version": "3", "block_storage_api_version": "1", "region_name": "RegionOne",
            "status": "shutdown", "message": "Ultimum cloud has shut down"
        }),
        "unitedstack" => json!({
            "identity_api_version": "3", "block_storage_api_version": "1", "image_format": "raw",
            "floating_ip_source": "None", "regions": ["bj1", "gd1"],
            "status": "shutdown", "message": "UnitedStack has shut down"
        }),
        // The live vexxhost.json is remote (`https://vexxhost.com`, since 3d08643c4); this is the
        // inline version before it. Its `auth_type: v3password` is left out on purpose: with
        // identity 3 the default `password` plugin behaves the same, and drivers see one name.
        "vexxhost" => json!({
            "auth": {"auth_url": "https://auth.vexxhost.net/v3"},
            "regions": ["ca-ymq-1", "sjc1"],
            "dns_api_version": "1", "identity_api_version": "3", "image_format": "raw",
            "floating_ip_source": "None", "requires_floating_ip": false
        }),
        "zetta" => {
            json!({"identity_api_version": "3", "dns_api_version": "2", "region_name": "no-osl1"})
        }
        _ => return None,
    };
    Some(v)
}

/// The profiles a cloud may name: the built-in table plus `clouds-public.yaml` entries.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profiles {
    /// The vendor file and its normalised `public-clouds` entries, when one was found.
    public: Option<(PathBuf, Map<String, Value>)>,
}

/// A resolved profile: its settings with `status`/`message`/`profile` removed.
pub(crate) type ProfileData = Map<String, Value>;

impl Profiles {
    /// Built-in profiles only.
    pub(crate) fn builtin_only() -> Self {
        Profiles::default()
    }

    /// Built-ins plus the entries of a `clouds-public.yaml` (top key `public-clouds:`).
    pub(crate) fn with_public_file(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let doc = parse_document(text, path)?;
        let mut entries = Map::new();
        let top = match &doc {
            serde_yaml::Value::Mapping(m) => m.clone(),
            serde_yaml::Value::Null => serde_yaml::Mapping::new(),
            _ => {
                return Err(ConfigError::invalid(
                    path,
                    "top level",
                    "must be a mapping with a `public-clouds:` key",
                ));
            }
        };
        for (k, v) in &top {
            if key_text(k) != "public-clouds" {
                tracing::warn!(file = %path.display(), key = key_text(k), "ignoring unknown top-level key in vendor file");
                continue;
            }
            let Value::Object(map) = yaml_to_json(v) else {
                return Err(ConfigError::invalid(
                    path,
                    "public-clouds",
                    "must be a mapping of profile name → settings",
                ));
            };
            for (name, body) in map {
                let at = format!("public-clouds.{name}");
                let Value::Object(body) = body else {
                    return Err(ConfigError::invalid(
                        path,
                        at,
                        format!("a profile must be a mapping, not {}", kind_of(&body)),
                    ));
                };
                let body = normalize_map(body);
                if let Some(r) = body.get("regions") {
                    parse_regions(r, path, &format!("{at}.regions"))?;
                }
                entries.insert(name, Value::Object(body));
            }
        }
        Ok(Profiles {
            public: Some((path.to_path_buf(), entries)),
        })
    }

    /// Every profile name a cloud may use: vendor-file entries, then the built-ins.
    pub(crate) fn known_names(&self) -> Vec<String> {
        let public = self.public.iter().flat_map(|(_, m)| m.keys().cloned());
        let mut names: Vec<String> = public.collect();
        for builtin in BUILTIN_PROFILES {
            if !names.iter().any(|n| n == builtin) {
                names.push(builtin.to_string());
            }
        }
        names
    }

    /// Resolves `name` for the cloud at `at` in `file`; see the module doc.
    pub(crate) fn resolve(
        &self,
        name: &str,
        file: &Path,
        at: &str,
    ) -> Result<ProfileData, ConfigError> {
        let err = |message: String| ConfigError::Profile {
            path: file.to_path_buf(),
            at: at.to_string(),
            profile: name.to_string(),
            message,
        };
        if !name.contains("://") && !self.is_known(name) {
            // Not a vendor profile: in oaktree a profile also selects the plugin (`aws`,
            // a third-party driver), so it carries no settings here; the plugin registry
            // reports a profile that no plugin serves.
            tracing::debug!(file = %file.display(), at, profile = name, "profile has no vendor settings");
            return Ok(ProfileData::new());
        }
        let mut chain = Vec::new();
        let mut data = self.lookup(name, &mut chain).map_err(err)?;
        let status = data.remove("status");
        let message = data
            .remove("message")
            .and_then(|m| m.as_str().map(str::to_string))
            .unwrap_or_default();
        match status.as_ref().and_then(Value::as_str) {
            Some("shutdown") => Err(err(format!(
                "references a cloud that no longer exists: {message}. Fix: remove `profile: {name}` \
                 and configure the cloud's settings (auth_url, regions) directly"
            ))),
            Some("deprecated") => {
                tracing::warn!(file = %file.display(), at, profile = name, message, "vendor profile is deprecated");
                Ok(data)
            }
            _ => Ok(data),
        }
    }

    /// Whether `name` is a vendor profile: a `clouds-public.yaml` entry or a built-in one.
    pub(crate) fn is_known(&self, name: &str) -> bool {
        self.public
            .as_ref()
            .is_some_and(|(_, m)| m.contains_key(name))
            || builtin(name).is_some()
    }

    /// Finds one profile's data, resolving nested `profile:` keys. Errors are messages that the
    /// caller wraps with the cloud's location.
    fn lookup(&self, name: &str, chain: &mut Vec<String>) -> Result<ProfileData, String> {
        if chain.iter().any(|c| c == name) || chain.len() >= MAX_NESTING {
            chain.push(name.to_string());
            return Err(format!("profiles nest in a cycle: {}", chain.join(" -> ")));
        }
        chain.push(name.to_string());
        if name.contains("://") {
            return Err(format!(
                "remote profiles (fetched from <url>/.well-known/openstack/api) are not supported: \
                 oaktree does not fetch config over the network. Fix: inline the settings of {name} \
                 in the cloud entry, or add them as an entry of clouds-public.yaml"
            ));
        }
        let found = self
            .public
            .as_ref()
            .and_then(|(_, m)| m.get(name).cloned())
            .or_else(|| builtin(name));
        let Some(Value::Object(mut data)) = found else {
            return Err(format!(
                "unknown profile. Known profiles: {}. Fix: use one of them, add it to \
                 clouds-public.yaml under `public-clouds:`, or remove `profile:`",
                self.known_names().join(", ")
            ));
        };
        if let Some(nested) = data.remove("profile") {
            let Value::String(nested) = nested else {
                return Err(format!(
                    "its nested `profile:` must be a name, not {}",
                    kind_of(&nested)
                ));
            };
            let mut base = self.lookup(&nested, chain)?;
            merge_maps(&mut base, data);
            data = base;
        }
        Ok(data)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn resolve(p: &Profiles, name: &str) -> Result<ProfileData, ConfigError> {
        p.resolve(name, Path::new("/c/clouds.yaml"), "clouds.x.profile")
    }

    #[test]
    fn every_builtin_name_has_a_mapping() {
        for name in BUILTIN_PROFILES {
            assert!(matches!(builtin(name), Some(Value::Object(_))), "{name}");
        }
    }

    #[test]
    fn rackspace_has_six_regions_vhd_and_tasks() {
        let d = resolve(&Profiles::builtin_only(), "rackspace").unwrap();
        assert_eq!(d["regions"].as_array().map(Vec::len), Some(6));
        assert_eq!(d["image_format"], "vhd");
        assert_eq!(d["image_api_use_tasks"], true);
    }

    #[test]
    fn a_shutdown_profile_is_an_error_naming_it() {
        let err = resolve(&Profiles::builtin_only(), "betacloud")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("profile 'betacloud': references a cloud that no longer exists"),
            "{err}"
        );
        assert!(
            err.starts_with("/c/clouds.yaml: clouds.x.profile:"),
            "{err}"
        );
    }

    #[test]
    fn a_deprecated_profile_still_resolves_without_its_status() {
        let d = resolve(&Profiles::builtin_only(), "fuga").unwrap();
        assert!(!d.contains_key("status") && !d.contains_key("message"));
    }

    #[test]
    fn a_profile_that_is_no_vendor_profile_carries_no_settings() {
        let data = resolve(&Profiles::builtin_only(), "aws").unwrap();
        assert!(data.is_empty());
    }

    #[test]
    fn a_nested_unknown_profile_lists_the_known_ones() {
        let err = Profiles::builtin_only()
            .lookup("nope", &mut Vec::new())
            .unwrap_err();
        assert!(
            err.contains("unknown profile. Known profiles: auro, betacloud"),
            "{err}"
        );
    }

    #[test]
    fn a_url_profile_is_refused_with_the_fix() {
        let err = resolve(&Profiles::builtin_only(), "https://vexxhost.com")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("remote profiles") && err.contains("inline the settings"),
            "{err}"
        );
    }

    #[test]
    fn public_clouds_entries_win_and_may_nest_a_profile() {
        let text = "public-clouds:\n  mycloud:\n    profile: rackspace\n    image-format: raw\n  \
                    rackspace:\n    regions: [DFW]\n";
        let p = Profiles::with_public_file(text, Path::new("/c/clouds-public.yaml")).unwrap();
        let mine = resolve(&p, "mycloud").unwrap();
        assert_eq!(mine["image_format"], "raw");
        assert_eq!(mine["regions"], serde_json::json!(["DFW"]));
        assert!(p.known_names().contains(&"mycloud".to_string()));
    }

    #[test]
    fn nested_profiles_that_cycle_are_an_error() {
        let text = "public-clouds:\n  a: {profile: b}\n  b: {profile: a}\n";
        let p = Profiles::with_public_file(text, Path::new("/c/clouds-public.yaml")).unwrap();
        let err = resolve(&p, "a").unwrap_err().to_string();
        assert!(err.contains("a -> b -> a"), "{err}");
    }
}
