//! Each resource kind's part in federation: which driver functions list it and get one by
//! id, what an id of it looks like, and how to read its id, name, placement and filterable
//! fields.
//!
//! Kinds: images, flavors, servers, networks, floating IPs, keypairs, security groups (with
//! their rules), subnets and volumes.

use std::future::Future;
use std::sync::Arc;

use crate::cache::{self, Cache, Expirations};
use crate::plugin::CallError;
use crate::plugin::DriverCall;
use crate::plugin::bindings::wit;

/// A location's whole answer for one kind, as cached (shared, never copied on a hit).
pub type Listing<T> = Arc<Vec<T>>;

/// One cache per resource kind, shared by every call.
pub struct Caches {
    images: Cache<Listing<wit::Image>>,
    flavors: Cache<Listing<wit::Flavor>>,
    servers: Cache<Listing<wit::Server>>,
    networks: Cache<Listing<wit::Network>>,
    floating_ips: Cache<Listing<wit::FloatingIp>>,
    keypairs: Cache<Listing<wit::Keypair>>,
    security_groups: Cache<Listing<wit::SecurityGroup>>,
    subnets: Cache<Listing<wit::Subnet>>,
    volumes: Cache<Listing<wit::Volume>>,
}

impl Caches {
    pub fn new(expirations: Expirations) -> Self {
        Self {
            images: Cache::new(expirations),
            flavors: Cache::new(expirations),
            servers: Cache::new(expirations),
            networks: Cache::new(expirations),
            floating_ips: Cache::new(expirations),
            keypairs: Cache::new(expirations),
            security_groups: Cache::new(expirations),
            subnets: Cache::new(expirations),
            volumes: Cache::new(expirations),
        }
    }

    /// Drops every cached answer of (cloud, region), all kinds: a new plugin version serves it.
    pub fn invalidate_location(&self, cloud: &str, region: &str) {
        for kind in cache::ResourceKind::ALL {
            self.invalidate(cloud, region, kind);
        }
    }

    /// Drops the cached answers of one kind at (cloud, region): a write changed them.
    pub fn invalidate(&self, cloud: &str, region: &str, kind: cache::ResourceKind) {
        use cache::ResourceKind as Kind;
        match kind {
            Kind::Image => self.images.invalidate(cloud, region, kind),
            Kind::Flavor => self.flavors.invalidate(cloud, region, kind),
            Kind::Server => self.servers.invalidate(cloud, region, kind),
            Kind::Network => self.networks.invalidate(cloud, region, kind),
            Kind::FloatingIp => self.floating_ips.invalidate(cloud, region, kind),
            Kind::Keypair => self.keypairs.invalidate(cloud, region, kind),
            Kind::SecurityGroup => self.security_groups.invalidate(cloud, region, kind),
            Kind::Subnet => self.subnets.invalidate(cloud, region, kind),
            Kind::Volume => self.volumes.invalidate(cloud, region, kind),
        }
    }
}

pub trait ResourceKind: Send + Sync + 'static {
    type Item: Clone + Send + Sync + 'static;
    /// Singular noun for messages ("server").
    const NOUN: &'static str;
    /// The kind's name in the cache (and in clouds.yaml `cache.expiration`).
    const CACHE_KIND: cache::ResourceKind;

    fn cache(caches: &Caches) -> &Cache<Listing<Self::Item>>;

    fn list(call: &DriverCall) -> impl Future<Output = Result<Vec<Self::Item>, CallError>> + Send;
    /// The capability a driver declares when it can read one item by id.
    const GET: wit::Capability;
    /// Reads one item by id (the driver's get-*): one request where a listing takes pages.
    fn get(
        call: &DriverCall,
        id: &str,
    ) -> impl Future<Output = Result<Self::Item, CallError>> + Send;
    /// Whether `value` could be an id of this kind at some location, so that a get asks
    /// the driver's get-* before it lists. Names and globs go to the listing.
    fn could_be_id(value: &str) -> bool {
        looks_like_id(value)
    }
    fn id(item: &Self::Item) -> &str;
    fn name(item: &Self::Item) -> &str;
    fn placement(item: &Self::Item) -> &wit::Placement;
    /// A field's value as text for property filters: named fields first (as in the proto
    /// message), then `zone` and `project_id`, then the `properties` map.
    fn field(item: &Self::Item, key: &str) -> Option<String>;
}

