//! Cinder volumes (block-storage v3): list, get, create, delete.

use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, Volume, VolumeCreate};

impl<H: Host> Session<'_, H> {
    pub fn list_volumes(&mut self) -> Result<Vec<Volume>, Error> {
        Err(Error::Unsupported(
            "list-volumes is not implemented by this driver yet".into(),
        ))
    }

    pub fn get_volume(&mut self, _id: &str) -> Result<Volume, Error> {
        Err(Error::Unsupported(
            "get-volume is not implemented by this driver yet".into(),
        ))
    }

    pub fn create_volume(&mut self, _spec: &VolumeCreate) -> Result<Volume, Error> {
        Err(Error::Unsupported(
            "create-volume is not implemented by this driver yet".into(),
        ))
    }

    pub fn delete_volume(&mut self, _id: &str) -> Result<(), Error> {
        Err(Error::Unsupported(
            "delete-volume is not implemented by this driver yet".into(),
        ))
    }
}
