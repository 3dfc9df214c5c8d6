//! Fidelity against the simulated OpenStack: a boot that ends in ERROR is the cloud's fault,
//! an ambiguous delete names the candidates, operations count their HTTP attempts, auto IP
//! leaks nothing when the server has a public address of its own, and a get by id is one
//! request to the driver's get-*.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use oaktree::location::CloudRegion as Region;
use oaktree_simcloud::{
    BootFault, DUPLICATE_SERVER_NAME, SimCloudConfig, SimConfig, SimRegionConfig,
};
use oaktree_tests::proto::{
    CallOptions, CloudRegion, CreateServerRequest, DeleteServerRequest, GetRequest,
    LocationSelector, OperationState, StatusKind,
};
use oaktree_tests::{World, drain_operation, finished};
use tokio::time::Instant;
use tonic_types::StatusExt;

const LIMIT: Duration = Duration::from_secs(60);

fn region(servers: usize) -> SimRegionConfig {
    let mut region = SimRegionConfig::new("one");
    region.servers = servers;
    region.lifecycle.build_ms = 300;
    region.lifecycle.delete_ms = 200;
    region
}

fn one_region(region: SimRegionConfig) -> SimConfig {
    SimConfig::new(vec![SimCloudConfig::new("alpha", vec![region])])
}

fn here() -> CloudRegion {
    CloudRegion {
        cloud: "alpha".into(),
        region: "one".into(),
    }
}

fn boot(world: &World, name: &str, auto_ip: bool) -> CreateServerRequest {
    let inventory = world.sim.inventory("alpha", "one").unwrap();
    CreateServerRequest {
        location: Some(here()),
        name: name.into(),
        image: inventory.images[0].id.clone(),
        flavor: inventory.flavors[0].id.clone(),
        networks: vec!["private".into()],
        wait: true,
        auto_ip,
        poll_interval_ms: 100,
        timeout_seconds: 60,
        ..Default::default()
    }
}

fn get(name_or_id: &str) -> GetRequest {
    GetRequest {
        selector: Some(LocationSelector {
            clouds: vec!["alpha".into()],
            regions: vec!["one".into()],
        }),
        name_or_id: name_or_id.into(),
        options: Some(CallOptions::default()),
    }
}

