//! Image uploads: create (glance PUT or task import), delete, and the ledger's cleanup of
//! what an upload left behind.
//!
//! The path is configuration, as in shade: `image_api_use_tasks: true` (Rackspace) imports
//! through swift, anything else uploads with a glance v2 PUT.
//!
//! PUT path:
//! 1. POST `<image>/images` with the metadata; the record is reported to the ledger.
//! 2. PUT the blob to `<image>/images/<id>/file`. If that fails the record is deleted (and
//!    settled) here, and the upload's error returned.
//! 3. The image is read back and returned; it stays in the ledger, so the host deletes it if
//!    a later step of its operation fails.
//!
//! Task path:
//! 1. Ensure swift container `images` and upload the blob as `images/<name>` (marked
//!    autocreated, reported to the ledger as an `object` just before the upload).
//! 2. POST `<image>/tasks` (`type: import`) and poll it (503 is transient) until it ends.
//! 3. On success the new image is reported to the ledger; either way the staging object is
//!    deleted and settled; a failure returns the task's message.

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::client;
use crate::driver::Session;
use crate::host::{Host, ImageData};
use crate::oaktree::cloud::http::Method;
use crate::oaktree::cloud::log::Level;
use crate::oaktree::cloud::types::{Error, Image, ImageCreate};
use crate::object_store::split_object_id;
use crate::value;

/// The swift container images are staged in, as shade used.
const STAGING_CONTAINER: &str = "images";

/// The image property naming the staging object (`<container>/<name>`), as the sdk writes it.
const STAGING_PROPERTY: &str = "owner_specified.openstack.object";

/// Task polling starts fast (small images import in about a second) and backs off to this,
/// so a long import costs one request every two seconds. The host's deadline ends the wait.
const FIRST_POLL: Duration = Duration::from_millis(200);
const MAX_POLL: Duration = Duration::from_secs(2);

