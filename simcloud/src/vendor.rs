//! Vendor flavours: which real OpenStack cloud a simulated cloud behaves like.
//!
//! The flavour decides the keystone version (Rackspace speaks v2.0), the image disk formats
//! glance accepts, how images are uploaded (Rackspace: task import from object storage; the
//! others: glance `PUT …/file`), and whether servers get floating IPs or direct public ones.

use serde::{Deserialize, Serialize};
use serde_yaml::Value as Yaml;

use crate::config::{SimCloudConfig, SimConfig, SimRegionConfig};

/// The real cloud a simulated cloud imitates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// A stock OpenStack (devstack-like): keystone v3, qcow2 + raw, glance PUT, floating IPs.
    #[default]
    OpenStack,
    /// Rackspace: keystone v2.0 (with API keys), VHD only, task import, direct public IPs.
    Rackspace,
    /// OVH: keystone v3, raw only, glance PUT, direct public IPs.
    Ovh,
}

impl Vendor {
    /// The lowercase name used in config and as the clouds.yaml `profile`.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::OpenStack => "openstack",
            Vendor::Rackspace => "rackspace",
            Vendor::Ovh => "ovh",
        }
    }

    /// The glance `disk_format`s this cloud accepts, preferred first.
    pub fn disk_formats(self) -> &'static [&'static str] {
        match self {
            Vendor::OpenStack => &["qcow2", "raw"],
            Vendor::Rackspace => &["vhd"],
            Vendor::Ovh => &["raw"],
        }
    }

    /// Whether glance accepts `disk_format` on this cloud.
    pub fn accepts_disk_format(self, disk_format: &str) -> bool {
        self.disk_formats().contains(&disk_format)
    }

    /// The keystone API major version: 2 for Rackspace, 3 elsewhere.
    pub fn identity_version(self) -> u8 {
        match self {
            Vendor::Rackspace => 2,
            Vendor::OpenStack | Vendor::Ovh => 3,
        }
    }

    /// Whether images are uploaded by task import through object storage instead of
    /// `PUT /v2/images/{id}/file` (which then answers 403).
    pub fn uses_image_tasks(self) -> bool {
        self == Vendor::Rackspace
    }

    /// Whether servers get a directly attached public IP instead of floating IPs.
    pub fn direct_public_ips(self) -> bool {
        self != Vendor::OpenStack
    }
}

/// The vendor-specific keys of a clouds.yaml entry, after `auth`, `auth_type` and `regions`.
///
/// | key | openstack | rackspace | ovh |
/// |-----|-----------|-----------|-----|
/// | `profile` | — | `rackspace` | `ovh` |
/// | `identity_api_version` | 3 | 2 | 3 |
/// | `image_format` | qcow2 | vhd | raw |
/// | `image_api_use_tasks` | — | true | — |
/// | `floating_ip_source` | — | `None` | `None` |
/// | `block_storage_endpoint_override` | — | the simulator's cinder | — |
///
/// The Rackspace profile points block storage at rackspacecloud.com (v2); the entry
/// overrides it with the simulator's volumev3 endpoint so nothing leaves 127.0.0.1.
pub fn clouds_yaml_keys(vendor: Vendor, block_storage_url: &str) -> Vec<(&'static str, Yaml)> {
    let mut keys = Vec::new();
    if vendor != Vendor::OpenStack {
        keys.push(("profile", Yaml::from(vendor.as_str())));
    }
    keys.push((
        "identity_api_version",
        Yaml::from(u64::from(vendor.identity_version())),
    ));
    let format = vendor.disk_formats().first().copied().unwrap_or("qcow2");
    keys.push(("image_format", Yaml::from(format)));
    if vendor.uses_image_tasks() {
        keys.push(("image_api_use_tasks", Yaml::from(true)));
        keys.push(("block_storage_api_version", Yaml::from("3")));
        keys.push((
            "block_storage_endpoint_override",
            Yaml::from(block_storage_url),
        ));
    }
    if vendor.direct_public_ips() {
        keys.push(("floating_ip_source", Yaml::from("None")));
    }
    keys
}

impl SimConfig {
    /// One cloud per vendor flavour, two regions each, small counts:
    ///
    /// | cloud | vendor | regions |
    /// |-------|--------|---------|
    /// | stack | openstack | RegionOne, RegionTwo |
    /// | rax | rackspace | DFW, ORD |
    /// | ovh | ovh | GRA, BHS |
    ///
    /// Each region seeds 3 servers, 3 images, 4 flavors and 2 networks.
    pub fn vendors() -> SimConfig {
        let table = [
            ("stack", Vendor::OpenStack, ["RegionOne", "RegionTwo"]),
            ("rax", Vendor::Rackspace, ["DFW", "ORD"]),
            ("ovh", Vendor::Ovh, ["GRA", "BHS"]),
        ];
        let clouds = table
            .iter()
            .map(|(name, vendor, regions)| {
                let regions = regions
                    .iter()
                    .map(|r| SimRegionConfig {
                        servers: 3,
                        images: 3,
                        ..SimRegionConfig::new(r)
                    })
                    .collect();
                SimCloudConfig {
                    vendor: *vendor,
                    ..SimCloudConfig::new(name, regions)
                }
            })
            .collect();
        SimConfig::new(clouds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendors_world_has_one_valid_cloud_per_vendor() {
        let config = SimConfig::vendors();
        let vendors: Vec<Vendor> = config.clouds.iter().map(|c| c.vendor).collect();
        assert_eq!(vendors, [Vendor::OpenStack, Vendor::Rackspace, Vendor::Ovh]);
        assert!(config.validate().is_ok());
    }

    #[test]
    fn only_rackspace_imports_through_tasks_and_takes_vhd() {
        assert!(Vendor::Rackspace.uses_image_tasks());
        assert!(Vendor::Rackspace.accepts_disk_format("vhd"));
        assert!(!Vendor::Rackspace.accepts_disk_format("qcow2"));
        assert!(!Vendor::Ovh.accepts_disk_format("qcow2"));
        assert!(Vendor::OpenStack.accepts_disk_format("raw"));
    }

    #[test]
    fn vendor_names_parse_in_lower_case() {
        let vendor: Vendor = serde_yaml::from_str("rackspace").unwrap_or_default();
        assert_eq!(vendor, Vendor::Rackspace);
    }
}
