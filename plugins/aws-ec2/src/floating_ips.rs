//! Elastic IPs as floating IPs.
//!
//! 1. list/get: `DescribeAddresses` (not paginated; `AllocationId.1` for one).
//! 2. create: `AllocateAddress` with `Domain=vpc` (or `PublicIpv4Pool` when the network id
//!    names a BYOIP pool); with a server, `AssociateAddress` at once; when that fails the
//!    address is released again so nothing leaks, and the association's error is returned.
//! 3. attach: `AssociateAddress` (`AllocationId`, `InstanceId`: the instance's primary
//!    interface), then the address as EC2 now reports it.
//! 4. delete: `DisassociateAddress` first when associated (EC2 refuses to release an address in
//!    use), then `ReleaseAddress`.

use crate::convert_network::{self, DEFAULT_DOMAIN};
use crate::driver::{Session, not_found, params};
use crate::host::Host;
use crate::oaktree::cloud::log::Level;
use crate::oaktree::cloud::types::{Error, FloatingIp, FloatingIpCreate};
use crate::xml::{child, text};

impl<H: Host> Session<'_, H> {
    pub fn list_floating_ips(&self) -> Result<Vec<FloatingIp>, Error> {
        self.describe_ids(
            "DescribeAddresses",
            &[],
            "addressesSet",
            convert_network::floating_ip,
        )
    }

    pub fn get_floating_ip(&self, id: &str) -> Result<FloatingIp, Error> {
        self.describe_ids(
            "DescribeAddresses",
            &params(&[("AllocationId.1", id)]),
            "addressesSet",
            convert_network::floating_ip,
        )?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| not_found("Elastic IP", id))
    }

    pub fn create_floating_ip(&self, spec: &FloatingIpCreate) -> Result<FloatingIp, Error> {
        let request = match spec.network_id.as_deref() {
            None | Some("") | Some(DEFAULT_DOMAIN) => params(&[("Domain", DEFAULT_DOMAIN)]),
            Some(pool) if pool.starts_with("ipv4pool-") => {
                params(&[("Domain", DEFAULT_DOMAIN), ("PublicIpv4Pool", pool)])
            }
            Some(other) => {
                return Err(Error::Invalid(format!(
                    "network id {other} is not an EC2 address source: use `vpc` (or none) or a \
                     public IPv4 pool id (ipv4pool-…)"
                )));
            }
        };
        let allocated = self.write("AllocateAddress", &request, |doc| {
            convert_network::floating_ip(doc.root_element())
        })?;
        let Some(server_id) = spec.server_id.as_deref() else {
            return Ok(allocated);
        };
        if let Err(error) = self.associate(&allocated.id, server_id) {
            if let Err(release) = self.client.call(
                "ReleaseAddress",
                &params(&[("AllocationId", allocated.id.as_str())]),
            ) {
                self.client.log(
                    Level::Warn,
                    &format!(
                        "ec2: Elastic IP {} was allocated but neither associated nor released \
                         ({release:?}); release it by hand",
                        allocated.id
                    ),
                );
            }
            return Err(error);
        }
        self.get_floating_ip(&allocated.id)
    }

    pub fn attach_floating_ip(&self, id: &str, server_id: &str) -> Result<FloatingIp, Error> {
        self.associate(id, server_id)?;
        self.get_floating_ip(id)
    }

    pub fn delete_floating_ip(&self, id: &str) -> Result<(), Error> {
        let body = self
            .client
            .call("DescribeAddresses", &params(&[("AllocationId.1", id)]))
            .map_err(crate::driver::by_id)?;
        let doc = crate::client::parse("DescribeAddresses", &body)?;
        let address = child(doc.root_element(), "addressesSet")
            .and_then(|set| {
                set.children()
                    .find(|c| text(*c, "allocationId").as_deref() == Some(id))
            })
            .ok_or_else(|| not_found("Elastic IP", id))?;
        if let Some(association) = text(address, "associationId") {
            self.client.call(
                "DisassociateAddress",
                &params(&[("AssociationId", association.as_str())]),
            )?;
        }
        self.client
            .call("ReleaseAddress", &params(&[("AllocationId", id)]))?;
        Ok(())
    }

    fn associate(&self, id: &str, server_id: &str) -> Result<(), Error> {
        self.client.call(
            "AssociateAddress",
            &params(&[("AllocationId", id), ("InstanceId", server_id)]),
        )?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "floating_ips_tests.rs"]
mod tests;
