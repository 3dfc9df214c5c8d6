//! Drivers written in other languages: the jsoncloud driver in Python (componentize-py,
//! plugins/python-jsoncloud) and in JavaScript (componentize-js, plugins/js-jsoncloud),
//! loaded beside the Rust OpenStack driver and answering the simulator's jsoncloud API.
//!
//! The jsoncloud API serves the same seeded resources (same ids) as the OpenStack services of
//! its simulated cloud, in different words. So the Python- and JS-served locations must answer
//! exactly what the OpenStack driver answers for the same resources: that is the check that
//! their normalisation is real.
//!
//! Both components are built once per test run by `scripts/build-lang-plugins.sh` (which
//! skips what is up to date); it needs the toolchains `scripts/setup.sh` installs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use oaktree_simcloud::{SimCloud, SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::{GetRequest, LocationSelector, Server, StatusKind};
use oaktree_tests::{World, list_request, repo_root, status_at};

/// Both language plugins, built once per test run.
fn lang_plugins() -> [PathBuf; 2] {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT
        .get_or_init(|| {
            let root = repo_root();
            let output = std::process::Command::new(root.join("scripts/build-lang-plugins.sh"))
                .current_dir(&root)
                .output()
                .map_err(|e| format!("cannot run scripts/build-lang-plugins.sh: {e}"))?;
            if !output.status.success() {
                return Err(format!(
                    "building the language plugins failed (did scripts/setup.sh run?):\n{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            Ok(root.join("plugins/target/lang"))
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"));
    [
        dir.join("oaktree_jsoncloud_py.wasm"),
        dir.join("oaktree_jsoncloud_js.wasm"),
    ]
}

/// A token the jsoncloud API refuses.
const WRONG_TOKEN: &str = "jc-not-the-token";

/// Simulated clouds `alpha` (regions one and two, ten servers each: three jsoncloud pages)
/// and `beta` (one region, six servers), each served by the OpenStack driver under its own
/// name and as jsoncloud: `alpha` through the Python driver as `pyjson`, `beta` through the
/// JS driver as `jsjson`. `badpy` and `badjs` are `alpha`'s jsoncloud with a wrong token.
async fn world() -> World {
    let beta_one = SimRegionConfig {
        servers: 6,
        ..SimRegionConfig::new("one")
    };
    let sim = SimConfig::new(vec![
        SimCloudConfig::new(
            "alpha",
            vec![SimRegionConfig::new("one"), SimRegionConfig::new("two")],
        ),
        SimCloudConfig::new("beta", vec![beta_one]),
    ]);
    let clouds = |sim: &SimCloud| {
        sim.jsoncloud_clouds_yaml("pyjson", "alpha", "jsoncloud-py", None)
            + &sim.jsoncloud_clouds_yaml("jsjson", "beta", "jsoncloud-js", None)
            + &sim.jsoncloud_clouds_yaml("badpy", "alpha", "jsoncloud-py", Some(WRONG_TOKEN))
            + &sim.jsoncloud_clouds_yaml("badjs", "alpha", "jsoncloud-js", Some(WRONG_TOKEN))
    };
    World::start_full_with(sim, clouds, &lang_plugins(), |_| {})
        .await
        .unwrap()
}

/// The fields a driver normalises, as comparable text.
fn normalised(server: &Server) -> Vec<String> {
    let location = server.location.as_ref().unwrap();
    let project = location.project.as_ref().map(|p| p.id.clone());
    let addresses: Vec<String> = server.addresses.iter().map(|a| format!("{a:?}")).collect();
    vec![
        server.name.clone(),
        server.status.clone(),
        server.image_id.clone(),
        server.flavor_id.clone(),
        server.flavor_name.clone(),
        server.private_v4.clone(),
        server.public_v4.clone(),
        server.key_name.clone(),
        format!("{:?}", server.metadata.iter().collect::<BTreeMap<_, _>>()),
        format!("{:?}", server.security_groups),
        server.fault.clone(),
        server.created_at.clone(),
        location.zone.clone(),
        format!("{project:?}"),
        format!("{addresses:?}"),
    ]
}

/// Servers of `cloud/region`, by id.
fn servers_at<'a>(
    servers: &'a [Server],
    cloud: &str,
    region: &str,
) -> BTreeMap<&'a str, &'a Server> {
    servers
        .iter()
        .filter(|s| {
            let l = s.location.as_ref().unwrap();
            l.cloud == cloud && l.region == region
        })
        .map(|s| (s.id.as_str(), s))
        .collect()
}

#[tokio::test]
async fn python_and_js_drivers_list_every_seeded_machine_as_the_openstack_driver_does() {
    let world = world().await;
    let mut client = world.client().await;

    let reply = client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    for (jsoncloud, sim_cloud, region) in [
        ("pyjson", "alpha", "one"),
        ("pyjson", "alpha", "two"),
        ("jsjson", "beta", "one"),
    ] {
        let status = status_at(&reply.statuses, &format!("{jsoncloud}/{region}"));
        assert_eq!(status.kind(), StatusKind::Ok, "{}", status.message);
        let served = servers_at(&reply.servers, jsoncloud, region);
        let seeded: Vec<String> = world
            .sim
            .inventory(sim_cloud, region)
            .unwrap()
            .servers
            .into_iter()
            .map(|s| s.id)
            .collect();
        let mut served_ids: Vec<&str> = served.keys().copied().collect();
        let mut seeded_ids: Vec<&str> = seeded.iter().map(String::as_str).collect();
        served_ids.sort_unstable();
        seeded_ids.sort_unstable();
        assert_eq!(served_ids, seeded_ids, "{jsoncloud}/{region}");
        let by_openstack = servers_at(&reply.servers, sim_cloud, region);
        for (id, server) in served {
            assert_eq!(
                normalised(server),
                normalised(by_openstack[id]),
                "{jsoncloud}/{region} server {id}"
            );
        }
    }
    for status in &reply.statuses {
        let name = &status.location.as_ref().unwrap().cloud;
        if !name.starts_with("bad") {
            assert_eq!(status.kind(), StatusKind::Ok, "{name}: {}", status.message);
        }
    }
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized_at_that_location_while_the_others_answer() {
    let world = world().await;
    let mut client = world.client().await;

    let reply = client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    for bad in ["badpy/one", "badpy/two", "badjs/one", "badjs/two"] {
        let status = status_at(&reply.statuses, bad);
        assert_eq!(
            status.kind(),
            StatusKind::Unauthorized,
            "{bad}: {}",
            status.message
        );
        assert!(
            status.message.contains("invalid bearer token"),
            "{}",
            status.message
        );
    }
    for good in ["pyjson/one", "jsjson/one", "alpha/one", "beta/one"] {
        assert_eq!(
            status_at(&reply.statuses, good).kind(),
            StatusKind::Ok,
            "{good}"
        );
    }
}

#[tokio::test]
async fn images_flavors_and_networks_are_normalised_by_both_drivers() {
    let world = world().await;
    let mut client = world.client().await;
    let here = |cloud: &str| list_request(&[cloud], &["one"], "");

    for (jsoncloud, sim_cloud) in [("pyjson", "alpha"), ("jsjson", "beta")] {
        let inventory = world.sim.inventory(sim_cloud, "one").unwrap();

        let images = client
            .list_images(here(jsoncloud))
            .await
            .unwrap()
            .into_inner();
        let reference = client
            .list_images(here(sim_cloud))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(images.images.len(), inventory.images.len(), "{jsoncloud}");
        for image in &images.images {
            let same = reference.images.iter().find(|i| i.id == image.id).unwrap();
            let view = |i: &oaktree_tests::proto::Image| {
                (
                    i.name.clone(),
                    i.status.clone(),
                    i.visibility.clone(),
                    i.disk_format.clone(),
                    i.size_bytes,
                    i.min_disk_gib,
                    i.min_ram_mib,
                    i.checksum.clone(),
                    i.tags.clone(),
                    i.is_protected,
                )
            };
            assert_eq!(view(image), view(same), "{jsoncloud} image {}", image.id);
        }

        let flavors = client
            .list_flavors(here(jsoncloud))
            .await
            .unwrap()
            .into_inner();
        let reference = client
            .list_flavors(here(sim_cloud))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            flavors.flavors.len(),
            inventory.flavors.len(),
            "{jsoncloud}"
        );
        for flavor in &flavors.flavors {
            let same = reference
                .flavors
                .iter()
                .find(|f| f.id == flavor.id)
                .unwrap();
            let view = |f: &oaktree_tests::proto::Flavor| {
                (
                    f.name.clone(),
                    f.vcpus,
                    f.ram_mib,
                    f.disk_gib,
                    f.swap_mib,
                    f.is_public,
                )
            };
            assert_eq!(view(flavor), view(same), "{jsoncloud} flavor {}", flavor.id);
        }

        let networks = client
            .list_networks(here(jsoncloud))
            .await
            .unwrap()
            .into_inner();
        let reference = client
            .list_networks(here(sim_cloud))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            networks.networks.len(),
            inventory.networks.len(),
            "{jsoncloud}"
        );
        for network in &networks.networks {
            let same = reference
                .networks
                .iter()
                .find(|n| n.id == network.id)
                .unwrap();
            let view = |n: &oaktree_tests::proto::Network| {
                (
                    n.name.clone(),
                    n.status.clone(),
                    n.is_shared,
                    n.is_router_external,
                    n.is_admin_state_up,
                    n.mtu,
                    n.subnet_ids.clone(),
                )
            };
            assert_eq!(
                view(network),
                view(same),
                "{jsoncloud} network {}",
                network.id
            );
        }
    }
}

#[tokio::test]
async fn getting_a_machine_by_id_finds_it_and_an_unknown_id_is_not_found() {
    let world = world().await;
    let mut client = world.client().await;
    let get = |cloud: &str, id: &str| GetRequest {
        selector: Some(LocationSelector {
            clouds: vec![cloud.to_owned()],
            regions: vec!["one".to_owned()],
        }),
        name_or_id: id.to_owned(),
        options: None,
    };

    for (jsoncloud, sim_cloud) in [("pyjson", "alpha"), ("jsjson", "beta")] {
        let seeded = world.sim.inventory(sim_cloud, "one").unwrap().servers[3].clone();
        let found = client
            .get_server(get(jsoncloud, &seeded.id))
            .await
            .unwrap()
            .into_inner()
            .server
            .unwrap();
        assert_eq!((found.id, found.name), (seeded.id, seeded.name));
        let location = found.location.unwrap();
        assert_eq!(
            (location.cloud.as_str(), location.region.as_str()),
            (jsoncloud, "one")
        );

        let missing = client
            .get_server(get(jsoncloud, "00000000-0000-4000-8000-000000000000"))
            .await
            .unwrap_err();
        assert_eq!(
            missing.code(),
            tonic::Code::NotFound,
            "{jsoncloud}: {missing}"
        );
    }
}
