//! oaktree: one gRPC API over many clouds.
//!
//! A request flows top to bottom through these modules:
//! 1. [`grpc`] validates and converts the request (thin handlers, one status mapping);
//! 2. [`federation`] resolves the location selector into cloud-regions, fans out, gathers,
//!    stamps every resource with its [`location::Location`] and reports a status per location;
//! 3. [`plugin`] runs the vendor driver (a WebAssembly component) for one cloud-region,
//!    with a deadline and memory limit per call, and serves its host imports (HTTP, state, log);
//! 4. [`config`] says which clouds and regions exist (clouds.yaml) and how the daemon runs.
//!
//! [`daemon`] wires these together; [`cli`] is the human-facing command line.

pub mod cache;
pub mod cli;
pub mod config;
pub mod conformance;
pub mod daemon;
pub mod error;
pub mod federation;
pub mod grpc;
pub mod limits;
pub mod location;
pub mod logging;
pub mod metrics;
pub mod operations;
pub mod plugin;

/// Generated protobuf and gRPC code for `oaktree.v1` (the public contract in `proto/`).
pub mod proto {
    #![allow(clippy::all, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    tonic::include_proto!("oaktree.v1");

    /// Encoded file descriptor set, served by gRPC reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/oaktree_descriptor.bin"));
}
