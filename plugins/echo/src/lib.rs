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
}

#[cfg(target_arch = "wasm32")]
export!(Echo);
