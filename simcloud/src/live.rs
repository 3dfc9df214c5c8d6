//! The writable side of a region: what clients created, deleted or changed since start-up.
//!
//! Seeded data (`seed`) stays immutable; this overlay holds created servers, keypairs, ports,
//! floating IPs, security groups and rules, subnets, volumes, and the ids of deleted seeded
//! resources. Readers merge both (see `views`). One mutex per region guards it all: writes are
//! rare and small, so one lock keeps cross-resource rules (a port and its server, a group in
//! use) consistent without ordering concerns.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::sync::{Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::time::Instant;

use crate::ids;
use crate::lifecycle::Lifecycle;
use crate::seed::{RegionData, str_field};
use crate::time::{now_unix, rfc3339};
use crate::vendor::Vendor;

/// Who owns what the region creates, and where it is served.
#[derive(Debug, Clone)]
pub struct LiveContext {
    pub base_url: String,
    pub cloud: String,
    pub region: String,
    pub project_id: String,
    pub user_id: String,
    pub vendor: Vendor,
}

impl LiveContext {
    /// `{base}/{cloud}/{region}/<service>`.
    pub fn service_root(&self, service: &str) -> String {
        format!("{}/{}/{}/{service}", self.base_url, self.cloud, self.region)
    }
}

/// A server created through `POST /servers`.
#[derive(Debug, Clone)]
pub struct LiveServer {
    /// The stored nova JSON; status fields are recomputed on every read.
    pub body: Value,
    pub created: Instant,
    /// Wall-clock creation second, for `launched_at`.
    pub created_unix: i64,
    /// Decided at create time from the region's boot fault.
    pub fails: bool,
    pub deleted: Option<Instant>,
}

/// A volume created through `POST /volumes`.
#[derive(Debug, Clone)]
pub struct LiveVolume {
    pub body: Value,
    pub created: Instant,
}

/// Everything written in one region.
#[derive(Debug, Default)]
pub struct LiveData {
    pub times: Lifecycle,
    pub servers: Vec<LiveServer>,
    /// Seeded servers being deleted, with the instant of the delete request.
    pub deleted_seeded: HashMap<String, Instant>,
    pub keypairs: Vec<Value>,
    /// Networks added to the seeded ones (the external network when none was seeded).
    pub networks: Vec<Value>,
    pub subnets: Vec<Value>,
    pub deleted_subnets: HashSet<String>,
    pub ports: Vec<Value>,
    pub floating_ips: Vec<Value>,
    pub security_groups: Vec<Value>,
    pub security_group_rules: Vec<Value>,
    pub volumes: Vec<LiveVolume>,
    /// Addresses handed out so far, per subnet id.
    allocated: HashMap<String, u32>,
    serial: u64,
}

/// The per-region store.
pub struct RegionLive {
    pub ctx: LiveContext,
    inner: Mutex<LiveData>,
}

impl RegionLive {
    /// An empty overlay with the `default` security group, plus an external network when
    /// the seed has none (floating IPs need one).
    pub fn new(ctx: LiveContext, times: Lifecycle, seeded: &RegionData) -> RegionLive {
        let mut data = LiveData {
            times,
            ..LiveData::default()
        };
        let (group, rules) = crate::secgroups::default_group(&ctx, &mut data);
        data.security_groups.push(group);
        data.security_group_rules.extend(rules);
        if !seeded
            .networks
            .iter()
            .any(|n| n["router:external"] == json!(true))
        {
            let (network, subnet) = external_network(&ctx);
            data.networks.push(network);
            data.subnets.push(subnet);
        }
        RegionLive {
            ctx,
            inner: Mutex::new(data),
        }
    }

    /// The overlay, locked. A poisoned lock only means a handler panicked mid-update of
    /// plain data; keep going.
    pub fn lock(&self) -> MutexGuard<'_, LiveData> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl LiveData {
    /// A fresh UUID for a new resource of `kind`.
    pub fn new_id(&mut self, ctx: &LiveContext, kind: &str) -> String {
        self.serial += 1;
        let (secs, micros) = now_unix();
        ids::uuid(&[
            &ctx.cloud,
            &ctx.region,
            kind,
            &self.serial.to_string(),
            &secs.to_string(),
            &micros.to_string(),
        ])
    }

