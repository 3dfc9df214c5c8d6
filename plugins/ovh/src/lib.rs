//! oaktree's OVHcloud and VEXXHOST driver: a WebAssembly component for the `cloud-driver`
//! world.
//!
//! Both are OpenStack with keystone v3, raw images uploaded with a glance PUT, and public
//! addresses on every server (their profiles say `floating_ip_source: None`), so no floating
//! IPs. All the logic is in `oaktree-openstack-common`; this crate states the facts
//! `describe()` reports.

use oaktree_openstack_common::oaktree::cloud::types::{
    Capability, DriverInfo, FloatingIpModel, RateLimit,
};
use oaktree_openstack_common::{Driver, Vendor, capabilities};

pub struct Ovh;

impl Vendor for Ovh {
    fn info() -> DriverInfo {
        DriverInfo {
            name: "ovh".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            profiles: vec!["ovh".into(), "vexxhost".into()],
            capabilities: capabilities()
                .into_iter()
                .filter(|c| !is_floating_ip(*c))
                .collect(),
            image_disk_formats: vec!["raw".into()],
            floating_ips: FloatingIpModel::Direct,
            // nodepool ran one call in flight per cloud-region; 20/s is its usual rate ceiling.
            rate_limits: vec![RateLimit {
                service: None,
                calls_per_second: 20.0,
                burst: 20,
                max_in_flight: 1,
            }],
        }
    }
}

fn is_floating_ip(capability: Capability) -> bool {
    matches!(
        capability,
        Capability::ListFloatingIps
            | Capability::GetFloatingIp
            | Capability::CreateFloatingIp
            | Capability::AttachFloatingIp
            | Capability::DeleteFloatingIp
    )
}

pub type OvhDriver = Driver<Ovh>;

// Native builds skip the export: its `oaktree:cloud/driver@…` symbol names cannot be linked
// into a native library.
#[cfg(target_arch = "wasm32")]
oaktree_openstack_common::export_driver!(OvhDriver with_types_in oaktree_openstack_common);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_offers_image_uploads_in_raw_and_no_floating_ips() {
        let info = Ovh::info();
        assert_eq!(info.image_disk_formats, ["raw"]);
        assert_eq!(info.floating_ips, FloatingIpModel::Direct);
        assert!(info.capabilities.contains(&Capability::CreateImage));
        assert!(!info.capabilities.iter().any(|c| is_floating_ip(*c)));
    }
}
