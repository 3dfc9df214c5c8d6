//! Glance v2 image updates: `PATCH /v2/images/{id}` with a JSON-patch document
//! (`application/openstack-images-v2.1-json-patch`, or the v2.0 variant).
//!
//! Paths are one level (`/name`, `/tags`, `/hw_disk_bus`). `add` sets (replacing an existing
//! value, as glance's v2.1 patch does), `replace` needs the property to exist, `remove` works on
//! additional properties only. Read-only properties answer 403; values are checked like at
//! create time, including the vendor's `disk_format`s.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tracing::info;

use crate::glance_write::{self, READ_ONLY, Refusal};
use crate::reply;
use crate::seed::str_field;
use crate::state::SimState;
use crate::time::{now_unix, rfc3339};
use crate::vendor::Vendor;

/// The media types glance accepts for a patch.
const PATCH_TYPES: [&str; 2] = [
    "application/openstack-images-v2.1-json-patch",
    "application/openstack-images-v2.0-json-patch",
];

/// Properties every image has; they can be replaced but not removed.
const CORE: [&str; 8] = [
    "name",
    "visibility",
    "protected",
    "os_hidden",
    "disk_format",
    "container_format",
    "min_disk",
    "min_ram",
];

/// `PATCH /{cloud}/{region}/image/v2/images/{id}`: 200 with the updated image.
pub async fn patch(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = match glance_write::enter(&state, &cloud, &region, &headers).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !PATCH_TYPES.iter().any(|t| content_type.starts_with(t)) {
        return reply::glance_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!(
                "Unsupported Content-Type {content_type:?}; use {}",
                PATCH_TYPES[0]
            ),
        );
    }
    let operations: Vec<Value> = match serde_json::from_slice(&body) {
        Ok(operations) => operations,
        Err(e) => {
            return reply::glance_error(
                StatusCode::BAD_REQUEST,
                &format!("Malformed JSON-patch: {e}"),
            );
        }
    };
    let vendor = target.cloud.config.vendor;
    let seeded = &target.region.data.images;
    let outcome = state.storage.with(&cloud, &region, |store| {
        let Some(mut image) = store.images.get(seeded, &id) else {
            return Err(error(
                StatusCode::NOT_FOUND,
                format!("No image found with ID {id}"),
            ));
        };
        if str_field(&image, "owner") != target.cloud.project_id {
            return Err(error(
                StatusCode::FORBIDDEN,
                "You are not permitted to modify this image.".into(),
            ));
        }
        for operation in &operations {
            apply(vendor, &mut image, operation)?;
        }
        image["updated_at"] = json!(rfc3339(now_unix().0));
        store.images.put(seeded, image.clone());
        Ok(image)
    });
    match outcome {
        Ok(image) => {
            info!(cloud, region, image = id, "image updated");
            reply::json(StatusCode::OK, image)
        }
        Err(refusal) => refusal.into_response(),
    }
}

fn error(status: StatusCode, message: String) -> Refusal {
    Refusal::new(status, message)
}

/// Applies one JSON-patch operation to `image`.
fn apply(vendor: Vendor, image: &mut Value, operation: &Value) -> Result<(), Refusal> {
    let op = str_field(operation, "op");
    let path = str_field(operation, "path");
    let Some(key) = path
        .strip_prefix('/')
        .filter(|k| !k.is_empty() && !k.contains('/'))
    else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("Invalid JSON pointer for this resource: {path:?}"),
        ));
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    if READ_ONLY.contains(&key.as_str()) {
        return Err(error(
            StatusCode::FORBIDDEN,
            format!("Attribute '{key}' is read-only."),
        ));
    }
    let Some(fields) = image.as_object_mut() else {
        return Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Corrupt image record".into(),
        ));
    };
    let queued = fields.get("status").and_then(Value::as_str) == Some("queued");
    match op {
        "add" | "replace" => {
            let Some(value) = operation.get("value") else {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    format!("Operation {op:?} needs a value"),
                ));
            };
            if op == "replace" && !fields.contains_key(&key) {
                return Err(error(
                    StatusCode::CONFLICT,
                    format!("Property {key} does not exist."),
                ));
            }
            if matches!(key.as_str(), "disk_format" | "container_format") && !queued {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    format!("Attribute {key} can be only replaced for a queued image."),
                ));
            }
            glance_write::check_property(vendor, &key, value)?;
            fields.insert(key, value.clone());
            Ok(())
        }
        "remove" => {
            if CORE.contains(&key.as_str()) || key == "tags" {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    format!("Attribute '{key}' is a core property and cannot be removed."),
                ));
            }
            match fields.remove(&key) {
                Some(_) => Ok(()),
                None => Err(error(
                    StatusCode::CONFLICT,
                    format!("Property {key} does not exist."),
                )),
            }
        }
        other => Err(error(
            StatusCode::BAD_REQUEST,
            format!("Unsupported JSON-patch operation {other:?}"),
        )),
    }
}
