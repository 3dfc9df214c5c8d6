//! Reading one clouds-style file (clouds.yaml or secure.yaml) into ordered, normalised cloud
//! entries, and the `regions:` / `region_name:` grammar shared with vendor profiles.
//!
//! 1. Parse the text: serde_json for `.json` files, serde_yaml otherwise; both keep key order
//!    and report line and column on a syntax error.
//! 2. Check the top level: a mapping; unknown keys become warnings, as openstacksdk ignores
//!    them.
//! 3. Take `clouds:` in file order, normalise each entry's keys and check the keys whose shape
//!    we rely on (`auth`, `profile`, `driver`, `region_name`, `regions`), so an error names the
//!    file that holds the mistake.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::ConfigError;
use super::merge::{key_text, normalize_map, yaml_to_json};
use super::suggest::closest;
use super::warning::ConfigWarning;

/// Top-level keys openstacksdk reads from a clouds file; anything else only warns.
const KNOWN_TOP_LEVEL: &[&str] = &["clouds", "cache", "client", "public-clouds", "metrics"];

/// Keys allowed in a `{name, values}` region item (openstacksdk `_expand_regions`).
const REGION_KEYS: &[&str] = &["name", "values"];

/// Which file is being read: the clouds file must define `clouds:`, secure.yaml need not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Clouds,
    Secure,
}

/// One parsed clouds or secure file.
#[derive(Debug, Clone)]
pub(crate) struct CloudsFile {
    pub path: PathBuf,
    /// Cloud name → normalised settings, in file order.
    pub clouds: Vec<(String, Map<String, Value>)>,
    /// The top-level `cache:` block (openstacksdk's cache settings), normalised; empty if absent.
    pub cache: Map<String, Value>,
    /// Unknown top-level keys (the cloud entries are checked later, see `known_keys`).
    pub warnings: Vec<ConfigWarning>,
}

/// One entry of a region list, with its `values` normalised (empty for a plain name).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RegionSpec {
    pub name: String,
    pub values: Map<String, Value>,
}

/// Parses YAML or, for `*.json`, JSON into an order-preserving YAML value.
pub(crate) fn parse_document(text: &str, path: &Path) -> Result<serde_yaml::Value, ConfigError> {
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(text).map_err(|e| ConfigError::json(path, &e))
    } else {
        serde_yaml::from_str(text).map_err(|e| ConfigError::yaml(path, &e))
    }
}

