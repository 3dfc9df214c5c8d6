//! `oaktree.v1.OperationService`: start long operations and watch them.
//!
//! Starting one validates the request (synchronously: a bad location or missing field fails
//! the call), hands it to [`Operations`], and streams the operation's events. The operation
//! runs in the daemon: dropping the stream does not stop it.

use std::sync::Arc;

use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tonic::{Request, Response, Status, Streaming};

use super::cloud_service::EventStream;
use super::convert_ops;
use crate::error::Error;
use crate::operations::images::ImageSource;
use crate::operations::{OperationHandle, Operations};
use crate::proto::operation_service_server::OperationService;
use crate::proto::{self, create_image_request::Part};

pub struct OperationApi {
    operations: Arc<Operations>,
}

impl OperationApi {
    pub fn new(operations: Arc<Operations>) -> Self {
        Self { operations }
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

fn upload_failed(message: String) -> Status {
    Status::from(Error::InvalidArgument {
        field: "chunk".to_owned(),
        message,
    })
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
        let request = convert_ops::create_server(request.into_inner())?;
        let handle = self.operations.create_server(request)?;
        Ok(Response::new(events(&handle)))
    }

    async fn delete_server(
        &self,
        request: Request<proto::DeleteServerRequest>,
    ) -> Result<Response<Self::DeleteServerStream>, Status> {
        let mut request = convert_ops::delete_server(request.into_inner())?;
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
        let source_path = start.source_path.clone();
        let image = convert_ops::create_image(start);
        let source = if source_path.is_empty() {
            let path = self
                .operations
                .upload_path()
                .map_err(|e| Status::internal(format!("no room for the upload: {e}")))?;
            let mut file = tokio::fs::File::create(&path)
                .await
                .map_err(|e| Status::internal(format!("cannot store the upload: {e}")))?;
            let mut received = 0u64;
            while let Some(part) = parts.message().await? {
                match part.part {
                    Some(Part::Chunk(bytes)) => {
                        received += bytes.len() as u64;
                        file.write_all(&bytes).await.map_err(|e| {
                            Status::internal(format!("cannot store the upload: {e}"))
                        })?;
                    }
                    _ => {
                        let _ = tokio::fs::remove_file(&path).await;
                        return Err(upload_failed(
                            "after `start`, send only `chunk` messages".to_owned(),
                        ));
                    }
                }
            }
            file.flush()
                .await
                .map_err(|e| Status::internal(format!("cannot store the upload: {e}")))?;
            if received == 0 {
                let _ = tokio::fs::remove_file(&path).await;
                return Err(upload_failed(
                    "no image bytes arrived: send them as `chunk` messages, or set `start.source_path`"
                        .to_owned(),
                ));
            }
            ImageSource::Uploaded(path)
        } else {
            let path = std::path::PathBuf::from(&source_path);
            if !path.is_file() {
                return Err(Status::from(Error::InvalidArgument {
                    field: "start.source_path".to_owned(),
                    message: format!("{source_path} is not a file on the daemon's machine"),
                }));
            }
            ImageSource::Path(path)
        };
        let uploaded = match &source {
            ImageSource::Uploaded(path) => Some(path.clone()),
            ImageSource::Path(_) => None,
        };
        let handle = match self.operations.create_image(image, source) {
            Ok(handle) => handle,
            Err(error) => {
                // The operation never started, so nothing else will remove the upload.
                if let Some(path) = uploaded {
                    let _ = tokio::fs::remove_file(path).await;
                }
                return Err(error.into());
            }
        };
        Ok(Response::new(events(&handle)))
    }

    async fn get_operation(
        &self,
        request: Request<proto::GetOperationRequest>,
    ) -> Result<Response<proto::Operation>, Status> {
        let handle = self.find(&request.into_inner().id)?;
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
        let handle = self.find(&request.into_inner().id)?;
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
