//! Cinder (block storage v3) under `/{cloud}/{region}/volume/v3/{project_id}`: version
//! discovery and volumes (list, detail, show, create, delete).
//!
//! A new volume is `creating` for the region's `volume_ms`, then `available` (computed on
//! read). Lists page like nova (marker/limit, `volumes_links`, page size `nova_max_limit`).
//! `bootable` is the string `"true"`/`"false"`, as cinder prints it; created from an image, a
//! volume is bootable and carries `volume_image_metadata`. Errors are nova-style
//! (`{"itemNotFound": {...}}`), which is what cinder answers too.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::faults::{self, Access};
use crate::lifecycle::{self, Lifecycle};
use crate::live::LiveVolume;
use crate::pagination::{self, QueryPairs, param};
use crate::seed::str_field;
use crate::state::SimState;
use crate::{reply, time};

type Loc = Path<(String, String)>;
type Project = Path<(String, String, String)>;
type Item = Path<(String, String, String, String)>;

/// The newest block-storage microversion the simulator claims.
const MAX_MICROVERSION: &str = "3.70";
/// Volume types every region offers; the first is the default.
const VOLUME_TYPES: [&str; 2] = ["__DEFAULT__", "lvmdriver-1"];
/// Cinder's single default availability zone.
const ZONE: &str = "nova";

fn version_doc(state: &SimState, cloud: &str, region: &str) -> Value {
    json!({
        "id": "v3.0",
        "status": "CURRENT",
        "version": MAX_MICROVERSION,
        "min_version": "3.0",
        "updated": "2023-08-31T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{}/{cloud}/{region}/volume/v3/", state.base_url)}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}],
    })
}

/// `GET /{cloud}/{region}/volume[/]`: 300 Multiple Choices with the v3 version.
pub async fn versions(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = faults::enter(&state, &cloud, &region, &headers, Access::Public).await {
        return response;
    }
    let doc = version_doc(&state, &cloud, &region);
    reply::json(StatusCode::MULTIPLE_CHOICES, json!({"versions": [doc]}))
}

/// `GET /{cloud}/{region}/volume/v3[/]` (and the project URL itself): the v3 version.
pub async fn version(
    State(state): State<Arc<SimState>>,
    Path(path): Path<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let get = |key: &str| {
        path.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (cloud, region) = (get("cloud"), get("region"));
    if let Err(response) = faults::enter(&state, &cloud, &region, &headers, Access::Public).await {
        return response;
    }
    let doc = version_doc(&state, &cloud, &region);
    reply::json(StatusCode::OK, json!({"versions": [doc]}))
}

fn not_found(id: &str) -> Response {
    reply::nova_error(
        StatusCode::NOT_FOUND,
        "itemNotFound",
        &format!("Volume {id} could not be found."),
    )
}

fn bad_request(message: &str) -> Response {
    reply::nova_error(StatusCode::BAD_REQUEST, "badRequest", message)
}

/// A stored volume as it shows now.
fn render(times: &Lifecycle, volume: &LiveVolume) -> Value {
    let mut body = volume.body.clone();
    body["status"] = json!(lifecycle::volume_status(
        times,
        lifecycle::since(volume.created)
    ));
    body
}

/// `GET …/volumes` and `…/volumes/detail`.
async fn volumes(
    state: Arc<SimState>,
    (cloud, region, project): (String, String, String),
    headers: HeaderMap,
    query: QueryPairs,
    detail: bool,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let all: Vec<Value> = {
        let live = target.live.lock();
        live.volumes
            .iter()
            .map(|v| render(&live.times, v))
            .collect()
    };
    let max = state.page_sizes.nova_max_limit;
    let limit = match pagination::parse_limit(&query) {
        Ok(limit) => limit.unwrap_or(max).min(max),
        Err(e) => return bad_request(&e.to_string()),
    };
    let keep = |v: &Value| {
        param(&query, "name").is_none_or(|n| str_field(v, "name") == n)
            && param(&query, "status").is_none_or(|s| str_field(v, "status") == s)
    };
    let page = match pagination::page(&all, param(&query, "marker"), limit, keep) {
        Ok(page) => page,
        Err(e) => return bad_request(&e.to_string()),
    };
    let items: Vec<Value> = page
        .iter()
        .map(|v| {
            if detail {
                (*v).clone()
            } else {
                json!({"id": v["id"], "name": v["name"], "links": v["links"]})
            }
        })
        .collect();
    let mut body = json!({ "volumes": items });
    if let Some(marker) = pagination::next_marker(&page, limit) {
        let suffix = if detail { "/detail" } else { "" };
        let href = format!(
            "{}/{cloud}/{region}/volume/v3/{project}/volumes{suffix}?{}",
            state.base_url,
            pagination::next_query(&query, limit, marker)
        );
        body["volumes_links"] = json!([{"rel": "next", "href": href}]);
    }
    reply::json(StatusCode::OK, body)
}

pub async fn list(
    State(state): State<Arc<SimState>>,
    Path(path): Project,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    volumes(state, path, headers, query, false).await
}

pub async fn detail(
    State(state): State<Arc<SimState>>,
    Path(path): Project,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    volumes(state, path, headers, query, true).await
}

/// `GET …/volumes/{id}`.
pub async fn show(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, _, id)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let live = target.live.lock();
    match live.volumes.iter().find(|v| str_field(&v.body, "id") == id) {
        Some(volume) => reply::json(
            StatusCode::OK,
            json!({"volume": render(&live.times, volume)}),
        ),
        None => not_found(&id),
    }
}

