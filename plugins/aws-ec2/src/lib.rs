//! oaktree's AWS EC2 driver: a WebAssembly component for the `cloud-driver` world.
//!
//! This file is the WIT glue only: the generated bindings, the [`Host`] implementation over the
//! host's imports, and the exported `driver` interface delegating to [`driver::Session`].
//!
//! Modules: `config` (credentials, endpoint), `sigv4` (request signing), `client` (Query API
//! calls, AWS error codes, pagination), `xml` (reading answers), `convert*` (EC2 XML → WIT
//! records), `host` (the host trait), `driver` (reads and shared call helpers) and one module
//! per written resource: `servers_write`, `floating_ips` (Elastic IPs), `keypairs`,
//! `security_groups`, `subnets`, `volumes`.
//!
//! `list-images` returns the account's own AMIs (`Owner.1=self`): public AMIs number in the
//! thousands per region; `image_owners: [self, amazon]` in clouds.yaml widens it. Images cannot
//! be uploaded (EC2 imports bytes only through VM Import from S3); `delete-image` deregisters
//! an AMI. Nothing is reported to the ledger, so `cleanup` is unsupported.

wit_bindgen::generate!({
    path: "../../wit",
    world: "cloud-driver",
    additional_derives: [PartialEq],
});

mod client;
mod config;
mod convert;
mod convert_network;
mod convert_security;
mod convert_volumes;
mod driver;
mod floating_ips;
mod host;
mod keypairs;
mod security_groups;
mod servers_write;
mod sigv4;
mod subnets;
mod volumes;
mod xml;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod moto_tests;

