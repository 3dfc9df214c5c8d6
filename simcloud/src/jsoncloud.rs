//! "jsoncloud": a deliberately simple, non-OpenStack JSON API over each simulated region, so
//! drivers written in other languages (plugins/python-jsoncloud, plugins/js-jsoncloud) have a
//! vendor whose words differ from OpenStack's and whose answers they must really normalise.
//!
//! Layout, per region: `/jsoncloud/{cloud}/{region}/v1/{collection}[/{id}]` with collections
//! `machines` (servers), `templates` (images), `sizes` (flavors) and `networks`.
//!
//! 1. The region's fault gate runs as for the OpenStack services (latency, 503, held requests,
//!    `fail_next`); its refusals are rewritten into this API's error shape.
//! 2. `Authorization: Bearer <token>` must carry the cloud's token ([`SimCloud::jsoncloud_token`]);
//!    otherwise 401 `{"error": "..."}`. A region with the `unauthorized` fault refuses every token.
//! 3. Lists page by number: `?page=N` (from 1, [`PAGE_SIZE`] items, `per_page` up to
//!    [`MAX_PER_PAGE`]) answers `{"<collection>": [...], "page": N, "next_page": N+1 | null}`.
//! 4. Items are the region's seeded OpenStack resources (same ids) rendered in this API's words;
//!    an unknown id is 404 `{"error": "..."}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::config::Fault;
use crate::faults::{self, Access};
use crate::ids;
use crate::pagination::{QueryPairs, param};
use crate::reply;
use crate::seed::str_field;
use crate::server::SimCloud;
use crate::state::{RegionState, SimState};

/// Items per page when the client does not say: small, so the default ten-server region spans
/// three pages and every driver's pagination is exercised.
pub const PAGE_SIZE: usize = 4;
/// The largest `per_page` a client may ask for.
pub const MAX_PER_PAGE: usize = 100;

/// The jsoncloud routes, merged into the simulator's router.
pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/jsoncloud/{cloud}/{region}/v1/{collection}", get(list))
        .route(
            "/jsoncloud/{cloud}/{region}/v1/{collection}/{id}",
            get(item),
        )
}

impl SimCloud {
    /// The bearer token the jsoncloud API of `cloud` accepts.
    pub fn jsoncloud_token(cloud: &str) -> String {
        format!("jc-{}", ids::hex(&[cloud, "jsoncloud-token"], 32))
    }

    /// `http://127.0.0.1:PORT/jsoncloud/<cloud>`: drivers append `/<region>/v1/...`.
    pub fn jsoncloud_endpoint(&self, cloud: &str) -> String {
        format!("{}/jsoncloud/{cloud}", self.base_url())
    }

    /// A clouds.yaml entry (indented by two spaces, for appending under `clouds:`) named `name`
    /// for the jsoncloud API of simulated cloud `sim_cloud` with all its regions, served by the
    /// driver of `profile` (e.g. `jsoncloud-py`), authenticating with `token` (the right one
    /// when `None`).
    pub fn jsoncloud_clouds_yaml(
        &self,
        name: &str,
        sim_cloud: &str,
        profile: &str,
        token: Option<&str>,
    ) -> String {
        let regions: Vec<&str> = self
            .config()
            .clouds
            .iter()
            .filter(|c| c.name == sim_cloud)
            .flat_map(|c| c.regions.iter().map(|r| r.name.as_str()))
            .collect();
        let token = token.map_or_else(|| Self::jsoncloud_token(sim_cloud), str::to_owned);
        format!(
            "  {name}:\n    profile: {profile}\n    endpoint_url: {}\n    auth:\n      \
             api_token: \"{token}\"\n    regions: [{}]\n",
            self.jsoncloud_endpoint(sim_cloud),
            regions.join(", ")
        )
    }
}

/// The four collections and their singular names (for error messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collection {
    Machines,
    Templates,
    Sizes,
    Networks,
}

impl Collection {
    fn parse(text: &str) -> Option<Collection> {
        match text {
            "machines" => Some(Collection::Machines),
            "templates" => Some(Collection::Templates),
            "sizes" => Some(Collection::Sizes),
            "networks" => Some(Collection::Networks),
            _ => None,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Collection::Machines => "machines",
            Collection::Templates => "templates",
            Collection::Sizes => "sizes",
            Collection::Networks => "networks",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Collection::Machines => "machine",
            Collection::Templates => "template",
            Collection::Sizes => "size",
            Collection::Networks => "network",
        }
    }

