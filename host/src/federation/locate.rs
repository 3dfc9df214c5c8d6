//! One location, for writes and long operations: find its target, pick its plugin, prepare
//! a driver call, and forget cached answers a write made stale.

use std::sync::Arc;

use tokio::time::Instant;

use super::kinds::ResourceKind;
use super::{Federation, Target};
use crate::error::Error;
use crate::location::CloudRegion;
use crate::plugin::registry::{LoadedPlugin, SelectError};
use crate::plugin::{CallStats, DriverCall};

impl Federation {
    /// The configured target at `at`; an unknown cloud-region names the known ones. An empty
    /// region is accepted when the cloud has exactly one; names are exact (no patterns).
    pub fn target(&self, field: &str, at: &CloudRegion) -> Result<Target, Error> {
        if at.cloud.is_empty() {
            return Err(Error::InvalidArgument {
                field: format!("{field}.cloud"),
                message: "name the cloud (and region) to act in".to_owned(),
            });
        }
        if at.region.is_empty() {
            let regions: Vec<&Target> = self
                .targets
                .iter()
                .filter(|t| t.at.cloud == at.cloud)
                .collect();
            match regions.as_slice() {
                [only] => return Ok((*only).clone()),
                [] => {}
                several => {
                    return Err(Error::InvalidArgument {
                        field: format!("{field}.region"),
                        message: format!(
                            "cloud '{}' has {} regions; name one of: {}",
                            at.cloud,
                            several.len(),
                            several
                                .iter()
                                .map(|t| t.at.region.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
            }
        }
        self.targets
            .iter()
            .find(|t| t.at.cloud == at.cloud && (t.at.region == at.region))
            .cloned()
            .ok_or_else(|| {
                let known: Vec<String> = self.targets.iter().map(|t| t.at.to_string()).collect();
                Error::UnknownLocation {
                    field: field.to_owned(),
                    message: format!(
                        "no configured cloud-region is {at}; known: {}",
                        known.join(", ")
                    ),
                }
            })
    }

    /// The plugin serving a target.
    pub fn plugin_for(&self, target: &Target) -> Result<Arc<LoadedPlugin>, SelectError> {
        self.registry.select(
            target.driver.as_deref(),
            target.profile.as_deref(),
            &self.settings.profile_map,
        )
    }

    /// A driver call at `target` with `plugin`, due by `deadline`.
    pub fn driver_call(
        &self,
        target: &Target,
        plugin: Arc<LoadedPlugin>,
        deadline: Instant,
    ) -> DriverCall {
        DriverCall {
            runtime: self.registry.runtime().clone(),
            plugin,
            at: target.at.clone(),
            config_json: target.config_json.clone(),
            deadline,
            stats: Arc::new(CallStats::default()),
        }
    }

    /// Drops the cached listing of kind `K` at `at`, after a write changed it.
    pub fn forget<K: ResourceKind>(&self, at: &CloudRegion) {
        K::cache(&self.caches).invalidate(&at.cloud, &at.region, K::CACHE_KIND);
    }
}
