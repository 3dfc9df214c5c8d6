//! Each resource kind's part in federation: which driver function lists it, and how to read
//! its id, name, placement and filterable fields.

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
}

impl Caches {
    pub fn new(expirations: Expirations) -> Self {
        Self {
            images: Cache::new(expirations),
            flavors: Cache::new(expirations),
            servers: Cache::new(expirations),
            networks: Cache::new(expirations),
        }
    }

    /// Drops every cached answer of (cloud, region), all kinds: a new plugin version serves it.
    pub fn invalidate_location(&self, cloud: &str, region: &str) {
        self.images
            .invalidate(cloud, region, cache::ResourceKind::Image);
        self.flavors
            .invalidate(cloud, region, cache::ResourceKind::Flavor);
        self.servers
            .invalidate(cloud, region, cache::ResourceKind::Server);
        self.networks
            .invalidate(cloud, region, cache::ResourceKind::Network);
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
    fn id(item: &Self::Item) -> &str;
    fn name(item: &Self::Item) -> &str;
    fn placement(item: &Self::Item) -> &wit::Placement;
    /// A field's value as text for property filters: named fields first (as in the proto
    /// message), then `zone` and `project_id`, then the `properties` map.
    fn field(item: &Self::Item, key: &str) -> Option<String>;
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
