//! What clients wrote, per region: glance images (over the seeded ones), swift containers and
//! objects, and glance tasks.
//!
//! Seeded images stay in [`crate::seed::RegionData`]; the [`ImageOverlay`] records which of them
//! were replaced or deleted and which images were created, so lists keep the seeded order and
//! append new images in creation order.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;

use crate::ids;
use crate::seed::str_field;
use crate::upload::Received;

/// All regions' written state.
pub struct Storage {
    regions: Mutex<HashMap<(String, String), RegionStore>>,
    serial: AtomicU64,
    /// How long an import task runs before it ends.
    pub task_duration: Duration,
}

/// One region's written state.
#[derive(Default)]
pub struct RegionStore {
    pub images: ImageOverlay,
    /// Swift containers by name (listed in name order, as swift does).
    pub containers: BTreeMap<String, Container>,
    /// Glance tasks by id.
    pub tasks: BTreeMap<String, crate::tasks::Task>,
}

/// Changes to the seeded images and the images created through the API.
#[derive(Default)]
pub struct ImageOverlay {
    /// `Some` replaces (or creates) the image with that id; `None` deletes it.
    changed: HashMap<String, Option<Value>>,
    /// Ids of created images, oldest first.
    created: Vec<String>,
}

/// A swift container: its objects by name, and when it was made.
#[derive(Debug, Clone, Default)]
pub struct Container {
    pub objects: BTreeMap<String, StoredObject>,
    /// Unix seconds of the creation (`X-Timestamp`).
    pub created: i64,
}

/// What the simulator remembers of a swift object (never the whole body past 64 KiB).
/// Metadata headers (`X-Object-Meta-*`) are kept as sent.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub data: Received,
    pub content_type: String,
    /// Unix seconds of the upload.
    pub last_modified: i64,
    pub metadata: Vec<(String, String)>,
}

impl ImageOverlay {
    /// Every visible image: seeded ones (as changed) in seed order, then created ones.
    pub fn list(&self, seeded: &[Value]) -> Vec<Value> {
        let seeded =
            seeded
                .iter()
                .filter_map(|image| match self.changed.get(str_field(image, "id")) {
                    Some(changed) => changed.clone(),
                    None => Some(image.clone()),
                });
        let created = self
            .created
            .iter()
            .filter_map(|id| self.changed.get(id).cloned().flatten());
        seeded.chain(created).collect()
    }

    /// The image with `id`, if it exists (and was not deleted).
    pub fn get(&self, seeded: &[Value], id: &str) -> Option<Value> {
        match self.changed.get(id) {
            Some(changed) => changed.clone(),
            None => seeded.iter().find(|i| str_field(i, "id") == id).cloned(),
        }
    }

    /// Stores `image` under its id, appending it to the list when it is new.
    pub fn put(&mut self, seeded: &[Value], image: Value) {
        let id = str_field(&image, "id").to_string();
        let is_seeded = seeded.iter().any(|i| str_field(i, "id") == id);
        if !is_seeded && !self.created.contains(&id) {
            self.created.push(id.clone());
        }
        self.changed.insert(id, Some(image));
    }

    /// Deletes the image with `id`; false when there was none.
    pub fn delete(&mut self, seeded: &[Value], id: &str) -> bool {
        if self.get(seeded, id).is_none() {
            return false;
        }
        self.changed.insert(id.to_string(), None);
        self.created.retain(|c| c != id);
        true
    }
}

impl Storage {
    pub fn new(task_ms: u64) -> Storage {
        Storage {
            regions: Mutex::new(HashMap::new()),
            serial: AtomicU64::new(0),
            task_duration: Duration::from_millis(task_ms),
        }
    }

    /// Runs `f` on the region's store under its lock (never held across an await).
    pub fn with<T>(&self, cloud: &str, region: &str, f: impl FnOnce(&mut RegionStore) -> T) -> T {
        let mut regions = lock(&self.regions);
        let store = regions
            .entry((cloud.to_string(), region.to_string()))
            .or_default();
        f(store)
    }

    /// A fresh UUID for a `kind` of resource created in this region.
    pub fn new_id(&self, cloud: &str, region: &str, kind: &str) -> String {
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        ids::uuid(&[cloud, region, kind, "created", &serial.to_string()])
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn created_images_follow_the_seeded_ones_and_deletes_hide_both() {
        let seeded = vec![json!({"id": "s1"}), json!({"id": "s2"})];
        let mut overlay = ImageOverlay::default();
        overlay.put(&seeded, json!({"id": "n1"}));
        overlay.put(&seeded, json!({"id": "s2", "name": "renamed"}));
        assert!(overlay.delete(&seeded, "s1"));
        assert!(!overlay.delete(&seeded, "s1"));
        let list = overlay.list(&seeded);
        let listed: Vec<&str> = list.iter().map(|i| str_field(i, "id")).collect();
        assert_eq!(listed, ["s2", "n1"]);
        assert_eq!(overlay.get(&seeded, "s2").unwrap()["name"], "renamed");
        assert!(overlay.get(&seeded, "s1").is_none());
    }
}
