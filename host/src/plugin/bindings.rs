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
