//! Glance v2 tasks: image import from object storage, the upload path of clouds whose vendor
//! uses tasks (Rackspace). Other clouds answer 403, as glance's default policy does.
//!
//! 1. `POST /v2/tasks` `{type: import, input: {import_from: "<container>/<object>",
//!    import_from_format?, image_properties: {name, …}}}` → 201, status `pending`.
//! 2. Reads move it on lazily: a read within `image_task_ms` of its creation sees it
//!    `processing`; the first read after that ends it.
//! 3. Ending: the staged swift object must exist and its bytes must be in the declared format
//!    (`import_from_format`, else the vendor's first format), which the vendor must accept.
//!    Success creates an `active` image from the object's recorded facts (`result.image_id`);
//!    otherwise the task is `failure` with a `message`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::time::Instant;
use tracing::info;

use crate::glance_write::{self, Target, activate, check_property, format_mismatch, new_image};
use crate::reply;
use crate::seed::str_field;
use crate::state::SimState;
use crate::store::RegionStore;
use crate::time::{now_unix, rfc3339};

/// One task: its JSON (kept current) and when it was created.
#[derive(Debug, Clone)]
pub struct Task {
    pub body: Value,
    pub started: Instant,
    /// The id the imported image gets on success.
    pub image_id: String,
}

/// The 403 for the tasks API on clouds that upload with `PUT …/file`.
fn tasks_refused(target: &Target<'_>) -> Option<Response> {
    (!target.cloud.config.vendor.uses_image_tasks()).then(|| {
        reply::glance_error(
            StatusCode::FORBIDDEN,
            "You are not authorized to complete tasks_api_access action.",
        )
    })
}

/// `POST /{cloud}/{region}/image/v2/tasks`: 201 with a `pending` import task.
pub async fn create(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = match glance_write::enter(&state, &cloud, &region, &headers).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    if let Some(response) = tasks_refused(&target) {
        return response;
    }
    let bad = |message: &str| reply::glance_error(StatusCode::BAD_REQUEST, message);
    let request: Value = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return bad(&format!("Malformed JSON: {e}")),
    };
    if request["type"] != "import" {
        return bad("Invalid type value: only 'import' tasks are supported.");
    }
    let input = &request["input"];
    let from = str_field(input, "import_from");
    if from
        .split_once('/')
        .is_none_or(|(c, o)| c.is_empty() || o.is_empty())
    {
        return bad("Task input import_from must be '<container>/<object>'.");
    }
    if !input["image_properties"].is_object() {
        return bad("Task input image_properties must be an object.");
    }
    let id = state.storage.new_id(&cloud, &region, "task");
    let now = rfc3339(now_unix().0);
    let task = json!({
        "id": id,
        "type": "import",
        "status": "pending",
        "input": input,
        "result": null,
        "owner": target.cloud.project_id,
        "message": "",
        "expires_at": null,
        "created_at": now,
        "updated_at": now,
        "self": format!("/v2/tasks/{id}"),
        "schema": "/v2/schemas/task",
    });
    state.storage.with(&cloud, &region, |store| {
        store.tasks.insert(
            id.clone(),
            Task {
                body: task.clone(),
                started: Instant::now(),
                image_id: state.storage.new_id(&cloud, &region, "image"),
            },
        );
    });
    info!(
        cloud,
        region,
        task = id,
        import_from = from,
        "import task created"
    );
    reply::json(StatusCode::CREATED, task)
}

/// `GET /{cloud}/{region}/image/v2/tasks/{id}`.
pub async fn show(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let target = match glance_write::enter(&state, &cloud, &region, &headers).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    if let Some(response) = tasks_refused(&target) {
        return response;
    }
    let duration = state.storage.task_duration;
    let task = state.storage.with(&cloud, &region, |store| {
        advance(store, &target, &id, duration);
        store.tasks.get(&id).map(|t| t.body.clone())
    });
    match task {
        Some(task) => reply::json(StatusCode::OK, task),
        None => reply::glance_error(
            StatusCode::NOT_FOUND,
            &format!("Task with the given ID {id} not found"),
        ),
    }
}

