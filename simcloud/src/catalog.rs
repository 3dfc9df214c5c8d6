//! The keystone service catalog of one cloud: compute, image, network, object-store (swift),
//! volumev3 (cinder) and identity, each with one endpoint per region per interface (public,
//! internal, admin share a URL). `{project_id}` in a path is the cloud's project id; Rackspace
//! clouds name their compute service `cloudServersOpenStack`, as the vendor profile expects.
//! The cloud's endpoint style decides the nova, glance and neutron paths (see `endpoints`).

use serde_json::{Value, json};

use crate::config::SimCloudConfig;
use crate::ids;
use crate::vendor::Vendor;

/// (type, name, path under `{base}/{cloud}/{region}`; `None` for the per-cloud identity).
const SERVICES: [(&str, &str, Option<&str>); 6] = [
    ("compute", "nova", Some("compute/v2.1")),
    ("image", "glance", Some("image")),
    ("network", "neutron", Some("network")),
    ("object-store", "swift", Some("swift/v1/AUTH_{project_id}")),
    ("volumev3", "cinderv3", Some("volume/v3/{project_id}")),
    ("identity", "keystone", None),
];

const INTERFACES: [&str; 3] = ["public", "internal", "admin"];

pub fn build(cloud: &SimCloudConfig, base_url: &str) -> Value {
    let name = &cloud.name;
    let project_id = cloud.project_id();
    let services: Vec<Value> = SERVICES
        .iter()
        .map(|(kind, service, path)| {
            let mut endpoints = Vec::new();
            for region in &cloud.regions {
                let styled = cloud.endpoints.catalog_path(kind, &project_id);
                let url = match path {
                    Some(path) => format!(
                        "{base_url}/{name}/{}/{}",
                        region.name,
                        styled.unwrap_or_else(|| path.replace("{project_id}", &project_id))
                    ),
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
                "name": service_name(cloud.vendor, kind, service),
                "endpoints": endpoints,
            })
        })
        .collect();
    Value::Array(services)
}

/// The catalog name of a service: the vendor's own where its profile filters by name.
fn service_name<'a>(vendor: Vendor, kind: &str, default: &'a str) -> &'a str {
    match (vendor, kind) {
        (Vendor::Rackspace, "compute") => "cloudServersOpenStack",
        _ => default,
    }
}
