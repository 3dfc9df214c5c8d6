//! Federation: one call, many cloud-regions.
//!
//! 1. [`selector`] turns a selector (cloud and region globs) into concrete targets;
//! 2. [`gather`] asks every target concurrently (bounded), each under the call's deadline;
//! 3. each answer is stamped with its Location, filtered ([`filter`]) and reported with one
//!    [`LocationStatus`] per target, so partial failure is visible, never silent.
//!
//! [`kinds`] adapts each resource kind (images, flavors, servers, networks) to this flow.

pub mod filter;
pub mod gather;
pub mod kinds;
pub mod selector;
pub mod status;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub use filter::Filter;
pub use gather::{Event, Gathered};
pub use kinds::ResourceKind;
pub use selector::Selector;
pub use status::{LocationStatus, StatusKind};

use crate::location::CloudRegion;
use crate::plugin::Registry;

/// One cloud-region the daemon serves, with what a driver call needs.
#[derive(Debug, Clone)]
pub struct Target {
    pub at: CloudRegion,
    /// The clouds.yaml settings for this cloud-region, as JSON for the driver.
    pub config_json: Arc<str>,
    pub profile: Option<String>,
    /// An explicit plugin name from clouds.yaml (`driver:`), overriding the profile.
    pub driver: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FederationSettings {
    /// Locations asked at once by one call.
    pub max_concurrency: usize,
    /// Used when a client sets no deadline.
    pub default_deadline: Duration,
    /// Host config `profiles:` (profile → plugin name).
    pub profile_map: BTreeMap<String, String>,
}

pub struct Federation {
    pub(crate) registry: Arc<Registry>,
    pub(crate) targets: Vec<Target>,
    pub(crate) settings: FederationSettings,
}

impl Federation {
    pub fn new(
        registry: Arc<Registry>,
        targets: Vec<Target>,
        settings: FederationSettings,
    ) -> Self {
        Self {
            registry,
            targets,
            settings,
        }
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    pub fn settings(&self) -> &FederationSettings {
        &self.settings
    }
}
