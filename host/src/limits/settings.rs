//! Which budgets a cloud-region gets: the plugin's defaults from `describe()`, overridden by
//! clouds.yaml (per cloud, or per region through `regions[].values`), then by the host
//! config's `limits:` entries, by name and typed.
//!
//! clouds.yaml keys are openstacksdk's, read as numbers (never as text, unlike openstacksdk's
//! own loader): `rate_limit` (calls per second, a number for the whole region or a map of
//! service → number) and `concurrency` (calls in flight, likewise); plus oaktree's
//! `rate_burst` (bucket capacity, likewise). A rate set without a burst gets a burst of one
//! second's worth of calls.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::LimitSpec;

/// A partial spec: what an override sets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitOverride {
    pub calls_per_second: Option<f64>,
    pub burst: Option<u32>,
    pub max_in_flight: Option<u32>,
}

/// One host-config `limits:` entry: which cloud-regions (globs) and service it applies to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostLimit {
    #[serde(default = "match_all")]
    pub cloud: String,
    #[serde(default = "match_all")]
    pub region: String,
    /// A service type, or absent for the whole cloud-region.
    #[serde(default)]
    pub service: Option<String>,
    #[serde(flatten)]
    pub set: LimitOverride,
}

fn match_all() -> String {
    "*".to_owned()
}

impl LimitOverride {
    fn apply(&self, spec: &mut LimitSpec) {
        if let Some(rate) = self.calls_per_second {
            spec.calls_per_second = rate;
            if self.burst.is_none() {
                spec.burst = one_second_of(rate);
            }
        }
        if let Some(burst) = self.burst {
            spec.burst = burst;
        }
        if let Some(max) = self.max_in_flight {
            spec.max_in_flight = max;
        }
    }

    fn is_empty(&self) -> bool {
        *self == LimitOverride::default()
    }
}

fn one_second_of(rate: f64) -> u32 {
    let calls = rate.ceil().clamp(1.0, f64::from(u32::MAX));
    // In range after the clamp; `as` only drops the (zero) fraction.
    calls as u32
}

/// The budgets of one cloud-region: the whole region (`None`) and per service.
pub type Specs = BTreeMap<Option<String>, LimitSpec>;

/// Reads clouds.yaml limit keys from a cloud-region's settings. Errors name the key.
pub fn from_clouds_yaml(config: &Value) -> Result<BTreeMap<Option<String>, LimitOverride>, String> {
    let mut out: BTreeMap<Option<String>, LimitOverride> = BTreeMap::new();
    for key in ["rate_limit", "concurrency", "rate_burst"] {
        let Some(value) = config.get(key) else {
            continue;
        };
        let mut set = |service: Option<String>, number: &Value, at: String| -> Result<(), String> {
            let entry = out.entry(service).or_default();
            match key {
                "rate_limit" => entry.calls_per_second = Some(positive_f64(number, &at)?),
                "concurrency" => entry.max_in_flight = Some(positive_u32(number, &at)?),
                _ => entry.burst = Some(positive_u32(number, &at)?),
            }
            Ok(())
        };
        match value {
            Value::Object(per_service) => {
                for (service, number) in per_service {
                    set(Some(service.clone()), number, format!("{key}.{service}"))?;
                }
            }
            Value::Null => {}
            number => set(None, number, key.to_owned())?,
        }
    }
    Ok(out)
}

fn positive_f64(value: &Value, at: &str) -> Result<f64, String> {
    value
        .as_f64()
        .filter(|n| n.is_finite() && *n > 0.0)
        .ok_or_else(|| format!("{at}: must be a positive number (calls per second), not {value}"))
}

fn positive_u32(value: &Value, at: &str) -> Result<u32, String> {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n >= 1)
        .ok_or_else(|| format!("{at}: must be a whole number of at least 1, not {value}"))
}

