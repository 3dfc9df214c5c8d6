//! oaktree's Rackspace Cloud driver: a WebAssembly component for the `cloud-driver` world.
//!
//! Rackspace is OpenStack with keystone v2.0 (`auth_type: rackspace_apikey`), vhd images
//! imported through swift with a glance task (`image_api_use_tasks: true` in its profile), and
//! public addresses on every server, so no floating IPs. All the logic is in
//! `oaktree-openstack-common`; this crate states the facts `describe()` reports.

use oaktree_openstack_common::oaktree::cloud::types::{DriverInfo, FloatingIpModel};
use oaktree_openstack_common::{
    Driver, Vendor, capabilities_without_floating_ips, default_rate_limits,
};

pub struct Rackspace;

impl Vendor for Rackspace {
    fn info() -> DriverInfo {
        DriverInfo {
            name: "rackspace".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            profiles: vec!["rackspace".into()],
            // Servers get public addresses directly (floating_ip_source None).
            capabilities: capabilities_without_floating_ips(),
            image_disk_formats: vec!["vhd".into()],
            floating_ips: FloatingIpModel::Direct,
            rate_limits: default_rate_limits(),
        }
    }
}

pub type RackspaceDriver = Driver<Rackspace>;

// Native builds skip the export: its `oaktree:cloud/driver@…` symbol names cannot be linked
// into a native library.
#[cfg(target_arch = "wasm32")]
oaktree_openstack_common::export_driver!(RackspaceDriver with_types_in oaktree_openstack_common);

#[cfg(test)]
mod tests {
    use super::*;
    use oaktree_openstack_common::is_floating_ip;
    use oaktree_openstack_common::oaktree::cloud::types::Capability;

    #[test]
    fn describe_offers_image_uploads_in_vhd_and_no_floating_ips() {
        let info = Rackspace::info();
        assert_eq!(info.image_disk_formats, ["vhd"]);
        assert_eq!(info.floating_ips, FloatingIpModel::Direct);
        assert!(info.capabilities.contains(&Capability::CreateImage));
        assert!(!info.capabilities.iter().any(|c| is_floating_ip(*c)));
    }
}
