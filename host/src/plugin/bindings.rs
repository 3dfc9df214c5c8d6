//! Host bindings generated from `wit/` (package `oaktree:cloud@0.1.0`, world `cloud-driver`).
//!
//! Imports and exports are async: the host's `http.send` awaits reqwest, and driver calls
//! run on wasmtime fibers so a slow vendor never blocks a runtime thread.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "cloud-driver",
    imports: { default: async },
    exports: { default: async },
});

pub use exports::oaktree::cloud::driver as driver_api;
pub use oaktree::cloud::http as http_api;
pub use oaktree::cloud::log as log_api;
pub use oaktree::cloud::state as state_api;
pub use oaktree::cloud::types as wit;
