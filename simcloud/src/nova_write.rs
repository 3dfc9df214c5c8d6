//! Nova writes: `POST /servers` and `DELETE /servers/{id}`.
//!
//! Create, as nova does it:
//! 1. validate the body (name, image, flavor, networks, key, security groups, metadata,
//!    base64 `user_data`, availability zone) → 400 `badRequest` naming the first problem;
//! 2. check the region's server quota → 403 `forbidden` in nova's words;
//! 3. decide now whether this boot fails (the region's `boot_fault`);
//! 4. give the server one neutron port per network (plus a port on the public network when
//!    the vendor hands out direct public IPs) and answer 202 with id, links and `adminPass`.
//!
//! Status afterwards is computed on each read (`lifecycle`, `views`). Delete releases the
//! ports (detaching floating IPs) at once and answers 204; the server shows `DELETED` for the
//! region's delete time, then 404.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::faults::{self, Access};
use crate::live::{LiveData, LiveServer, now_stamp};
use crate::neutron_write::{ipv4_subnet, new_port, release_ports};
use crate::nova::{microversion, with_version};
use crate::seed::str_field;
use crate::state::{RegionState, SimState};
use crate::time::now_unix;
use crate::{ids, reply, secgroups, views};

type Loc = Path<(String, String)>;
type Item = Path<(String, String, String)>;

fn bad_request(message: &str) -> Response {
    reply::nova_error(StatusCode::BAD_REQUEST, "badRequest", message)
}

/// What a validated create request asks for.
struct Boot {
    name: String,
    image: Value,
    flavor: Value,
    network_ids: Vec<String>,
    key_name: Option<String>,
    group_names: Vec<String>,
    group_ids: Vec<String>,
    metadata: Value,
    zone: String,
}

/// The id at the end of a ref that may be a URL (nova accepts bookmark links).
fn ref_id(value: &Value) -> &str {
    let text = value.as_str().unwrap_or("");
    text.rsplit('/').next().unwrap_or(text)
}

/// Checks the request against what the region has; the error is nova's 400 message.
fn validate(target: &RegionState, live: &LiveData, request: &Value) -> Result<Boot, String> {
    let name = request["name"].as_str().filter(|n| !n.trim().is_empty());
    let name = name
        .ok_or("Invalid input for field/attribute server. Value: 'name' is a required property")?;
    let image_id = ref_id(&request["imageRef"]);
    if image_id.is_empty() {
        return Err(
            "Cannot boot an instance without imageRef: boot from volume is not simulated.".into(),
        );
    }
    let image = target
        .data
        .images
        .iter()
        .find(|i| str_field(i, "id") == image_id);
    let image = image.ok_or_else(|| format!("Image {image_id} could not be found."))?;
    let flavor_id = ref_id(&request["flavorRef"]);
    let flavor = target
        .data
        .flavors
        .iter()
        .find(|f| str_field(f, "id") == flavor_id);
    let flavor = flavor.ok_or_else(|| format!("Flavor {flavor_id} could not be found."))?;
    let network_ids = match &request["networks"] {
        Value::String(s) if s == "none" => Vec::new(),
        Value::Null | Value::String(_) => default_network(target, live).into_iter().collect(),
        Value::Array(list) => {
            let mut ids = Vec::new();
            for entry in list {
                let id = str_field(entry, "uuid");
                if views::network(target, live, id).is_none() {
                    return Err(format!("Network {id} could not be found."));
                }
                ids.push(id.to_string());
            }
            ids
        }
        _ => return Err("Invalid input for field/attribute networks.".into()),
    };
    let key_name = request["key_name"].as_str().map(str::to_string);
    if let Some(key) = &key_name
        && !live.keypairs.iter().any(|k| str_field(k, "name") == key)
    {
        return Err("Invalid key_name provided.".into());
    }
    let mut group_names = Vec::new();
    let mut group_ids = Vec::new();
    let requested = request["security_groups"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| vec![json!({"name": "default"})]);
    for group in &requested {
        let wanted = str_field(group, "name");
        let id = secgroups::find_group(live, wanted)
            .ok_or_else(|| format!("Unable to find security_group with name or id '{wanted}'"))?;
        group_names.push(wanted.to_string());
        group_ids.push(id);
    }
    let metadata = request
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let strings = metadata
        .as_object()
        .is_some_and(|m| m.values().all(Value::is_string));
    if !strings {
        return Err(
            "Invalid input for field/attribute metadata. Value: metadata values must be strings."
                .into(),
        );
    }
    if let Some(data) = request.get("user_data").filter(|v| !v.is_null())
        && data
            .as_str()
            .and_then(|d| STANDARD.decode(d).ok())
            .is_none()
    {
        return Err("User data needs to be valid base 64.".into());
    }
    let region = &target.live.ctx.region;
    let zone = match request["availability_zone"].as_str() {
        None => format!("{region}-a"),
        Some(zone)
            if zone == "nova" || zone == format!("{region}-a") || zone == format!("{region}-b") =>
        {
            zone.to_string()
        }
        Some(_) => return Err("The requested availability zone is not available".into()),
    };
    Ok(Boot {
        name: name.to_string(),
        image: image.clone(),
        flavor: flavor.clone(),
        network_ids,
        key_name,
        group_names,
        group_ids,
        metadata,
        zone,
    })
}

/// Nova's `auto` network: the first network that is not external.
fn default_network(target: &RegionState, live: &LiveData) -> Option<String> {
    views::networks(target, live)
        .iter()
        .find(|n| n["router:external"] != json!(true))
        .map(|n| str_field(n, "id").to_string())
}

