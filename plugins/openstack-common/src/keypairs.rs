//! Nova keypairs: list, get, create (import or generate), delete.

use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, Keypair, KeypairCreate};

impl<H: Host> Session<'_, H> {
    pub fn list_keypairs(&mut self) -> Result<Vec<Keypair>, Error> {
        Err(Error::Unsupported(
            "list-keypairs is not implemented by this driver yet".into(),
        ))
    }

    pub fn get_keypair(&mut self, _name: &str) -> Result<Keypair, Error> {
        Err(Error::Unsupported(
            "get-keypair is not implemented by this driver yet".into(),
        ))
    }

    pub fn create_keypair(&mut self, _spec: &KeypairCreate) -> Result<Keypair, Error> {
        Err(Error::Unsupported(
            "create-keypair is not implemented by this driver yet".into(),
        ))
    }

    pub fn delete_keypair(&mut self, _name: &str) -> Result<(), Error> {
        Err(Error::Unsupported(
            "delete-keypair is not implemented by this driver yet".into(),
        ))
    }
}
