//! Seeded data merged with the live overlay: the collections readers list and show.
//!
//! Servers are rendered at the instant of the read: their status comes from `lifecycle`,
//! their `addresses` from their neutron ports and the floating IPs on those ports. Servers
//! past their delete time are dropped here (lazily), so a later read answers 404.

use serde_json::{Map, Value, json};

use crate::lifecycle::{self, ServerPhase};
use crate::live::LiveData;
use crate::seed::str_field;
use crate::state::RegionState;
use crate::time::naive_micros;

/// Seeded networks plus added ones, each listing its current subnets.
pub fn networks(target: &RegionState, live: &LiveData) -> Vec<Value> {
    let subnets = subnets(target, live);
    target
        .data
        .networks
        .iter()
        .chain(&live.networks)
        .map(|network| {
            let id = str_field(network, "id");
            let mut network = network.clone();
            let subnets: Vec<Value> = subnets
                .iter()
                .filter(|s| str_field(s, "network_id") == id)
                .map(|s| s["id"].clone())
                .collect();
            network["subnets"] = Value::Array(subnets);
            network
        })
        .collect()
}

/// Seeded subnets not deleted, plus created ones.
pub fn subnets(target: &RegionState, live: &LiveData) -> Vec<Value> {
    target
        .data
        .subnets
        .iter()
        .filter(|s| !live.deleted_subnets.contains(str_field(s, "id")))
        .chain(&live.subnets)
        .cloned()
        .collect()
}

/// The network with this id, seeded or added.
pub fn network<'a>(target: &'a RegionState, live: &'a LiveData, id: &str) -> Option<&'a Value> {
    target
        .data
        .networks
        .iter()
        .chain(&live.networks)
        .find(|n| str_field(n, "id") == id)
}

/// Every server the region shows now, seeded first, in creation order.
pub fn servers(target: &RegionState, live: &mut LiveData) -> Vec<Value> {
    prune(live);
    let mut all: Vec<Value> = target
        .data
        .servers
        .iter()
        .filter_map(|server| seeded_server(live, server))
        .collect();
    all.extend(live.servers.iter().map(|s| live_server(target, live, s)));
    all
}

/// The server with this id as it shows now.
pub fn server(target: &RegionState, live: &mut LiveData, id: &str) -> Option<Value> {
    prune(live);
    if let Some(seeded) = target
        .data
        .servers
        .iter()
        .find(|s| str_field(s, "id") == id)
    {
        return seeded_server(live, seeded);
    }
    live.servers
        .iter()
        .find(|s| str_field(&s.body, "id") == id)
        .map(|s| live_server(target, live, s))
}

/// The phase of the live server `index` now.
pub fn live_phase(live: &LiveData, index: usize) -> Option<ServerPhase> {
    let server = live.servers.get(index)?;
    Some(lifecycle::server_phase(
        &live.times,
        server.fails,
        lifecycle::since(server.created),
        server.deleted.map(lifecycle::since),
    ))
}

/// Drops live servers past their delete time.
fn prune(live: &mut LiveData) {
    let gone: Vec<usize> = (0..live.servers.len())
        .filter(|&i| live_phase(live, i).is_some_and(|p| p.gone))
        .collect();
    for index in gone.into_iter().rev() {
        live.servers.remove(index);
    }
}

fn seeded_server(live: &LiveData, server: &Value) -> Option<Value> {
    let Some(deleted) = live.deleted_seeded.get(str_field(server, "id")) else {
        return Some(server.clone());
    };
    let phase = lifecycle::server_phase(
        &live.times,
        false,
        std::time::Duration::MAX,
        Some(lifecycle::since(*deleted)),
    );
    if phase.gone {
        return None;
    }
    let mut server = server.clone();
    apply_phase(&mut server, &phase);
    Some(server)
}

fn apply_phase(server: &mut Value, phase: &ServerPhase) {
    server["status"] = json!(phase.status);
    server["OS-EXT-STS:vm_state"] = json!(phase.vm_state);
    server["OS-EXT-STS:task_state"] = json!(phase.task_state);
    server["OS-EXT-STS:power_state"] = json!(phase.power_state);
    server["progress"] = json!(phase.progress);
}

fn live_server(target: &RegionState, live: &LiveData, server: &crate::live::LiveServer) -> Value {
    let phase = lifecycle::server_phase(
        &live.times,
        server.fails,
        lifecycle::since(server.created),
        server.deleted.map(lifecycle::since),
    );
    let mut body = server.body.clone();
    apply_phase(&mut body, &phase);
    let built = phase.status != "BUILD";
    if built {
        let build_secs = i64::try_from(live.times.build_ms / 1000).unwrap_or(0);
        body["OS-SRV-USG:launched_at"] = json!(naive_micros(server.created_unix + build_secs));
    }
    if phase.status == "ERROR" {
        body["addresses"] = json!({});
        body["fault"] = json!({
            "code": 500,
            "message": lifecycle::BOOT_FAULT_MESSAGE,
            "created": body["created"],
        });
        body["OS-SRV-USG:launched_at"] = Value::Null;
    } else {
        body["addresses"] = addresses(target, live, str_field(&server.body, "id"));
        if built && live.times.public_address {
            body["accessIPv4"] = json!(public_address(str_field(&server.body, "id")));
        }
    }
    body
}

/// A routable address (TEST-NET-3, 203.0.113.0/24) of a server's own, from its id.
fn public_address(server_id: &str) -> String {
    format!(
        "203.0.113.{}",
        2 + crate::ids::hash64(7, &[server_id]) % 250
    )
}

/// Nova's `addresses`: per network name, the port's fixed IPs then its floating IPs.
fn addresses(target: &RegionState, live: &LiveData, server_id: &str) -> Value {
    let mut map = Map::new();
    for port in live
        .ports
        .iter()
        .filter(|p| str_field(p, "device_id") == server_id)
    {
        let network_id = str_field(port, "network_id");
        let name = network(target, live, network_id)
            .map(|n| str_field(n, "name").to_string())
            .unwrap_or_else(|| network_id.to_string());
        let mac = str_field(port, "mac_address");
        let entry = map.entry(name).or_insert_with(|| json!([]));
        let Some(list) = entry.as_array_mut() else {
            continue;
        };
        for fixed in port["fixed_ips"].as_array().into_iter().flatten() {
            let addr = str_field(fixed, "ip_address");
            list.push(json!({
                "addr": addr,
                "version": if addr.contains(':') { 6 } else { 4 },
                "OS-EXT-IPS:type": "fixed",
                "OS-EXT-IPS-MAC:mac_addr": mac,
            }));
        }
        let port_id = str_field(port, "id");
        for fip in live
            .floating_ips
            .iter()
            .filter(|f| str_field(f, "port_id") == port_id)
        {
            list.push(json!({
                "addr": fip["floating_ip_address"],
                "version": 4,
                "OS-EXT-IPS:type": "floating",
                "OS-EXT-IPS-MAC:mac_addr": mac,
            }));
        }
    }
    Value::Object(map)
}
