//! The gRPC edge: thin handlers over [`crate::federation`].
//!
//! Each handler validates and converts the request ([`convert`]), takes the deadline from
//! the `grpc-timeout` header ([`deadline`]), calls the federation, and converts back.
//! Call-level errors go through the one mapping in [`status`]. [`server`] assembles the
//! tonic server with health and reflection.
//!
//! Hostile input stops here: every request is checked against its [`bounds`] first, the
//! deadline is capped by the daemon's maximum, image chunks are bounded while they are
//! received ([`upload`]), and every message to a client is bounded ([`client_text`]).

pub mod bounds;
pub mod client_text;
pub mod cloud_service;
pub mod convert;
pub mod convert_ops;
pub mod convert_resources;
pub mod deadline;
pub mod operation_service;
pub mod resource_reads;
pub mod resource_writes;
pub mod server;
pub mod status;
pub mod upload;

pub use server::serve;
