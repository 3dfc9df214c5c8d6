//! The keystone service catalog of one cloud: compute, image, network and identity, each
//! with one endpoint per region per interface (public, internal, admin share a URL).

use serde_json::{Value, json};

use crate::config::SimCloudConfig;
use crate::ids;

/// (type, name, path under `{base}/{cloud}/{region}`; `None` for the per-cloud identity).
const SERVICES: [(&str, &str, Option<&str>); 4] = [
    ("compute", "nova", Some("compute/v2.1")),
    ("image", "glance", Some("image")),
    ("network", "neutron", Some("network")),
    ("identity", "keystone", None),
];

const INTERFACES: [&str; 3] = ["public", "internal", "admin"];

pub fn build(cloud: &SimCloudConfig, base_url: &str) -> Value {
    let name = &cloud.name;
    let services: Vec<Value> = SERVICES
        .iter()
        .map(|(kind, service, path)| {
            let mut endpoints = Vec::new();
            for region in &cloud.regions {
                let url = match path {
                    Some(path) => format!("{base_url}/{name}/{}/{path}", region.name),
                    None => format!("{base_url}/{name}/identity"),
                };
                for interface in INTERFACES {
                    endpoints.push(json!({
                        "id": ids::hex(&[name, &region.name, kind, interface], 32),
                        "interface": interface,
                        "region": region.name,
                        "region_id": region.name,
                        "url": url,
                    }));
                }
            }
            json!({
                "id": ids::hex(&[name, "service", kind], 32),
                "type": kind,
                "name": service,
                "endpoints": endpoints,
            })
        })
        .collect();
    Value::Array(services)
}
