//! The OpenStack logic every OpenStack-flavoured oaktree driver shares, as a library.
//!
//! A vendor driver (`plugins/openstack`, `plugins/rackspace`, `plugins/ovh`) is a thin
//! component crate: it implements [`Vendor`] (its `describe()` facts) and exports
//! [`Driver<ItsVendor>`] with [`export_driver!`]. Everything else lives here, and the
//! differences between vendors come from two places: the facts in [`Vendor`], and the cloud's
//! configuration (clouds.yaml profile values such as `identity_api_version`, `image_format`,
//! `image_api_use_tasks`, `floating_ip_source`), which the host merges into every call.
//!
//! Modules: `config` (call-context config), `auth` (keystone tokens and their cache; v2.0 in
//! `auth_v2`), `catalog` (endpoint selection), `endpoint_version` and `discovery` (which API
//! version's URL requests go to), `client` (HTTP errors and pagination),
//! `convert` (vendor JSON → WIT records), `driver` (the per-call [`driver::Session`] and
//! reads), one module per group of writes (`servers_write`, `floating_ips`, `keypairs`,
//! `security_groups`, `subnets`, `volumes`, `images_write` with `object_store` for swift),
//! `time` (RFC 3339), `value` (lenient JSON), `host` (the host trait).

wit_bindgen::generate!({
    path: "../../wit",
    world: "cloud-driver",
    additional_derives: [PartialEq],
    pub_export_macro: true,
    export_macro_name: "export_driver",
    default_bindings_module: "oaktree_openstack_common",
});

pub mod auth;
pub mod auth_v2;
pub mod catalog;
pub mod client;
pub mod config;
pub mod convert;
pub mod convert_write;
mod discovery;
pub mod driver;
pub mod endpoint_version;
mod fields;
mod floating_ips;
pub mod host;
mod images_write;
mod keypairs;
mod object_store;
mod security_groups;
mod servers_write;
mod subnets;
pub mod time;
pub mod value;
mod volumes;

#[cfg(test)]
mod fake;

use std::marker::PhantomData;

use exports::oaktree::cloud::driver::Guest;
use host::{Host, ImageData};
use oaktree::cloud::blobs::Blob;
use oaktree::cloud::http::{self, HttpError, Request, Response};
use oaktree::cloud::log::{self, Level};
use oaktree::cloud::types::{
    CallContext, Capability, DriverInfo, Error, Flavor, FloatingIp, FloatingIpCreate, Image,
    ImageCreate, Keypair, KeypairCreate, Network, RateLimit, SecurityGroup, SecurityGroupCreate,
    SecurityGroupRule, SecurityGroupRuleCreate, Server, ServerCreate, Subnet, SubnetCreate, Volume,
    VolumeCreate,
};
use oaktree::cloud::{ledger, state};

/// What makes one OpenStack vendor's driver its own: its `describe()` answer.
pub trait Vendor {
    fn info() -> DriverInfo;
}

/// The capabilities this library implements, for a vendor's [`DriverInfo`].
pub fn capabilities() -> Vec<Capability> {
    vec![
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
        Capability::CreateImage,
        Capability::DeleteImage,
        Capability::Cleanup,
    ]
}

/// [`capabilities`] without the floating-IP functions, for vendors whose servers get public
/// addresses directly (Rackspace, OVH: `floating_ip_source: None`).
pub fn capabilities_without_floating_ips() -> Vec<Capability> {
    capabilities()
        .into_iter()
        .filter(|c| !is_floating_ip(*c))
        .collect()
}

/// Whether a capability is one of the floating-IP functions.
pub fn is_floating_ip(capability: Capability) -> bool {
    matches!(
        capability,
        Capability::ListFloatingIps
            | Capability::GetFloatingIp
            | Capability::CreateFloatingIp
            | Capability::AttachFloatingIp
            | Capability::DeleteFloatingIp
    )
}

/// The default budget of an OpenStack cloud-region: nodepool ran one call in flight per
/// cloud-region, and 20/s is its usual rate ceiling.
pub fn default_rate_limits() -> Vec<RateLimit> {
    vec![RateLimit {
        service: None,
        calls_per_second: 20.0,
        burst: 20,
        max_in_flight: 1,
    }]
}

/// `unsupported` for a function the vendor's `describe()` does not declare: the library
/// implements every function, but a vendor whose clouds lack a service (Rackspace and OVH have
/// no floating IPs) must not call it.
fn offered<V: Vendor>(capability: Capability) -> Result<(), Error> {
    if V::info().capabilities.contains(&capability) {
        Ok(())
    } else {
        Err(Error::Unsupported(format!(
            "the {} driver does not offer {capability:?} for its clouds",
            V::info().name
        )))
    }
}

