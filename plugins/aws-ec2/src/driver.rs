//! The driver's operations for one call, over any [`Host`].
//!
//! Reads are one or more signed Describe* calls; lists follow `nextToken` to the end. A
//! `get-*` for an id EC2 does not know (or calls malformed) is `not-found` whether EC2 says so
//! with an error code or with an empty set. The writes live in one module per resource
//! (`servers_write`, `floating_ips`, ...) as further `impl Session` blocks over the helpers here.

use roxmltree::{Document, Node};

use crate::client::Client;
use crate::config::Config;
use crate::convert::{self, Subnet};
use crate::host::Host;
use crate::oaktree::cloud::types::{CallContext, Error, Flavor, Image, Network, Server};
use crate::xml::{child, items, text};

/// DescribeInstances' largest page.
const INSTANCES_PAGE: &str = "1000";
/// DescribeInstanceTypes' largest page.
const INSTANCE_TYPES_PAGE: &str = "100";
/// DescribeVpcs' and DescribeSubnets' largest page.
const NETWORKS_PAGE: &str = "1000";

/// One driver call's view of a cloud-region.
pub struct Session<'h, H: Host> {
    pub(crate) client: Client<'h, H>,
}

/// Query parameters from string pairs.
pub(crate) fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

impl<'h, H: Host> Session<'h, H> {
    /// Reads the call's configuration; no HTTP yet.
    pub fn open(host: &'h H, ctx: &CallContext) -> Result<Self, Error> {
        let config = Config::parse(&ctx.config, &ctx.region)?;
        Ok(Self {
            client: Client::new(host, config),
        })
    }

    /// A session over an existing client (tests pin its clock).
    #[cfg(test)]
    pub fn with_client(client: Client<'h, H>) -> Self {
        Self { client }
    }

    pub fn list_servers(&self) -> Result<Vec<Server>, Error> {
        let mut out = Vec::new();
        self.client.paginate(
            "DescribeInstances",
            &params(&[("MaxResults", INSTANCES_PAGE)]),
            |doc| {
                out.extend(servers(doc));
                Ok(())
            },
        )?;
        Ok(out)
    }

