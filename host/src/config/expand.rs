//! Expansion of one cloud entry into its cloud-regions, as openstacksdk's `get_all()` does.
//!
//! 1. Take `profile:` (or the deprecated `cloud:`) and `driver:` out of the entry and resolve
//!    the profile.
//! 2. Pick the region list: the cloud's `regions:`, else its `region_name:` (a name or a
//!    deprecated comma list), else the profile's `regions:`/`region_name:`, else one region "".
//! 3. Layer the settings: defaults, then the profile, then the cloud (recursive merge).
//! 4. Per region: merge its `values` over that, set `region_name`, apply the auth fixes, expand
//!    `{region_name}` in strings, and check the `networks` list.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::auth::{apply_layer_aliases, fix_auth};
use super::error::ConfigError;
use super::merge::{format_region_name, merge_maps};
use super::parse::{RegionSpec, kind_of, parse_regions, region_names};
use super::profiles::Profiles;

/// One cloud-region: the unit of fan-out, caching, rate limiting and failure.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudRegionConfig {
    /// The cloud's name in clouds.yaml.
    pub cloud: String,
    /// The region name; "" when the cloud has no region.
    pub region: String,
    /// The vendor profile named by `profile:` (or the deprecated `cloud:`), if any.
    pub profile: Option<String>,
    /// The plugin named by the cloud's `driver:` key (an oaktree extension), if any.
    pub driver: Option<String>,
    /// Every setting for this cloud-region, merged: a JSON object with `auth`, `region_name`,
    /// `image_format`, ... `profile`, `cloud`, `driver` and `regions` are not in it.
    pub config: Value,
}