/// The component export for one vendor: `export_driver!(MyDriver)` with
/// `type MyDriver = Driver<MyVendor>`.
pub struct Driver<V: Vendor>(PhantomData<V>);

/// The host's imports, as the driver's [`Host`].
struct WitHost;

impl Host for WitHost {
    fn send(&self, request: Request) -> Result<Response, HttpError> {
        http::send(&request)
    }

    fn send_blob(&self, request: Request, data: &ImageData<'_>) -> Result<Response, HttpError> {
        match data.handle {
            Some(blob) => http::send_blob(&request, blob),
            None => Err(HttpError::Denied("no image bytes to send".into())),
        }
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

    fn ledger_created(&self, kind: &str, id: &str) {
        ledger::created(kind, id);
    }

    fn ledger_settled(&self, kind: &str, id: &str) {
        ledger::settled(kind, id);
    }
}

fn session(ctx: &CallContext) -> Result<driver::Session<'static, WitHost>, Error> {
    driver::Session::open(&WitHost, ctx)
}

impl<V: Vendor> Guest for Driver<V> {
    fn describe() -> DriverInfo {
        V::info()
    }

    fn list_images(ctx: CallContext) -> Result<Vec<Image>, Error> {
        offered::<V>(Capability::ListImages)?;
        session(&ctx)?.list_images()
    }

    fn get_image(ctx: CallContext, id: String) -> Result<Image, Error> {
        offered::<V>(Capability::GetImage)?;
        session(&ctx)?.get_image(&id)
    }

    fn list_flavors(ctx: CallContext) -> Result<Vec<Flavor>, Error> {
        offered::<V>(Capability::ListFlavors)?;
        session(&ctx)?.list_flavors()
    }

    fn get_flavor(ctx: CallContext, id: String) -> Result<Flavor, Error> {
        offered::<V>(Capability::GetFlavor)?;
        session(&ctx)?.get_flavor(&id)
    }

    fn list_servers(ctx: CallContext) -> Result<Vec<Server>, Error> {
        offered::<V>(Capability::ListServers)?;
        session(&ctx)?.list_servers()
    }

    fn get_server(ctx: CallContext, id: String) -> Result<Server, Error> {
        offered::<V>(Capability::GetServer)?;
        session(&ctx)?.get_server(&id)
    }

    fn list_networks(ctx: CallContext) -> Result<Vec<Network>, Error> {
        offered::<V>(Capability::ListNetworks)?;
        session(&ctx)?.list_networks()
    }

    fn get_network(ctx: CallContext, id: String) -> Result<Network, Error> {
        offered::<V>(Capability::GetNetwork)?;
        session(&ctx)?.get_network(&id)
    }

    fn create_server(ctx: CallContext, spec: ServerCreate) -> Result<Server, Error> {
        offered::<V>(Capability::CreateServer)?;
        session(&ctx)?.create_server(&spec)
    }

    fn delete_server(ctx: CallContext, id: String) -> Result<(), Error> {
        offered::<V>(Capability::DeleteServer)?;
        session(&ctx)?.delete_server(&id)
    }

    fn list_floating_ips(ctx: CallContext) -> Result<Vec<FloatingIp>, Error> {
        offered::<V>(Capability::ListFloatingIps)?;
        session(&ctx)?.list_floating_ips()
    }

    fn get_floating_ip(ctx: CallContext, id: String) -> Result<FloatingIp, Error> {
        offered::<V>(Capability::GetFloatingIp)?;
        session(&ctx)?.get_floating_ip(&id)
    }

    fn create_floating_ip(ctx: CallContext, spec: FloatingIpCreate) -> Result<FloatingIp, Error> {
        offered::<V>(Capability::CreateFloatingIp)?;
        session(&ctx)?.create_floating_ip(&spec)
    }

    fn attach_floating_ip(
        ctx: CallContext,
        id: String,
        server_id: String,
    ) -> Result<FloatingIp, Error> {
        offered::<V>(Capability::AttachFloatingIp)?;
        session(&ctx)?.attach_floating_ip(&id, &server_id)
    }

    fn delete_floating_ip(ctx: CallContext, id: String) -> Result<(), Error> {
        offered::<V>(Capability::DeleteFloatingIp)?;
        session(&ctx)?.delete_floating_ip(&id)
    }

    fn list_keypairs(ctx: CallContext) -> Result<Vec<Keypair>, Error> {
        offered::<V>(Capability::ListKeypairs)?;
        session(&ctx)?.list_keypairs()
    }

    fn get_keypair(ctx: CallContext, name: String) -> Result<Keypair, Error> {
        offered::<V>(Capability::GetKeypair)?;
        session(&ctx)?.get_keypair(&name)
    }