/// The requested size in GiB: a positive integer, or a string of one (cinder takes both).
fn size(request: &Value) -> Option<u64> {
    match &request["size"] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .filter(|&size| size > 0)
}

/// `POST …/volumes`.
pub async fn create(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, project)): Project,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let request = match serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("volume").cloned())
    {
        Some(request) if request.is_object() => request,
        _ => return bad_request("Missing required element 'volume' in request body."),
    };
    let Some(size) = size(&request) else {
        return bad_request(
            "Invalid input for field/attribute size. Value: must be an integer greater than 0.",
        );
    };
    let volume_type = request["volume_type"].as_str().unwrap_or(VOLUME_TYPES[0]);
    if !VOLUME_TYPES.contains(&volume_type) {
        return reply::nova_error(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            &format!("Volume type with name {volume_type} could not be found."),
        );
    }
    let zone = request["availability_zone"].as_str().unwrap_or(ZONE);
    if zone != ZONE {
        return bad_request(&format!("Availability zone '{zone}' is invalid."));
    }
    let image = match request["imageRef"].as_str() {
        None => None,
        Some(id) => match target.data.images.iter().find(|i| str_field(i, "id") == id) {
            Some(image) => Some(image.clone()),
            None => {
                return bad_request(&format!(
                    "Invalid image identifier or unable to access requested image. Image {id} could not be found."
                ));
            }
        },
    };
    let ctx = &target.live.ctx;
    let mut live = target.live.lock();
    let id = live.new_id(ctx, "volume");
    let (secs, _) = time::now_unix();
    let created = time::naive_micros(secs);
    let root = format!("{}/{cloud}/{region}/volume", state.base_url);
    let mut volume = json!({
        "id": id,
        "name": request["name"],
        "description": request["description"],
        "status": "creating",
        "size": size,
        "volume_type": volume_type,
        "availability_zone": zone,
        "bootable": if image.is_some() { "true" } else { "false" },
        "encrypted": false,
        "multiattach": request["multiattach"].as_bool().unwrap_or(false),
        "attachments": [],
        "metadata": request.get("metadata").cloned().unwrap_or_else(|| json!({})),
        "snapshot_id": request["snapshot_id"],
        "source_volid": request["source_volid"],
        "consistencygroup_id": null,
        "group_id": null,
        "replication_status": null,
        "migration_status": null,
        "user_id": ctx.user_id,
        "os-vol-tenant-attr:tenant_id": project,
        "created_at": created,
        "updated_at": null,
        "shared_targets": false,
        "consumes_quota": true,
        "links": [
            {"rel": "self", "href": format!("{root}/v3/{project}/volumes/{id}")},
            {"rel": "bookmark", "href": format!("{root}/{project}/volumes/{id}")},
        ],
    });
    if let Some(image) = image {
        volume["volume_image_metadata"] = json!({
            "image_id": image["id"], "image_name": image["name"],
            "disk_format": image["disk_format"], "container_format": image["container_format"],
            "min_disk": image["min_disk"].to_string(), "min_ram": image["min_ram"].to_string(),
            "size": image["size"].to_string(), "checksum": image["checksum"],
        });
    }
    live.volumes.push(LiveVolume {
        body: volume.clone(),
        created: Instant::now(),
    });
    reply::json(StatusCode::ACCEPTED, json!({ "volume": volume }))
}

/// `DELETE …/volumes/{id}`: 202; refused (400) while attached or still `creating`.
pub async fn delete(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, _, id)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let mut live = target.live.lock();
    let Some(index) = live
        .volumes
        .iter()
        .position(|v| str_field(&v.body, "id") == id)
    else {
        return not_found(&id);
    };
    let volume = render(&live.times, &live.volumes[index]);
    let attached = volume["attachments"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    if attached || str_field(&volume, "status") != "available" {
        return bad_request(
            "Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.",
        );
    }
    live.volumes.remove(index);
    StatusCode::ACCEPTED.into_response()
}
