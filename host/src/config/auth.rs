//! openstacksdk's auth "magic fixes", applied to one merged cloud-region config.
//!
//! 1. Per layer (profile, cloud, region values), before merging: `auth_plugin` → `auth_type`
//!    and `endpoint_type` → `interface`. Doing it per layer lets a cloud's `auth_plugin` beat
//!    the default `auth_type` (openstacksdk applies it after merging the defaults, so there
//!    the default wins: a bug we do not copy).
//! 2. `_fix_backwards_auth`: identity keys (`project_*` from `tenant_*`, `*domain_*`, `token`,
//!    `passcode`) move into `auth`; a top-level value beats one in `auth`; values become text.
//! 3. `_handle_domain_id`: for a project-scoped cloud, `domain_id`/`domain_name` fan out to the
//!    `user_domain_*` and `project_domain_*` keys that are unset, then go away; otherwise they
//!    stay in `auth` as the domain scope.
//! 4. `_validate_auth`: the remaining auth-plugin options written at the top level (`auth_url`,
//!    `username`, `password`, ...) move into `auth`; a value already in `auth` wins.

use serde_json::{Map, Value};

/// Options of keystoneauth's password/token/application-credential plugins that users write
/// beside `auth:` instead of inside it. Identity keys handled in step 2 are not repeated.
const AUTH_OPTIONS: &[&str] = &[
    "auth_url",
    "username",
    "user_id",
    "password",
    "trust_id",
    "system_scope",
    "default_domain_id",
    "default_domain_name",
    "application_credential_id",
    "application_credential_name",
    "application_credential_secret",
];

/// Step 1 of the module doc, for one layer.
pub(crate) fn apply_layer_aliases(layer: &mut Map<String, Value>) {
    rename_if_absent(layer, "auth_plugin", "auth_type");
    rename_if_absent(layer, "endpoint_type", "interface");
    let service_endpoint_types: Vec<String> = layer
        .keys()
        .filter(|k| k.ends_with("_endpoint_type"))
        .cloned()
        .collect();
    for old in service_endpoint_types {
        let new = format!("{}_interface", old.trim_end_matches("_endpoint_type"));
        rename_if_absent(layer, &old, &new);
    }
}

/// Moves `old` to `new` unless `new` is already set; `old` is removed either way.
fn rename_if_absent(map: &mut Map<String, Value>, old: &str, new: &str) {
    if let Some(v) = map.remove(old)
        && !map.contains_key(new)
    {
        map.insert(new.to_string(), v);
    }
}

/// Steps 2–4 of the module doc, on a fully merged config.
pub(crate) fn fix_auth(config: &mut Map<String, Value>) {
    let mut auth = match config.remove("auth") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    move_identity_keys(config, &mut auth);
    handle_domain_id(config, &mut auth);
    for key in AUTH_OPTIONS {
        if let Some(v) = config.remove(*key) {
            auth.entry(key.to_string()).or_insert(v);
        }
    }
    config.insert("auth".to_string(), Value::Object(auth));
}

fn move_identity_keys(config: &mut Map<String, Value>, auth: &mut Map<String, Value>) {
    let v2 = config.get("auth_type").and_then(Value::as_str) == Some("v2password");
    let (project_id, project_name) = if v2 {
        ("tenant_id", "tenant_name")
    } else {
        ("project_id", "project_name")
    };
    // Sources are listed so that the last one present wins, as in openstacksdk.
    let mappings: [(&str, &[&str]); 9] = [
        ("domain_id", &["domain_id"]),
        ("domain_name", &["domain_name"]),
        ("user_domain_id", &["user_domain_id"]),
        ("user_domain_name", &["user_domain_name"]),
        ("project_domain_id", &["project_domain_id"]),
        ("project_domain_name", &["project_domain_name"]),
        ("token", &["auth_token", "token"]),
        (project_id, &["tenant_id", "project_id"]),
        (project_name, &["tenant_name", "project_name"]),
    ];
    for (target, sources) in mappings {
        let mut winner = None;
        for key in sources {
            if let Some(v) = auth.remove(*key) {
                winner = Some(v);
            }
            if let Some(v) = config.remove(*key) {
                winner = Some(v);
            }
        }
        if let Some(v) = winner.map(as_text).filter(|v| !is_empty(v)) {
            auth.insert(target.to_string(), v);
        }
    }
    if let Some(v) = config.remove("passcode") {
        auth.insert("passcode".to_string(), as_text(v));
    }
}