/// openstacksdk's `defaults.json`, plus `identity_api_version: "3"`, under every cloud.
fn defaults() -> Map<String, Value> {
    let v = json!({
        "auth_type": "password",
        "interface": "public",
        "floating_ip_source": "neutron",
        "secgroup_source": "neutron",
        "image_api_use_tasks": false,
        "image_format": "qcow2",
        "network_api_version": "2",
        "identity_api_version": "3",
        "object_store_api_version": "1",
        "baremetal_status_code_retries": 5,
        "baremetal_introspection_status_code_retries": 5,
        "image_status_code_retries": 5
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Expands the cloud `name` (its normalised, secure-merged settings) from `file`.
pub(crate) fn expand_cloud(
    name: &str,
    mut own: Map<String, Value>,
    profiles: &Profiles,
    file: &Path,
) -> Result<Vec<CloudRegionConfig>, ConfigError> {
    let at = format!("clouds.{name}");
    apply_layer_aliases(&mut own);
    let old_alias = take_name(&mut own, "cloud", file, &at)?;
    let profile_name = match (take_name(&mut own, "profile", file, &at)?, old_alias) {
        (Some(p), _) => Some(p),
        (None, Some(old)) => {
            tracing::warn!(file = %file.display(), cloud = name, profile = old,
                "`cloud:` naming a vendor profile is deprecated; write `profile:` instead");
            Some(old)
        }
        (None, None) => None,
    };
    let driver = take_name(&mut own, "driver", file, &at)?;
    let profile = match &profile_name {
        Some(p) => {
            let mut data = profiles.resolve(p, file, &format!("{at}.profile"))?;
            apply_layer_aliases(&mut data);
            Some(data)
        }
        None => None,
    };

    let specs = region_specs(name, &own, profile.as_ref(), file, &at)?;
    let mut base = defaults();
    if let Some(p) = profile {
        merge_maps(&mut base, p);
    }
    merge_maps(&mut base, own);
    base.remove("regions");

    let mut out = Vec::with_capacity(specs.len());
    for spec in specs {
        let mut config = base.clone();
        let mut values = spec.values;
        apply_layer_aliases(&mut values);
        merge_maps(&mut config, values);
        for key in ["regions", "profile", "cloud", "driver"] {
            config.remove(key);
        }
        config.insert("region_name".into(), Value::String(spec.name.clone()));
        fix_auth(&mut config);
        let mut config = Value::Object(config);
        format_region_name(&mut config, &spec.name);
        check_networks(
            &config,
            file,
            &format!("{at}.networks (region '{}')", spec.name),
        )?;
        out.push(CloudRegionConfig {
            cloud: name.to_string(),
            region: spec.name,
            profile: profile_name.clone(),
            driver: driver.clone(),
            config,
        });
    }
    Ok(out)
}

/// Removes `key` and returns it as a name; parsing already checked the shape, but secure.yaml
/// merging could in principle change it, so check again.
fn take_name(
    map: &mut Map<String, Value>,
    key: &str,
    file: &Path,
    at: &str,
) -> Result<Option<String>, ConfigError> {
    match map.remove(key) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(other) => Err(ConfigError::invalid(
            file,
            format!("{at}.{key}"),
            format!("must be a non-empty name, not {}", kind_of(&other)),
        )),
    }
}

/// Step 2 of the module doc, with duplicate names rejected.
fn region_specs(
    cloud: &str,
    own: &Map<String, Value>,
    profile: Option<&Map<String, Value>>,
    file: &Path,
    at: &str,
) -> Result<Vec<RegionSpec>, ConfigError> {
    let plain = |name: String| RegionSpec {
        name,
        values: Map::new(),
    };
    let mut specs = match own.get("regions") {
        Some(r) => parse_regions(r, file, &format!("{at}.regions"))?,
        None => Vec::new(),
    };
    if !specs.is_empty() && own.contains_key("region_name") {
        tracing::warn!(file = %file.display(), cloud,
            "both `regions` and `region_name` are set; `regions` wins, as in openstacksdk");
    }
    if specs.is_empty()
        && let Some(rn) = own.get("region_name")
    {
        specs = region_names(rn, file, &format!("{at}.region_name"))?
            .into_iter()
            .map(plain)
            .collect();
    }
    if specs.is_empty()
        && let Some(p) = profile
    {
        let profile_at = format!("{at}.profile.regions");
        specs = match (p.get("regions"), p.get("region_name")) {
            (Some(r), _) => parse_regions(r, file, &profile_at)?,
            (None, Some(Value::String(rn))) if !rn.is_empty() => vec![plain(rn.clone())],
            _ => Vec::new(),
        };
    }
    if specs.is_empty() {
        specs.push(plain(String::new()));
    }
    for (i, spec) in specs.iter().enumerate() {
        if specs[..i].iter().any(|s| s.name == spec.name) {
            return Err(ConfigError::invalid(
                file,
                format!("{at}.regions"),
                format!(
                    "region '{}' is listed twice. Fix: list each region once, with all its \
                     settings in one {{name, values}} entry",
                    spec.name
                ),
            ));
        }
    }
    Ok(specs)
}

/// openstacksdk's `_validate_networks`: at most one network may be `nat_destination` and at
/// most one `default_interface`, and every entry needs a name.
fn check_networks(config: &Value, file: &Path, at: &str) -> Result<(), ConfigError> {
    let Some(networks) = config.get("networks") else {
        return Ok(());
    };
    let Some(list) = networks.as_array() else {
        return Err(ConfigError::invalid(
            file,
            at,
            format!(
                "must be a list of network entries, not {}",
                kind_of(networks)
            ),
        ));
    };
    for flag in ["nat_destination", "default_interface"] {
        let mut flagged: Option<&str> = None;
        for net in list {
            let name = net.get("name").and_then(Value::as_str).unwrap_or_default();
            if name.is_empty() {
                return Err(ConfigError::invalid(
                    file,
                    at,
                    "entry in the network list has no `name`. Fix: add `name: <network>`",
                ));
            }
            if !is_true(net.get(flag)) {
                continue;
            }
            if let Some(first) = flagged {
                return Err(ConfigError::invalid(
                    file,
                    at,
                    format!(
                        "networks '{first}' and '{name}' are both flagged {flag}. Fix: flag only \
                         one network with {flag}"
                    ),
                ));
            }
            flagged = Some(name);
        }
    }
    Ok(())
}

/// openstacksdk's `get_boolean`: `true` or the text "true" in any case.
fn is_true(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn expand(v: Value) -> Result<Vec<CloudRegionConfig>, ConfigError> {
        let Value::Object(m) = v else { panic!() };
        expand_cloud(
            "c",
            m,
            &Profiles::builtin_only(),
            Path::new("/c/clouds.yaml"),
        )
    }

    #[test]
    fn a_cloud_without_regions_has_one_region_named_empty() {
        let r = expand(json!({"auth": {"auth_url": "u"}})).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].region, "");
        assert_eq!(r[0].config["region_name"], "");
        assert_eq!(r[0].config["image_format"], "qcow2");
        assert_eq!(r[0].config["auth_type"], "password");
    }

    #[test]
    fn regions_win_over_region_name() {
        let r = expand(json!({"region_name": "X", "regions": ["A", "B"]})).unwrap();
        let names: Vec<&str> = r.iter().map(|c| c.region.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(r[1].config["region_name"], "B");
        assert!(r[0].config.get("regions").is_none());
    }

    #[test]
    fn duplicate_region_names_are_an_error() {
        let err = expand(json!({"regions": ["A", {"name": "A"}]}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("clouds.c.regions: region 'A' is listed twice"),
            "{err}"
        );
    }

    #[test]
    fn a_profile_region_name_is_used_when_the_cloud_has_none() {
        let r = expand(json!({"profile": "dreamcompute"})).unwrap();
        assert_eq!(r[0].region, "RegionOne");
        assert_eq!(r[0].config["image_format"], "raw");
        assert_eq!(r[0].profile.as_deref(), Some("dreamcompute"));
    }

    #[test]
    fn the_deprecated_cloud_key_names_a_profile_and_driver_is_taken_out() {
        let r = expand(json!({"cloud": "vexxhost", "driver": "openstack"})).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].profile.as_deref(), Some("vexxhost"));
        assert_eq!(r[0].driver.as_deref(), Some("openstack"));
        for key in ["cloud", "profile", "driver"] {
            assert!(r[0].config.get(key).is_none(), "{key}");
        }
    }

    #[test]
    fn profile_region_values_apply_per_region() {
        let r = expand(json!({"profile": "limestonenetworks"})).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].config["networks"].as_array().map(Vec::len), Some(4));
        assert_eq!(r[1].config["networks"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn two_nat_destinations_are_an_error() {
        let err = expand(json!({"networks": [
            {"name": "a", "nat_destination": true}, {"name": "b", "nat_destination": "True"}
        ]}))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("networks 'a' and 'b' are both flagged nat_destination"),
            "{err}"
        );
    }
}
