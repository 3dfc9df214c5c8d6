//! Deterministic nova resources: flavors and servers (see the `seed` module for the fixtures).

use serde_json::{Map, Value, json};

use crate::ids;
use crate::seed::{SeedContext, seed_time, str_field};
use crate::time::{naive_micros, rfc3339};

/// (name, vcpus, ram MiB, disk GiB) of the standard flavors.
const FLAVORS: [(&str, u64, u64, u64); 5] = [
    ("m1.tiny", 1, 512, 1),
    ("m1.small", 1, 2048, 20),
    ("m1.medium", 2, 4096, 40),
    ("m1.large", 4, 8192, 80),
    ("m1.xlarge", 8, 16384, 160),
];

/// Values of the `group` metadata key, by server index.
const GROUPS: [&str; 3] = ["web", "db", "batch"];

/// The name shared by servers 0 and 1 of every region with at least two servers.
pub const DUPLICATE_SERVER_NAME: &str = "web-dup";

pub fn flavors(ctx: &SeedContext<'_>) -> Vec<Value> {
    let compute = format!("{}/v2.1", ctx.service_root("compute"));
    let bookmark = ctx.service_root("compute");
    (0..ctx.region.flavors)
        .map(|i| {
            let (name, vcpus, ram, disk) = match FLAVORS.get(i) {
                Some(&(name, vcpus, ram, disk)) => (name.to_string(), vcpus, ram, disk),
                None => (format!("c1.custom-{i}"), 1 << (i % 5), 1024 << (i % 5), 10),
            };
            let id = ctx.id("flavor", i);
            json!({
                "id": id,
                "name": name,
                "vcpus": vcpus,
                "ram": ram,
                "disk": disk,
                "OS-FLV-EXT-DATA:ephemeral": 0,
                // 0 at microversion >= 2.75; the nova handler prints "" below that, as nova does.
                "swap": if i >= 3 { 1024 } else { 0 },
                "rxtx_factor": 1.0,
                "os-flavor-access:is_public": true,
                "OS-FLV-DISABLED:disabled": false,
                "description": null,
                "extra_specs": {"hw:cpu_policy": if i >= 3 { "dedicated" } else { "shared" }},
                "links": [
                    {"rel": "self", "href": format!("{compute}/flavors/{id}")},
                    {"rel": "bookmark", "href": format!("{bookmark}/flavors/{id}")},
                ],
            })
        })
        .collect()
}

/// (status, vm_state, power_state) of server `index`.
fn lifecycle(index: usize) -> (&'static str, &'static str, u8) {
    if index % 20 == 9 {
        ("ERROR", "error", 0)
    } else if index % 10 == 7 {
        ("SHUTOFF", "stopped", 4)
    } else {
        ("ACTIVE", "active", 1)
    }
}

