//! Reads at one location and everywhere, through gRPC, against simulated clouds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use oaktree_simcloud::SimConfig;
use oaktree_tests::proto::{self, GetRequest, LocationSelector, StatusKind, server_event};
use oaktree_tests::{World, at, list_request};
use tonic::Code;
use tonic_types::StatusExt;

fn total_servers(config: &SimConfig) -> usize {
    config
        .clouds
        .iter()
        .flat_map(|c| &c.regions)
        .map(|r| r.servers)
        .sum()
}

#[tokio::test]
async fn lists_servers_at_one_location_with_the_location_stamped() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let inventory = world.sim.inventory("alpha", "us-east-1").unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_servers(list_request(&["alpha"], &["us-east-1"], ""))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(reply.statuses.len(), 1);
    assert_eq!(at(&reply.statuses[0]), "alpha/us-east-1");
    assert_eq!(reply.statuses[0].kind(), StatusKind::Ok);
    let ids: Vec<&str> = reply.servers.iter().map(|s| s.id.as_str()).collect();
    let seeded: Vec<&str> = inventory.servers.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, seeded);
    for server in &reply.servers {
        let location = server.location.as_ref().unwrap();
        assert_eq!(
            (location.cloud.as_str(), location.region.as_str()),
            ("alpha", "us-east-1")
        );
        assert!(
            location.zone.starts_with("us-east-1"),
            "zone {:?}",
            location.zone
        );
        let project = location.project.as_ref().unwrap();
        assert_eq!(project.id, inventory.project_id);
        assert_eq!(project.name, "demo");
        assert!(!server.status.is_empty());
    }
}

#[tokio::test]
async fn lists_images_flavors_and_networks_at_one_location() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let inventory = world.sim.inventory("beta", "eu-west-1").unwrap();
    let mut client = world.client().await;
    let request = || list_request(&["beta"], &["eu-west-1"], "");

    let images = client.list_images(request()).await.unwrap().into_inner();
    let flavors = client.list_flavors(request()).await.unwrap().into_inner();
    let networks = client.list_networks(request()).await.unwrap().into_inner();

    let ids = |items: &[oaktree_simcloud::SeededItem]| -> BTreeSet<String> {
        items.iter().map(|i| i.id.clone()).collect()
    };
    assert_eq!(
        images
            .images
            .iter()
            .map(|i| i.id.clone())
            .collect::<BTreeSet<_>>(),
        ids(&inventory.images)
    );
    assert_eq!(
        flavors
            .flavors
            .iter()
            .map(|f| f.id.clone())
            .collect::<BTreeSet<_>>(),
        ids(&inventory.flavors)
    );
    assert_eq!(
        networks
            .networks
            .iter()
            .map(|n| n.id.clone())
            .collect::<BTreeSet<_>>(),
        ids(&inventory.networks)
    );
    assert!(
        images
            .images
            .iter()
            .all(|i| i.location.as_ref().unwrap().region == "eu-west-1")
    );
    assert!(flavors.flavors.iter().all(|f| f.vcpus > 0 && f.ram_mib > 0));
    assert!(networks.networks.iter().any(|n| n.is_router_external));
    // An image owned by another project carries only that project's id.
    let foreign: Vec<_> = images
        .images
        .iter()
        .filter(|i| i.owner != inventory.project_id)
        .collect();
    assert!(
        !foreign.is_empty(),
        "the simulator seeds one image of another project"
    );
    for image in foreign {
        let project = image.location.as_ref().unwrap().project.as_ref().unwrap();
        assert_eq!(project.id, image.owner);
        assert!(project.name.is_empty());
    }
}

#[tokio::test]
async fn lists_servers_everywhere_with_one_status_per_location_in_config_order() {
    let config = SimConfig::demo();
    let world = World::start(config.clone()).await.unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    let expected: Vec<String> = config
        .clouds
        .iter()
        .flat_map(|c| {
            c.regions
                .iter()
                .map(move |r| format!("{}/{}", c.name, r.name))
        })
        .collect();
    let reported: Vec<String> = reply.statuses.iter().map(at).collect();
    assert_eq!(reported, expected);
    assert!(reply.statuses.iter().all(|s| s.kind() == StatusKind::Ok));
    assert_eq!(reply.servers.len(), total_servers(&config));
    let mut per_location: BTreeMap<String, u32> = BTreeMap::new();
    for server in &reply.servers {
        let location = server.location.as_ref().unwrap();
        *per_location
            .entry(format!("{}/{}", location.cloud, location.region))
            .or_default() += 1;
    }
    for status in &reply.statuses {
        assert_eq!(per_location[&at(status)], status.item_count);
    }
}

#[tokio::test]
async fn region_globs_select_matching_regions_across_clouds() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_flavors(list_request(&[], &["us-*"], ""))
        .await
        .unwrap()
        .into_inner();

    let reported: Vec<String> = reply.statuses.iter().map(at).collect();
    assert_eq!(
        reported,
        [
            "alpha/us-east-1",
            "alpha/us-west-1",
            "beta/us-east-1",
            "beta/us-west-2",
            "gamma/us-central-1"
        ]
    );
    let clouds = client
        .list_flavors(list_request(&["alpha", "gamma"], &["eu-*"], ""))
        .await
        .unwrap()
        .into_inner();
    let reported: Vec<String> = clouds.statuses.iter().map(at).collect();
    assert_eq!(
        reported,
        [
            "alpha/eu-central-1",
            "gamma/eu-central-1",
            "gamma/eu-north-1"
        ]
    );
}