/// Reads a file from disk.
pub(crate) fn read_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses a clouds or secure file; see the module doc for the steps.
pub(crate) fn parse_clouds_file(
    text: &str,
    path: &Path,
    kind: FileKind,
) -> Result<CloudsFile, ConfigError> {
    let fix = "Fix: start the file with `clouds:` and put one mapping per cloud under it";
    let top = match parse_document(text, path)? {
        serde_yaml::Value::Mapping(m) => m,
        serde_yaml::Value::Null if kind == FileKind::Secure => serde_yaml::Mapping::new(),
        serde_yaml::Value::Null => {
            return Err(ConfigError::invalid(
                path,
                "top level",
                format!("file is empty. {fix}"),
            ));
        }
        _ => {
            return Err(ConfigError::invalid(
                path,
                "top level",
                format!("must be a mapping. {fix}"),
            ));
        }
    };
    let mut clouds_value = None;
    let mut cache = Map::new();
    let mut warnings = Vec::new();
    for (k, v) in &top {
        let key = key_text(k);
        if key == "cache" {
            match yaml_to_json(v) {
                Value::Object(map) => cache = normalize_map(map),
                Value::Null => {}
                other => {
                    return Err(ConfigError::invalid(
                        path,
                        "cache",
                        format!(
                            "must be a mapping such as `cache: {{expiration: {{server: 5}}}}`, not {}",
                            kind_of(&other)
                        ),
                    ));
                }
            }
        } else if key == "clouds" {
            clouds_value = Some(v);
        } else if !KNOWN_TOP_LEVEL.contains(&key.as_str()) {
            let hint = closest(&key, KNOWN_TOP_LEVEL.iter().copied())
                .map(|known| format!(" (did you mean {known}?)"))
                .unwrap_or_default();
            warnings.push(ConfigWarning {
                path: path.to_path_buf(),
                at: key,
                message: format!(
                    "unknown top-level key{hint}; openstacksdk and oaktree ignore it. Fix: \
                     correct its spelling or remove it"
                ),
            });
        }
    }
    let clouds_map = match clouds_value {
        Some(serde_yaml::Value::Mapping(m)) => m.clone(),
        Some(serde_yaml::Value::Null) => serde_yaml::Mapping::new(),
        None if kind == FileKind::Secure => serde_yaml::Mapping::new(),
        None => {
            return Err(ConfigError::invalid(
                path,
                "top level",
                format!("no `clouds:` key. {fix}"),
            ));
        }
        Some(_) => {
            return Err(ConfigError::invalid(
                path,
                "clouds",
                format!("must be a mapping. {fix}"),
            ));
        }
    };

    let mut clouds = Vec::new();
    for (k, v) in &clouds_map {
        let name = match k {
            serde_yaml::Value::String(s) if !s.is_empty() => s.clone(),
            other => {
                return Err(ConfigError::invalid(
                    path,
                    "clouds",
                    format!(
                        "cloud name {:?} is not a non-empty string. Fix: name every cloud with text",
                        key_text(other)
                    ),
                ));
            }
        };
        let at = format!("clouds.{name}");
        let mut body = match yaml_to_json(v) {
            Value::Object(m) => normalize_map(m),
            other => {
                return Err(ConfigError::invalid(
                    path,
                    at,
                    format!(
                        "a cloud must be a mapping of settings, not {}. Fix: indent its settings \
                         (auth, region_name, ...) under the cloud name",
                        kind_of(&other)
                    ),
                ));
            }
        };
        check_cloud(&mut body, path, &at)?;
        clouds.push((name, body));
    }
    Ok(CloudsFile {
        path: path.to_path_buf(),
        clouds,
        cache,
        warnings,
    })
}

/// Checks the shape of the keys the expansion relies on.
fn check_cloud(body: &mut Map<String, Value>, path: &Path, at: &str) -> Result<(), ConfigError> {
    match body.get("auth") {
        None | Some(Value::Object(_)) => {}
        Some(Value::Null) => {
            body.insert("auth".into(), Value::Object(Map::new()));
        }
        Some(other) => {
            return Err(ConfigError::invalid(
                path,
                format!("{at}.auth"),
                format!(
                    "must be a mapping, not {}. Fix: put auth_url, username, ... under `auth:`",
                    kind_of(other)
                ),
            ));
        }
    }
    for key in ["profile", "cloud", "driver"] {
        match body.get(key) {
            None => {}
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(other) => {
                return Err(ConfigError::invalid(
                    path,
                    format!("{at}.{key}"),
                    format!("must be a non-empty name, not {}", kind_of(other)),
                ));
            }
        }
    }
    if let Some(v) = body.get("region_name") {
        region_names(v, path, &format!("{at}.region_name"))?;
    }
    if let Some(v) = body.get("regions") {
        parse_regions(v, path, &format!("{at}.regions"))?;
    }
    Ok(())
}

/// Reads `region_name`: a name, a deprecated comma list (warns), or a list of names.
pub(crate) fn region_names(
    value: &Value,
    path: &Path,
    at: &str,
) -> Result<Vec<String>, ConfigError> {
    let names: Vec<String> = match value {
        Value::Null => Vec::new(),
        Value::String(s) => s.split(',').map(|n| n.trim().to_string()).collect(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(other),
            })
            .collect::<Result<_, _>>()
            .map_err(|other| {
                ConfigError::invalid(
                    path,
                    at,
                    format!("region names must be text, not {}", kind_of(other)),
                )
            })?,
        other => {
            return Err(ConfigError::invalid(
                path,
                at,
                format!(
                    "must be a region name, not {}. Fix: quote it, e.g. region_name: \"1\"",
                    kind_of(other)
                ),
            ));
        }
    };
    if names.len() > 1 && value.is_string() {
        tracing::warn!(
            file = %path.display(), at,
            "comma separated lists in region_name are deprecated; use a `regions:` list instead"
        );
    }
    Ok(names)
}