    /// The region's items of this collection, rendered in jsoncloud's words.
    fn render(self, state: &SimState, cloud: &str, region: &RegionState) -> Vec<Value> {
        let owner = state.clouds.get(cloud).map_or_else(
            || json!(null),
            |c| json!({"project_id": c.project_id, "project_name": c.config.project_name}),
        );
        let data = &region.data;
        match self {
            Collection::Machines => data.servers.iter().map(|s| machine(s, &owner)).collect(),
            Collection::Templates => data.images.iter().map(template).collect(),
            Collection::Sizes => data.flavors.iter().map(size).collect(),
            Collection::Networks => data.networks.iter().map(network).collect(),
        }
    }
}

/// This API's error shape.
fn error(status: StatusCode, message: &str) -> Response {
    reply::json(status, json!({"error": message}))
}

/// Steps 1 and 2 of the module doc: the region, or the error response to send.
async fn enter<'s>(
    state: &'s SimState,
    cloud: &str,
    region: &str,
    headers: &HeaderMap,
) -> Result<&'s RegionState, Response> {
    let target = faults::enter(state, cloud, region, headers, Access::Public)
        .await
        .map_err(|refused| {
            let status = refused.status();
            let reason = status.canonical_reason().unwrap_or("error");
            error(status, &format!("{reason} (simulated)"))
        })?;
    if target.take_forced_failure() {
        return Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "service unavailable (simulated transient failure)",
        ));
    }
    let presented = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let expected = SimCloud::jsoncloud_token(cloud);
    let refused = target.control().fault == Fault::Unauthorized;
    match presented {
        None => Err(error(StatusCode::UNAUTHORIZED, "missing bearer token")),
        Some(token) if token != expected || refused => {
            Err(error(StatusCode::UNAUTHORIZED, "invalid bearer token"))
        }
        Some(_) => Ok(target),
    }
}

/// `GET /jsoncloud/{cloud}/{region}/v1/{collection}?page=N&per_page=M`.
async fn list(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, collection)): Path<(String, String, String)>,
    Query(query): Query<QueryPairs>,
    headers: HeaderMap,
) -> Response {
    let Some(collection) = Collection::parse(&collection) else {
        return error(StatusCode::NOT_FOUND, "no such collection");
    };
    let target = match enter(&state, &cloud, &region, &headers).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let (page, per_page) = match page_params(&query) {
        Ok(params) => params,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message),
    };
    let items = collection.render(&state, &cloud, target);
    reply::json(
        StatusCode::OK,
        page_body(collection.key(), items, page, per_page),
    )
}

/// `GET /jsoncloud/{cloud}/{region}/v1/{collection}/{id}`.
async fn item(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, collection, id)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(collection) = Collection::parse(&collection) else {
        return error(StatusCode::NOT_FOUND, "no such collection");
    };
    let target = match enter(&state, &cloud, &region, &headers).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let found = collection
        .render(&state, &cloud, target)
        .into_iter()
        .find(|item| str_field(item, "uuid") == id);
    match found {
        Some(item) => reply::json(StatusCode::OK, item),
        None => error(
            StatusCode::NOT_FOUND,
            &format!("{} {id} does not exist", collection.singular()),
        ),
    }
}

/// `page` (from 1) and `per_page` of the query, or why they are refused.
fn page_params(query: &QueryPairs) -> Result<(usize, usize), String> {
    let number = |key: &str, default: usize| match param(query, key) {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("{key} must be a positive integer, got {text:?}")),
    };
    let page = number("page", 1)?;
    let per_page = number("per_page", PAGE_SIZE)?.min(MAX_PER_PAGE);
    Ok((page, per_page))
}

/// One page of `items`: `{"<key>": [...], "page": N, "next_page": N+1 | null}`.
fn page_body(key: &str, items: Vec<Value>, page: usize, per_page: usize) -> Value {
    let start = (page - 1).saturating_mul(per_page);
    let more = items.len() > start.saturating_add(per_page);
    let slice: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    json!({
        key: slice,
        "page": page,
        "next_page": if more { json!(page + 1) } else { Value::Null },
    })
}

