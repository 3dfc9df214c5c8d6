//! Neutron writes: ports for servers and floating IPs (subnets: `subnets`); plus the read
//! handlers of the collections that only exist in the live overlay.
//!
//! - Floating IPs come from an external (`router:external`) network; `port_id` on create or
//!   on `PUT` attaches one (status `ACTIVE`), `null` detaches it (`DOWN`). A cloud whose vendor
//!   gives servers direct public IPs has no floating IPs: the collection answers 404.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::faults::{self, Access};
use crate::live::{LiveContext, LiveData, mac_for, now_stamp};
use crate::neutron::{self, Collection};
use crate::pagination::QueryPairs;
use crate::reply;
use crate::secgroups::member;
use crate::seed::str_field;
use crate::state::{RegionState, SimState};
use crate::views;

type Loc = Path<(String, String)>;
type Item = Path<(String, String, String)>;

/// A port for `device_id` on `network` with address `ip` from `subnet`.
pub fn new_port(
    ctx: &LiveContext,
    data: &mut LiveData,
    network: &Value,
    subnet: &Value,
    ip: &str,
    device_id: &str,
    security_groups: &[String],
) -> Value {
    let id = data.new_id(ctx, "port");
    let now = now_stamp();
    json!({
        "id": id,
        "name": "",
        "network_id": network["id"],
        "mac_address": mac_for(&id),
        "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": ip}],
        "device_id": device_id,
        "device_owner": "compute:nova",
        "status": "ACTIVE",
        "admin_state_up": true,
        "security_groups": security_groups,
        "allowed_address_pairs": [],
        "extra_dhcp_opts": [],
        "port_security_enabled": true,
        "binding:vnic_type": "normal",
        "binding:host_id": "",
        "binding:vif_type": "ovs",
        "binding:vif_details": {},
        "binding:profile": {},
        "dns_name": "",
        "dns_assignment": [],
        "qos_policy_id": null,
        "propagate_uplink_status": false,
        "project_id": ctx.project_id,
        "tenant_id": ctx.project_id,
        "created_at": now,
        "updated_at": now,
        "description": "",
        "tags": [],
        "revision_number": 1,
    })
}

/// The first IPv4 subnet of `network_id`, seeded or created.
pub fn ipv4_subnet(target: &RegionState, live: &LiveData, network_id: &str) -> Option<Value> {
    views::subnets(target, live)
        .into_iter()
        .find(|s| str_field(s, "network_id") == network_id && s["ip_version"] == json!(4))
}

/// Detaches every floating IP from the ports of `device_id` and removes those ports.
pub fn release_ports(live: &mut LiveData, device_id: &str) {
    let ports: Vec<String> = live
        .ports
        .iter()
        .filter(|p| str_field(p, "device_id") == device_id)
        .map(|p| str_field(p, "id").to_string())
        .collect();
    for fip in &mut live.floating_ips {
        if ports.iter().any(|p| p == str_field(fip, "port_id")) {
            detach(fip);
        }
    }
    live.ports
        .retain(|p| str_field(p, "device_id") != device_id);
}

fn detach(fip: &mut Value) {
    fip["port_id"] = Value::Null;
    fip["fixed_ip_address"] = Value::Null;
    fip["router_id"] = Value::Null;
    fip["status"] = json!("DOWN");
    fip["updated_at"] = json!(now_stamp());
}