fn handle_domain_id(config: &mut Map<String, Value>, auth: &mut Map<String, Value>) {
    let project_scoped = ["project_id", "project_name", "tenant_id", "tenant_name"]
        .iter()
        .any(|k| auth.contains_key(*k));
    for (target, fan_out) in [
        ("domain_id", ["user_domain_id", "project_domain_id"]),
        ("domain_name", ["user_domain_name", "project_domain_name"]),
    ] {
        if !project_scoped {
            if let Some(v) = config.remove(target) {
                auth.entry(target.to_string()).or_insert(v);
            }
            continue;
        }
        if let Some(v) = auth.remove(target).or_else(|| config.remove(target)) {
            for key in fan_out {
                auth.entry(key.to_string()).or_insert_with(|| v.clone());
            }
        }
        config.remove(target);
    }
}

/// openstacksdk `str()`s identity values; numbers become their text, other values stay.
fn as_text(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        other => other,
    }
}

fn is_empty(v: &Value) -> bool {
    matches!(v, Value::Null) || v.as_str() == Some("")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixed(v: Value) -> Value {
        let Value::Object(mut m) = v else { panic!() };
        fix_auth(&mut m);
        Value::Object(m)
    }

    #[test]
    fn auth_plugin_is_an_alias_of_auth_type_and_loses_to_it() {
        let mut m = json!({"auth_plugin": "token"}).as_object().unwrap().clone();
        apply_layer_aliases(&mut m);
        assert_eq!(Value::Object(m), json!({"auth_type": "token"}));
        let mut both = json!({"auth_plugin": "token", "auth_type": "password"})
            .as_object()
            .unwrap()
            .clone();
        apply_layer_aliases(&mut both);
        assert_eq!(Value::Object(both), json!({"auth_type": "password"}));
    }

    #[test]
    fn endpoint_type_becomes_interface_also_per_service() {
        let mut m = json!({"endpoint_type": "internal", "compute_endpoint_type": "admin"})
            .as_object()
            .unwrap()
            .clone();
        apply_layer_aliases(&mut m);
        assert_eq!(
            Value::Object(m),
            json!({"interface": "internal", "compute_interface": "admin"})
        );
    }

    #[test]
    fn top_level_auth_options_move_into_auth_where_auth_wins() {
        let v = fixed(json!({
            "username": "top", "password": "pw", "auth_url": "u", "api_timeout": 5,
            "auth": {"username": "inner"}
        }));
        assert_eq!(
            v,
            json!({"api_timeout": 5, "auth": {"username": "inner", "password": "pw", "auth_url": "u"}})
        );
    }

    #[test]
    fn tenant_keys_become_project_keys_and_top_level_wins() {
        let v = fixed(
            json!({"tenant_id": 123, "project_name": "top", "auth": {"project_name": "inner"}}),
        );
        assert_eq!(
            v,
            json!({"auth": {"project_name": "top", "project_id": "123"}})
        );
    }

    #[test]
    fn v2password_maps_project_keys_to_tenant_keys() {
        let v = fixed(json!({"auth_type": "v2password", "auth": {"project_name": "p"}}));
        assert_eq!(
            v,
            json!({"auth_type": "v2password", "auth": {"tenant_name": "p"}})
        );
    }

    #[test]
    fn domain_name_fans_out_to_user_and_project_domains_when_project_scoped() {
        let v = fixed(json!({
            "domain_name": "d",
            "auth": {"project_name": "p", "user_domain_name": "explicit"}
        }));
        assert_eq!(
            v,
            json!({"auth": {"project_name": "p", "user_domain_name": "explicit", "project_domain_name": "d"}})
        );
    }

    #[test]
    fn domain_id_inside_auth_fans_out_too() {
        let v = fixed(json!({"auth": {"project_id": "p", "domain_id": "did"}}));
        assert_eq!(
            v,
            json!({"auth": {"project_id": "p", "user_domain_id": "did", "project_domain_id": "did"}})
        );
    }

    #[test]
    fn domain_name_without_a_project_stays_as_the_domain_scope() {
        let v = fixed(json!({"domain_name": "d", "auth": {"username": "u"}}));
        assert_eq!(v, json!({"auth": {"username": "u", "domain_name": "d"}}));
    }
}