/// Composes the budgets for `cloud`/`region`: plugin defaults, then clouds.yaml, then the
/// host entries that match (in order, later wins). A service override without a service
/// default starts from the region's spec.
pub fn compose(
    cloud: &str,
    region: &str,
    defaults: &[(Option<String>, LimitSpec)],
    clouds_yaml: &BTreeMap<Option<String>, LimitOverride>,
    host: &[HostLimit],
) -> Result<Specs, String> {
    let mut specs: Specs = defaults.iter().cloned().collect();
    let mut overrides: Vec<(Option<String>, LimitOverride)> =
        clouds_yaml.iter().map(|(s, o)| (s.clone(), *o)).collect();
    for entry in host {
        let matches =
            |pattern: &str, name: &str| glob::Pattern::new(pattern).is_ok_and(|p| p.matches(name));
        if matches(&entry.cloud, cloud) && matches(&entry.region, region) {
            overrides.push((entry.service.clone(), entry.set));
        }
    }
    for (service, set) in overrides {
        if set.is_empty() {
            continue;
        }
        let base = specs
            .get(&service)
            .or_else(|| specs.get(&None))
            .copied()
            .unwrap_or(UNLIMITED_BASE);
        let mut spec = base;
        set.apply(&mut spec);
        spec.validate()
            .map_err(|e| format!("limits for {cloud}/{region}: {e}"))?;
        specs.insert(service, spec);
    }
    Ok(specs)
}

/// What an override starts from when neither the plugin nor a wider setting gave a spec.
const UNLIMITED_BASE: LimitSpec = LimitSpec {
    calls_per_second: 1000.0,
    burst: 1000,
    max_in_flight: 64,
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(rate: f64, burst: u32, max: u32) -> LimitSpec {
        LimitSpec {
            calls_per_second: rate,
            burst,
            max_in_flight: max,
        }
    }

    #[test]
    fn plugin_defaults_apply_when_nothing_overrides_them() {
        let specs = compose(
            "a",
            "r",
            &[(None, spec(20.0, 20, 1))],
            &BTreeMap::new(),
            &[],
        )
        .unwrap();
        assert_eq!(specs[&None], spec(20.0, 20, 1));
    }

    #[test]
    fn clouds_yaml_numbers_and_service_maps_override_the_defaults() {
        let yaml =
            from_clouds_yaml(&json!({"rate_limit": 2, "concurrency": {"compute": 3}})).unwrap();
        let specs = compose("a", "r", &[(None, spec(20.0, 20, 1))], &yaml, &[]).unwrap();
        assert_eq!(specs[&None], spec(2.0, 2, 1));
        // The service override starts from the region's (already overridden) spec.
        assert_eq!(specs[&Some("compute".into())], spec(2.0, 2, 3));
    }

    #[test]
    fn host_entries_matching_by_glob_win_over_clouds_yaml() {
        let yaml = from_clouds_yaml(&json!({"rate_limit": 2})).unwrap();
        let host = vec![
            HostLimit {
                cloud: "a*".into(),
                region: "*".into(),
                service: None,
                set: LimitOverride {
                    calls_per_second: Some(10.0),
                    burst: Some(1),
                    max_in_flight: None,
                },
            },
            HostLimit {
                cloud: "other".into(),
                region: "*".into(),
                service: None,
                set: LimitOverride {
                    calls_per_second: Some(99.0),
                    ..Default::default()
                },
            },
        ];
        let specs = compose("alpha", "r", &[(None, spec(20.0, 20, 1))], &yaml, &host).unwrap();
        assert_eq!(specs[&None], spec(10.0, 1, 1));
    }

    #[test]
    fn host_entries_parse_from_yaml_and_reject_unknown_keys() {
        let entries: Vec<HostLimit> = serde_yaml::from_str(
            "- {cloud: gamma, service: image, calls_per_second: 5}\n- {max_in_flight: 2}\n",
        )
        .unwrap();
        assert_eq!(entries[0].cloud, "gamma");
        assert_eq!(entries[0].region, "*");
        assert_eq!(entries[0].service.as_deref(), Some("image"));
        assert_eq!(entries[0].set.calls_per_second, Some(5.0));
        assert_eq!(entries[1].set.max_in_flight, Some(2));
        let error = serde_yaml::from_str::<Vec<HostLimit>>("- {calls_per_secnd: 5}\n").unwrap_err();
        assert!(error.to_string().contains("calls_per_secnd"), "{error}");
    }

    #[test]
    fn text_where_a_number_belongs_is_an_error_naming_the_key() {
        let error = from_clouds_yaml(&json!({"rate_limit": {"compute": "2"}})).unwrap_err();
        assert!(
            error.starts_with("rate_limit.compute: must be a positive number"),
            "{error}"
        );
        let error = from_clouds_yaml(&json!({"concurrency": 0})).unwrap_err();
        assert!(
            error.starts_with("concurrency: must be a whole number"),
            "{error}"
        );
    }
}
