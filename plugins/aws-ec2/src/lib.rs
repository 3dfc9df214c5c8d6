//! oaktree's AWS EC2 driver: a WebAssembly component for the `cloud-driver` world.
//!
//! This file is the WIT glue only: the generated bindings, the [`Host`] implementation over the
//! host's imports, and the exported `driver` interface delegating to [`driver::Session`].
//!
//! Modules: `config` (credentials, endpoint), `sigv4` (request signing), `client` (Query API
//! calls, AWS error codes, pagination), `xml` (reading answers), `convert` (EC2 XML → WIT
//! records), `host` (the host trait).
//!
//! Reads only. `list-images` returns the account's own AMIs (`Owner.1=self`): public AMIs
//! number in the thousands per region; `image_owners: [self, amazon]` in clouds.yaml widens it.

wit_bindgen::generate!({
    path: "../../wit",
    world: "cloud-driver",
    additional_derives: [PartialEq],
});

mod client;
mod config;
mod convert;
mod driver;
mod host;
mod sigv4;
mod xml;

#[cfg(test)]
mod fake;

use exports::oaktree::cloud::driver::Guest;
use host::Host;
use oaktree::cloud::http::{self, HttpError, Request, Response};
use oaktree::cloud::log::{self, Level};
use oaktree::cloud::types::{
    CallContext, Capability, DriverInfo, Error, Flavor, FloatingIpModel, Image, Network, RateLimit,
    Server,
};

/// The component's export.
struct AwsEc2;

/// The host's imports, as the driver's [`Host`].
struct WitHost;

impl Host for WitHost {
    fn send(&self, request: Request) -> Result<Response, HttpError> {
        http::send(&request)
    }

    fn log(&self, level: Level, message: &str) {
        log::emit(level, message);
    }
}

fn session(ctx: &CallContext) -> Result<driver::Session<'static, WitHost>, Error> {
    driver::Session::open(&WitHost, ctx)
}

impl Guest for AwsEc2 {
    fn describe() -> DriverInfo {
        DriverInfo {
            name: "aws-ec2".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            profiles: vec!["aws".into(), "aws-ec2".into()],
            capabilities: vec![
                Capability::ListImages,
                Capability::GetImage,
                Capability::ListFlavors,
                Capability::GetFlavor,
                Capability::ListServers,
                Capability::GetServer,
                Capability::ListNetworks,
                Capability::GetNetwork,
            ],
            // VM Import accepts these disk formats (ImportImage); raw first as it needs no
            // conversion.
            image_disk_formats: vec!["raw".into(), "vhd".into(), "vmdk".into()],
            // Instances in public subnets get their public IPv4 at launch; no attach step.
            floating_ips: FloatingIpModel::Direct,
            // EC2 throttles Describe* per account and region with a token bucket of about 20
            // calls/s refill (bursts to 100); 20/s with a burst of 20 stays clear of it.
            rate_limits: vec![RateLimit {
                service: None,
                calls_per_second: 20.0,
                burst: 20,
                max_in_flight: 4,
            }],
        }
    }

    fn list_images(ctx: CallContext) -> Result<Vec<Image>, Error> {
        session(&ctx)?.list_images()
    }

    fn get_image(ctx: CallContext, id: String) -> Result<Image, Error> {
        session(&ctx)?.get_image(&id)
    }

    fn list_flavors(ctx: CallContext) -> Result<Vec<Flavor>, Error> {
        session(&ctx)?.list_flavors()
    }

    fn get_flavor(ctx: CallContext, id: String) -> Result<Flavor, Error> {
        session(&ctx)?.get_flavor(&id)
    }

    fn list_servers(ctx: CallContext) -> Result<Vec<Server>, Error> {
        session(&ctx)?.list_servers()
    }

    fn get_server(ctx: CallContext, id: String) -> Result<Server, Error> {
        session(&ctx)?.get_server(&id)
    }

    fn list_networks(ctx: CallContext) -> Result<Vec<Network>, Error> {
        session(&ctx)?.list_networks()
    }

    fn get_network(ctx: CallContext, id: String) -> Result<Network, Error> {
        session(&ctx)?.get_network(&id)
    }

    // Writes: this driver offers none (its describe() declares no write capability).

    fn create_server(
        _ctx: CallContext,
        _spec: oaktree::cloud::types::ServerCreate,
    ) -> Result<oaktree::cloud::types::Server, Error> {
        Err(unsupported("create-server"))
    }

    fn delete_server(_ctx: CallContext, _id: String) -> Result<(), Error> {
        Err(unsupported("delete-server"))
    }

    fn list_floating_ips(
        _ctx: CallContext,
    ) -> Result<Vec<oaktree::cloud::types::FloatingIp>, Error> {
        Err(unsupported("list-floating-ips"))
    }

    fn get_floating_ip(
        _ctx: CallContext,
        _id: String,
    ) -> Result<oaktree::cloud::types::FloatingIp, Error> {
        Err(unsupported("get-floating-ip"))
    }

