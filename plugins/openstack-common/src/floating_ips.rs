//! Neutron floating IPs: list, get, create (optionally on a server's port), attach, delete.

use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, FloatingIp, FloatingIpCreate};

impl<H: Host> Session<'_, H> {
    pub fn list_floating_ips(&mut self) -> Result<Vec<FloatingIp>, Error> {
        Err(Error::Unsupported(
            "list-floating-ips is not implemented by this driver yet".into(),
        ))
    }

    pub fn get_floating_ip(&mut self, _id: &str) -> Result<FloatingIp, Error> {
        Err(Error::Unsupported(
            "get-floating-ip is not implemented by this driver yet".into(),
        ))
    }

    pub fn create_floating_ip(&mut self, _spec: &FloatingIpCreate) -> Result<FloatingIp, Error> {
        Err(Error::Unsupported(
            "create-floating-ip is not implemented by this driver yet".into(),
        ))
    }

    pub fn attach_floating_ip(&mut self, _id: &str, _server_id: &str) -> Result<FloatingIp, Error> {
        Err(Error::Unsupported(
            "attach-floating-ip is not implemented by this driver yet".into(),
        ))
    }

    pub fn delete_floating_ip(&mut self, _id: &str) -> Result<(), Error> {
        Err(Error::Unsupported(
            "delete-floating-ip is not implemented by this driver yet".into(),
        ))
    }
}