/// `GET /{cloud}/{region}/image/v2/tasks`: every task, newest first, without input/result.
pub async fn list(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let target = match glance_write::enter(&state, &cloud, &region, &headers).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    if let Some(response) = tasks_refused(&target) {
        return response;
    }
    let duration = state.storage.task_duration;
    let mut tasks = state.storage.with(&cloud, &region, |store| {
        let ids: Vec<String> = store.tasks.keys().cloned().collect();
        ids.iter()
            .filter_map(|id| {
                advance(store, &target, id, duration);
                let task = store.tasks.get(id)?;
                Some((task.started, task.body.clone()))
            })
            .collect::<Vec<_>>()
    });
    tasks.sort_by_key(|(started, _)| std::cmp::Reverse(*started));
    let tasks: Vec<Value> = tasks
        .into_iter()
        .map(|(_, mut body)| {
            if let Some(fields) = body.as_object_mut() {
                fields.remove("input");
                fields.remove("result");
            }
            body
        })
        .collect();
    reply::json(
        StatusCode::OK,
        json!({"tasks": tasks, "first": "/v2/tasks", "schema": "/v2/schemas/tasks"}),
    )
}

/// Moves task `id` to the status its age calls for, ending it when its time is up.
fn advance(store: &mut RegionStore, target: &Target<'_>, id: &str, duration: std::time::Duration) {
    let Some(task) = store.tasks.get_mut(id) else {
        return;
    };
    let status = str_field(&task.body, "status");
    if status == "success" || status == "failure" {
        return;
    }
    let age = task.started.elapsed();
    if age < duration {
        if status != "processing" {
            task.body["status"] = json!("processing");
            task.body["updated_at"] = json!(rfc3339(now_unix().0));
        }
        return;
    }
    let input = task.body["input"].clone();
    let image_id = task.image_id.clone();
    let outcome = import(store, target, &input, &image_id);
    let Some(task) = store.tasks.get_mut(id) else {
        return;
    };
    match outcome {
        Ok(image_id) => {
            info!(task = id, image = image_id, "import task succeeded");
            task.body["status"] = json!("success");
            task.body["result"] = json!({"image_id": image_id});
        }
        Err(message) => {
            info!(task = id, %message, "import task failed");
            task.body["status"] = json!("failure");
            task.body["message"] = json!(message);
        }
    }
    task.body["updated_at"] = json!(rfc3339(now_unix().0));
}

/// Creates the image a finished import task describes; `Err` is the task's failure message.
fn import(
    store: &mut RegionStore,
    target: &Target<'_>,
    input: &Value,
    id: &str,
) -> Result<String, String> {
    let vendor = target.cloud.config.vendor;
    let from = str_field(input, "import_from");
    let (container, object) = from.split_once('/').unwrap_or((from, ""));
    let data = store
        .containers
        .get(container)
        .and_then(|c| c.objects.get(object))
        .map(|o| o.data.clone())
        .ok_or_else(|| format!("Image import failed: object {from} was not found."))?;
    let declared = input["import_from_format"]
        .as_str()
        .or_else(|| input["image_properties"]["disk_format"].as_str())
        .or_else(|| vendor.disk_formats().first().copied())
        .unwrap_or("raw")
        .to_string();
    if !vendor.accepts_disk_format(&declared) {
        return Err(format!(
            "Image import failed: disk format '{declared}' is not supported; this cloud \
             accepts {}.",
            vendor.disk_formats().join(", ")
        ));
    }
    if let Some(message) = format_mismatch(&declared, &data) {
        return Err(format!("Image import failed: {message}."));
    }
    let seeded = &target.region.data.images;
    let mut image = new_image(id, &target.cloud.project_id);
    image.insert("visibility".into(), json!("private"));
    image.insert("disk_format".into(), json!(declared));
    image.insert("container_format".into(), json!("bare"));
    if let Some(properties) = input["image_properties"].as_object() {
        for (key, value) in properties {
            check_property(vendor, key, value)
                .map_err(|_| format!("Image import failed: invalid image property {key}."))?;
            image.insert(key.clone(), value.clone());
        }
    }
    let mut image = Value::Object(image);
    activate(&mut image, &data);
    if store.images.get(seeded, id).is_some() {
        return Err(format!("Image import failed: image {id} already exists."));
    }
    store.images.put(seeded, image);
    Ok(id.to_string())
}
