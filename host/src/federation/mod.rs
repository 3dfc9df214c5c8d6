//! Federation: one call, many cloud-regions.
//!
//! 1. [`selector`] turns a selector (cloud and region globs) into concrete targets;
//! 2. [`gather`] asks every target concurrently (bounded), each under the call's deadline;
//! 3. each answer is stamped with its Location, filtered ([`filter`]) and reported with one
//!    [`LocationStatus`] per target, so partial failure is visible, never silent.
//!
//! A get asks by id first when the value could be one ([`fetch`]), else lists and filters.
//! [`kinds`] adapts each resource kind (images, flavors, servers, networks) to this flow.
//! A location's whole listing goes through the kind's cache (TTL, single-flight,
//! stale-while-refresh; see [`crate::cache`]) before it is filtered, so filters and
//! selectors share cached answers.

pub mod fetch;
pub mod filter;
pub mod gather;
pub mod kinds;
pub mod locate;
pub mod selector;
pub mod status;
pub mod write;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub use filter::Filter;
pub use gather::{Event, Gathered};
pub use kinds::{Caches, ResourceKind};
pub use selector::Selector;
pub use status::{AnswerSource, LocationStatus, StatusKind};

use crate::cache::Expirations;
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

/// How one call runs (from the request's `CallOptions`).
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// Ask the clouds afresh; the answers replace cached ones.
    pub bypass_cache: bool,
    /// Failures of these kinds are reported as empty OK answers that name the kind.
    pub treat_as_empty: Vec<StatusKind>,
}

#[derive(Debug, Clone)]
pub struct FederationSettings {
    /// Locations asked at once by one call.
    pub max_concurrency: usize,
    /// Used when a client sets no deadline.
    pub default_deadline: Duration,
    /// The longest deadline a client may ask for; longer ones are cut to it.
    pub max_deadline: Duration,
    /// Host config `profiles:` (profile → plugin name).
    pub profile_map: BTreeMap<String, String>,
    /// Cache TTLs per resource kind (clouds.yaml `cache:`).
    pub expirations: Expirations,
}

pub struct Federation {
    pub(crate) registry: Arc<Registry>,
    pub(crate) targets: Vec<Target>,
    pub(crate) settings: FederationSettings,
    pub(crate) caches: Caches,
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
            caches: Caches::new(settings.expirations),
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

    /// Forgets every cached answer, at every location: called after a plugin was loaded,
    /// replaced or unloaded, so no location keeps answering what an old version said.
    pub fn forget_answers(&self) {
        for target in &self.targets {
            self.caches
                .invalidate_location(&target.at.cloud, &target.at.region);
        }
    }
}