    fn create_keypair(ctx: CallContext, spec: KeypairCreate) -> Result<Keypair, Error> {
        offered::<V>(Capability::CreateKeypair)?;
        session(&ctx)?.create_keypair(&spec)
    }

    fn delete_keypair(ctx: CallContext, name: String) -> Result<(), Error> {
        offered::<V>(Capability::DeleteKeypair)?;
        session(&ctx)?.delete_keypair(&name)
    }

    fn list_security_groups(ctx: CallContext) -> Result<Vec<SecurityGroup>, Error> {
        offered::<V>(Capability::ListSecurityGroups)?;
        session(&ctx)?.list_security_groups()
    }

    fn get_security_group(ctx: CallContext, id: String) -> Result<SecurityGroup, Error> {
        offered::<V>(Capability::GetSecurityGroup)?;
        session(&ctx)?.get_security_group(&id)
    }

    fn create_security_group(
        ctx: CallContext,
        spec: SecurityGroupCreate,
    ) -> Result<SecurityGroup, Error> {
        offered::<V>(Capability::CreateSecurityGroup)?;
        session(&ctx)?.create_security_group(&spec)
    }

    fn delete_security_group(ctx: CallContext, id: String) -> Result<(), Error> {
        offered::<V>(Capability::DeleteSecurityGroup)?;
        session(&ctx)?.delete_security_group(&id)
    }

    fn create_security_group_rule(
        ctx: CallContext,
        spec: SecurityGroupRuleCreate,
    ) -> Result<SecurityGroupRule, Error> {
        offered::<V>(Capability::CreateSecurityGroupRule)?;
        session(&ctx)?.create_security_group_rule(&spec)
    }

    fn delete_security_group_rule(ctx: CallContext, id: String) -> Result<(), Error> {
        offered::<V>(Capability::DeleteSecurityGroupRule)?;
        session(&ctx)?.delete_security_group_rule(&id)
    }

    fn list_subnets(ctx: CallContext) -> Result<Vec<Subnet>, Error> {
        offered::<V>(Capability::ListSubnets)?;
        session(&ctx)?.list_subnets()
    }

    fn get_subnet(ctx: CallContext, id: String) -> Result<Subnet, Error> {
        offered::<V>(Capability::GetSubnet)?;
        session(&ctx)?.get_subnet(&id)
    }

    fn create_subnet(ctx: CallContext, spec: SubnetCreate) -> Result<Subnet, Error> {
        offered::<V>(Capability::CreateSubnet)?;
        session(&ctx)?.create_subnet(&spec)
    }

    fn delete_subnet(ctx: CallContext, id: String) -> Result<(), Error> {
        offered::<V>(Capability::DeleteSubnet)?;
        session(&ctx)?.delete_subnet(&id)
    }

    fn list_volumes(ctx: CallContext) -> Result<Vec<Volume>, Error> {
        offered::<V>(Capability::ListVolumes)?;
        session(&ctx)?.list_volumes()
    }

    fn get_volume(ctx: CallContext, id: String) -> Result<Volume, Error> {
        offered::<V>(Capability::GetVolume)?;
        session(&ctx)?.get_volume(&id)
    }

    fn create_volume(ctx: CallContext, spec: VolumeCreate) -> Result<Volume, Error> {
        offered::<V>(Capability::CreateVolume)?;
        session(&ctx)?.create_volume(&spec)
    }

    fn delete_volume(ctx: CallContext, id: String) -> Result<(), Error> {
        offered::<V>(Capability::DeleteVolume)?;
        session(&ctx)?.delete_volume(&id)
    }

    fn image_formats(ctx: CallContext) -> Result<Vec<String>, Error> {
        offered::<V>(Capability::CreateImage)?;
        // Configuration only: no session (no keystone call) is needed.
        let config = config::Config::parse(&ctx.config, &ctx.region)?;
        Ok(config.image_formats(&V::info().image_disk_formats))
    }

    fn create_image(ctx: CallContext, spec: ImageCreate, data: &Blob) -> Result<Image, Error> {
        offered::<V>(Capability::CreateImage)?;
        session(&ctx)?.create_image(&spec, &ImageData::of(data))
    }

    fn delete_image(ctx: CallContext, id: String) -> Result<(), Error> {
        offered::<V>(Capability::DeleteImage)?;
        session(&ctx)?.delete_image(&id)
    }

    fn cleanup(ctx: CallContext, kind: String, id: String) -> Result<(), Error> {
        offered::<V>(Capability::Cleanup)?;
        session(&ctx)?.cleanup(&kind, &id)
    }
}
