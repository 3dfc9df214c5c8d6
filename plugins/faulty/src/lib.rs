//! A fake driver implementing the real WIT, for sandbox tests (profile `faulty`).
//!
//! Each list function misbehaves in one way so tests can prove the host contains it:
//! - `list-servers` traps (a Rust panic aborts, which is a Wasm trap);
//! - `list-images` never returns (only the host's epoch deadline stops it);
//! - `list-flavors` allocates until the host's memory limit refuses to grow memory;
//! - `list-networks` returns an expected driver error (the well-behaved failure).
//!
//! The get functions answer not-found, so a healthy call path exists too.

#![allow(clippy::panic)]

wit_bindgen::generate!({
    path: "../../wit",
    world: "cloud-driver",
});

use exports::oaktree::cloud::driver::Guest;
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
        Err(Error::Unavailable(format!(
            "faulty driver reports {}/{} as down",
            ctx.cloud, ctx.region
        )))
    }

    fn get_network(_ctx: CallContext, id: String) -> Result<Network, Error> {
        Err(Error::NotFound(id))
    }
}

#[cfg(target_arch = "wasm32")]
export!(Faulty);