impl<H: Host> Session<'_, H> {
    pub fn create_image(
        &mut self,
        spec: &ImageCreate,
        data: &ImageData<'_>,
    ) -> Result<Image, Error> {
        if spec.name.is_empty() {
            return Err(Error::Invalid(
                "create-image: the image needs a name".into(),
            ));
        }
        let use_tasks = self
            .config
            .setting("image_api_use_tasks")
            .and_then(|v| value::flag(&Value::String(v)))
            .unwrap_or(false);
        if use_tasks {
            self.create_image_by_task(spec, data)
        } else {
            self.create_image_by_put(spec, data)
        }
    }

    /// Deletes the image, and the staging object its properties name when this driver
    /// created it and it is still there.
    pub fn delete_image(&mut self, id: &str) -> Result<(), Error> {
        let record = self.get_one("image", "images", id, "")?;
        self.delete_image_record(id)?;
        let staged = record
            .get(STAGING_PROPERTY)
            .and_then(Value::as_str)
            .and_then(split_object_id);
        if let Some((container, object)) = staged
            && crate::catalog::endpoint(
                &self.token.catalog,
                &self.config,
                crate::object_store::OBJECT_STORE,
            )
            .is_ok()
        {
            let removed = match self.object_is_ours(container, object) {
                Ok(true) => self.delete_object(container, object),
                Ok(false) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = removed {
                self.host.log(
                    Level::Warn,
                    &format!(
                        "image {id} deleted, but not its staging object {container}/{object}: {e:?}"
                    ),
                );
            }
        }
        Ok(())
    }

    /// Deletes something an earlier call reported to the ledger; already gone is success.
    pub fn cleanup(&mut self, kind: &str, id: &str) -> Result<(), Error> {
        match kind {
            "image" => match self.delete_image_record(id) {
                Ok(()) | Err(Error::NotFound(_)) => Ok(()),
                Err(e) => Err(e),
            },
            "object" => {
                let (container, object) = split_object_id(id).ok_or_else(|| {
                    Error::Invalid(format!(
                        "cleanup: object id {id:?} is not <container>/<name>"
                    ))
                })?;
                self.delete_object(container, object)
            }
            other => Err(Error::Invalid(format!(
                "cleanup: unknown kind {other:?}; this driver records only image and object"
            ))),
        }
    }

    fn create_image_by_put(
        &mut self,
        spec: &ImageCreate,
        data: &ImageData<'_>,
    ) -> Result<Image, Error> {
        let base = self.endpoint("image")?;
        let url = format!("{base}/images");
        let created = self.send_json(Method::Post, "image", &url, Some(&image_body(spec)))?;
        let id = created
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| Error::Other(format!("image: POST {url} answered without an id")))?
            .to_string();
        self.host.ledger_created("image", &id);
        let file = format!("{base}/images/{}/file", client::encode_segment(&id));
        let headers = [("content-type", "application/octet-stream")];
        if let Err(upload) = self.send_raw(Method::Put, "image", &file, &headers, Some(data)) {
            match self.delete_image_record(&id) {
                Ok(()) | Err(Error::NotFound(_)) => self.host.ledger_settled("image", &id),
                Err(e) => self.host.log(
                    Level::Warn,
                    &format!("upload of image {id} failed and deleting its record failed: {e:?}"),
                ),
            }
            return Err(upload);
        }
        self.get_image(&id)
    }

    fn create_image_by_task(
        &mut self,
        spec: &ImageCreate,
        data: &ImageData<'_>,
    ) -> Result<Image, Error> {
        let object_id = format!("{STAGING_CONTAINER}/{}", spec.name);
        self.ensure_container(STAGING_CONTAINER)?;
        // Recorded before the upload: an upload that timed out may still have completed, and
        // cleaning up an object that never appeared is a success.
        self.host.ledger_created("object", &object_id);
        self.put_object(STAGING_CONTAINER, &spec.name, data)?;
        let outcome = self.import_task(spec, &object_id);
        if let Ok(image_id) = &outcome {
            self.host.ledger_created("image", image_id);
        }
        match self.delete_object(STAGING_CONTAINER, &spec.name) {
            Ok(()) => self.host.ledger_settled("object", &object_id),
            Err(e) => self.host.log(
                Level::Warn,
                &format!("staging object {object_id} could not be deleted: {e:?}"),
            ),
        }
        let image_id = outcome?;
        self.get_image(&image_id)
    }

    /// Runs glance's import task for the staged object; the new image's id on success.
    fn import_task(&mut self, spec: &ImageCreate, object_id: &str) -> Result<String, Error> {
        let base = self.endpoint("image")?;
        // The whole metadata goes into image_properties (glance's import applies them to the
        // new image), with the staging object named so `delete_image` can find it.
        let mut properties = image_body(spec);
        properties[STAGING_PROPERTY] = json!(object_id);
        let body = json!({"type": "import", "input": {
            "import_from": object_id,
            "import_from_format": spec.disk_format,
            "image_properties": properties,
        }});
        let url = format!("{base}/tasks");
        let mut task = self.send_json(Method::Post, "image", &url, Some(&body))?;
        let id = text(&task, "id")
            .ok_or_else(|| Error::Other(format!("image: POST {url} answered without a task id")))?;
        let task_url = format!("{base}/tasks/{}", client::encode_segment(&id));
        let mut delay = FIRST_POLL;
        loop {
            match text(&task, "status")
                .unwrap_or_default()
                .to_ascii_lowercase()
                .as_str()
            {
                "success" => {
                    return task
                        .get("result")
                        .and_then(|r| text(r, "image_id"))
                        .ok_or_else(|| {
                            Error::Other(format!("image: task {id} succeeded without an image_id"))
                        });
                }
                "failure" => {
                    let message = text(&task, "message").unwrap_or_else(|| "no message".into());
                    return Err(Error::Other(format!(
                        "image: import task {id} failed: {message}"
                    )));
                }
                _ => {}
            }
            pause(delay);
            delay = (delay * 2).min(MAX_POLL);
            let response = self.send_unchecked(Method::Get, "image", &task_url, &[], None)?;
            if response.status == 503 {
                self.host.log(
                    Level::Debug,
                    &format!("task {id}: glance answered 503; polling again"),
                );
                continue;
            }
            task = client::check("image", "GET", &task_url, &response)?;
        }
    }

    /// DELETE `<image>/images/<id>`.
    fn delete_image_record(&mut self, id: &str) -> Result<(), Error> {
        let base = self.endpoint("image")?;
        let url = format!("{base}/images/{}", client::encode_segment(id));
        self.send_json(Method::Delete, "image", &url, None)
            .map(drop)
    }
}

/// The POST body of a glance v2 image: the metadata, and each property as a top-level string
/// (the fields named here win over a property of the same name).
fn image_body(spec: &ImageCreate) -> Value {
    let mut body: Map<String, Value> = spec
        .properties
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let container_format = if spec.container_format.is_empty() {
        "bare"
    } else {
        spec.container_format.as_str()
    };
    body.insert("name".into(), json!(spec.name));
    body.insert("disk_format".into(), json!(spec.disk_format));
    body.insert("container_format".into(), json!(container_format));
    body.insert("min_disk".into(), json!(spec.min_disk_gib));
    body.insert("min_ram".into(), json!(spec.min_ram_mib));
    body.insert("tags".into(), json!(spec.tags));
    if let Some(visibility) = &spec.visibility {
        body.insert("visibility".into(), json!(visibility));
    }
    Value::Object(body)
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(value::text)
}

/// Waits between task polls. Tests do not wait: their fake answers at once.
#[cfg(not(test))]
fn pause(delay: Duration) {
    std::thread::sleep(delay);
}

#[cfg(test)]
fn pause(_delay: Duration) {}

#[cfg(test)]
#[path = "images_write_tests.rs"]
mod tests;
