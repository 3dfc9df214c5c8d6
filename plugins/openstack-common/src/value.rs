//! Lenient reading of JSON values.
//!
//! clouds.yaml goes through YAML and openstacksdk's `normalize_keys`, so a port may arrive as
//! `"8774"`, a flag as `"True"`; vendors are not much stricter. These helpers accept the usual
//! spellings instead of failing on type.

use serde_json::Value;

/// A value as text: strings as-is, numbers and booleans written out. Null, empty strings,
/// arrays and objects give `None`.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value as a flag: `true`, `"true"`, `"yes"`, `"on"`, `"1"`, `1` are true (any case);
/// their opposites are false; anything else is `None`.
pub fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" | "y" | "t" => Some(true),
            "false" | "no" | "off" | "0" | "n" | "f" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A value as an unsigned integer: non-negative integers, whole floats and numeric strings.
pub fn unsigned(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < u64::MAX as f64)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value for a `properties` entry: strings as-is, anything else as compact JSON; null is
/// skipped.
pub fn property(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_accepts_strings_numbers_and_booleans() {
        assert_eq!(text(&json!("a")), Some("a".into()));
        assert_eq!(text(&json!(8774)), Some("8774".into()));
        assert_eq!(text(&json!(true)), Some("true".into()));
        assert_eq!(text(&json!("")), None);
        assert_eq!(text(&json!(null)), None);
    }

    #[test]
    fn flag_accepts_the_usual_spellings_of_true_and_false() {
        assert_eq!(flag(&json!("True")), Some(true));
        assert_eq!(flag(&json!("no")), Some(false));
        assert_eq!(flag(&json!(1)), Some(true));
        assert_eq!(flag(&json!("maybe")), None);
    }

    #[test]
    fn unsigned_accepts_numeric_strings_and_whole_floats() {
        assert_eq!(unsigned(&json!("20")), Some(20));
        assert_eq!(unsigned(&json!(2.0)), Some(2));
        assert_eq!(unsigned(&json!(-1)), None);
        assert_eq!(unsigned(&json!("")), None);
    }

    #[test]
    fn property_writes_non_strings_as_compact_json_and_skips_null() {
        assert_eq!(
            property(&json!({"a": [1, 2]})),
            Some(r#"{"a":[1,2]}"#.into())
        );
        assert_eq!(property(&json!("x")), Some("x".into()));
        assert_eq!(property(&json!(null)), None);
    }
}