/// Whether `value` has the shape of a cloud-assigned id: a UUID (OpenStack servers, images,
/// networks, ...), 32 hex digits (keystone-style), or an AWS id (`i-0abc…`, `ami-…`,
/// `vol-…`: a lowercase prefix, a dash, 8 or 17 hex digits). Anything else (names, globs,
/// flavor names such as `m1.small`) is looked up in the listing.
pub fn looks_like_id(value: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    let uuid = value.len() == 36
        && value.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && value.split('-').all(hex);
    let bare = value.len() == 32 && hex(value);
    let aws = value.split_once('-').is_some_and(|(prefix, rest)| {
        (1..=12).contains(&prefix.len())
            && prefix.bytes().all(|b| b.is_ascii_lowercase())
            && matches!(rest.len(), 8 | 17)
            && hex(rest)
    });
    uuid || bare || aws
}

fn placement_field(placement: &wit::Placement, key: &str) -> Option<String> {
    match key {
        "zone" => placement.zone.clone(),
        "project_id" => placement.project.as_ref().and_then(|p| p.id.clone()),
        _ => None,
    }
}

fn property(properties: &[(String, String)], key: &str) -> Option<String> {
    properties
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

pub struct Images;
pub struct Flavors;
pub struct Servers;
pub struct Networks;
pub struct FloatingIps;
pub struct Keypairs;
pub struct SecurityGroups;
pub struct Subnets;
pub struct Volumes;

impl ResourceKind for Images {
    type Item = wit::Image;
    const NOUN: &'static str = "image";
    const CACHE_KIND: cache::ResourceKind = cache::ResourceKind::Image;

    fn cache(caches: &Caches) -> &Cache<Listing<Self::Item>> {
        &caches.images
    }

    async fn list(call: &DriverCall) -> Result<Vec<wit::Image>, CallError> {
        call.list_images().await
    }
    const GET: wit::Capability = wit::Capability::GetImage;
    async fn get(call: &DriverCall, id: &str) -> Result<wit::Image, CallError> {
        call.get_image(id).await
    }
    fn id(item: &wit::Image) -> &str {
        &item.id
    }
    fn name(item: &wit::Image) -> &str {
        &item.name
    }
    fn placement(item: &wit::Image) -> &wit::Placement {
        &item.placement
    }
    fn field(item: &wit::Image, key: &str) -> Option<String> {
        match key {
            "id" => Some(item.id.clone()),
            "name" => Some(item.name.clone()),
            "status" => Some(item.status.clone()),
            "visibility" => Some(item.visibility.clone()),
            "disk_format" => item.disk_format.clone(),
            "container_format" => item.container_format.clone(),
            "checksum" => item.checksum.clone(),
            "owner" => item.owner.clone(),
            "is_protected" => Some(item.is_protected.to_string()),
            "is_public" => Some((item.visibility == "public").to_string()),
            _ => placement_field(&item.placement, key).or_else(|| property(&item.properties, key)),
        }
    }
}

impl ResourceKind for Flavors {
    type Item = wit::Flavor;
    const NOUN: &'static str = "flavor";
    const CACHE_KIND: cache::ResourceKind = cache::ResourceKind::Flavor;

    fn cache(caches: &Caches) -> &Cache<Listing<Self::Item>> {
        &caches.flavors
    }

    async fn list(call: &DriverCall) -> Result<Vec<wit::Flavor>, CallError> {
        call.list_flavors().await
    }
    const GET: wit::Capability = wit::Capability::GetFlavor;
    async fn get(call: &DriverCall, id: &str) -> Result<wit::Flavor, CallError> {
        call.get_flavor(id).await
    }
    fn id(item: &wit::Flavor) -> &str {
        &item.id
    }
    fn name(item: &wit::Flavor) -> &str {
        &item.name
    }
    fn placement(item: &wit::Flavor) -> &wit::Placement {
        &item.placement
    }
    fn field(item: &wit::Flavor, key: &str) -> Option<String> {
        match key {
            "id" => Some(item.id.clone()),
            "name" => Some(item.name.clone()),
            "vcpus" => Some(item.vcpus.to_string()),
            "ram_mib" => Some(item.ram_mib.to_string()),
            "disk_gib" => Some(item.disk_gib.to_string()),
            "is_public" => Some(item.is_public.to_string()),
            "is_disabled" => Some(item.is_disabled.to_string()),
            _ => placement_field(&item.placement, key).or_else(|| property(&item.properties, key)),
        }
    }
}

impl ResourceKind for Servers {
    type Item = wit::Server;
    const NOUN: &'static str = "server";
    const CACHE_KIND: cache::ResourceKind = cache::ResourceKind::Server;

    fn cache(caches: &Caches) -> &Cache<Listing<Self::Item>> {
        &caches.servers
    }

    async fn list(call: &DriverCall) -> Result<Vec<wit::Server>, CallError> {
        call.list_servers().await
    }
    const GET: wit::Capability = wit::Capability::GetServer;
    async fn get(call: &DriverCall, id: &str) -> Result<wit::Server, CallError> {
        call.get_server(id).await
    }
    fn id(item: &wit::Server) -> &str {
        &item.id
    }
    fn name(item: &wit::Server) -> &str {
        &item.name
    }
    fn placement(item: &wit::Server) -> &wit::Placement {
        &item.placement
    }
    fn field(item: &wit::Server, key: &str) -> Option<String> {
        match key {
            "id" => Some(item.id.clone()),
            "name" => Some(item.name.clone()),
            "status" => Some(item.status.clone()),
            "image_id" => item.image_id.clone(),
            "flavor_id" => item.flavor_id.clone(),
            "flavor_name" => item.flavor_name.clone(),
            "key_name" => item.key_name.clone(),
            "public_v4" => item.public_v4.clone(),
            "public_v6" => item.public_v6.clone(),
            "private_v4" => item.private_v4.clone(),
            "user_id" => item.user_id.clone(),
            "host_id" => item.host_id.clone(),
            "power_state" => item.power_state.clone(),
            "task_state" => item.task_state.clone(),
            "vm_state" => item.vm_state.clone(),
            _ => placement_field(&item.placement, key)
                .or_else(|| property(&item.properties, key))
                .or_else(|| {
                    key.strip_prefix("metadata.")
                        .and_then(|k| property(&item.metadata, k))
                }),
        }
    }
}

impl ResourceKind for Networks {
    type Item = wit::Network;
    const NOUN: &'static str = "network";
    const CACHE_KIND: cache::ResourceKind = cache::ResourceKind::Network;

    fn cache(caches: &Caches) -> &Cache<Listing<Self::Item>> {
        &caches.networks
    }

    async fn list(call: &DriverCall) -> Result<Vec<wit::Network>, CallError> {
        call.list_networks().await
    }
    const GET: wit::Capability = wit::Capability::GetNetwork;
    async fn get(call: &DriverCall, id: &str) -> Result<wit::Network, CallError> {
        call.get_network(id).await
    }
    fn id(item: &wit::Network) -> &str {
        &item.id
    }
    fn name(item: &wit::Network) -> &str {
        &item.name
    }
    fn placement(item: &wit::Network) -> &wit::Placement {
        &item.placement
    }
    fn field(item: &wit::Network, key: &str) -> Option<String> {
        match key {
            "id" => Some(item.id.clone()),
            "name" => Some(item.name.clone()),
            "status" => Some(item.status.clone()),
            "is_shared" => Some(item.is_shared.to_string()),
            "is_router_external" => Some(item.is_router_external.to_string()),
            "is_admin_state_up" => Some(item.is_admin_state_up.to_string()),
            _ => placement_field(&item.placement, key).or_else(|| property(&item.properties, key)),
        }
    }
}

impl ResourceKind for FloatingIps {
    type Item = wit::FloatingIp;
    const NOUN: &'static str = "floating IP";
    const CACHE_KIND: cache::ResourceKind = cache::ResourceKind::FloatingIp;

    fn cache(caches: &Caches) -> &Cache<Listing<Self::Item>> {
        &caches.floating_ips
    }

    async fn list(call: &DriverCall) -> Result<Vec<wit::FloatingIp>, CallError> {
        call.list_floating_ips().await
    }
    const GET: wit::Capability = wit::Capability::GetFloatingIp;
    async fn get(call: &DriverCall, id: &str) -> Result<wit::FloatingIp, CallError> {
        call.get_floating_ip(id).await
    }
    fn id(item: &wit::FloatingIp) -> &str {
        &item.id
    }
    /// A floating IP has no name of its own: its public address stands in for it, so
    /// `get 203.0.113.7` works.
    fn name(item: &wit::FloatingIp) -> &str {
        &item.floating_address
    }
    fn placement(item: &wit::FloatingIp) -> &wit::Placement {
        &item.placement
    }
    fn field(item: &wit::FloatingIp, key: &str) -> Option<String> {
        match key {
            "id" => Some(item.id.clone()),
            "floating_ip_address" => Some(item.floating_address.clone()),
            "fixed_ip_address" => item.fixed_address.clone(),
            "network_id" => Some(item.network_id.clone()),
            "port_id" => item.port_id.clone(),
            "server_id" => item.server_id.clone(),
            "is_attached" => Some(item.is_attached.to_string()),
            "status" => Some(item.status.clone()),
            _ => placement_field(&item.placement, key).or_else(|| property(&item.properties, key)),
        }
    }
}

impl ResourceKind for Keypairs {
    type Item = wit::Keypair;
    const NOUN: &'static str = "keypair";
    const CACHE_KIND: cache::ResourceKind = cache::ResourceKind::Keypair;

    fn cache(caches: &Caches) -> &Cache<Listing<Self::Item>> {
        &caches.keypairs
    }

    /// Listings never carry a private key, even if a driver sent one: it would be cached
    /// and shown to every later caller.
    async fn list(call: &DriverCall) -> Result<Vec<wit::Keypair>, CallError> {
        let mut keypairs = call.list_keypairs().await?;
        for keypair in &mut keypairs {
            keypair.private_key = None;
        }
        Ok(keypairs)
    }
    const GET: wit::Capability = wit::Capability::GetKeypair;
    /// Like listings, a get never carries a private key: it is cached too.
    async fn get(call: &DriverCall, name: &str) -> Result<wit::Keypair, CallError> {
        let mut keypair = call.get_keypair(name).await?;
        keypair.private_key = None;
        Ok(keypair)
    }
    /// A keypair's name is its id: any exact name can be got directly.
    fn could_be_id(value: &str) -> bool {
        !value.is_empty() && !value.contains(['*', '?', '[', ']'])
    }
    /// A keypair's name is its id.
    fn id(item: &wit::Keypair) -> &str {
        &item.name
    }
    fn name(item: &wit::Keypair) -> &str {
        &item.name
    }
    fn placement(item: &wit::Keypair) -> &wit::Placement {
        &item.placement
    }
    fn field(item: &wit::Keypair, key: &str) -> Option<String> {
        match key {
            "name" => Some(item.name.clone()),
            "fingerprint" => Some(item.fingerprint.clone()),
            "key_type" => Some(item.key_type.clone()),
            "public_key" => Some(item.public_key.clone()),
            _ => placement_field(&item.placement, key).or_else(|| property(&item.properties, key)),
        }
    }
}

impl ResourceKind for SecurityGroups {
    type Item = wit::SecurityGroup;
    const NOUN: &'static str = "security group";
    const CACHE_KIND: cache::ResourceKind = cache::ResourceKind::SecurityGroup;

    fn cache(caches: &Caches) -> &Cache<Listing<Self::Item>> {
        &caches.security_groups
    }

    async fn list(call: &DriverCall) -> Result<Vec<wit::SecurityGroup>, CallError> {
        call.list_security_groups().await
    }
    const GET: wit::Capability = wit::Capability::GetSecurityGroup;
    async fn get(call: &DriverCall, id: &str) -> Result<wit::SecurityGroup, CallError> {
        call.get_security_group(id).await
    }
    fn id(item: &wit::SecurityGroup) -> &str {
        &item.id
    }
    fn name(item: &wit::SecurityGroup) -> &str {
        &item.name
    }
    fn placement(item: &wit::SecurityGroup) -> &wit::Placement {
        &item.placement
    }
    fn field(item: &wit::SecurityGroup, key: &str) -> Option<String> {
        match key {
            "id" => Some(item.id.clone()),
            "name" => Some(item.name.clone()),
            "description" => Some(item.description.clone()),
            _ => placement_field(&item.placement, key).or_else(|| property(&item.properties, key)),
        }
    }
}

impl ResourceKind for Subnets {
    type Item = wit::Subnet;
    const NOUN: &'static str = "subnet";
    const CACHE_KIND: cache::ResourceKind = cache::ResourceKind::Subnet;

    fn cache(caches: &Caches) -> &Cache<Listing<Self::Item>> {
        &caches.subnets
    }

    async fn list(call: &DriverCall) -> Result<Vec<wit::Subnet>, CallError> {
        call.list_subnets().await
    }
    const GET: wit::Capability = wit::Capability::GetSubnet;
    async fn get(call: &DriverCall, id: &str) -> Result<wit::Subnet, CallError> {
        call.get_subnet(id).await
    }
    fn id(item: &wit::Subnet) -> &str {
        &item.id
    }
    fn name(item: &wit::Subnet) -> &str {
        &item.name
    }
    fn placement(item: &wit::Subnet) -> &wit::Placement {
        &item.placement
    }
    fn field(item: &wit::Subnet, key: &str) -> Option<String> {
        match key {
            "id" => Some(item.id.clone()),
            "name" => Some(item.name.clone()),
            "network_id" => Some(item.network_id.clone()),
            "cidr" => Some(item.cidr.clone()),
            "ip_version" => Some(item.ip_version.to_string()),
            "gateway_ip" => item.gateway_ip.clone(),
            "is_dhcp_enabled" => Some(item.is_dhcp_enabled.to_string()),
            _ => placement_field(&item.placement, key).or_else(|| property(&item.properties, key)),
        }
    }
}

impl ResourceKind for Volumes {
    type Item = wit::Volume;
    const NOUN: &'static str = "volume";
    const CACHE_KIND: cache::ResourceKind = cache::ResourceKind::Volume;

    fn cache(caches: &Caches) -> &Cache<Listing<Self::Item>> {
        &caches.volumes
    }

    async fn list(call: &DriverCall) -> Result<Vec<wit::Volume>, CallError> {
        call.list_volumes().await
    }
    const GET: wit::Capability = wit::Capability::GetVolume;
    async fn get(call: &DriverCall, id: &str) -> Result<wit::Volume, CallError> {
        call.get_volume(id).await
    }
    fn id(item: &wit::Volume) -> &str {
        &item.id
    }
    fn name(item: &wit::Volume) -> &str {
        &item.name
    }
    fn placement(item: &wit::Volume) -> &wit::Placement {
        &item.placement
    }
    fn field(item: &wit::Volume, key: &str) -> Option<String> {
        match key {
            "id" => Some(item.id.clone()),
            "name" => Some(item.name.clone()),
            "status" => Some(item.status.clone()),
            "size_gib" => Some(item.size_gib.to_string()),
            "volume_type" => item.volume_type.clone(),
            "is_bootable" => Some(item.is_bootable.to_string()),
            "description" => Some(item.description.clone()),
            _ => placement_field(&item.placement, key).or_else(|| property(&item.properties, key)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_openstack_keystone_and_aws_look_like_ids() {
        for id in [
            "3f2a4c1e-9b7d-4e2a-8c1f-0a9b8c7d6e5f",
            "0123456789abcdef0123456789ABCDEF",
            "i-0123456789abcdef0",
            "ami-12345678",
            "eipalloc-0a1b2c3d4e5f60718",
        ] {
            assert!(looks_like_id(id), "{id}");
        }
    }

    #[test]
    fn names_globs_and_flavor_names_do_not_look_like_ids() {
        for value in [
            "web-1",
            "web-*",
            "m1.small",
            "1",
            "3f2a4c1e-9b7d-4e2a-8c1f-0a9b8c7d6e5",
            "3f2a4c1e-9b7d-4e2a-8c1f-0a9b8c7d6e5g",
            "i-xyz",
            "Ubuntu-12345678",
        ] {
            assert!(!looks_like_id(value), "{value}");
        }
    }

    #[test]
    fn any_exact_keypair_name_is_its_id_but_a_glob_is_not() {
        assert!(Keypairs::could_be_id("deploy key"));
        assert!(!Keypairs::could_be_id("deploy-*"));
        assert!(!Servers::could_be_id("web-1"));
    }
}
