//! Assembles the tonic server: CloudService, gRPC health and reflection, an RPC span.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use super::bounds::MAX_REQUEST_BYTES;
use super::cloud_service::CloudApi;
use super::operation_service::OperationApi;
use crate::federation::Federation;
use crate::operations::Operations;
use crate::operations::idempotency::Idempotency;
use crate::proto;
use crate::proto::cloud_service_server::CloudServiceServer;
use crate::proto::operation_service_server::OperationServiceServer;

/// Largest message the daemon sends: big federated lists should use the Stream RPCs, but
/// unary answers of tens of thousands of resources must still fit.
const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// Largest request metadata (HTTP/2 header list) accepted, as gRPC clients accept of replies.
const MAX_HEADER_LIST_BYTES: u32 = 16 << 10;

/// Serves until `shutdown` resolves; then health reports NOT_SERVING (to health watchers
/// already connected), no new connection or call is accepted, and the calls and streams in
/// flight are let finish (the caller bounds how long).
pub async fn serve(
    federation: Arc<Federation>,
    operations: Arc<Operations>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<CloudServiceServer<CloudApi>>()
        .await;
    health_reporter
        .set_serving::<OperationServiceServer<OperationApi>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    // One table of recent request ids for every create, in both services.
    let idempotency = Arc::new(Idempotency::new(operations.settings().idempotency_window));
    let api = CloudServiceServer::new(CloudApi::new(federation, idempotency.clone()))
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
        .max_decoding_message_size(MAX_REQUEST_BYTES);
    let operation_api = OperationServiceServer::new(OperationApi::new(operations, idempotency))
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
        .max_decoding_message_size(MAX_REQUEST_BYTES);
    let reporter = health_reporter.clone();
    let shutdown = async move {
        shutdown.await;
        reporter
            .set_not_serving::<CloudServiceServer<CloudApi>>()
            .await;
        reporter
            .set_not_serving::<OperationServiceServer<OperationApi>>()
            .await;
        reporter
            .set_service_status("", tonic_health::ServingStatus::NotServing)
            .await;
    };
    Server::builder()
        // Said, not left to hyper's default: request metadata beyond 16 KiB is refused.
        .http2_max_header_list_size(MAX_HEADER_LIST_BYTES)
        .trace_fn(|request| tracing::info_span!("rpc", method = %request.uri().path()))
        .add_service(health_service)
        .add_service(reflection)
        .add_service(api)
        .add_service(operation_api)
        .serve_with_incoming_shutdown(
            // Without TCP_NODELAY, a reply written as several HTTP/2 frames waits ~40 ms for
            // the client's delayed ACK.
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        )
        .await?;
    Ok(())
}
