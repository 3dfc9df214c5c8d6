//! Deterministic seed data: every resource is a pure function of (cloud, region, index).
//!
//! Per region, in list order:
//! 1. flavors `m1.tiny`, `m1.small`, `m1.medium`, `m1.large`, `m1.xlarge`, then `c1.custom-N`;
//! 2. images `cirros-0.6.2`, `ubuntu-24.04`, … (names repeat across regions; past the list a
//!    `-rN` suffix keeps them unique within the region); the last image (when there are two
//!    or more) is public but owned by another project;
//! 3. networks `public` (`router:external`), `private`, then `private-N`, one IPv4 subnet each;
//! 4. servers `server-<region>-NNN`, except servers 0 and 1 which are both named `web-dup`;
//!    index ≡ 7 (mod 10) is SHUTOFF, index ≡ 9 (mod 20) is ERROR, the rest ACTIVE
//!    (see `seed_compute`).
//!
//! Resources are stored as the JSON the real service returns, built once at start-up.

use serde::Serialize;
use serde_json::{Value, json};

use crate::config::{SimCloudConfig, SimRegionConfig};
use crate::ids;
use crate::seed_compute;
use crate::time::{SEED_EPOCH, rfc3339};

/// Everything needed to build one region's resources.
pub struct SeedContext<'a> {
    pub base_url: &'a str,
    pub cloud: &'a SimCloudConfig,
    pub region: &'a SimRegionConfig,
    pub project_id: String,
    pub user_id: String,
}

impl SeedContext<'_> {
    /// A stable UUID for resource `kind` number `index` in this region.
    pub fn id(&self, kind: &str, index: usize) -> String {
        ids::uuid(&[
            &self.cloud.name,
            &self.region.name,
            kind,
            &index.to_string(),
        ])
    }

    /// `{base}/{cloud}/{region}/<service>`.
    pub fn service_root(&self, service: &str) -> String {
        format!(
            "{}/{}/{}/{service}",
            self.base_url, self.cloud.name, self.region.name
        )
    }
}

/// One region's resources as service JSON, in list order.
#[derive(Debug, Clone, Default)]
pub struct RegionData {
    pub servers: Vec<Value>,
    pub flavors: Vec<Value>,
    pub images: Vec<Value>,
    pub networks: Vec<Value>,
    pub subnets: Vec<Value>,
}

/// Id and name of a seeded resource, for tests that need to know what the simulator serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeededItem {
    pub id: String,
    pub name: String,
}

/// What one region serves, in list order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inventory {
    pub project_id: String,
    pub servers: Vec<SeededItem>,
    pub flavors: Vec<SeededItem>,
    pub images: Vec<SeededItem>,
    pub networks: Vec<SeededItem>,
}

impl RegionData {
    /// Builds the region: flavors and images first, since servers refer to them.
    pub fn seed(ctx: &SeedContext<'_>) -> RegionData {
        let flavors = seed_compute::flavors(ctx);
        let images = images(ctx);
        let networks = networks(ctx);
        let subnets = subnets(ctx, &networks);
        let servers = seed_compute::servers(ctx, &flavors, &images, &networks);
        RegionData {
            servers,
            flavors,
            images,
            networks,
            subnets,
        }
    }

    /// Ids and names of everything in the region.
    pub fn inventory(&self, project_id: &str) -> Inventory {
        let items = |list: &[Value]| {
            list.iter()
                .map(|v| SeededItem {
                    id: str_field(v, "id").to_string(),
                    name: str_field(v, "name").to_string(),
                })
                .collect()
        };
        Inventory {
            project_id: project_id.to_string(),
            servers: items(&self.servers),
            flavors: items(&self.flavors),
            images: items(&self.images),
            networks: items(&self.networks),
        }
    }
}

