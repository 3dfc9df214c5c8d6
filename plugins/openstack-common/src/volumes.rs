//! Cinder volumes (block storage v3, or v2 where only that is catalogued): list, get,
//! create, delete.
//!
//! The endpoint is the catalog's `block-storage` service, else `volumev3`, `volumev2` or
//! `volume` (see `catalog::aliases`); its URL already carries the version and project.
//! Requests are reported to the host as service `block-storage`.

use serde_json::{Map, json};

use crate::client::Next;
use crate::convert_write;
use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, Volume, VolumeCreate};

/// The service type volumes are reached through.
const SERVICE: &str = "block-storage";

impl<H: Host> Session<'_, H> {
    pub fn list_volumes(&mut self) -> Result<Vec<Volume>, Error> {
        let items = self.list(SERVICE, "volumes/detail", "volumes", |_| {
            Next::Links("volumes_links")
        })?;
        items
            .into_iter()
            .map(|i| convert_write::volume(i, &self.token.project))
            .collect()
    }

    pub fn get_volume(&mut self, id: &str) -> Result<Volume, Error> {
        let item = self.get_one(SERVICE, "volumes", id, "volume")?;
        convert_write::volume(item, &self.token.project)
    }

    /// cinder answers 202 with the volume as accepted (usually `creating`).
    pub fn create_volume(&mut self, spec: &VolumeCreate) -> Result<Volume, Error> {
        let mut volume = Map::new();
        volume.insert("name".into(), json!(spec.name));
        volume.insert("size".into(), json!(spec.size_gib));
        volume.insert("description".into(), json!(spec.description));
        if let Some(volume_type) = &spec.volume_type {
            volume.insert("volume_type".into(), json!(volume_type));
        }
        if let Some(zone) = &spec.zone {
            volume.insert("availability_zone".into(), json!(zone));
        }
        if let Some(image_id) = &spec.image_id {
            volume.insert("imageRef".into(), json!(image_id));
        }
        let body = json!({ "volume": volume });
        let item = self.create_one(SERVICE, "volumes", "volume", &body)?;
        convert_write::volume(item, &self.token.project)
    }

    pub fn delete_volume(&mut self, id: &str) -> Result<(), Error> {
        self.delete_one(SERVICE, "volumes", id)
    }
}

#[cfg(test)]
#[path = "volumes_tests.rs"]
mod tests;
