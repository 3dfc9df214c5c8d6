//! Neutron security groups and rules: create and delete (listing goes through `neutron`).
//!
//! As neutron does: a new group gets the two default egress rules (IPv4 and IPv6, any
//! protocol); the project's `default` group also lets in traffic from its own members;
//! deleting a group a port still uses answers 409 `SecurityGroupInUse`; an identical rule
//! answers 409 `SecurityGroupRuleExists`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::faults::{self, Access};
use crate::live::{LiveContext, LiveData, now_stamp, parse_ipv4_cidr};
use crate::reply;
use crate::seed::str_field;
use crate::state::SimState;

type Loc = Path<(String, String)>;
type Item = Path<(String, String, String)>;

/// The project's `default` group and its four rules.
pub fn default_group(ctx: &LiveContext, data: &mut LiveData) -> (Value, Vec<Value>) {
    let group = new_group(ctx, data, "default", "Default security group");
    let id = str_field(&group, "id").to_string();
    let mut rules = egress_rules(ctx, data, &id);
    for ethertype in ["IPv4", "IPv6"] {
        let mut rule = new_rule(ctx, data, &id, "ingress", ethertype);
        rule["remote_group_id"] = json!(id);
        rules.push(rule);
    }
    (group, rules)
}

fn new_group(ctx: &LiveContext, data: &mut LiveData, name: &str, description: &str) -> Value {
    let now = now_stamp();
    json!({
        "id": data.new_id(ctx, "security-group"),
        "name": name,
        "description": description,
        "stateful": true,
        "shared": false,
        "project_id": ctx.project_id,
        "tenant_id": ctx.project_id,
        "created_at": now,
        "updated_at": now,
        "revision_number": 1,
        "tags": [],
    })
}

fn new_rule(
    ctx: &LiveContext,
    data: &mut LiveData,
    group_id: &str,
    direction: &str,
    ethertype: &str,
) -> Value {
    let now = now_stamp();
    json!({
        "id": data.new_id(ctx, "security-group-rule"),
        "security_group_id": group_id,
        "direction": direction,
        "ethertype": ethertype,
        "protocol": null,
        "port_range_min": null,
        "port_range_max": null,
        "remote_ip_prefix": null,
        "remote_group_id": null,
        "remote_address_group_id": null,
        "normalized_cidr": null,
        "description": "",
        "belongs_to_default_sg": false,
        "project_id": ctx.project_id,
        "tenant_id": ctx.project_id,
        "created_at": now,
        "updated_at": now,
        "revision_number": 0,
        "tags": [],
    })
}

fn egress_rules(ctx: &LiveContext, data: &mut LiveData, group_id: &str) -> Vec<Value> {
    ["IPv4", "IPv6"]
        .iter()
        .map(|ethertype| new_rule(ctx, data, group_id, "egress", ethertype))
        .collect()
}

/// Groups as neutron prints them: each with its `security_group_rules`.
pub fn render_groups(data: &LiveData) -> Vec<Value> {
    data.security_groups
        .iter()
        .map(|group| {
            let id = str_field(group, "id");
            let mut group = group.clone();
            group["security_group_rules"] = data
                .security_group_rules
                .iter()
                .filter(|r| str_field(r, "security_group_id") == id)
                .cloned()
                .collect();
            group
        })
        .collect()
}

/// The id of the group called (or with id) `name_or_id`.
pub fn find_group(data: &LiveData, name_or_id: &str) -> Option<String> {
    data.security_groups
        .iter()
        .find(|g| str_field(g, "id") == name_or_id)
        .or_else(|| {
            data.security_groups
                .iter()
                .find(|g| str_field(g, "name") == name_or_id)
        })
        .map(|g| str_field(g, "id").to_string())
}