/// A string field of a JSON object, or "" when absent.
pub fn str_field<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Seed time of resource `index`: one hour apart from [`SEED_EPOCH`], offset per kind.
pub fn seed_time(kind_offset: i64, index: usize) -> i64 {
    SEED_EPOCH + kind_offset + 3600 * i64::try_from(index).unwrap_or(0)
}

/// (name, os_distro, os_version) of the image catalogue; names cycle with a `-rN` suffix.
const IMAGE_NAMES: [(&str, &str, &str); 8] = [
    ("cirros-0.6.2", "cirros", "0.6.2"),
    ("ubuntu-24.04", "ubuntu", "24.04"),
    ("ubuntu-22.04", "ubuntu", "22.04"),
    ("debian-12", "debian", "12"),
    ("fedora-40", "fedora", "40"),
    ("rocky-9", "rocky", "9"),
    ("centos-stream-9", "centos", "9"),
    ("alpine-3.20", "alpine", "3.20"),
];

fn images(ctx: &SeedContext<'_>) -> Vec<Value> {
    let count = ctx.region.images;
    (0..count)
        .map(|i| {
            let (base, distro, version) = IMAGE_NAMES[i % IMAGE_NAMES.len()];
            let round = i / IMAGE_NAMES.len();
            let name = if round == 0 {
                base.to_string()
            } else {
                format!("{base}-r{round}")
            };
            let id = ctx.id("image", i);
            let foreign = count >= 2 && i == count - 1;
            let owner = if foreign {
                ctx.cloud.other_project_id()
            } else {
                ctx.project_id.clone()
            };
            let visibility = if !foreign && i % 3 == 2 {
                "private"
            } else {
                "public"
            };
            let cirros = distro == "cirros";
            let disk_format = if cirros || i % 2 == 1 { "qcow2" } else { "raw" };
            let jitter = ids::hash64(3, &[&id]) % 100_000_000;
            let size = if cirros {
                21_430_272
            } else {
                400_000_000 + jitter
            };
            let virtual_size: u64 = if cirros { 117_440_512 } else { 2_361_393_152 };
            let created = rfc3339(seed_time(0, i));
            json!({
                "id": id,
                "name": name,
                "status": "active",
                "visibility": visibility,
                "protected": i % 4 == 1,
                "os_hidden": false,
                "disk_format": disk_format,
                "container_format": "bare",
                "size": size,
                "virtual_size": virtual_size,
                "min_disk": if cirros { 1 } else { 10 },
                "min_ram": if cirros { 0 } else { 512 },
                "checksum": ids::hex(&[&id, "md5"], 32),
                "os_hash_algo": "sha512",
                "os_hash_value": ids::hex(&[&id, "sha512"], 128),
                "owner": owner,
                "tags": if cirros { json!(["test"]) } else { json!([]) },
                "created_at": created,
                "updated_at": created,
                "self": format!("/v2/images/{id}"),
                "file": format!("/v2/images/{id}/file"),
                "schema": "/v2/schemas/image",
                "os_distro": distro,
                "os_version": version,
                "hw_disk_bus": "virtio",
            })
        })
        .collect()
}

fn networks(ctx: &SeedContext<'_>) -> Vec<Value> {
    (0..ctx.region.networks)
        .map(|i| {
            let external = i == 0;
            let name = match i {
                0 => "public".to_string(),
                1 => "private".to_string(),
                n => format!("private-{n}"),
            };
            let created = rfc3339(seed_time(-86_400, i));
            json!({
                "id": ctx.id("network", i),
                "name": name,
                "status": "ACTIVE",
                "admin_state_up": true,
                "shared": false,
                "router:external": external,
                "is_default": external,
                "mtu": if external { 1500 } else { 1450 },
                "subnets": [ctx.id("subnet", i)],
                "availability_zone_hints": [],
                "availability_zones": ["nova"],
                "ipv4_address_scope": null,
                "ipv6_address_scope": null,
                "port_security_enabled": true,
                "qos_policy_id": null,
                "dns_domain": "",
                "l2_adjacency": true,
                "project_id": ctx.project_id,
                "tenant_id": ctx.project_id,
                "created_at": created,
                "updated_at": created,
                "description": "",
                "tags": [],
                "revision_number": 1 + i % 3,
                "provider:network_type": if external { "flat" } else { "vxlan" },
                "provider:physical_network": if external { json!("public") } else { Value::Null },
                "provider:segmentation_id": if external { Value::Null } else { json!(100 + i) },
            })
        })
        .collect()
}

