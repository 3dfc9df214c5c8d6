//! Creating and deleting servers (nova `POST /servers`, `DELETE /servers/{id}`).

use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, Server, ServerCreate};

impl<H: Host> Session<'_, H> {
    pub fn create_server(&mut self, _spec: &ServerCreate) -> Result<Server, Error> {
        Err(Error::Unsupported(
            "create-server is not implemented by this driver yet".into(),
        ))
    }

    pub fn delete_server(&mut self, _id: &str) -> Result<(), Error> {
        Err(Error::Unsupported(
            "delete-server is not implemented by this driver yet".into(),
        ))
    }
}