/// Reads a `regions:` list: each item a name or `{name, values}`; anything else is an error.
/// `null` reads as an empty list.
pub(crate) fn parse_regions(
    value: &Value,
    path: &Path,
    at: &str,
) -> Result<Vec<RegionSpec>, ConfigError> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(ConfigError::invalid(
                path,
                at,
                format!(
                    "must be a list, not {}. Fix: regions: [RegionOne, RegionTwo]",
                    kind_of(other)
                ),
            ));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_at = format!("{at}[{i}]");
        let spec = match item {
            Value::String(name) if !name.is_empty() => RegionSpec {
                name: name.clone(),
                values: Map::new(),
            },
            Value::Object(m) => region_item(m, path, &item_at)?,
            other => {
                return Err(ConfigError::invalid(
                    path,
                    item_at,
                    format!(
                        "a region must be a non-empty name or a {{name, values}} mapping, not {}",
                        kind_of(other)
                    ),
                ));
            }
        };
        out.push(spec);
    }
    Ok(out)
}

fn region_item(m: &Map<String, Value>, path: &Path, at: &str) -> Result<RegionSpec, ConfigError> {
    if let Some(key) = m.keys().find(|k| !REGION_KEYS.contains(&k.as_str())) {
        return Err(ConfigError::UnknownKey {
            path: path.to_path_buf(),
            at: at.to_string(),
            key: key.clone(),
            allowed: REGION_KEYS.join(", "),
        });
    }
    let name = match m.get("name") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) => {
            return Err(ConfigError::invalid(
                path,
                format!("{at}.name"),
                format!("must be a non-empty region name, not {}", kind_of(other)),
            ));
        }
        None => {
            return Err(ConfigError::invalid(
                path,
                at,
                "region entry has no `name`. Fix: add `name: <region>` beside `values:`",
            ));
        }
    };
    let values = match m.get("values") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(v)) => normalize_map(v.clone()),
        Some(other) => {
            return Err(ConfigError::invalid(
                path,
                format!("{at}.values"),
                format!(
                    "must be a mapping of settings for this region, not {}",
                    kind_of(other)
                ),
            ));
        }
    };
    Ok(RegionSpec { name, values })
}