    pub fn get_server(&self, id: &str) -> Result<Server, Error> {
        let body = self
            .client
            .call("DescribeInstances", &params(&[("InstanceId.1", id)]))
            .map_err(by_id)?;
        let doc = crate::client::parse("DescribeInstances", &body)?;
        servers(&doc)
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| not_found("instance", id))
    }

    pub fn list_images(&self) -> Result<Vec<Image>, Error> {
        let owners = &self.client.config().image_owners;
        let owner_params: Vec<(String, String)> = owners
            .iter()
            .enumerate()
            .map(|(i, o)| (format!("Owner.{}", i + 1), o.clone()))
            .collect();
        let mut out = Vec::new();
        self.client
            .paginate("DescribeImages", &owner_params, |doc| {
                out.extend(images(doc));
                Ok(())
            })?;
        Ok(out)
    }

    pub fn get_image(&self, id: &str) -> Result<Image, Error> {
        let body = self
            .client
            .call("DescribeImages", &params(&[("ImageId.1", id)]))?;
        let doc = crate::client::parse("DescribeImages", &body)?;
        images(&doc)
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| not_found("image", id))
    }

    /// Deregisters an AMI (its snapshots stay, as EC2 leaves them).
    pub fn delete_image(&self, id: &str) -> Result<(), Error> {
        self.client
            .call("DeregisterImage", &params(&[("ImageId", id)]))
            .map_err(by_id)?;
        Ok(())
    }

    pub fn list_flavors(&self) -> Result<Vec<Flavor>, Error> {
        let mut out = Vec::new();
        self.client.paginate(
            "DescribeInstanceTypes",
            &params(&[("MaxResults", INSTANCE_TYPES_PAGE)]),
            |doc| {
                out.extend(flavors(doc));
                Ok(())
            },
        )?;
        Ok(out)
    }

    pub fn get_flavor(&self, id: &str) -> Result<Flavor, Error> {
        let body = self
            .client
            .call("DescribeInstanceTypes", &params(&[("InstanceType.1", id)]))
            .map_err(|e| match e {
                // EC2 answers an unknown type name with InvalidInstanceType (400).
                Error::Invalid(m) if m.contains("InvalidInstanceType") => Error::NotFound(m),
                other => other,
            })?;
        let doc = crate::client::parse("DescribeInstanceTypes", &body)?;
        flavors(&doc)
            .into_iter()
            .find(|f| f.id == id)
            .ok_or_else(|| not_found("instance type", id))
    }

    pub fn list_networks(&self) -> Result<Vec<Network>, Error> {
        let subnets = self.subnets(&[])?;
        let mut out = Vec::new();
        self.client.paginate(
            "DescribeVpcs",
            &params(&[("MaxResults", NETWORKS_PAGE)]),
            |doc| {
                out.extend(networks(doc, &subnets));
                Ok(())
            },
        )?;
        Ok(out)
    }

    pub fn get_network(&self, id: &str) -> Result<Network, Error> {
        let body = self
            .client
            .call("DescribeVpcs", &params(&[("VpcId.1", id)]))?;
        let doc = crate::client::parse("DescribeVpcs", &body)?;
        let subnets = self.subnets(&[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", id)])?;
        networks(&doc, &subnets)
            .into_iter()
            .find(|n| n.id == id)
            .ok_or_else(|| not_found("VPC", id))
    }

    fn subnets(&self, filter: &[(&str, &str)]) -> Result<Vec<Subnet>, Error> {
        let mut out = Vec::new();
        let mut all = params(filter);
        all.push(("MaxResults".into(), NETWORKS_PAGE.into()));
        self.client.paginate("DescribeSubnets", &all, |doc| {
            if let Some(set) = child(doc.root_element(), "subnetSet") {
                out.extend(
                    set.children()
                        .filter(|c| c.is_element())
                        .filter_map(convert::subnet),
                );
            }
            Ok(())
        })?;
        Ok(out)
    }
}

pub(crate) fn not_found(kind: &str, id: &str) -> Error {
    Error::NotFound(format!("ec2: no {kind} {id} in this region"))
}

/// For a call addressing one resource by id: an id EC2 calls malformed (`*.Malformed`) names
/// nothing that can exist, so it is `not-found` like an unknown one.
pub(crate) fn by_id(error: Error) -> Error {
    match error {
        Error::Invalid(m) if m.contains(".Malformed") => Error::NotFound(m),
        other => other,
    }
}

impl<H: Host> Session<'_, H> {
    /// Every `<item>` of `set` over all pages of `action`, converted.
    pub(crate) fn describe_all<T>(
        &self,
        action: &str,
        params: &[(String, String)],
        set: &str,
        convert: impl Fn(Node<'_, '_>) -> T,
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        self.client.paginate(action, params, |doc| {
            out.extend(items(doc.root_element(), set).into_iter().map(&convert));
            Ok(())
        })?;
        Ok(out)
    }

    /// The `<item>`s of `set` in one answer of `action` (ids in `params` already narrow it),
    /// converted; `*.Malformed` ids are `not-found`.
    pub(crate) fn describe_ids<T>(
        &self,
        action: &str,
        params: &[(String, String)],
        set: &str,
        convert: impl Fn(Node<'_, '_>) -> T,
    ) -> Result<Vec<T>, Error> {
        let body = self.client.call(action, params).map_err(by_id)?;
        let doc = crate::client::parse(action, &body)?;
        Ok(items(doc.root_element(), set)
            .into_iter()
            .map(convert)
            .collect())
    }

    /// Calls a write `action` and parses its answer with `read`.
    pub(crate) fn write<T>(
        &self,
        action: &str,
        params: &[(String, String)],
        read: impl FnOnce(&Document<'_>) -> T,
    ) -> Result<T, Error> {
        let body = self.client.call(action, params)?;
        let doc = crate::client::parse(action, &body)?;
        Ok(read(&doc))
    }
}

fn servers(doc: &Document<'_>) -> Vec<Server> {
    items(doc.root_element(), "reservationSet")
        .into_iter()
        .flat_map(|reservation| {
            let owner = text(reservation, "ownerId");
            items(reservation, "instancesSet")
                .into_iter()
                .map(move |i| convert::server(i, owner.clone()))
        })
        .collect()
}

fn images(doc: &Document<'_>) -> Vec<Image> {
    items(doc.root_element(), "imagesSet")
        .into_iter()
        .map(convert::image)
        .collect()
}

fn flavors(doc: &Document<'_>) -> Vec<Flavor> {
    items(doc.root_element(), "instanceTypeSet")
        .into_iter()
        .map(convert::flavor)
        .collect()
}

fn networks(doc: &Document<'_>, subnets: &[Subnet]) -> Vec<Network> {
    items(doc.root_element(), "vpcSet")
        .into_iter()
        .map(|vpc| convert::network(vpc, subnets))
        .collect()
}

#[cfg(test)]
#[path = "driver_tests.rs"]
mod tests;
