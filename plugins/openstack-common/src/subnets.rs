//! Neutron subnets: list, get, create, delete.

use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, Subnet, SubnetCreate};

impl<H: Host> Session<'_, H> {
    pub fn list_subnets(&mut self) -> Result<Vec<Subnet>, Error> {
        Err(Error::Unsupported(
            "list-subnets is not implemented by this driver yet".into(),
        ))
    }

    pub fn get_subnet(&mut self, _id: &str) -> Result<Subnet, Error> {
        Err(Error::Unsupported(
            "get-subnet is not implemented by this driver yet".into(),
        ))
    }

    pub fn create_subnet(&mut self, _spec: &SubnetCreate) -> Result<Subnet, Error> {
        Err(Error::Unsupported(
            "create-subnet is not implemented by this driver yet".into(),
        ))
    }

    pub fn delete_subnet(&mut self, _id: &str) -> Result<(), Error> {
        Err(Error::Unsupported(
            "delete-subnet is not implemented by this driver yet".into(),
        ))
    }
}
