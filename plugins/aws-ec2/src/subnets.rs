//! VPC subnets.
//!
//! 1. list/get: `DescribeSubnets` (every page; `SubnetId.1` for one).
//! 2. create: `CreateSubnet` in the VPC the network id names, with the CIDR (`CidrBlock`, or
//!    `Ipv6CidrBlock` with `Ipv6Native` for IPv6) and a `Name` tag; the zone is EC2's pick.
//!    What EC2 fixes is refused as `invalid` rather than ignored: DHCP is always on, DNS
//!    servers belong to the VPC's DHCP options, and the gateway is the range's first address + 1.
//! 3. delete: `DeleteSubnet`.

use std::net::Ipv4Addr;

use crate::convert_network::{self, ipv4_range};
use crate::driver::{Session, by_id, not_found, params};
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, Subnet, SubnetCreate};
use crate::servers_write::tag_specification;
use crate::xml::child;

/// DescribeSubnets' largest page.
const PAGE: &str = "1000";

impl<H: Host> Session<'_, H> {
    pub fn list_subnets(&self) -> Result<Vec<Subnet>, Error> {
        self.describe_all(
            "DescribeSubnets",
            &params(&[("MaxResults", PAGE)]),
            "subnetSet",
            convert_network::subnet,
        )
    }

    pub fn get_subnet(&self, id: &str) -> Result<Subnet, Error> {
        self.describe_ids(
            "DescribeSubnets",
            &params(&[("SubnetId.1", id)]),
            "subnetSet",
            convert_network::subnet,
        )?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found("subnet", id))
    }

    pub fn create_subnet(&self, spec: &SubnetCreate) -> Result<Subnet, Error> {
        let request = create_subnet(spec)?;
        self.write("CreateSubnet", &request, |doc| {
            child(doc.root_element(), "subnet").map(convert_network::subnet)
        })?
        .ok_or_else(|| Error::Other("ec2 CreateSubnet: the answer has no subnet".into()))
    }

    pub fn delete_subnet(&self, id: &str) -> Result<(), Error> {
        self.client
            .call("DeleteSubnet", &params(&[("SubnetId", id)]))
            .map_err(by_id)?;
        Ok(())
    }
}

/// CreateSubnet's parameters for `spec`.
pub fn create_subnet(spec: &SubnetCreate) -> Result<Vec<(String, String)>, Error> {
    if !spec.enable_dhcp {
        return Err(Error::Invalid(
            "EC2 subnets always use DHCP: enable-dhcp must be true".into(),
        ));
    }
    if !spec.dns_nameservers.is_empty() {
        return Err(Error::Invalid(
            "EC2 takes DNS servers from the VPC's DHCP options set, not from a subnet: leave \
             dns-nameservers empty"
                .into(),
        ));
    }
    let mut request = params(&[("VpcId", spec.network_id.as_str())]);
    match spec.ip_version {
        4 => {
            if let Some(gateway) = &spec.gateway_ip {
                let router = ipv4_range(&spec.cidr)
                    .and_then(|(first, _)| first.checked_add(1))
                    .map(|r| Ipv4Addr::from(r).to_string());
                if router.as_deref() != Some(gateway.as_str()) {
                    return Err(Error::Invalid(format!(
                        "EC2 puts a subnet's gateway at its first address + 1 ({}); gateway-ip \
                         {gateway} cannot be chosen",
                        router.unwrap_or_else(|| "unknown for this CIDR".into())
                    )));
                }
            }
            request.push(("CidrBlock".into(), spec.cidr.clone()));
        }
        6 => {
            request.push(("Ipv6CidrBlock".into(), spec.cidr.clone()));
            request.push(("Ipv6Native".into(), "true".into()));
        }
        other => {
            return Err(Error::Invalid(format!(
                "ip-version {other} is neither 4 nor 6"
            )));
        }
    }
    request.extend(tag_specification("subnet", &spec.name, &[]));
    Ok(request)
}

#[cfg(test)]
#[path = "subnets_tests.rs"]
mod tests;