    fn create_floating_ip(
        _ctx: CallContext,
        _spec: oaktree::cloud::types::FloatingIpCreate,
    ) -> Result<oaktree::cloud::types::FloatingIp, Error> {
        Err(unsupported("create-floating-ip"))
    }

    fn attach_floating_ip(
        _ctx: CallContext,
        _id: String,
        _server_id: String,
    ) -> Result<oaktree::cloud::types::FloatingIp, Error> {
        Err(unsupported("attach-floating-ip"))
    }

    fn delete_floating_ip(_ctx: CallContext, _id: String) -> Result<(), Error> {
        Err(unsupported("delete-floating-ip"))
    }

    fn list_keypairs(_ctx: CallContext) -> Result<Vec<oaktree::cloud::types::Keypair>, Error> {
        Err(unsupported("list-keypairs"))
    }

    fn get_keypair(
        _ctx: CallContext,
        _name: String,
    ) -> Result<oaktree::cloud::types::Keypair, Error> {
        Err(unsupported("get-keypair"))
    }

    fn create_keypair(
        _ctx: CallContext,
        _spec: oaktree::cloud::types::KeypairCreate,
    ) -> Result<oaktree::cloud::types::Keypair, Error> {
        Err(unsupported("create-keypair"))
    }

    fn delete_keypair(_ctx: CallContext, _name: String) -> Result<(), Error> {
        Err(unsupported("delete-keypair"))
    }

    fn list_security_groups(
        _ctx: CallContext,
    ) -> Result<Vec<oaktree::cloud::types::SecurityGroup>, Error> {
        Err(unsupported("list-security-groups"))
    }

    fn get_security_group(
        _ctx: CallContext,
        _id: String,
    ) -> Result<oaktree::cloud::types::SecurityGroup, Error> {
        Err(unsupported("get-security-group"))
    }

    fn create_security_group(
        _ctx: CallContext,
        _spec: oaktree::cloud::types::SecurityGroupCreate,
    ) -> Result<oaktree::cloud::types::SecurityGroup, Error> {
        Err(unsupported("create-security-group"))
    }

    fn delete_security_group(_ctx: CallContext, _id: String) -> Result<(), Error> {
        Err(unsupported("delete-security-group"))
    }

    fn create_security_group_rule(
        _ctx: CallContext,
        _spec: oaktree::cloud::types::SecurityGroupRuleCreate,
    ) -> Result<oaktree::cloud::types::SecurityGroupRule, Error> {
        Err(unsupported("create-security-group-rule"))
    }

    fn delete_security_group_rule(_ctx: CallContext, _id: String) -> Result<(), Error> {
        Err(unsupported("delete-security-group-rule"))
    }

    fn list_subnets(_ctx: CallContext) -> Result<Vec<oaktree::cloud::types::Subnet>, Error> {
        Err(unsupported("list-subnets"))
    }

    fn get_subnet(_ctx: CallContext, _id: String) -> Result<oaktree::cloud::types::Subnet, Error> {
        Err(unsupported("get-subnet"))
    }

    fn create_subnet(
        _ctx: CallContext,
        _spec: oaktree::cloud::types::SubnetCreate,
    ) -> Result<oaktree::cloud::types::Subnet, Error> {
        Err(unsupported("create-subnet"))
    }

    fn delete_subnet(_ctx: CallContext, _id: String) -> Result<(), Error> {
        Err(unsupported("delete-subnet"))
    }

    fn list_volumes(_ctx: CallContext) -> Result<Vec<oaktree::cloud::types::Volume>, Error> {
        Err(unsupported("list-volumes"))
    }

    fn get_volume(_ctx: CallContext, _id: String) -> Result<oaktree::cloud::types::Volume, Error> {
        Err(unsupported("get-volume"))
    }

    fn create_volume(
        _ctx: CallContext,
        _spec: oaktree::cloud::types::VolumeCreate,
    ) -> Result<oaktree::cloud::types::Volume, Error> {
        Err(unsupported("create-volume"))
    }

    fn delete_volume(_ctx: CallContext, _id: String) -> Result<(), Error> {
        Err(unsupported("delete-volume"))
    }

    fn image_formats(_ctx: CallContext) -> Result<Vec<String>, Error> {
        Err(unsupported("image-formats"))
    }

    fn create_image(
        _ctx: CallContext,
        _spec: oaktree::cloud::types::ImageCreate,
        _data: &oaktree::cloud::blobs::Blob,
    ) -> Result<oaktree::cloud::types::Image, Error> {
        Err(unsupported("create-image"))
    }

    fn delete_image(_ctx: CallContext, _id: String) -> Result<(), Error> {
        Err(unsupported("delete-image"))
    }

    fn cleanup(_ctx: CallContext, _kind: String, _id: String) -> Result<(), Error> {
        Err(unsupported("cleanup"))
    }
}

// Native builds (unit tests) skip the export: its `oaktree:cloud/driver@0.1.0#…` symbol names
// cannot be linked into a native cdylib.
#[cfg(target_arch = "wasm32")]
export!(AwsEc2);

/// The error of a function this driver does not offer.
fn unsupported(function: &str) -> Error {
    Error::Unsupported(format!("the aws-ec2 driver does not offer {function}"))
}
