//! Receiving an image's bytes from a `CreateImage` stream into an [`UploadFile`].
//!
//! Each `chunk` is at most [`MAX_CHUNK_BYTES`] (as the proto says) and all of them together at
//! most the config's `max_upload_bytes`; anything else after `start` is refused. On any
//! refusal, a broken stream or a client that goes away, the partial file is removed (the
//! [`UploadFile`] is dropped).

use tokio::io::AsyncWriteExt;
use tonic::{Status, Streaming};

use super::bounds::MAX_CHUNK_BYTES;
use crate::error::Error;
use crate::operations::upload::UploadFile;
use crate::proto::{CreateImageRequest, create_image_request::Part};

fn refused(message: String) -> Status {
    Status::from(Error::InvalidArgument {
        field: "chunk".to_owned(),
        message,
    })
}

fn cannot_store(error: std::io::Error) -> Status {
    tracing::error!(%error, "cannot store an upload in the work directory");
    Status::unavailable(format!(
        "the daemon cannot store the upload ({error}); try again later"
    ))
}

/// Reads every `chunk` of `parts` into a new upload file in `work_dir`.
pub async fn receive(
    parts: &mut Streaming<CreateImageRequest>,
    work_dir: &std::path::Path,
    max_upload_bytes: u64,
) -> Result<UploadFile, Status> {
    let (upload, mut file) = UploadFile::create(work_dir).await.map_err(cannot_store)?;
    let mut received = 0u64;
    while let Some(part) = parts.message().await? {
        let bytes = match part.part {
            Some(Part::Chunk(bytes)) => bytes,
            _ => {
                return Err(refused(
                    "after `start`, send only `chunk` messages".to_owned(),
                ));
            }
        };
        if bytes.len() > MAX_CHUNK_BYTES {
            return Err(refused(format!(
                "a chunk of {} bytes is over the limit of {MAX_CHUNK_BYTES} bytes (4 MiB) per chunk",
                bytes.len()
            )));
        }
        received += bytes.len() as u64;
        if received > max_upload_bytes {
            return Err(refused(format!(
                "the upload is over the daemon's limit of {max_upload_bytes} bytes (config \
                 `max_upload_bytes`)"
            )));
        }
        file.write_all(&bytes).await.map_err(cannot_store)?;
    }
    file.flush().await.map_err(cannot_store)?;
    if received == 0 {
        return Err(refused(
            "no image bytes arrived: send them as `chunk` messages, or set `start.source_path`"
                .to_owned(),
        ));
    }
    Ok(upload)
}
