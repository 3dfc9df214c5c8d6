//! Glance v2 writes: create, upload, delete (JSON-patch updates are in `glance_patch`).
//!
//! Upload (`PUT /v2/images/{id}/file`):
//! 1. Refuse on clouds whose vendor uploads through tasks (Rackspace: 403, like the real one).
//! 2. The image must be `queued` with `disk_format` and `container_format` set; it turns
//!    `saving` while the body streams through [`upload::receive`] (never buffered).
//! 3. The bytes must be in the declared `disk_format` (qcow2 magic, VHD footer cookie, raw =
//!    neither); a mismatch kills the image (status `killed`) and answers 400.
//! 4. Otherwise the image turns `active` with `size`, `virtual_size`, `checksum` (md5) and
//!    `os_hash_value` (sha512).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tracing::info;

use crate::faults::{self, Access};
use crate::reply;
use crate::seed::str_field;
use crate::state::{CloudState, RegionState, SimState};
use crate::time::{now_unix, rfc3339};
use crate::upload::{self, Received};

pub use crate::glance_schema::{READ_ONLY, check_property};

/// A refused glance request, answered as glance's plain-text error page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        reply::glance_error(self.status, &self.message)
    }
}

/// A gated glance call: the cloud and the region it addresses.
pub struct Target<'s> {
    pub cloud: &'s CloudState,
    pub region: &'s RegionState,
}

/// Runs the fault/token gate and resolves the cloud.
pub async fn enter<'s>(
    state: &'s SimState,
    cloud: &str,
    region: &str,
    headers: &HeaderMap,
) -> Result<Target<'s>, Response> {
    let region_state = faults::enter(state, cloud, region, headers, Access::Token).await?;
    let cloud_state = state
        .clouds
        .get(cloud)
        .ok_or_else(|| reply::unknown_cloud(cloud))?;
    Ok(Target {
        cloud: cloud_state,
        region: region_state,
    })
}

/// `POST /{cloud}/{region}/image/v2/images`: 201 with a `queued` image.
pub async fn create(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let target = match enter(&state, &cloud, &region, &headers).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let request: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return reply::glance_error(StatusCode::BAD_REQUEST, &format!("Malformed JSON: {e}"));
        }
    };
    let requested_id = request.get("id").and_then(Value::as_str).map(String::from);
    let vendor = target.cloud.config.vendor;
    for (key, value) in request.iter().filter(|(k, _)| k.as_str() != "id") {
        if let Err(refusal) = check_property(vendor, key, value) {
            return refusal.into_response();
        }
    }
    let id = requested_id.unwrap_or_else(|| state.storage.new_id(&cloud, &region, "image"));
    let mut image = new_image(&id, &target.cloud.project_id);
    for (key, value) in request {
        image.insert(key, value);
    }
    let image = Value::Object(image);
    let seeded = &target.region.data.images;
    let created = state.storage.with(&cloud, &region, |store| {
        if store.images.get(seeded, &id).is_some() {
            return false;
        }
        store.images.put(seeded, image.clone());
        true
    });
    if !created {
        return reply::glance_error(
            StatusCode::CONFLICT,
            &format!("An image with identifier {id} already exists"),
        );
    }
    info!(cloud, region, image = id, "image created");
    let mut response = reply::json(StatusCode::CREATED, image);
    if let Ok(location) = format!("/v2/images/{id}").parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A freshly created image record before the client's properties are merged in.
