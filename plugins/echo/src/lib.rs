//! A fake driver for hot-reload tests (driver `echo`, profile `echo`).
//!
//! `list-networks` answers one network whose name is [`ANSWER`], fixed at compile time by the
//! `v2` feature, so the code itself differs between the two builds. `describe()` reports the
//! matching version. Every other function answers an empty list or not-found.

wit_bindgen::generate!({
    path: "../../wit",
    world: "cloud-driver",
});

use exports::oaktree::cloud::driver::Guest;
use oaktree::cloud::types::{
    CallContext, Capability, DriverInfo, Error, Flavor, FloatingIpModel, Image, Network, Placement,
    Server,
};

/// The name of the one network this build lists, and its driver version.
#[cfg(not(feature = "v2"))]
const ANSWER: (&str, &str) = ("echo-v1", "1.0.0");
#[cfg(feature = "v2")]
const ANSWER: (&str, &str) = ("echo-v2", "2.0.0");

struct Echo;

impl Guest for Echo {
    fn describe() -> DriverInfo {
        DriverInfo {
            name: "echo".into(),
            version: ANSWER.1.into(),
            profiles: vec!["echo".into()],
            capabilities: vec![Capability::ListNetworks],
            image_disk_formats: vec![],
            floating_ips: FloatingIpModel::None,
            rate_limits: vec![],
        }
    }

    fn list_images(_ctx: CallContext) -> Result<Vec<Image>, Error> {
        Ok(vec![])
    }

    fn get_image(_ctx: CallContext, id: String) -> Result<Image, Error> {
        Err(Error::NotFound(id))
    }

    fn list_flavors(_ctx: CallContext) -> Result<Vec<Flavor>, Error> {
        Ok(vec![])
    }

    fn get_flavor(_ctx: CallContext, id: String) -> Result<Flavor, Error> {
        Err(Error::NotFound(id))
    }

    fn list_servers(_ctx: CallContext) -> Result<Vec<Server>, Error> {
        Ok(vec![])
    }

    fn get_server(_ctx: CallContext, id: String) -> Result<Server, Error> {
        Err(Error::NotFound(id))
    }

    fn list_networks(ctx: CallContext) -> Result<Vec<Network>, Error> {
        Ok(vec![Network {
            id: format!("{}-{}", ANSWER.0, ctx.region),
            name: ANSWER.0.into(),
            placement: Placement {
                zone: None,
                project: None,
            },
            status: "active".into(),
            is_shared: false,
            is_router_external: false,
            is_admin_state_up: true,
            mtu: None,
            subnet_ids: vec![],
            availability_zones: vec![],
            created_at: String::new(),
            updated_at: String::new(),
            properties: vec![],
        }])
    }

    fn get_network(_ctx: CallContext, id: String) -> Result<Network, Error> {
        Err(Error::NotFound(id))
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

#[cfg(target_arch = "wasm32")]
export!(Echo);

/// The error of a function this driver does not offer.
fn unsupported(function: &str) -> Error {
    Error::Unsupported(format!("the echo driver does not offer {function}"))
}
