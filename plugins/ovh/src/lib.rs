//! oaktree's OVHcloud and VEXXHOST driver: a WebAssembly component for the `cloud-driver`
//! world.
//!
//! Both are OpenStack with keystone v3, raw images uploaded with a glance PUT, and public
//! addresses on every server (their profiles say `floating_ip_source: None`), so no floating
//! IPs. All the logic is in `oaktree-openstack-common`; this crate states the facts
//! `describe()` reports.

use oaktree_openstack_common::oaktree::cloud::types::{DriverInfo, FloatingIpModel};
use oaktree_openstack_common::{
    Driver, Vendor, capabilities_without_floating_ips, default_rate_limits,
};

pub struct Ovh;

impl Vendor for Ovh {
    fn info() -> DriverInfo {
        DriverInfo {
            name: "ovh".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            profiles: vec!["ovh".into(), "vexxhost".into()],
            // Servers get public addresses directly (floating_ip_source None).
            capabilities: capabilities_without_floating_ips(),
            image_disk_formats: vec!["raw".into()],
            floating_ips: FloatingIpModel::Direct,
            rate_limits: default_rate_limits(),
        }
    }
}

pub type OvhDriver = Driver<Ovh>;

// Native builds skip the export: its `oaktree:cloud/driver@…` symbol names cannot be linked
// into a native library.
#[cfg(target_arch = "wasm32")]
oaktree_openstack_common::export_driver!(OvhDriver with_types_in oaktree_openstack_common);

#[cfg(test)]
mod tests {
    use super::*;
    use oaktree_openstack_common::is_floating_ip;
    use oaktree_openstack_common::oaktree::cloud::types::Capability;

    #[test]
    fn describe_offers_image_uploads_in_raw_and_no_floating_ips() {
        let info = Ovh::info();
        assert_eq!(info.image_disk_formats, ["raw"]);
        assert_eq!(info.floating_ips, FloatingIpModel::Direct);
        assert!(info.capabilities.contains(&Capability::CreateImage));
        assert!(!info.capabilities.iter().any(|c| is_floating_ip(*c)));
    }
}