use exports::oaktree::cloud::driver::Guest;
use host::Host;
use oaktree::cloud::http::{self, HttpError, Request, Response};
use oaktree::cloud::log::{self, Level};
use oaktree::cloud::types::{
    CallContext, Capability, DriverInfo, Error, Flavor, FloatingIp, FloatingIpCreate,
    FloatingIpModel, Image, ImageCreate, Keypair, KeypairCreate, Network, RateLimit, SecurityGroup,
    SecurityGroupCreate, SecurityGroupRule, SecurityGroupRuleCreate, Server, ServerCreate, Subnet,
    SubnetCreate, Volume, VolumeCreate,
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
                Capability::CreateServer,
                Capability::DeleteServer,
                Capability::ListFloatingIps,
                Capability::GetFloatingIp,
                Capability::CreateFloatingIp,
                Capability::AttachFloatingIp,
                Capability::DeleteFloatingIp,
                Capability::ListKeypairs,
                Capability::GetKeypair,
                Capability::CreateKeypair,
                Capability::DeleteKeypair,
                Capability::ListSecurityGroups,
                Capability::GetSecurityGroup,
                Capability::CreateSecurityGroup,
                Capability::DeleteSecurityGroup,
                Capability::CreateSecurityGroupRule,
                Capability::DeleteSecurityGroupRule,
                Capability::ListSubnets,
                Capability::GetSubnet,
                Capability::CreateSubnet,
                Capability::DeleteSubnet,
                Capability::ListVolumes,
                Capability::GetVolume,
                Capability::CreateVolume,
                Capability::DeleteVolume,
                Capability::DeleteImage,
            ],
            // Image uploads would go through VM Import from S3, which this driver does not do.
            image_disk_formats: Vec::new(),
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

    fn create_server(ctx: CallContext, spec: ServerCreate) -> Result<Server, Error> {
        session(&ctx)?.create_server(&spec)
    }

    fn delete_server(ctx: CallContext, id: String) -> Result<(), Error> {
        session(&ctx)?.delete_server(&id)
    }

    fn list_floating_ips(ctx: CallContext) -> Result<Vec<FloatingIp>, Error> {
        session(&ctx)?.list_floating_ips()
    }

    fn get_floating_ip(ctx: CallContext, id: String) -> Result<FloatingIp, Error> {
        session(&ctx)?.get_floating_ip(&id)
    }

    fn create_floating_ip(ctx: CallContext, spec: FloatingIpCreate) -> Result<FloatingIp, Error> {
        session(&ctx)?.create_floating_ip(&spec)
    }

    fn attach_floating_ip(
        ctx: CallContext,
        id: String,
        server_id: String,
    ) -> Result<FloatingIp, Error> {
        session(&ctx)?.attach_floating_ip(&id, &server_id)
    }

    fn delete_floating_ip(ctx: CallContext, id: String) -> Result<(), Error> {
        session(&ctx)?.delete_floating_ip(&id)
    }

    fn list_keypairs(ctx: CallContext) -> Result<Vec<Keypair>, Error> {
        session(&ctx)?.list_keypairs()
    }

    fn get_keypair(ctx: CallContext, name: String) -> Result<Keypair, Error> {
        session(&ctx)?.get_keypair(&name)
    }

    fn create_keypair(ctx: CallContext, spec: KeypairCreate) -> Result<Keypair, Error> {
        session(&ctx)?.create_keypair(&spec)
    }

    fn delete_keypair(ctx: CallContext, name: String) -> Result<(), Error> {
        session(&ctx)?.delete_keypair(&name)
    }

    fn list_security_groups(ctx: CallContext) -> Result<Vec<SecurityGroup>, Error> {
        session(&ctx)?.list_security_groups()
    }

    fn get_security_group(ctx: CallContext, id: String) -> Result<SecurityGroup, Error> {
        session(&ctx)?.get_security_group(&id)
    }

    fn create_security_group(
        ctx: CallContext,
        spec: SecurityGroupCreate,
    ) -> Result<SecurityGroup, Error> {
        session(&ctx)?.create_security_group(&spec)
    }

    fn delete_security_group(ctx: CallContext, id: String) -> Result<(), Error> {
        session(&ctx)?.delete_security_group(&id)
    }

    fn create_security_group_rule(
        ctx: CallContext,
        spec: SecurityGroupRuleCreate,
    ) -> Result<SecurityGroupRule, Error> {
        session(&ctx)?.create_security_group_rule(&spec)
    }

    fn delete_security_group_rule(ctx: CallContext, id: String) -> Result<(), Error> {
        session(&ctx)?.delete_security_group_rule(&id)
    }

    fn list_subnets(ctx: CallContext) -> Result<Vec<Subnet>, Error> {
        session(&ctx)?.list_subnets()
    }

    fn get_subnet(ctx: CallContext, id: String) -> Result<Subnet, Error> {
        session(&ctx)?.get_subnet(&id)
    }

    fn create_subnet(ctx: CallContext, spec: SubnetCreate) -> Result<Subnet, Error> {
        session(&ctx)?.create_subnet(&spec)
    }

    fn delete_subnet(ctx: CallContext, id: String) -> Result<(), Error> {
        session(&ctx)?.delete_subnet(&id)
    }

    fn list_volumes(ctx: CallContext) -> Result<Vec<Volume>, Error> {
        session(&ctx)?.list_volumes()
    }

    fn get_volume(ctx: CallContext, id: String) -> Result<Volume, Error> {
        session(&ctx)?.get_volume(&id)
    }

    fn create_volume(ctx: CallContext, spec: VolumeCreate) -> Result<Volume, Error> {
        session(&ctx)?.create_volume(&spec)
    }

    fn delete_volume(ctx: CallContext, id: String) -> Result<(), Error> {
        session(&ctx)?.delete_volume(&id)
    }

    /// None: EC2 takes image bytes only through VM Import from S3, which this driver does not
    /// do.
    fn image_formats(_ctx: CallContext) -> Result<Vec<String>, Error> {
        Ok(Vec::new())
    }

    fn create_image(
        _ctx: CallContext,
        _spec: ImageCreate,
        _data: &oaktree::cloud::blobs::Blob,
    ) -> Result<Image, Error> {
        Err(Error::Unsupported(
            "the aws-ec2 driver does not upload images: EC2 imports image bytes only through VM \
             Import from an S3 bucket, which this driver does not do"
                .into(),
        ))
    }

    fn delete_image(ctx: CallContext, id: String) -> Result<(), Error> {
        session(&ctx)?.delete_image(&id)
    }

    fn cleanup(_ctx: CallContext, _kind: String, _id: String) -> Result<(), Error> {
        Err(Error::Unsupported(
            "the aws-ec2 driver reports nothing to the ledger, so it has nothing to clean up"
                .into(),
        ))
    }
}

// Native builds (unit tests) skip the export: its `oaktree:cloud/driver@0.1.0#…` symbol names
// cannot be linked into a native cdylib.
#[cfg(target_arch = "wasm32")]
export!(AwsEc2);