/// A short name of a JSON value's type, for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Result<CloudsFile, ConfigError> {
        parse_clouds_file(text, Path::new("/cfg/clouds.yaml"), FileKind::Clouds)
    }

    #[test]
    fn clouds_keep_file_order_and_normalised_keys() {
        let f =
            parse("clouds:\n  zeta:\n    region-name: R\n  alpha:\n    api-timeout: 5\n").unwrap();
        let names: Vec<&str> = f.clouds.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["zeta", "alpha"]);
        assert_eq!(f.clouds[1].1.get("api_timeout"), Some(&json!(5)));
        assert_eq!(f.clouds[0].1.get("region_name"), Some(&json!("R")));
    }

    #[test]
    fn json_files_are_parsed_as_json_in_file_order() {
        let f = parse_clouds_file(
            r#"{"clouds": {"b": {"region_name": "X"}, "a": {}}}"#,
            Path::new("/cfg/clouds.json"),
            FileKind::Clouds,
        )
        .unwrap();
        assert_eq!(f.clouds[0].0, "b");
    }

    #[test]
    fn malformed_yaml_reports_file_line_and_column() {
        let err = parse("clouds:\n  a:\n    auth: {username: [x\n").unwrap_err();
        let ConfigError::Syntax { ref path, line, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(path, Path::new("/cfg/clouds.yaml"));
        assert!(line.is_some_and(|l| l >= 3), "{err}");
        assert!(err.to_string().starts_with("/cfg/clouds.yaml:"), "{err}");
    }

    #[test]
    fn malformed_json_reports_line() {
        let err = parse_clouds_file(
            "{\n\"clouds\": ,\n}",
            Path::new("/c/clouds.json"),
            FileKind::Clouds,
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("/c/clouds.json:2:"), "{err}");
    }

    #[test]
    fn a_file_without_clouds_is_an_error_but_an_empty_secure_file_is_fine() {
        let err = parse("cache: {}\n").unwrap_err();
        assert!(err.to_string().contains("no `clouds:` key"), "{err}");
        let s = parse_clouds_file("", Path::new("/s/secure.yaml"), FileKind::Secure).unwrap();
        assert!(s.clouds.is_empty());
    }

    #[test]
    fn unknown_top_level_keys_are_tolerated_with_a_warning() {
        let file = parse("clouds: {}\nsomething_else: 1\nclods: {}\n").unwrap();
        let found: Vec<String> = file.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("/cfg/clouds.yaml: something_else: unknown top-level key;"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with(
                "/cfg/clouds.yaml: clods: unknown top-level key (did you mean clouds?);"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn a_cloud_that_is_not_a_mapping_is_an_error_naming_its_path() {
        let err = parse("clouds:\n  a: [1]\n").unwrap_err().to_string();
        assert!(
            err.contains("/cfg/clouds.yaml: clouds.a: a cloud must be a mapping"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_key_in_a_region_item_names_file_path_and_key() {
        let err = parse("clouds:\n  alpha:\n    regions:\n      - R1\n      - nmae: R2\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "/cfg/clouds.yaml: clouds.alpha.regions[1]: unknown key 'nmae' (allowed: name, values). \
             Fix: remove it or correct its spelling"
        );
    }

    #[test]
    fn a_region_item_without_a_name_is_an_error_naming_its_path() {
        let err = parse("clouds:\n  a:\n    regions:\n      - values: {x: 1}\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("clouds.a.regions[0]: region entry has no `name`"),
            "{err}"
        );
    }

    #[test]
    fn region_values_must_be_a_mapping() {
        let err = parse("clouds:\n  b:\n    regions:\n      - {name: R, values: 3}\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("clouds.b.regions[0].values: must be a mapping"),
            "{err}"
        );
    }

    #[test]
    fn region_items_are_names_or_name_values_with_normalised_values() {
        let v = json!(["R1", {"name": "R2", "values": {"image-format": "raw"}}]);
        let specs = parse_regions(&v, Path::new("f"), "regions").unwrap();
        assert_eq!(
            specs[0],
            RegionSpec {
                name: "R1".into(),
                values: Map::new()
            }
        );
        assert_eq!(specs[1].values.get("image_format"), Some(&json!("raw")));
    }

    #[test]
    fn region_name_accepts_a_deprecated_comma_list() {
        let names = region_names(&json!("A, B"), Path::new("f"), "x").unwrap();
        assert_eq!(names, ["A", "B"]);
        assert!(region_names(&json!(5), Path::new("f"), "x").is_err());
    }

    #[test]
    fn auth_must_be_a_mapping() {
        let err = parse("clouds:\n  a:\n    auth: secret\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("clouds.a.auth: must be a mapping"), "{err}");
    }

    #[test]
    fn a_top_level_cache_block_is_kept_with_normalised_keys() {
        let file =
            parse("cache:\n  expiration-time: 60\n  expiration:\n    server: 5\nclouds: {}\n")
                .unwrap();
        assert_eq!(file.cache["expiration_time"], 60);
        assert_eq!(file.cache["expiration"]["server"], 5);
    }

    #[test]
    fn a_cache_block_that_is_not_a_mapping_names_the_key() {
        let err = parse("cache: 5\nclouds: {}\n").unwrap_err().to_string();
        assert!(
            err.contains("cache") && err.contains("must be a mapping"),
            "{err}"
        );
    }

    #[test]
    fn a_cloud_defined_twice_is_a_syntax_error() {
        let err = parse("clouds:\n  a: {}\n  a: {}\n").unwrap_err();
        assert!(matches!(err, ConfigError::Syntax { .. }), "{err}");
    }
}