#[tokio::test]
async fn name_or_id_matches_an_exact_id_or_name_and_otherwise_a_glob() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let inventory = world.sim.inventory("alpha", "us-west-1").unwrap();
    let mut client = world.client().await;
    let one = |name: &str| list_request(&["alpha"], &["us-west-1"], name);

    let by_id = client
        .list_servers(one(&inventory.servers[3].id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_id.servers.len(), 1);
    assert_eq!(by_id.servers[0].id, inventory.servers[3].id);

    let by_name = client
        .list_servers(one(&inventory.servers[3].name))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_name.servers.len(), 1);
    assert_eq!(by_name.servers[0].name, inventory.servers[3].name);

    let by_glob = client
        .list_servers(one("server-*"))
        .await
        .unwrap()
        .into_inner();
    let expected = inventory
        .servers
        .iter()
        .filter(|s| s.name.starts_with("server-"))
        .count();
    assert!(expected > 1);
    assert_eq!(by_glob.servers.len(), expected);
    assert!(
        by_glob
            .servers
            .iter()
            .all(|s| s.name.starts_with("server-"))
    );
}

#[tokio::test]
async fn property_filters_keep_only_resources_with_equal_fields() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;
    let all = client
        .list_servers(list_request(&["alpha"], &[], ""))
        .await
        .unwrap()
        .into_inner();
    let active_count = all.servers.iter().filter(|s| s.status == "ACTIVE").count();
    assert!(
        active_count > 0 && active_count < all.servers.len(),
        "the simulator seeds non-ACTIVE servers too"
    );

    let mut request = list_request(&["alpha"], &[], "");
    request
        .filter
        .as_mut()
        .unwrap()
        .properties
        .insert("status".into(), "ACTIVE".into());
    let active = client.list_servers(request).await.unwrap().into_inner();

    assert_eq!(active.servers.len(), active_count);
    assert!(active.servers.iter().all(|s| s.status == "ACTIVE"));
}

#[tokio::test]
async fn a_streamed_listing_sends_each_locations_items_before_its_status() {
    let config = SimConfig::demo();
    let world = World::start(config.clone()).await.unwrap();
    let mut client = world.client().await;

    let mut stream = client
        .stream_servers(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    let mut pending: BTreeMap<String, u32> = BTreeMap::new();
    let mut finished: BTreeSet<String> = BTreeSet::new();
    let mut servers = 0;
    while let Some(event) = stream.message().await.unwrap() {
        match event.event.unwrap() {
            server_event::Event::Server(server) => {
                let location = server.location.unwrap();
                let key = format!("{}/{}", location.cloud, location.region);
                assert!(!finished.contains(&key), "item for {key} after its status");
                *pending.entry(key).or_default() += 1;
                servers += 1;
            }
            server_event::Event::Status(status) => {
                assert_eq!(status.kind(), StatusKind::Ok);
                let key = at(&status);
                assert_eq!(pending.get(&key).copied().unwrap_or(0), status.item_count);
                assert!(finished.insert(key), "one status per location");
            }
        }
    }
    assert_eq!(finished.len(), 12);
    assert_eq!(servers, total_servers(&config));
}

#[tokio::test]
async fn get_by_id_at_one_location_returns_that_resource() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let inventory = world.sim.inventory("gamma", "eu-north-1").unwrap();
    let mut client = world.client().await;

    let reply = client
        .get_image(GetRequest {
            selector: Some(LocationSelector {
                clouds: vec!["gamma".into()],
                regions: vec!["eu-north-1".into()],
            }),
            name_or_id: inventory.images[1].id.clone(),
            options: None,
        })
        .await
        .unwrap()
        .into_inner();

    let image = reply.image.unwrap();
    assert_eq!(image.id, inventory.images[1].id);
    assert_eq!(image.location.unwrap().cloud, "gamma");
    assert_eq!(reply.statuses.len(), 1);
}

#[tokio::test]
async fn get_by_a_name_two_servers_share_fails_and_lists_both() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let inventory = world.sim.inventory("alpha", "us-east-1").unwrap();
    let duplicates: Vec<&str> = inventory
        .servers
        .iter()
        .filter(|s| s.name == "web-dup")
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(duplicates.len(), 2);
    let mut client = world.client().await;

    let status = client
        .get_server(GetRequest {
            selector: Some(LocationSelector {
                clouds: vec!["alpha".into()],
                regions: vec!["us-east-1".into()],
            }),
            name_or_id: "web-dup".into(),
            options: None,
        })
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    for id in duplicates {
        assert!(status.message().contains(id), "{}", status.message());
    }
    let details = status.get_error_details();
    let violations = details.bad_request().unwrap().field_violations.clone();
    assert_eq!(violations[0].field, "name_or_id");
}

#[tokio::test]
async fn an_unknown_cloud_is_not_found_and_names_the_known_clouds() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;

    let status = client
        .list_servers(list_request(&["omega"], &[], ""))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::NotFound);
    assert!(status.message().contains("omega"), "{}", status.message());
    assert!(
        status.message().contains("alpha, beta, gamma"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_get_that_matches_nothing_is_not_found() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;

    let status = client
        .get_flavor(GetRequest {
            selector: None,
            name_or_id: "no-such-flavor".into(),
            options: None,
        })
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::NotFound);
    assert!(status.message().contains("no-such-flavor"));
}

#[tokio::test]
async fn the_daemon_reports_health_and_lists_its_locations() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let channel = tonic::transport::Channel::from_shared(world.daemon.url())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let reply = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "oaktree.v1.CloudService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        reply.status(),
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );

    let mut client = world.client().await;
    let locations = client
        .list_locations(proto::ListLocationsRequest { selector: None })
        .await
        .unwrap()
        .into_inner()
        .locations;
    assert_eq!(locations.len(), 12);
    assert!(
        locations
            .iter()
            .all(|l| l.driver == "openstack" && !l.driver_version.is_empty())
    );
}
