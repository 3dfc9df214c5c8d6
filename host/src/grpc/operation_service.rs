//! `oaktree.v1.OperationService`: start long operations and watch them.
//!
//! Starting one validates the request (synchronously: a bad location or missing field fails
//! the call), hands it to [`Operations`], and streams the operation's events. The operation
//! runs in the daemon: dropping the stream does not stop it.

use std::sync::Arc;

use futures::StreamExt;
use tonic::{Request, Response, Status, Streaming};

use super::bounds::Bounded;
use super::cloud_service::EventStream;
use super::{convert_ops, upload};
use crate::error::Error;
use crate::operations::idempotency::{self, Idempotency};
use crate::operations::images::ImageSource;
use crate::operations::source_path;
use crate::operations::{OperationHandle, Operations};
use crate::proto::operation_service_server::OperationService;
use crate::proto::{self, create_image_request::Part};

pub struct OperationApi {
    operations: Arc<Operations>,
    idempotency: Arc<Idempotency>,
}

impl OperationApi {
    pub fn new(operations: Arc<Operations>, idempotency: Arc<Idempotency>) -> Self {
        Self {
            operations,
            idempotency,
        }
    }

    fn find(&self, id: &str) -> Result<Arc<OperationHandle>, Status> {
        self.operations.registry().get(id).ok_or_else(|| {
            Status::not_found(format!(
                "no operation {id:?}: it never existed or finished more than an hour ago (ListOperations shows those kept)"
            ))
        })
    }
}

fn events(handle: &Arc<OperationHandle>) -> EventStream<proto::OperationEvent> {
    Box::pin(handle.watch().map(|event| Ok(convert_ops::event(event))))
}

impl OperationApi {
    /// The image's bytes: a file under `upload_dirs` when the client named one, else the
    /// client's stream of chunks stored in the work directory.
    async fn image_source(
        &self,
        source_path: &str,
        parts: &mut Streaming<proto::CreateImageRequest>,
    ) -> Result<ImageSource, Status> {
        let settings = self.operations.settings();
        if source_path.is_empty() {
            let file =
                upload::receive(parts, &settings.work_dir, settings.max_upload_bytes).await?;
            return Ok(ImageSource::Uploaded(file));
        }
        let requested = source_path.to_owned();
        let allowed = settings.upload_dirs.clone();
        let opened = tokio::task::spawn_blocking(move || source_path::open(&requested, &allowed))
            .await
            .map_err(|e| Status::internal(format!("checking source_path failed: {e}")))?;
        match opened {
            Ok(file) => Ok(ImageSource::Path(file)),
            Err(refused) => {
                tracing::info!(source_path, reason = ?refused, "source_path refused");
                Err(Status::from(Error::InvalidArgument {
                    field: "start.source_path".to_owned(),
                    message: refused.to_string(),
                }))
            }
        }
    }
}

#[tonic::async_trait]
impl OperationService for OperationApi {
    type CreateServerStream = EventStream<proto::OperationEvent>;
    type DeleteServerStream = EventStream<proto::OperationEvent>;
    type CreateImageStream = EventStream<proto::OperationEvent>;
    type WatchOperationStream = EventStream<proto::OperationEvent>;
    type WatchOperationsStream = EventStream<proto::OperationEvent>;

    async fn create_server(
        &self,
        request: Request<proto::CreateServerRequest>,
    ) -> Result<Response<Self::CreateServerStream>, Status> {
        let request = request.into_inner();
        request.check_bounds()?;
        let request_id = request.request_id.clone();
        let request = convert_ops::create_server(request)?;
        let fingerprint = idempotency::fingerprint(&request);
        let handle = self
            .idempotency
            .run(
                "CreateServer",
                "request_id",
                &request_id,
                fingerprint,
                || async { self.operations.create_server(request).map_err(Status::from) },
            )
            .await?;
        Ok(Response::new(events(&handle)))
    }

    async fn delete_server(
        &self,
        request: Request<proto::DeleteServerRequest>,
    ) -> Result<Response<Self::DeleteServerStream>, Status> {
        let request = request.into_inner();
        request.check_bounds()?;
        let mut request = convert_ops::delete_server(request)?;
        request.server = self.operations.resolve_server_to_delete(&request).await?;
        let handle = self.operations.delete_server(request)?;
        Ok(Response::new(events(&handle)))
    }

    async fn create_image(
        &self,
        request: Request<Streaming<proto::CreateImageRequest>>,
    ) -> Result<Response<Self::CreateImageStream>, Status> {
        let mut parts = request.into_inner();
        let start = match parts.message().await? {
            Some(proto::CreateImageRequest {
                part: Some(Part::Start(start)),
            }) => start,
            _ => {
                return Err(Status::from(Error::InvalidArgument {
                    field: "start".to_owned(),
                    message: "the first message must be `start` with the image's metadata"
                        .to_owned(),
                }));
            }
        };
        start.check_bounds()?;
        let request_id = start.request_id.clone();
        let source_path = start.source_path.clone();
        let image = convert_ops::create_image(start);
        let fingerprint = idempotency::fingerprint(&(&image, &source_path));
        let handle = self
            .idempotency
            .run(
                "CreateImage",
                "start.request_id",
                &request_id,
                fingerprint,
                || async {
                    let source = self.image_source(&source_path, &mut parts).await?;
                    // On failure the source is dropped: an uploaded file is removed.
                    self.operations
                        .create_image(image, source)
                        .map_err(Status::from)
                },
            )
            .await?;
        Ok(Response::new(events(&handle)))
    }

    async fn get_operation(
        &self,
        request: Request<proto::GetOperationRequest>,
    ) -> Result<Response<proto::Operation>, Status> {
        let request = request.into_inner();
        request.check_bounds()?;
        let handle = self.find(&request.id)?;
        Ok(Response::new(convert_ops::operation(&handle.snapshot())))
    }

    async fn list_operations(
        &self,
        _request: Request<proto::ListOperationsRequest>,
    ) -> Result<Response<proto::ListOperationsResponse>, Status> {
        let operations = self
            .operations
            .registry()
            .list()
            .iter()
            .map(convert_ops::operation)
            .collect();
        Ok(Response::new(proto::ListOperationsResponse { operations }))
    }

    async fn watch_operation(
        &self,
        request: Request<proto::WatchOperationRequest>,
    ) -> Result<Response<Self::WatchOperationStream>, Status> {
        let request = request.into_inner();
        request.check_bounds()?;
        let handle = self.find(&request.id)?;
        Ok(Response::new(events(&handle)))
    }

    async fn watch_operations(
        &self,
        _request: Request<proto::WatchOperationsRequest>,
    ) -> Result<Response<Self::WatchOperationsStream>, Status> {
        let receiver = self.operations.registry().subscribe();
        let stream = tokio_stream::wrappers::BroadcastStream::new(receiver).map(|event| match event {
            Ok(event) => Ok(convert_ops::event(event)),
            Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(missed)) => {
                Err(Status::data_loss(format!(
                    "this watcher fell {missed} events behind; watch again, and use WatchOperation to replay one operation"
                )))
            }
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn list_cleanup(
        &self,
        _request: Request<proto::ListCleanupRequest>,
    ) -> Result<Response<proto::ListCleanupResponse>, Status> {
        let entries = convert_ops::cleanup_entries(&self.operations.ledger().entries());
        Ok(Response::new(proto::ListCleanupResponse { entries }))
    }
}