/// One IPv4 subnet per network: `172.24.4.0/24` for `public`, `10.N.0.0/16` for the others.
fn subnets(ctx: &SeedContext<'_>, networks: &[Value]) -> Vec<Value> {
    networks
        .iter()
        .enumerate()
        .map(|(i, network)| {
            let (cidr, gateway, start, end) = if i == 0 {
                (
                    "172.24.4.0/24".to_string(),
                    "172.24.4.1".to_string(),
                    "172.24.4.2".to_string(),
                    "172.24.4.254".to_string(),
                )
            } else {
                let n = i - 1;
                (
                    format!("10.{n}.0.0/16"),
                    format!("10.{n}.0.1"),
                    format!("10.{n}.0.2"),
                    format!("10.{n}.255.254"),
                )
            };
            let created = rfc3339(seed_time(-86_400, i));
            json!({
                "id": ctx.id("subnet", i),
                "name": format!("{}-subnet", str_field(network, "name")),
                "network_id": network["id"],
                "ip_version": 4,
                "cidr": cidr,
                "gateway_ip": gateway,
                "enable_dhcp": i != 0,
                "allocation_pools": [{"start": start, "end": end}],
                "dns_nameservers": [],
                "host_routes": [],
                "service_types": [],
                "subnetpool_id": null,
                "segment_id": null,
                "ipv6_ra_mode": null,
                "ipv6_address_mode": null,
                "project_id": ctx.project_id,
                "tenant_id": ctx.project_id,
                "created_at": created,
                "updated_at": created,
                "description": "",
                "tags": [],
                "revision_number": 0,
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::{SimCloudConfig, SimRegionConfig};

    fn region(servers: usize, images: usize) -> RegionData {
        let cloud = SimCloudConfig::new("c", vec![]);
        let region = SimRegionConfig {
            servers,
            images,
            ..SimRegionConfig::new("r")
        };
        let ctx = SeedContext {
            base_url: "http://127.0.0.1:1",
            cloud: &cloud,
            region: &region,
            project_id: cloud.project_id(),
            user_id: cloud.user_id(),
        };
        RegionData::seed(&ctx)
    }

    #[test]
    fn fixtures_are_where_the_docs_say() {
        let data = region(20, 5);
        let status = |i: usize| str_field(&data.servers[i], "status").to_string();
        assert_eq!(
            (status(7), status(9), status(17), status(0)),
            (
                "SHUTOFF".into(),
                "ERROR".into(),
                "SHUTOFF".into(),
                "ACTIVE".into()
            )
        );
        let dups = data
            .servers
            .iter()
            .filter(|s| str_field(s, "name") == crate::seed_compute::DUPLICATE_SERVER_NAME)
            .count();
        assert_eq!(dups, 2);
        let owners: Vec<&str> = data.images.iter().map(|i| str_field(i, "owner")).collect();
        assert!(owners[..4].iter().all(|o| *o == owners[0]));
        assert_ne!(owners[4], owners[0]);
        assert_eq!(data.networks[0]["router:external"], true);
        assert_eq!(data.subnets.len(), data.networks.len());
    }

    #[test]
    fn a_single_server_has_no_duplicate_and_empty_regions_are_fine() {
        assert_eq!(str_field(&region(1, 1).servers[0], "name"), "server-r-000");
        let empty = region(0, 0);
        assert!(empty.servers.is_empty() && empty.images.is_empty());
    }
}
