//! Value plumbing shared by the loaders: YAML → JSON conversion, openstacksdk's key
//! normalisation, the recursive merge used for secure.yaml, profiles and region values, and the
//! `{region_name}` templating.

use serde_json::{Map, Value};

/// Converts a parsed YAML value into JSON, keeping mapping order and scalar types.
///
/// Non-string mapping keys (`1: x`, `true: y`) become their text; YAML tags are dropped; floats
/// JSON cannot hold (`.nan`, `.inf`) become their YAML text.
pub(crate) fn yaml_to_json(value: &serde_yaml::Value) -> Value {
    match value {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(*b),
        serde_yaml::Value::Number(n) => number_to_json(n),
        serde_yaml::Value::String(s) => Value::String(s.clone()),
        serde_yaml::Value::Sequence(items) => {
            Value::Array(items.iter().map(yaml_to_json).collect())
        }
        serde_yaml::Value::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(key_text(k), yaml_to_json(v));
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(tagged) => yaml_to_json(&tagged.value),
    }
}

fn number_to_json(n: &serde_yaml::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        n.as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

/// The text of a mapping key, whatever its YAML type.
pub(crate) fn key_text(key: &serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Null => "null".to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Tagged(tagged) => key_text(&tagged.value),
        other => serde_yaml::to_string(other)
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
    }
}

/// openstacksdk's `normalize_keys`: `-` becomes `_` in mapping keys, recursively through nested
/// mappings (not into lists, as openstacksdk). Unlike openstacksdk, numbers stay numbers:
/// stringifying them is a known openstacksdk quirk that only `api_timeout` escapes.
/// When `a-b` and `a_b` both appear, the later one wins, as in Python.
pub(crate) fn normalize_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(normalize_map(map)),
        other => other,
    }
}

/// [`normalize_keys`] for a mapping.
pub(crate) fn normalize_map(map: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in map {
        out.insert(k.replace('-', "_"), normalize_keys(v));
    }
    out
}

/// Merges `over` into `base`: mappings merge key by key, recursively; any other value in `over`
/// (scalar, list, null) replaces what `base` had. This is openstacksdk's `merge_clouds`.
pub(crate) fn deep_merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => merge_maps(b, o),
        (slot, over) => *slot = over,
    }
}

/// [`deep_merge`] for two mappings.
pub(crate) fn merge_maps(base: &mut Map<String, Value>, over: Map<String, Value>) {
    for (k, v) in over {
        match base.get_mut(&k) {
            Some(existing) => deep_merge(existing, v),
            None => {
                base.insert(k, v);
            }
        }
    }
}

/// Replaces `{region_name}` in every string, at any depth, except under keys named `password`
/// (openstacksdk's `FORMAT_EXCLUSIONS`). Only this one placeholder is expanded, so other braces
/// in values (URL templates meant for drivers) pass through untouched.
pub(crate) fn format_region_name(value: &mut Value, region: &str) {
    const PLACEHOLDER: &str = "{region_name}";
    match value {
        Value::String(s) if s.contains(PLACEHOLDER) => *s = s.replace(PLACEHOLDER, region),
        Value::Array(items) => items.iter_mut().for_each(|v| format_region_name(v, region)),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k != "password" {
                    format_region_name(v, region);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn yaml(text: &str) -> Value {
        yaml_to_json(&serde_yaml::from_str(text).unwrap())
    }

    #[test]
    fn numbers_and_booleans_keep_their_types() {
        let v = normalize_keys(yaml(
            "api-timeout: 30\nratio: 1.5\nverify: false\nid: '42'\n",
        ));
        assert_eq!(
            v,
            json!({"api_timeout": 30, "ratio": 1.5, "verify": false, "id": "42"})
        );
    }

    #[test]
    fn dashes_become_underscores_in_nested_mappings_but_not_in_lists() {
        let v = normalize_keys(yaml("a-b:\n  c-d: 1\nl:\n  - e-f: 2\n"));
        assert_eq!(v, json!({"a_b": {"c_d": 1}, "l": [{"e-f": 2}]}));
    }

    #[test]
    fn deep_merge_merges_mappings_and_replaces_everything_else() {
        let mut base =
            json!({"auth": {"username": "u", "auth_url": "x"}, "regions": ["A", "B"], "k": 1});
        deep_merge(
            &mut base,
            json!({"auth": {"password": "p", "auth_url": "y"}, "regions": ["C"], "k": {"x": 1}}),
        );
        assert_eq!(
            base,
            json!({"auth": {"username": "u", "auth_url": "y", "password": "p"}, "regions": ["C"], "k": {"x": 1}})
        );
    }

    #[test]
    fn region_name_is_formatted_everywhere_except_passwords() {
        let mut v = json!({
            "auth": {"auth_url": "https://{region_name}.example/v3", "password": "p{region_name}"},
            "list": ["{region_name}-x"],
            "other": "{project}"
        });
        format_region_name(&mut v, "R1");
        assert_eq!(
            v,
            json!({
                "auth": {"auth_url": "https://R1.example/v3", "password": "p{region_name}"},
                "list": ["R1-x"],
                "other": "{project}"
            })
        );
    }

    #[test]
    fn odd_yaml_keys_and_tags_convert_to_text() {
        let v = yaml("1: a\ntrue: b\nx: !custom 3\n");
        assert_eq!(v, json!({"1": "a", "true": "b", "x": 3}));
    }
}
