//! Where things live: cloud-regions (the unit of fan-out, limits and failure) and the
//! Location stamped on every resource.
//!
//! The host builds a [`Location`] from the cloud-region it called plus the placement the
//! driver reported (zone, project). A driver never names a cloud or region itself, so it
//! cannot place a resource elsewhere.

use std::fmt;

/// One cloud and one of its regions. `region` is empty for clouds without regions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloudRegion {
    pub cloud: String,
    pub region: String,
}

impl CloudRegion {
    pub fn new(cloud: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            cloud: cloud.into(),
            region: region.into(),
        }
    }
}

impl fmt::Display for CloudRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.region.is_empty() {
            write!(f, "{}", self.cloud)
        } else {
            write!(f, "{}/{}", self.cloud, self.region)
        }
    }
}

/// The project (or account, tenant) owning a resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    pub id: Option<String>,
    pub name: Option<String>,
    pub domain_id: Option<String>,
    pub domain_name: Option<String>,
}

/// A resource's full location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub cloud: String,
    pub region: String,
    pub zone: Option<String>,
    pub project: Project,
}

impl Location {
    /// Composes a location from the cloud-region the host called and the driver's placement.
    pub fn stamp(at: &CloudRegion, zone: Option<String>, project: Option<Project>) -> Self {
        Self {
            cloud: at.cloud.clone(),
            region: at.region.clone(),
            zone: zone.filter(|z| !z.is_empty()),
            project: project.unwrap_or_default(),
        }
    }
}

/// A resource together with the location the host stamped on it.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub location: Location,
    pub resource: T,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_region_displays_as_cloud_slash_region() {
        assert_eq!(
            CloudRegion::new("alpha", "us-east").to_string(),
            "alpha/us-east"
        );
        assert_eq!(CloudRegion::new("alpha", "").to_string(), "alpha");
    }

    #[test]
    fn stamped_location_takes_cloud_and_region_from_the_host_and_drops_empty_zones() {
        let at = CloudRegion::new("alpha", "us-east");
        let location = Location::stamp(&at, Some(String::new()), None);
        assert_eq!(location.cloud, "alpha");
        assert_eq!(location.region, "us-east");
        assert_eq!(location.zone, None);
        assert_eq!(location.project, Project::default());
    }
}