fn bad_request(message: &str) -> Response {
    reply::neutron_error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

fn group_not_found(id: &str) -> Response {
    reply::neutron_error(
        StatusCode::NOT_FOUND,
        "SecurityGroupNotFound",
        &format!("Security group {id} does not exist"),
    )
}

/// The object under `key` of a JSON body, or the 400 neutron answers (boxed: a `Response`
/// is large and this is the rare path).
pub fn member(body: &Bytes, key: &str) -> Result<Value, Box<Response>> {
    let parsed: Value = serde_json::from_slice(body)
        .map_err(|e| Box::new(bad_request(&format!("Malformed request body: {e}"))))?;
    match parsed.get(key) {
        Some(value) if value.is_object() => Ok(value.clone()),
        _ => Err(Box::new(bad_request(&format!(
            "Resource body required: expected a `{key}` object."
        )))),
    }
}

/// `POST …/v2.0/security-groups`.
pub async fn create_group(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let request = match member(&body, "security_group") {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let name = str_field(&request, "name");
    if name == "default" {
        return bad_request("Default security group already exists.");
    }
    let ctx = &target.live.ctx;
    let mut live = target.live.lock();
    let group = new_group(ctx, &mut live, name, str_field(&request, "description"));
    let rules = egress_rules(ctx, &mut live, str_field(&group, "id"));
    live.security_groups.push(group.clone());
    live.security_group_rules.extend(rules.iter().cloned());
    let mut group = group;
    group["security_group_rules"] = Value::Array(rules);
    reply::json(StatusCode::CREATED, json!({"security_group": group}))
}

/// `DELETE …/v2.0/security-groups/{id}`: 409 while a port uses the group.
pub async fn delete_group(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let mut live = target.live.lock();
    let Some(index) = live
        .security_groups
        .iter()
        .position(|g| str_field(g, "id") == id)
    else {
        return group_not_found(&id);
    };
    let in_use = live.ports.iter().any(|port| {
        port["security_groups"]
            .as_array()
            .is_some_and(|groups| groups.iter().any(|g| g.as_str() == Some(id.as_str())))
    });
    if in_use {
        return reply::neutron_error(
            StatusCode::CONFLICT,
            "SecurityGroupInUse",
            &format!("Security Group {id} in use."),
        );
    }
    live.security_groups.remove(index);
    live.security_group_rules
        .retain(|r| str_field(r, "security_group_id") != id);
    StatusCode::NO_CONTENT.into_response()
}

/// `POST …/v2.0/security-group-rules`.
pub async fn create_rule(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let request = match member(&body, "security_group_rule") {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let group_id = str_field(&request, "security_group_id");
    let direction = str_field(&request, "direction");
    if !matches!(direction, "ingress" | "egress") {
        return bad_request(&format!(
            "Invalid input for direction. Reason: {direction:?} is not in ['ingress', 'egress']."
        ));
    }
    let ethertype = request["ethertype"].as_str().unwrap_or("IPv4");
    if !matches!(ethertype, "IPv4" | "IPv6") {
        return bad_request(&format!(
            "Invalid input for ethertype. Reason: {ethertype:?} is not in ['IPv4', 'IPv6']."
        ));
    }
    let (min, max) = (&request["port_range_min"], &request["port_range_max"]);
    if let (Some(min), Some(max)) = (min.as_u64(), max.as_u64())
        && (min > max || max > 65535)
    {
        return bad_request(&format!(
            "Invalid port range {min}:{max}: port_range_min must be <= port_range_max <= 65535."
        ));
    }
    if let Some(prefix) = request["remote_ip_prefix"].as_str()
        && ethertype == "IPv4"
        && parse_ipv4_cidr(prefix).is_none()
    {
        return bad_request(&format!("Invalid remote_ip_prefix {prefix:?}."));
    }
    let ctx = &target.live.ctx;
    let mut live = target.live.lock();
    if !live
        .security_groups
        .iter()
        .any(|g| str_field(g, "id") == group_id)
    {
        return group_not_found(group_id);
    }
    let mut rule = new_rule(ctx, &mut live, group_id, direction, ethertype);
    for key in [
        "protocol",
        "port_range_min",
        "port_range_max",
        "remote_ip_prefix",
        "remote_group_id",
        "description",
    ] {
        if let Some(value) = request.get(key).filter(|v| !v.is_null()) {
            rule[key] = value.clone();
        }
    }
    rule["normalized_cidr"] = rule["remote_ip_prefix"].clone();
    let same = |r: &Value| {
        [
            "security_group_id",
            "direction",
            "ethertype",
            "protocol",
            "port_range_min",
            "port_range_max",
            "remote_ip_prefix",
            "remote_group_id",
        ]
        .iter()
        .all(|k| r[k] == rule[k])
    };
    if let Some(existing) = live.security_group_rules.iter().find(|r| same(r)) {
        return reply::neutron_error(
            StatusCode::CONFLICT,
            "SecurityGroupRuleExists",
            &format!(
                "Security group rule already exists. Rule id is {}.",
                str_field(existing, "id")
            ),
        );
    }
    live.security_group_rules.push(rule.clone());
    reply::json(StatusCode::CREATED, json!({"security_group_rule": rule}))
}

/// `DELETE …/v2.0/security-group-rules/{id}`.
pub async fn delete_rule(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let mut live = target.live.lock();
    let before = live.security_group_rules.len();
    live.security_group_rules
        .retain(|r| str_field(r, "id") != id);
    if live.security_group_rules.len() == before {
        return reply::neutron_error(
            StatusCode::NOT_FOUND,
            "SecurityGroupRuleNotFound",
            &format!("Security group rule {id} does not exist"),
        );
    }
    StatusCode::NO_CONTENT.into_response()
}
