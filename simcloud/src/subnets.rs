//! Neutron subnet writes. A subnet needs an existing network and a CIDR without host bits
//! (neutron's messages, including the "is recommended" hint); deleting one that a port still
//! has an address on answers 409 `SubnetInUse`. Seeded servers count as ports on the seeded
//! `private` subnet.

use std::net::Ipv6Addr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::faults::{self, Access};
use crate::live::{now_stamp, parse_ipv4_cidr};
use crate::neutron::Collection;
use crate::secgroups::member;
use crate::seed::str_field;
use crate::state::SimState;
use crate::{reply, views};

type Loc = Path<(String, String)>;
type Item = Path<(String, String, String)>;

fn bad_request(message: &str) -> Response {
    reply::neutron_error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// Checks `cidr` for `ip_version`; the error is neutron's message.
fn check_cidr(cidr: &str, ip_version: u64) -> Result<(), String> {
    let invalid = || format!("Invalid input for cidr. Reason: '{cidr}' is not a valid IP subnet.");
    match ip_version {
        4 => {
            if parse_ipv4_cidr(cidr).is_some() {
                return Ok(());
            }
            let (addr, prefix) = cidr.split_once('/').ok_or_else(invalid)?;
            let addr: std::net::Ipv4Addr = addr.parse().map_err(|_| invalid())?;
            let prefix: u32 = prefix.parse().map_err(|_| invalid())?;
            let mask = u32::MAX.checked_shl(32u32.checked_sub(prefix).ok_or_else(invalid)?);
            let network = std::net::Ipv4Addr::from(u32::from(addr) & mask.unwrap_or(0));
            Err(format!(
                "Invalid input for operation: '{cidr}' isn't a recognized IP subnet cidr, '{network}/{prefix}' is recommended."
            ))
        }
        6 => {
            let (addr, prefix) = cidr.split_once('/').ok_or_else(invalid)?;
            let ok =
                addr.parse::<Ipv6Addr>().is_ok() && prefix.parse::<u8>().is_ok_and(|p| p <= 128);
            if ok { Ok(()) } else { Err(invalid()) }
        }
        other => Err(format!(
            "Invalid input for ip_version. Reason: {other} is not in [4, 6]."
        )),
    }
}

/// The gateway and one allocation pool of an IPv4 subnet: first host, then the rest.
fn ipv4_layout(cidr: &str) -> Option<(String, Value)> {
    let (base, prefix) = parse_ipv4_cidr(cidr)?;
    let size = 1u32.checked_shl(32 - u32::from(prefix)).unwrap_or(u32::MAX);
    if size < 4 {
        return None;
    }
    let at = |offset: u32| std::net::Ipv4Addr::from(u32::from(base) + offset).to_string();
    Some((at(1), json!([{"start": at(2), "end": at(size - 2)}])))
}

/// `POST …/v2.0/subnets`.
pub async fn create_subnet(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let request = match member(&body, "subnet") {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let network_id = str_field(&request, "network_id");
    let cidr = str_field(&request, "cidr");
    let ip_version = request["ip_version"].as_u64().unwrap_or(4);
    if network_id.is_empty() {
        return bad_request(
            "Failed to parse request. Required attribute 'network_id' not specified",
        );
    }
    if let Err(message) = check_cidr(cidr, ip_version) {
        return bad_request(&message);
    }
    let ctx = &target.live.ctx;
    let mut live = target.live.lock();
    if views::network(target, &live, network_id).is_none() {
        return Collection::Networks.not_found(network_id);
    }
    let (gateway, pools) = ipv4_layout(cidr).unwrap_or((String::new(), json!([])));
    let now = now_stamp();
    let mut subnet = json!({
        "id": live.new_id(ctx, "subnet"),
        "name": str_field(&request, "name"),
        "network_id": network_id,
        "ip_version": ip_version,
        "cidr": cidr,
        "gateway_ip": if gateway.is_empty() { Value::Null } else { json!(gateway) },
        "enable_dhcp": request["enable_dhcp"].as_bool().unwrap_or(true),
        "allocation_pools": pools,
        "dns_nameservers": [],
        "host_routes": [],
        "service_types": [],
        "subnetpool_id": null,
        "segment_id": null,
        "ipv6_ra_mode": null,
        "ipv6_address_mode": null,
        "project_id": ctx.project_id,
        "tenant_id": ctx.project_id,
        "created_at": now,
        "updated_at": now,
        "description": str_field(&request, "description"),
        "tags": [],
        "revision_number": 0,
    });
    for key in [
        "gateway_ip",
        "allocation_pools",
        "dns_nameservers",
        "host_routes",
    ] {
        if let Some(value) = request.get(key) {
            subnet[key] = value.clone();
        }
    }
    live.subnets.push(subnet.clone());
    reply::json(StatusCode::CREATED, json!({"subnet": subnet}))
}

/// `DELETE …/v2.0/subnets/{id}`: 409 while a port has an address on it. Seeded servers
/// count as ports on the seeded `private` subnet.
pub async fn delete_subnet(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let mut live = target.live.lock();
    let seeded = target
        .data
        .subnets
        .iter()
        .position(|s| str_field(s, "id") == id);
    let created = live.subnets.iter().position(|s| str_field(s, "id") == id);
    if created.is_none() && (seeded.is_none() || live.deleted_subnets.contains(&id)) {
        return Collection::Subnets.not_found(&id);
    }
    let live_ports = live.ports.iter().any(|p| {
        p["fixed_ips"]
            .as_array()
            .is_some_and(|ips| ips.iter().any(|ip| str_field(ip, "subnet_id") == id))
    });
    let seeded_servers = seeded == Some(1) && !target.data.servers.is_empty();
    if live_ports || seeded_servers {
        return reply::neutron_error(
            StatusCode::CONFLICT,
            "SubnetInUse",
            &format!(
                "Unable to complete operation on subnet {id}: One or more ports have an IP allocation from this subnet."
            ),
        );
    }
    match created {
        Some(index) => {
            live.subnets.remove(index);
        }
        None => {
            live.deleted_subnets.insert(id);
        }
    }
    StatusCode::NO_CONTENT.into_response()
}