/// The floating IPs the cloud has now, asked through the daemon's own driver.
async fn floating_ips(world: &World) -> Vec<String> {
    let federation = &world.daemon.federation;
    let target = federation
        .target("test", &Region::new("alpha", "one"))
        .unwrap();
    let plugin = federation.plugin_for(&target).unwrap();
    let call = federation.driver_call(&target, plugin, Instant::now() + Duration::from_secs(10));
    let mut ids: Vec<String> = call
        .list_floating_ips()
        .await
        .unwrap()
        .into_iter()
        .map(|ip| ip.id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_server_that_goes_to_error_while_booting_is_a_cloud_fault_with_the_clouds_message() {
    let world = World::start(one_region(region(2))).await.unwrap();
    world
        .sim
        .set_boot_fault("alpha", "one", BootFault::All)
        .unwrap();
    let mut operations = world.operations().await;

    let events = operations
        .create_server(boot(&world, "doomed", false))
        .await
        .unwrap()
        .into_inner();
    let op = finished(&drain_operation(events, LIMIT).await);

    assert_eq!(op.state(), OperationState::Failed, "{op:?}");
    let status = op.locations[0].status.as_ref().unwrap();
    assert_eq!(status.kind(), StatusKind::CloudFault, "{}", status.message);
    assert!(
        status.message.contains("went to ERROR") && status.message.contains("No valid host"),
        "the cloud's fault is the message: {}",
        status.message
    );
}

#[tokio::test]
async fn deleting_a_name_two_servers_share_is_invalid_argument_listing_both() {
    let world = World::start(one_region(region(4))).await.unwrap();
    let inventory = world.sim.inventory("alpha", "one").unwrap();
    let twins: Vec<String> = inventory
        .servers
        .iter()
        .filter(|s| s.name == DUPLICATE_SERVER_NAME)
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(
        twins.len(),
        2,
        "the simulator seeds two servers with one name"
    );
    let mut operations = world.operations().await;

    let error = operations
        .delete_server(DeleteServerRequest {
            location: Some(here()),
            server: DUPLICATE_SERVER_NAME.into(),
            wait: true,
            ..Default::default()
        })
        .await
        .expect_err("an ambiguous name is refused before anything is deleted");

    assert_eq!(
        error.code(),
        tonic::Code::InvalidArgument,
        "{}",
        error.message()
    );
    for id in &twins {
        assert!(error.message().contains(id.as_str()), "{}", error.message());
    }
    let details = error.get_error_details();
    let info = details.error_info().expect("an ErrorInfo detail");
    assert_eq!(info.reason, "AMBIGUOUS");
    assert!(
        twins.iter().all(|id| info.metadata.contains_key(id)),
        "{info:?}"
    );
    let mut client = world.client().await;
    for id in &twins {
        let twin = client.get_server(get(id)).await.unwrap().into_inner();
        assert_ne!(
            twin.server.unwrap().status,
            "DELETED",
            "nothing was deleted"
        );
    }

    let missing = operations
        .delete_server(DeleteServerRequest {
            location: Some(here()),
            server: "no-such-server".into(),
            ..Default::default()
        })
        .await
        .expect_err("a name nothing has is refused");
    assert_eq!(
        missing.code(),
        tonic::Code::NotFound,
        "{}",
        missing.message()
    );
}

#[tokio::test]
async fn an_operations_location_status_counts_the_http_attempts_it_made() {
    let world = World::start(one_region(region(2))).await.unwrap();
    let mut operations = world.operations().await;
    // Logged in first: keystone's requests are not counted by the simulator.
    let inventory = world.sim.inventory("alpha", "one").unwrap();
    let mut client = world.client().await;
    client
        .get_server(get(&inventory.servers[0].id))
        .await
        .unwrap();
    let before = world.sim.request_count("alpha", "one");

    let events = operations
        .create_server(boot(&world, "counted", false))
        .await
        .unwrap()
        .into_inner();
    let booted = finished(&drain_operation(events, LIMIT).await);

    assert_eq!(booted.state(), OperationState::Succeeded, "{booted:?}");
    let status = booted.locations[0].status.as_ref().unwrap();
    let made = world.sim.request_count("alpha", "one") - before;
    assert!(
        status.http_attempts >= 3,
        "resolve, create and at least one poll: {status:?}"
    );
    assert_eq!(
        u64::from(status.http_attempts),
        made,
        "every request the cloud saw is counted"
    );

    let id = booted.servers.last().unwrap().id.clone();
    let events = operations
        .delete_server(DeleteServerRequest {
            location: Some(here()),
            server: id,
            wait: true,
            poll_interval_ms: 100,
            timeout_seconds: 30,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let deleted = finished(&drain_operation(events, LIMIT).await);
    assert_eq!(deleted.state(), OperationState::Succeeded, "{deleted:?}");
    let status = deleted.locations[0].status.as_ref().unwrap();
    assert!(status.http_attempts >= 2, "get, delete, polls: {status:?}");
}

#[tokio::test]
async fn a_floating_ip_allocated_for_a_server_that_came_up_with_a_public_address_is_released() {
    let mut public = region(2);
    public.lifecycle.public_address = true;
    let world = World::start(one_region(public)).await.unwrap();
    let before = floating_ips(&world).await;
    let mut operations = world.operations().await;

    let events = operations
        .create_server(boot(&world, "direct", true))
        .await
        .unwrap()
        .into_inner();
    let op = finished(&drain_operation(events, LIMIT).await);

    assert_eq!(op.state(), OperationState::Succeeded, "{op:?}");
    let server = op.servers.last().unwrap();
    assert!(
        server.public_v4.starts_with("203.0.113."),
        "the server's own public address: {server:?}"
    );
    let released: Vec<(&str, &str)> = op
        .cleanup
        .iter()
        .map(|c| (c.kind.as_str(), c.state.as_str()))
        .collect();
    assert_eq!(
        released,
        [("floating-ip", "deleted")],
        "the floating IP allocated while it built was released"
    );
    assert_eq!(floating_ips(&world).await, before, "no floating IP leaked");
}

#[tokio::test]
async fn get_server_by_id_in_a_region_of_thousands_is_one_request_and_a_name_is_a_listing() {
    let world = World::start(one_region(region(2_500))).await.unwrap();
    let inventory = world.sim.inventory("alpha", "one").unwrap();
    let mut client = world.client().await;
    // The first call logs in (keystone is not counted) and learns the catalog.
    client
        .get_server(get(&inventory.servers[10].id))
        .await
        .unwrap();

    let wanted = &inventory.servers[2_000];
    let before = world.sim.request_count("alpha", "one");
    let reply = client
        .get_server(get(&wanted.id))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        world.sim.request_count("alpha", "one") - before,
        1,
        "one GET of that server, no listing"
    );
    let server = reply.server.unwrap();
    assert_eq!(
        (server.id.as_str(), server.name.as_str()),
        (wanted.id.as_str(), wanted.name.as_str())
    );
    let location = server.location.unwrap();
    assert_eq!(
        (location.cloud.as_str(), location.region.as_str()),
        ("alpha", "one")
    );
    assert!(location.project.is_some_and(|p| !p.id.is_empty()));
    assert_eq!(reply.statuses.len(), 1);
    assert_eq!(
        reply.statuses[0].http_attempts, 1,
        "{:?}",
        reply.statuses[0]
    );
    assert_eq!(reply.statuses[0].item_count, 1);

    // Asked again, the answer is cached like a listing's.
    let before = world.sim.request_count("alpha", "one");
    client.get_server(get(&wanted.id)).await.unwrap();
    assert_eq!(world.sim.request_count("alpha", "one"), before);

    // A name goes through the listing: every page of it.
    let before = world.sim.request_count("alpha", "one");
    let by_name = client
        .get_server(get(&wanted.name))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_name.server.unwrap().id, wanted.id);
    assert!(
        world.sim.request_count("alpha", "one") - before >= 3,
        "2,500 servers are three pages of 1,000"
    );

    // An id no server has falls back to the listing and is NOT_FOUND.
    let missing = client
        .get_server(get("00000000-0000-4000-8000-000000000000"))
        .await
        .unwrap_err();
    assert_eq!(
        missing.code(),
        tonic::Code::NotFound,
        "{}",
        missing.message()
    );
}
