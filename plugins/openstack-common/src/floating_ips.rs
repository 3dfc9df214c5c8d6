//! Neutron floating IPs: list, get, create (optionally on a server's port), attach, delete.
//!
//! create-floating-ip:
//! 1. The external network is the spec's, else the first network neutron reports with
//!    `router:external` (asked with that filter, and checked again here).
//! 2. With a server, its port is looked up (`GET /ports?device_id=`) and passed as `port_id`
//!    with the port's first IPv4 as `fixed_ip_address`, so the address is attached atomically
//!    (shade's `_neutron_create_floating_ip`, openstack.md §3g).
//!
//! attach-floating-ip PUTs the server's port the same way. A server with no port yet (still
//! building, or no such server: neutron cannot tell them apart) is `conflict`.
//!
//! `server-id`: neutron reports it only through `port_details` (fip-port-details extension).
//! Without it, lists and gets leave `server-id` none rather than look up one port per address;
//! create and attach fill it with the server they were given.

use serde_json::{Map, Value, json};

use crate::client::{self, Next};
use crate::convert_write;
use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::http::Method;
use crate::oaktree::cloud::types::{Error, FloatingIp, FloatingIpCreate};
use crate::value;

/// The port of a server a floating IP maps to.
struct Port {
    id: String,
    fixed_v4: Option<String>,
}

impl<H: Host> Session<'_, H> {
    pub fn list_floating_ips(&mut self) -> Result<Vec<FloatingIp>, Error> {
        let items = self.list("network", "floatingips", "floatingips", |_| {
            Next::Links("floatingips_links")
        })?;
        items
            .into_iter()
            .map(|i| convert_write::floating_ip(i, &self.token.project))
            .collect()
    }

    pub fn get_floating_ip(&mut self, id: &str) -> Result<FloatingIp, Error> {
        let item = self.get_one("network", "floatingips", id, "floatingip")?;
        convert_write::floating_ip(item, &self.token.project)
    }

    pub fn create_floating_ip(&mut self, spec: &FloatingIpCreate) -> Result<FloatingIp, Error> {
        let network_id = match &spec.network_id {
            Some(id) if !id.is_empty() => id.clone(),
            _ => self.external_network()?,
        };
        let mut floating = Map::new();
        floating.insert("floating_network_id".into(), json!(network_id));
        let port = match &spec.server_id {
            Some(server) => {
                let port = self.server_port(server)?;
                put_port(&mut floating, &port);
                Some(port)
            }
            None => None,
        };
        let body = json!({ "floatingip": floating });
        let item = self.create_one("network", "floatingips", "floatingip", &body)?;
        let fip = convert_write::floating_ip(item, &self.token.project)?;
        Ok(with_server(fip, port.as_ref(), spec.server_id.as_deref()))
    }

    pub fn attach_floating_ip(&mut self, id: &str, server_id: &str) -> Result<FloatingIp, Error> {
        let url = self.resource_url("network", "floatingips", id)?;
        let port = self.server_port(server_id)?;
        let mut floating = Map::new();
        put_port(&mut floating, &port);
        let body = json!({ "floatingip": floating });
        let answer = self.send_json(Method::Put, "network", &url, Some(&body))?;
        let item = convert_write::item(answer, "floatingip", &format!("network: PUT {url}"))?;
        let fip = convert_write::floating_ip(item, &self.token.project)?;
        Ok(with_server(fip, Some(&port), Some(server_id)))
    }

    pub fn delete_floating_ip(&mut self, id: &str) -> Result<(), Error> {
        self.delete_one("network", "floatingips", id)
    }

    /// The first network neutron reports as external.
    fn external_network(&mut self) -> Result<String, Error> {
        let networks = self.list(
            "network",
            "networks?router:external=true",
            "networks",
            |_| Next::Links("networks_links"),
        )?;
        networks
            .iter()
            .filter(|n| n.get("router:external").and_then(value::flag) == Some(true))
            .find_map(|n| n.get("id").and_then(value::text))
            .ok_or_else(|| {
                Error::Invalid(
                    "network: this cloud has no external network (router:external) to allocate \
                     a floating IP from; pass the network id explicitly"
                        .into(),
                )
            })
    }

    /// The server's first port with an IPv4 address, else its first port.
    fn server_port(&mut self, server_id: &str) -> Result<Port, Error> {
        if server_id.is_empty() {
            return Err(Error::Invalid(
                "network: a server id is needed to find its port".into(),
            ));
        }
        let path = format!("ports?device_id={}", client::encode_segment(server_id));
        let ports = self.list("network", &path, "ports", |_| Next::Links("ports_links"))?;
        let port = |p: &Value| {
            let id = p.get("id").and_then(value::text)?;
            let fixed_v4 = p
                .get("fixed_ips")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|ip| ip.get("ip_address").and_then(value::text))
                .find(|ip| !ip.contains(':'));
            Some(Port { id, fixed_v4 })
        };
        let all: Vec<Port> = ports.iter().filter_map(port).collect();
        let chosen = match all.iter().position(|p| p.fixed_v4.is_some()) {
            Some(i) => all.into_iter().nth(i),
            None => all.into_iter().next(),
        };
        chosen.ok_or_else(|| {
            Error::Conflict(format!(
                "network: server {server_id} has no port to attach a floating IP to (is it \
                 still building, or gone?)"
            ))
        })
    }
}

/// Puts a port (and its IPv4 address) into a `floatingip` request object.
fn put_port(floating: &mut Map<String, Value>, port: &Port) {
    floating.insert("port_id".into(), json!(port.id));
    if let Some(ip) = &port.fixed_v4 {
        floating.insert("fixed_ip_address".into(), json!(ip));
    }
}

/// Names the server a create or attach used when neutron did not, and the address is on
/// its port.
fn with_server(mut fip: FloatingIp, port: Option<&Port>, server_id: Option<&str>) -> FloatingIp {
    let on_port = port.is_some_and(|p| fip.port_id.as_deref() == Some(p.id.as_str()));
    if fip.server_id.is_none() && on_port {
        fip.server_id = server_id.map(str::to_string);
    }
    fip
}

#[cfg(test)]
#[path = "floating_ips_tests.rs"]
mod tests;
