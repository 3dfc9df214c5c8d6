//! Image uploads: accepted formats, create (glance PUT or task import), delete, and the
//! ledger's cleanup of what an upload left behind.

use crate::driver::Session;
use crate::host::{Host, ImageData};
use crate::oaktree::cloud::types::{Error, Image, ImageCreate};

impl<H: Host> Session<'_, H> {
    pub fn create_image(
        &mut self,
        spec: &ImageCreate,
        data: &ImageData<'_>,
    ) -> Result<Image, Error> {
        let _ = (spec, data);
        Err(Error::Unsupported(
            "create-image is not implemented by this driver yet".into(),
        ))
    }

    pub fn delete_image(&mut self, id: &str) -> Result<(), Error> {
        let _ = id;
        Err(Error::Unsupported(
            "delete-image is not implemented by this driver yet".into(),
        ))
    }

    /// Deletes something an earlier call reported to the ledger; already gone is success.
    pub fn cleanup(&mut self, kind: &str, id: &str) -> Result<(), Error> {
        Err(Error::Unsupported(format!(
            "cleanup of {kind} {id} is not implemented by this driver yet"
        )))
    }
}