pub fn servers(
    ctx: &SeedContext<'_>,
    flavors: &[Value],
    images: &[Value],
    networks: &[Value],
) -> Vec<Value> {
    let compute = format!("{}/v2.1", ctx.service_root("compute"));
    let bookmark = ctx.service_root("compute");
    let region = &ctx.region.name;
    let count = ctx.region.servers;
    (0..count)
        .map(|i| {
            let id = ctx.id("server", i);
            let name = if count >= 2 && i < 2 {
                DUPLICATE_SERVER_NAME.to_string()
            } else {
                format!("server-{region}-{i:03}")
            };
            let (status, vm_state, power_state) = lifecycle(i);
            let created_secs = seed_time(86_400, i);
            let created = rfc3339(created_secs);
            let mut server = json!({
                "id": id,
                "name": name,
                "status": status,
                "tenant_id": ctx.project_id,
                "user_id": ctx.user_id,
                "metadata": {"group": GROUPS[i % GROUPS.len()], "index": i.to_string()},
                "addresses": addresses(ctx, &id, i, status, networks),
                "flavor": server_flavor(flavors, i),
                "image": server_image(images, &bookmark, i),
                "created": created,
                "updated": created,
                "key_name": if i % 4 == 0 { Value::Null } else { json!("demo-key") },
                "hostId": ids::hex(&[&ctx.project_id, region, "host", &(i % 3).to_string()], 56),
                "accessIPv4": "",
                "accessIPv6": "",
                "OS-EXT-AZ:availability_zone": format!("{region}-{}", if i % 2 == 0 { "a" } else { "b" }),
                "OS-EXT-STS:vm_state": vm_state,
                "OS-EXT-STS:power_state": power_state,
                "OS-EXT-STS:task_state": null,
                "OS-SRV-USG:launched_at": if status == "ERROR" { Value::Null } else { json!(naive_micros(created_secs + 30)) },
                "OS-SRV-USG:terminated_at": null,
                "OS-DCF:diskConfig": "MANUAL",
                "os-extended-volumes:volumes_attached": [],
                "security_groups": [{"name": "default"}],
                "config_drive": "",
                "progress": 0,
                "locked": false,
                "locked_reason": null,
                "description": null,
                "tags": [],
                "trusted_image_certificates": null,
                "links": [
                    {"rel": "self", "href": format!("{compute}/servers/{id}")},
                    {"rel": "bookmark", "href": format!("{bookmark}/servers/{id}")},
                ],
            });
            if status == "ERROR" {
                server["fault"] = json!({
                    "code": 500,
                    "message": "No valid host was found. There are not enough hosts available.",
                    "created": rfc3339(created_secs + 5),
                });
                server["security_groups"] = json!([]);
            }
            server
        })
        .collect()
}

fn server_flavor(flavors: &[Value], index: usize) -> Value {
    let Some(flavor) = flavors.get(index % flavors.len().max(1)) else {
        return json!({"original_name": "unknown", "vcpus": 1, "ram": 512, "disk": 1,
                      "ephemeral": 0, "swap": 0, "extra_specs": {}});
    };
    json!({
        "id": flavor["id"],
        "original_name": flavor["name"],
        "vcpus": flavor["vcpus"],
        "ram": flavor["ram"],
        "disk": flavor["disk"],
        "ephemeral": flavor["OS-FLV-EXT-DATA:ephemeral"],
        "swap": flavor["swap"],
        "extra_specs": flavor["extra_specs"],
    })
}

/// Nova prints `""` for the image of a server booted from volume.
fn server_image(images: &[Value], bookmark: &str, index: usize) -> Value {
    match images.get(index % images.len().max(1)) {
        Some(image) => {
            let id = str_field(image, "id");
            json!({"id": id, "links": [{"rel": "bookmark", "href": format!("{bookmark}/images/{id}")}]})
        }
        None => json!(""),
    }
}

/// A fixed IP on `private` (when the region has it), plus a floating IP for every third
/// server when the region has the external `public` network. ERROR servers have none.
fn addresses(
    ctx: &SeedContext<'_>,
    id: &str,
    index: usize,
    status: &str,
    networks: &[Value],
) -> Value {
    let mut map = Map::new();
    let Some(private) = networks.get(1) else {
        return Value::Object(map);
    };
    if status == "ERROR" {
        return Value::Object(map);
    }
    let h = ids::hash64(4, &[&ctx.cloud.name, id]);
    let mac = format!(
        "fa:16:3e:{:02x}:{:02x}:{:02x}",
        h & 0xff,
        (h >> 8) & 0xff,
        (h >> 16) & 0xff
    );
    let mut ports = vec![json!({
        "addr": format!("10.0.{}.{}", index / 250, index % 250 + 2),
        "version": 4,
        "OS-EXT-IPS:type": "fixed",
        "OS-EXT-IPS-MAC:mac_addr": mac,
    })];
    if index.is_multiple_of(3) {
        ports.push(json!({
            "addr": format!("172.24.{}.{}", 4 + index / 250, index % 250 + 2),
            "version": 4,
            "OS-EXT-IPS:type": "floating",
            "OS-EXT-IPS-MAC:mac_addr": mac,
        }));
    }
    map.insert(str_field(private, "name").to_string(), Value::Array(ports));
    Value::Object(map)
}