pub fn new_image(id: &str, owner: &str) -> Map<String, Value> {
    let now = rfc3339(now_unix().0);
    let image = json!({
        "id": id,
        "name": null,
        "status": "queued",
        "visibility": "shared",
        "protected": false,
        "os_hidden": false,
        "disk_format": null,
        "container_format": null,
        "size": null,
        "virtual_size": null,
        "checksum": null,
        "os_hash_algo": null,
        "os_hash_value": null,
        "min_disk": 0,
        "min_ram": 0,
        "owner": owner,
        "tags": [],
        "created_at": now,
        "updated_at": now,
        "self": format!("/v2/images/{id}"),
        "file": format!("/v2/images/{id}/file"),
        "schema": "/v2/schemas/image",
    });
    match image {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Marks `image` active with the facts of its data.
pub fn activate(image: &mut Value, data: &Received) {
    image["status"] = json!("active");
    image["size"] = json!(data.size);
    image["virtual_size"] = json!(data.virtual_size());
    image["checksum"] = json!(data.md5);
    image["os_hash_algo"] = json!("sha512");
    image["os_hash_value"] = json!(data.sha512);
    image["updated_at"] = json!(rfc3339(now_unix().0));
}

/// Why image data does not fit the declared `disk_format`, if it does not.
pub fn format_mismatch(declared: &str, data: &Received) -> Option<String> {
    let found = data.format();
    let fits = match declared {
        "qcow2" | "vhd" | "raw" => found.as_str() == declared,
        // Formats the simulator cannot recognise pass unless the bytes are qcow2 or VHD.
        _ => found == upload::DiskFormat::Raw,
    };
    (!fits).then(|| {
        format!(
            "Image data does not match disk_format '{declared}': the uploaded bytes are {}",
            found.as_str()
        )
    })
}

/// `PUT /{cloud}/{region}/image/v2/images/{id}/file`: 204 once the data is stored.
pub async fn upload(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let target = match enter(&state, &cloud, &region, &headers).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    if target.cloud.config.vendor.uses_image_tasks() {
        return reply::glance_error(
            StatusCode::FORBIDDEN,
            "Direct image upload is not allowed on this cloud; import the image with a task \
             from object storage (POST /v2/tasks).",
        );
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if content_type.is_some_and(|t| !t.starts_with("application/octet-stream")) {
        return reply::glance_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The image data must be sent as application/octet-stream.",
        );
    }
    let seeded = &target.region.data.images;
    let started = state.storage.with(&cloud, &region, |store| {
        let Some(mut image) = store.images.get(seeded, &id) else {
            return Err((
                StatusCode::NOT_FOUND,
                format!("No image found with ID {id}"),
            ));
        };
        if str_field(&image, "owner") != target.cloud.project_id {
            return Err((
                StatusCode::FORBIDDEN,
                "You are not permitted to upload data to this image.".into(),
            ));
        }
        let status = str_field(&image, "status");
        if status != "queued" {
            return Err((
                StatusCode::CONFLICT,
                format!("Image status transition from {status} to saving is not allowed"),
            ));
        }
        if image["disk_format"].is_null() || image["container_format"].is_null() {
            return Err((
                StatusCode::BAD_REQUEST,
                "Properties disk_format, container_format must be set prior to saving data.".into(),
            ));
        }
        image["status"] = json!("saving");
        let declared = str_field(&image, "disk_format").to_string();
        store.images.put(seeded, image);
        Ok(declared)
    });
    let declared = match started {
        Ok(declared) => declared,
        Err((status, message)) => return reply::glance_error(status, &message),
    };
    let received = upload::receive(body).await;
    let outcome = state.storage.with(&cloud, &region, |store| {
        let Some(mut image) = store.images.get(seeded, &id) else {
            return Err((StatusCode::GONE, "Image deleted during upload".to_string()));
        };
        let data = match &received {
            Ok(data) => data,
            Err(e) => {
                image["status"] = json!("queued");
                store.images.put(seeded, image);
                return Err((
                    StatusCode::BAD_REQUEST,
                    format!("Error reading image data: {e}"),
                ));
            }
        };
        if let Some(message) = format_mismatch(&declared, data) {
            image["status"] = json!("killed");
            store.images.put(seeded, image);
            return Err((StatusCode::BAD_REQUEST, message));
        }
        activate(&mut image, data);
        store.images.put(seeded, image);
        Ok(())
    });
    match outcome {
        Ok(()) => {
            info!(cloud, region, image = id, "image data stored");
            StatusCode::NO_CONTENT.into_response()
        }
        Err((status, message)) => {
            info!(cloud, region, image = id, %message, "image upload refused");
            reply::glance_error(status, &message)
        }
    }
}

/// `DELETE /{cloud}/{region}/image/v2/images/{id}`: 204.
pub async fn delete(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let target = match enter(&state, &cloud, &region, &headers).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let seeded = &target.region.data.images;
    let outcome = state.storage.with(&cloud, &region, |store| {
        let Some(image) = store.images.get(seeded, &id) else {
            return Err((
                StatusCode::NOT_FOUND,
                format!("No image found with ID {id}"),
            ));
        };
        if str_field(&image, "owner") != target.cloud.project_id {
            return Err((
                StatusCode::FORBIDDEN,
                "You are not permitted to delete this image.".into(),
            ));
        }
        if image["protected"] == json!(true) {
            return Err((
                StatusCode::FORBIDDEN,
                format!("Image {id} is protected and cannot be deleted."),
            ));
        }
        store.images.delete(seeded, &id);
        Ok(())
    });
    match outcome {
        Ok(()) => {
            info!(cloud, region, image = id, "image deleted");
            StatusCode::NO_CONTENT.into_response()
        }
        Err((status, message)) => reply::glance_error(status, &message),
    }
}
