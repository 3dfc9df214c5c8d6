//! oaktree's OpenStack driver: a WebAssembly component for the `cloud-driver` world.
//!
//! This file is the WIT glue only: the generated bindings, the [`Host`] implementation over the
//! host's imports, and the exported `driver` interface delegating to [`driver::Session`].
//!
//! Modules: `config` (call-context config), `auth` (keystone v3 tokens and their cache),
//! `catalog` (endpoint selection), `client` (HTTP errors and pagination), `convert` (vendor
//! JSON → WIT records), `time` (RFC 3339), `value` (lenient JSON), `host` (the host trait).

wit_bindgen::generate!({
    path: "../../wit",
    world: "cloud-driver",
    additional_derives: [PartialEq],
});

mod auth;
mod catalog;
mod client;
mod config;
mod convert;
mod driver;
mod host;
mod time;
mod value;

#[cfg(test)]
mod fake;

use exports::oaktree::cloud::driver::Guest;
use host::Host;
use oaktree::cloud::http::{self, HttpError, Request, Response};
use oaktree::cloud::log::{self, Level};
use oaktree::cloud::state;
use oaktree::cloud::types::{
    CallContext, Capability, DriverInfo, Error, Flavor, FloatingIpModel, Image, Network, RateLimit,
    Server,
};

/// The component's export.
struct OpenStack;

/// The host's imports, as the driver's [`Host`].
struct WitHost;

impl Host for WitHost {
    fn send(&self, request: Request) -> Result<Response, HttpError> {
        http::send(&request)
    }

    fn state_get(&self, key: &str) -> Option<Vec<u8>> {
        state::get(key)
    }

    fn state_set(&self, key: &str, value: &[u8], ttl_ms: Option<u64>) {
        state::set(key, value, ttl_ms);
    }

    fn state_delete(&self, key: &str) {
        state::delete(key);
    }

    fn log(&self, level: Level, message: &str) {
        log::emit(level, message);
    }
}

fn session(ctx: &CallContext) -> Result<driver::Session<'static, WitHost>, Error> {
    driver::Session::open(&WitHost, ctx)
}

impl Guest for OpenStack {
    fn describe() -> DriverInfo {
        DriverInfo {
            name: "openstack".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            profiles: vec!["openstack".into()],
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
            image_disk_formats: vec!["qcow2".into(), "raw".into()],
            floating_ips: FloatingIpModel::Floating,
            // nodepool ran one call in flight per cloud-region; 20/s is its usual rate ceiling.
            rate_limits: vec![RateLimit {
                service: None,
                calls_per_second: 20.0,
                burst: 20,
                max_in_flight: 1,
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
}

// Native builds (unit tests) skip the export: its `oaktree:cloud/driver@0.1.0#…` symbol names
// cannot be linked into a native cdylib.
#[cfg(target_arch = "wasm32")]
export!(OpenStack);