    /// The next free IPv4 address of `subnet`, from the upper half of its range (the lower
    /// half is where seeded servers' addresses live). `None` for IPv6 or a full subnet.
    pub fn allocate_ip(&mut self, subnet: &Value) -> Option<String> {
        let (base, prefix) = parse_ipv4_cidr(str_field(subnet, "cidr"))?;
        let size = 1u64 << (32 - u32::from(prefix));
        let used = self
            .allocated
            .entry(str_field(subnet, "id").to_string())
            .or_insert(0);
        let offset = size / 2 + u64::from(*used) + 1;
        if offset + 1 >= size {
            return None;
        }
        *used += 1;
        let addr = u32::from(base).checked_add(u32::try_from(offset).ok()?)?;
        Some(Ipv4Addr::from(addr).to_string())
    }
}

/// `a.b.c.d/p` with no host bits set; `None` otherwise.
pub fn parse_ipv4_cidr(cidr: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, prefix) = cidr.split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let prefix: u8 = prefix.parse().ok()?;
    if prefix > 32 {
        return None;
    }
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    (u32::from(addr) & !mask == 0).then_some((addr, prefix))
}

/// A MAC address in nova's `fa:16:3e` range derived from `id`.
pub fn mac_for(id: &str) -> String {
    let h = ids::hash64(5, &[id]);
    format!(
        "fa:16:3e:{:02x}:{:02x}:{:02x}",
        h & 0xff,
        (h >> 8) & 0xff,
        (h >> 16) & 0xff
    )
}

/// Now, as nova and neutron print `created_at`.
pub fn now_stamp() -> String {
    rfc3339(now_unix().0)
}

/// `ext-net` (`router:external`) with subnet `203.0.113.0/24`.
fn external_network(ctx: &LiveContext) -> (Value, Value) {
    let id = ids::uuid(&[&ctx.cloud, &ctx.region, "network", "external"]);
    let subnet_id = ids::uuid(&[&ctx.cloud, &ctx.region, "subnet", "external"]);
    let created = now_stamp();
    let network = json!({
        "id": id, "name": "ext-net", "status": "ACTIVE", "admin_state_up": true,
        "shared": false, "router:external": true, "is_default": true, "mtu": 1500,
        "subnets": [subnet_id], "availability_zone_hints": [], "availability_zones": ["nova"],
        "ipv4_address_scope": null, "ipv6_address_scope": null, "port_security_enabled": true,
        "qos_policy_id": null, "dns_domain": "", "l2_adjacency": true,
        "project_id": ctx.project_id, "tenant_id": ctx.project_id,
        "created_at": created, "updated_at": created, "description": "", "tags": [],
        "revision_number": 1, "provider:network_type": "flat",
        "provider:physical_network": "public", "provider:segmentation_id": null,
    });
    let subnet = json!({
        "id": subnet_id, "name": "ext-net-subnet", "network_id": id, "ip_version": 4,
        "cidr": "203.0.113.0/24", "gateway_ip": "203.0.113.1", "enable_dhcp": false,
        "allocation_pools": [{"start": "203.0.113.2", "end": "203.0.113.254"}],
        "dns_nameservers": [], "host_routes": [], "service_types": [], "subnetpool_id": null,
        "segment_id": null, "ipv6_ra_mode": null, "ipv6_address_mode": null,
        "project_id": ctx.project_id, "tenant_id": ctx.project_id,
        "created_at": created, "updated_at": created, "description": "", "tags": [],
        "revision_number": 0,
    });
    (network, subnet)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_with_host_bits_are_refused() {
        assert!(parse_ipv4_cidr("10.1.0.0/16").is_some());
        assert!(parse_ipv4_cidr("10.1.0.1/16").is_none());
        assert!(parse_ipv4_cidr("10.1.0.0/33").is_none());
        assert!(parse_ipv4_cidr("nonsense").is_none());
    }

    #[test]
    fn addresses_come_from_the_upper_half_and_do_not_repeat() {
        let mut data = LiveData::default();
        let subnet = json!({"id": "s", "cidr": "192.168.0.0/24"});
        assert_eq!(data.allocate_ip(&subnet).unwrap(), "192.168.0.129");
        assert_eq!(data.allocate_ip(&subnet).unwrap(), "192.168.0.130");
    }
}