/// Servers of the project that count against the quota (not deleted).
fn servers_in_use(target: &RegionState, live: &LiveData) -> usize {
    let seeded = target
        .data
        .servers
        .iter()
        .filter(|s| !live.deleted_seeded.contains_key(str_field(s, "id")))
        .count();
    seeded + live.servers.iter().filter(|s| s.deleted.is_none()).count()
}

/// `POST …/servers`.
pub async fn create_server(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let version = microversion(&headers);
    let request = match serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("server").cloned())
    {
        Some(request) if request.is_object() => request,
        _ => return bad_request("Malformed request body: a `server` object is required."),
    };
    let ctx = &target.live.ctx;
    let mut live = target.live.lock();
    let boot = match validate(target, &live, &request) {
        Ok(boot) => boot,
        Err(message) => return bad_request(&message),
    };
    if let Some(quota) = live.times.server_quota {
        let used = servers_in_use(target, &live);
        if used + 1 > quota {
            let message = format!(
                "Quota exceeded for instances: Requested 1, but already used {used} of {quota} instances"
            );
            return reply::nova_error(StatusCode::FORBIDDEN, "forbidden", &message);
        }
    }
    let fails = live.times.boot_fault.take();
    let id = live.new_id(ctx, "server");
    let mut networks = boot.network_ids.clone();
    if ctx.vendor.direct_public_ips() {
        let public = views::networks(target, &live)
            .into_iter()
            .find(|n| n["router:external"] == json!(true));
        if let Some(public) = public.map(|n| str_field(&n, "id").to_string())
            && !networks.contains(&public)
        {
            networks.insert(0, public);
        }
    }
    for network_id in &networks {
        let Some(network) = views::network(target, &live, network_id).cloned() else {
            continue;
        };
        let Some(subnet) = ipv4_subnet(target, &live, network_id) else {
            continue;
        };
        let Some(ip) = live.allocate_ip(&subnet) else {
            continue;
        };
        let port = new_port(ctx, &mut live, &network, &subnet, &ip, &id, &boot.group_ids);
        live.ports.push(port);
    }
    let base = state.api_base(&cloud, &region, "compute");
    let bookmark = ctx.service_root("compute");
    let links = json!([
        {"rel": "self", "href": format!("{base}/servers/{id}")},
        {"rel": "bookmark", "href": format!("{bookmark}/servers/{id}")},
    ]);
    let groups: Vec<Value> = boot
        .group_names
        .iter()
        .map(|name| json!({"name": name}))
        .collect();
    let (created_unix, _) = now_unix();
    let now = now_stamp();
    let image_id = str_field(&boot.image, "id");
    let flavor = &boot.flavor;
    let server = json!({
        "id": id,
        "name": boot.name,
        "status": "BUILD",
        "tenant_id": ctx.project_id,
        "user_id": ctx.user_id,
        "metadata": boot.metadata,
        "addresses": {},
        "flavor": {
            "id": flavor["id"], "original_name": flavor["name"], "vcpus": flavor["vcpus"],
            "ram": flavor["ram"], "disk": flavor["disk"],
            "ephemeral": flavor["OS-FLV-EXT-DATA:ephemeral"], "swap": flavor["swap"],
            "extra_specs": flavor["extra_specs"],
        },
        "image": {"id": image_id, "links": [{"rel": "bookmark", "href": format!("{bookmark}/images/{image_id}")}]},
        "created": now,
        "updated": now,
        "key_name": boot.key_name,
        "hostId": ids::hex(&[&ctx.project_id, &ctx.region, "host", &id], 56),
        "accessIPv4": "",
        "accessIPv6": "",
        "OS-EXT-AZ:availability_zone": boot.zone,
        "OS-EXT-STS:vm_state": "building",
        "OS-EXT-STS:power_state": 0,
        "OS-EXT-STS:task_state": "scheduling",
        "OS-SRV-USG:launched_at": null,
        "OS-SRV-USG:terminated_at": null,
        "OS-DCF:diskConfig": request["OS-DCF:diskConfig"].as_str().unwrap_or("MANUAL"),
        "os-extended-volumes:volumes_attached": [],
        "security_groups": groups,
        "config_drive": if request["config_drive"] == json!(true) { "True" } else { "" },
        "progress": 0,
        "locked": false,
        "locked_reason": null,
        "description": request["description"],
        "tags": [],
        "trusted_image_certificates": null,
        "links": links,
    });
    live.servers.push(LiveServer {
        body: server,
        created: Instant::now(),
        created_unix,
        fails,
        deleted: None,
    });
    let admin_pass = ids::hex(&[&id, "adminPass"], 12);
    let answer = json!({"server": {
        "id": id,
        "links": links,
        "OS-DCF:diskConfig": request["OS-DCF:diskConfig"].as_str().unwrap_or("MANUAL"),
        "security_groups": groups,
        "adminPass": admin_pass,
    }});
    let mut response = reply::json(StatusCode::ACCEPTED, answer);
    if let Ok(location) = HeaderValue::from_str(&format!("{base}/servers/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    with_version(response, version)
}

/// `DELETE …/servers/{id}`.
pub async fn delete_server(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let version = microversion(&headers);
    let mut live = target.live.lock();
    let exists = views::server(target, &mut live, &id).is_some();
    if !exists {
        let message = format!("Instance {id} could not be found.");
        return reply::nova_error(StatusCode::NOT_FOUND, "itemNotFound", &message);
    }
    if target.data.servers.iter().any(|s| str_field(s, "id") == id) {
        live.deleted_seeded
            .entry(id.clone())
            .or_insert_with(Instant::now);
    } else if let Some(server) = live
        .servers
        .iter_mut()
        .find(|s| str_field(&s.body, "id") == id)
    {
        server.deleted.get_or_insert_with(Instant::now);
    }
    release_ports(&mut live, &id);
    with_version(StatusCode::NO_CONTENT.into_response(), version)
}
