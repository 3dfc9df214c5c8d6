//! oaktree's OpenStack driver: a WebAssembly component for the `cloud-driver` world.
//!
//! Generic OpenStack (keystone v3, neutron floating IPs, qcow2 or raw images uploaded with a
//! glance PUT). All the logic is in `oaktree-openstack-common`; this crate states the facts
//! `describe()` reports.

use oaktree_openstack_common::oaktree::cloud::types::{DriverInfo, FloatingIpModel};
use oaktree_openstack_common::{Driver, Vendor, capabilities, default_rate_limits};

pub struct OpenStack;

impl Vendor for OpenStack {
    fn info() -> DriverInfo {
        DriverInfo {
            name: "openstack".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            profiles: vec!["openstack".into()],
            capabilities: capabilities(),
            image_disk_formats: vec!["qcow2".into(), "raw".into()],
            floating_ips: FloatingIpModel::Floating,
            rate_limits: default_rate_limits(),
        }
    }
}

pub type OpenStackDriver = Driver<OpenStack>;

// Native builds skip the export: its `oaktree:cloud/driver@…` symbol names cannot be linked
// into a native library.
#[cfg(target_arch = "wasm32")]
oaktree_openstack_common::export_driver!(OpenStackDriver with_types_in oaktree_openstack_common);
