//! Host bindings generated from `wit/` (package `oaktree:cloud@0.2.0`, world `cloud-driver`).
//!
//! Imports and exports are async: the host's `http.send` awaits reqwest, and driver calls
//! run on wasmtime fibers so a slow vendor never blocks a runtime thread. The `blob`
//! resource is the host's [`super::blob::Blob`]: a handle to bytes on disk.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "cloud-driver",
    imports: { default: async },
    exports: { default: async },
    with: { "oaktree:cloud/blobs.blob": super::blob::Blob },
});

pub use exports::oaktree::cloud::driver as driver_api;
pub use oaktree::cloud::blobs as blobs_api;
pub use oaktree::cloud::http as http_api;
pub use oaktree::cloud::ledger as ledger_api;
pub use oaktree::cloud::log as log_api;
pub use oaktree::cloud::state as state_api;
pub use oaktree::cloud::types as wit;

/// The WIT package this host binds; plugins built against another version are rejected.
pub const WIT_PACKAGE: &str = "oaktree:cloud@0.2.0";

/// The driver interface as components export it.
pub const DRIVER_EXPORT: &str = "oaktree:cloud/driver@0.2.0";

/// The WIT name of a capability's function (`list-servers`).
pub fn capability_name(capability: wit::Capability) -> &'static str {
    match capability {
        wit::Capability::ListImages => "list-images",
        wit::Capability::GetImage => "get-image",
        wit::Capability::ListFlavors => "list-flavors",
        wit::Capability::GetFlavor => "get-flavor",
        wit::Capability::ListServers => "list-servers",
        wit::Capability::GetServer => "get-server",
        wit::Capability::ListNetworks => "list-networks",
        wit::Capability::GetNetwork => "get-network",
        wit::Capability::CreateServer => "create-server",
        wit::Capability::DeleteServer => "delete-server",
        wit::Capability::ListFloatingIps => "list-floating-ips",
        wit::Capability::GetFloatingIp => "get-floating-ip",
        wit::Capability::CreateFloatingIp => "create-floating-ip",
        wit::Capability::AttachFloatingIp => "attach-floating-ip",
        wit::Capability::DeleteFloatingIp => "delete-floating-ip",
        wit::Capability::ListKeypairs => "list-keypairs",
        wit::Capability::GetKeypair => "get-keypair",
        wit::Capability::CreateKeypair => "create-keypair",
        wit::Capability::DeleteKeypair => "delete-keypair",
        wit::Capability::ListSecurityGroups => "list-security-groups",
        wit::Capability::GetSecurityGroup => "get-security-group",
        wit::Capability::CreateSecurityGroup => "create-security-group",
        wit::Capability::DeleteSecurityGroup => "delete-security-group",
        wit::Capability::CreateSecurityGroupRule => "create-security-group-rule",
        wit::Capability::DeleteSecurityGroupRule => "delete-security-group-rule",
        wit::Capability::ListSubnets => "list-subnets",
        wit::Capability::GetSubnet => "get-subnet",
        wit::Capability::CreateSubnet => "create-subnet",
        wit::Capability::DeleteSubnet => "delete-subnet",
        wit::Capability::ListVolumes => "list-volumes",
        wit::Capability::GetVolume => "get-volume",
        wit::Capability::CreateVolume => "create-volume",
        wit::Capability::DeleteVolume => "delete-volume",
        wit::Capability::CreateImage => "create-image",
        wit::Capability::DeleteImage => "delete-image",
        wit::Capability::Cleanup => "cleanup",
    }
}