/// A nova server as a jsoncloud machine.
fn machine(server: &Value, owner: &Value) -> Value {
    let state = match str_field(server, "status") {
        "ACTIVE" => "running",
        "SHUTOFF" => "stopped",
        "ERROR" => "failed",
        "BUILD" => "provisioning",
        other => other,
    };
    let mut ips = Vec::new();
    if let Some(networks) = server["addresses"].as_object() {
        for (network, ports) in networks {
            for port in ports.as_array().into_iter().flatten() {
                ips.push(json!({
                    "address": port["addr"],
                    "family": if port["version"] == 6 { "ipv6" } else { "ipv4" },
                    "network": network,
                    "public": str_field(port, "OS-EXT-IPS:type") == "floating",
                    "mac": port["OS-EXT-IPS-MAC:mac_addr"],
                }));
            }
        }
    }
    let firewalls: Vec<&Value> = server["security_groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| &g["name"])
        .collect();
    let template = server["image"].get("id").cloned().unwrap_or(Value::Null);
    json!({
        "uuid": server["id"],
        "label": server["name"],
        "state": state,
        "zone": server["OS-EXT-AZ:availability_zone"],
        "owner": owner,
        "template": template,
        "size": {"uuid": server["flavor"]["id"], "slug": server["flavor"]["original_name"]},
        "ips": ips,
        "ssh_key": server["key_name"],
        "tags": server["metadata"],
        "firewalls": firewalls,
        "host": server["hostId"],
        "problem": server["fault"].get("message").cloned().unwrap_or(Value::Null),
        "created": server["created"],
        "modified": server["updated"],
        "booted": server["OS-SRV-USG:launched_at"],
        "console": "serial",
    })
}

/// A glance image as a jsoncloud template.
fn template(image: &Value) -> Value {
    json!({
        "uuid": image["id"],
        "label": image["name"],
        "state": if str_field(image, "status") == "active" { "ready" } else { str_field(image, "status") },
        "public": str_field(image, "visibility") == "public",
        "locked": image["protected"],
        "format": image["disk_format"],
        "bytes": image["size"],
        "min_disk_gb": image["min_disk"],
        "min_memory_mb": image["min_ram"],
        "md5": image["checksum"],
        "owner_project": image["owner"],
        "labels": image["tags"],
        "created": image["created_at"],
        "modified": image["updated_at"],
        "distro": {"family": image["os_distro"], "release": image["os_version"]},
    })
}

/// A nova flavor as a jsoncloud size.
fn size(flavor: &Value) -> Value {
    let specs = flavor["extra_specs"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    json!({
        "uuid": flavor["id"],
        "slug": flavor["name"],
        "cpus": flavor["vcpus"],
        "memory_mb": flavor["ram"],
        "disk_gb": flavor["disk"],
        "swap_mb": flavor["swap"],
        "public": flavor["os-flavor-access:is_public"],
        "specs": Value::Object(specs),
        "price_per_hour": "0.01",
    })
}

/// A neutron network as a jsoncloud network.
fn network(net: &Value) -> Value {
    let mut extra = Map::new();
    extra.insert("segment".into(), net["provider:segmentation_id"].clone());
    json!({
        "uuid": net["id"],
        "label": net["name"],
        "state": if net["admin_state_up"] == true { "up" } else { "down" },
        "external": net["router:external"],
        "shared": net["shared"],
        "mtu": net["mtu"],
        "subnets": net["subnets"],
        "zones": net["availability_zones"],
        "created": net["created_at"],
        "modified": net["updated_at"],
        "extra": Value::Object(extra),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn numbers(n: usize) -> Vec<Value> {
        (0..n).map(|i| json!(i)).collect()
    }

    #[test]
    fn pages_point_to_the_next_until_the_last() {
        let first = page_body("machines", numbers(10), 1, 4);
        assert_eq!(first["machines"], json!([0, 1, 2, 3]));
        assert_eq!(first["next_page"], json!(2));
        let last = page_body("machines", numbers(10), 3, 4);
        assert_eq!(last["machines"], json!([8, 9]));
        assert_eq!(last["next_page"], Value::Null);
        let exact = page_body("machines", numbers(8), 2, 4);
        assert_eq!(exact["next_page"], Value::Null);
        let past = page_body("machines", numbers(3), 5, 4);
        assert_eq!(past["machines"], json!([]));
    }

    #[test]
    fn page_parameters_must_be_positive_integers() {
        let query = |pairs: &[(&str, &str)]| -> QueryPairs {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(page_params(&query(&[])), Ok((1, PAGE_SIZE)));
        assert_eq!(
            page_params(&query(&[("page", "2"), ("per_page", "500")])),
            Ok((2, MAX_PER_PAGE))
        );
        assert!(page_params(&query(&[("page", "0")])).is_err());
        assert!(page_params(&query(&[("page", "x")])).is_err());
    }

    #[test]
    fn machine_states_and_addresses_use_jsoncloud_words() {
        let server = json!({
            "id": "s1", "name": "web", "status": "SHUTOFF",
            "addresses": {"private": [
                {"addr": "10.0.0.2", "version": 4, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "m"},
                {"addr": "172.24.4.2", "version": 4, "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": "m"},
            ]},
            "image": {"id": "i1"}, "flavor": {"id": "f1", "original_name": "m1.tiny"},
            "security_groups": [{"name": "default"}],
        });
        let m = machine(&server, &json!(null));
        assert_eq!(m["state"], "stopped");
        assert_eq!(m["template"], "i1");
        assert_eq!(m["ips"][1]["public"], true);
        assert_eq!(m["firewalls"], json!(["default"]));
    }
}