fn bad_request(message: &str) -> Response {
    reply::neutron_error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// What a cloud without floating IPs answers for them (the extension is not loaded).
fn no_floating_ips(state: &SimState, cloud: &str, region: &str) -> Option<Response> {
    let target = state.region(cloud, region).ok()?;
    target.live.ctx.vendor.direct_public_ips().then(|| {
        reply::neutron_error(
            StatusCode::NOT_FOUND,
            "HTTPNotFound",
            "The resource could not be found.",
        )
    })
}

pub async fn ports(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    neutron::list(&state, &cloud, &region, &headers, &query, Collection::Ports).await
}

pub async fn port(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    neutron::show(&state, &cloud, &region, &headers, &id, Collection::Ports).await
}

pub async fn security_groups(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    let collection = Collection::SecurityGroups;
    neutron::list(&state, &cloud, &region, &headers, &query, collection).await
}

pub async fn security_group(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    let collection = Collection::SecurityGroups;
    neutron::show(&state, &cloud, &region, &headers, &id, collection).await
}

pub async fn security_group_rules(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    let collection = Collection::SecurityGroupRules;
    neutron::list(&state, &cloud, &region, &headers, &query, collection).await
}

pub async fn security_group_rule(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    let collection = Collection::SecurityGroupRules;
    neutron::show(&state, &cloud, &region, &headers, &id, collection).await
}

/// `GET …/v2.0/floatingips`.
pub async fn floating_ips(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    if let Some(response) = no_floating_ips(&state, &cloud, &region) {
        return response;
    }
    let collection = Collection::FloatingIps;
    neutron::list(&state, &cloud, &region, &headers, &query, collection).await
}

/// `GET …/v2.0/floatingips/{id}`.
pub async fn floating_ip(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    if let Some(response) = no_floating_ips(&state, &cloud, &region) {
        return response;
    }
    let collection = Collection::FloatingIps;
    neutron::show(&state, &cloud, &region, &headers, &id, collection).await
}

/// Points `fip` at `port_id` (and its fixed IP `fixed`), or answers why it cannot.
fn attach(
    live: &LiveData,
    fip: &mut Value,
    port_id: &str,
    fixed: Option<&str>,
) -> Result<(), Box<Response>> {
    let Some(port) = live.ports.iter().find(|p| str_field(p, "id") == port_id) else {
        return Err(Box::new(Collection::Ports.not_found(port_id)));
    };
    let addresses: Vec<&str> = port["fixed_ips"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| str_field(f, "ip_address"))
        .filter(|a| !a.contains(':'))
        .collect();
    let fixed = match fixed {
        Some(wanted) if addresses.contains(&wanted) => wanted,
        Some(wanted) => {
            return Err(Box::new(bad_request(&format!(
                "Bad floatingip request: Port {port_id} does not have fixed ip {wanted}."
            ))));
        }
        None => match addresses.first() {
            Some(first) => first,
            None => {
                return Err(Box::new(bad_request(&format!(
                    "Bad floatingip request: Port {port_id} does not have any IPv4 address."
                ))));
            }
        },
    };
    if let Some(other) = live.floating_ips.iter().find(|f| {
        str_field(f, "port_id") == port_id
            && str_field(f, "fixed_ip_address") == fixed
            && f["id"] != fip["id"]
    }) {
        return Err(Box::new(reply::neutron_error(
            StatusCode::CONFLICT,
            "FloatingIPPortAlreadyAssociated",
            &format!(
                "Cannot associate floating IP {} with port {port_id} using fixed IP {fixed}, as that fixed IP already has a floating IP on external network {}.",
                str_field(fip, "floating_ip_address"),
                str_field(other, "floating_network_id")
            ),
        )));
    }
    fip["port_id"] = json!(port_id);
    fip["fixed_ip_address"] = json!(fixed);
    fip["router_id"] = json!(crate::ids::uuid(&[
        str_field(fip, "floating_network_id"),
        "router"
    ]));
    fip["status"] = json!("ACTIVE");
    fip["updated_at"] = json!(now_stamp());
    Ok(())
}

/// `POST …/v2.0/floatingips`.
pub async fn create_floating_ip(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(response) = no_floating_ips(&state, &cloud, &region) {
        return response;
    }
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let request = match member(&body, "floatingip") {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let network_id = str_field(&request, "floating_network_id");
    let ctx = &target.live.ctx;
    let mut live = target.live.lock();
    let Some(network) = views::network(target, &live, network_id).cloned() else {
        return Collection::Networks.not_found(network_id);
    };
    if network["router:external"] != json!(true) {
        return bad_request(&format!(
            "Bad floatingip request: Network {network_id} is not a valid external network."
        ));
    }
    let address = ipv4_subnet(target, &live, network_id).and_then(|s| live.allocate_ip(&s));
    let Some(address) = address else {
        return reply::neutron_error(
            StatusCode::CONFLICT,
            "IpAddressGenerationFailure",
            &format!("No more IP addresses available on network {network_id}."),
        );
    };
    let now = now_stamp();
    let mut fip = json!({
        "id": live.new_id(ctx, "floatingip"),
        "floating_ip_address": address,
        "floating_network_id": network_id,
        "router_id": null,
        "port_id": null,
        "fixed_ip_address": null,
        "status": "DOWN",
        "description": request["description"].as_str().unwrap_or(""),
        "dns_domain": "",
        "dns_name": "",
        "qos_policy_id": null,
        "port_forwardings": [],
        "project_id": ctx.project_id,
        "tenant_id": ctx.project_id,
        "created_at": now,
        "updated_at": now,
        "revision_number": 0,
        "tags": [],
    });
    if let Some(port_id) = request["port_id"].as_str()
        && let Err(response) = attach(
            &live,
            &mut fip,
            port_id,
            request["fixed_ip_address"].as_str(),
        )
    {
        return *response;
    }
    live.floating_ips.push(fip.clone());
    reply::json(StatusCode::CREATED, json!({"floatingip": fip}))
}

/// `PUT …/v2.0/floatingips/{id}` with `{"floatingip": {"port_id": … | null}}`.
pub async fn update_floating_ip(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(response) = no_floating_ips(&state, &cloud, &region) {
        return response;
    }
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let request = match member(&body, "floatingip") {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let mut live = target.live.lock();
    let Some(index) = live
        .floating_ips
        .iter()
        .position(|f| str_field(f, "id") == id)
    else {
        return Collection::FloatingIps.not_found(&id);
    };
    let mut fip = live.floating_ips[index].clone();
    match request.get("port_id") {
        Some(Value::String(port_id)) => {
            if let Err(response) = attach(
                &live,
                &mut fip,
                port_id,
                request["fixed_ip_address"].as_str(),
            ) {
                return *response;
            }
        }
        Some(Value::Null) => detach(&mut fip),
        _ => {}
    }
    if let Some(description) = request["description"].as_str() {
        fip["description"] = json!(description);
    }
    fip["revision_number"] = json!(fip["revision_number"].as_u64().unwrap_or(0) + 1);
    live.floating_ips[index] = fip.clone();
    reply::json(StatusCode::OK, json!({"floatingip": fip}))
}

/// `DELETE …/v2.0/floatingips/{id}`.
pub async fn delete_floating_ip(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    if let Some(response) = no_floating_ips(&state, &cloud, &region) {
        return response;
    }
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let mut live = target.live.lock();
    let before = live.floating_ips.len();
    live.floating_ips.retain(|f| str_field(f, "id") != id);
    if live.floating_ips.len() == before {
        return Collection::FloatingIps.not_found(&id);
    }
    StatusCode::NO_CONTENT.into_response()
}
