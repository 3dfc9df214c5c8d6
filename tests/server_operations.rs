//! Servers booted and deleted through OperationService against the simulated OpenStack:
//! streamed waits, auto IP, tidy failures, and watching an operation from another connection.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use oaktree::location::CloudRegion as Region;
use oaktree_simcloud::{BootFault, SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::{
    CloudRegion, CreateServerRequest, DeleteServerRequest, GetOperationRequest, OperationState,
    StatusKind, WatchOperationRequest, operation_event,
};
use oaktree_tests::{World, drain_operation, finished, server_statuses};
use tokio::time::Instant;

const LIMIT: Duration = Duration::from_secs(60);

fn one_region(build_ms: u64) -> SimConfig {
    let mut region = SimRegionConfig::new("one");
    region.lifecycle.build_ms = build_ms;
    region.lifecycle.delete_ms = 300;
    SimConfig::new(vec![SimCloudConfig::new("alpha", vec![region])])
}

fn here() -> CloudRegion {
    CloudRegion {
        cloud: "alpha".into(),
        region: "one".into(),
    }
}

fn boot(world: &World, name: &str) -> CreateServerRequest {
    let inventory = world.sim.inventory("alpha", "one").unwrap();
    CreateServerRequest {
        location: Some(here()),
        name: name.into(),
        image: inventory.images[0].id.clone(),
        flavor: inventory.flavors[0].id.clone(),
        networks: vec!["private".into()],
        wait: true,
        auto_ip: true,
        poll_interval_ms: 100,
        timeout_seconds: 60,
        ..Default::default()
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
    call.list_floating_ips()
        .await
        .unwrap()
        .into_iter()
        .map(|ip| ip.id)
        .collect()
}

#[tokio::test]
async fn a_server_boots_with_a_streamed_wait_from_build_to_active_with_a_public_address() {
    let world = World::start(one_region(600)).await.unwrap();
    let mut operations = world.operations().await;

    let events = operations
        .create_server(boot(&world, "web-1"))
        .await
        .unwrap()
        .into_inner();
    let events = drain_operation(events, LIMIT).await;

    let op = finished(&events);
    assert_eq!(op.state(), OperationState::Succeeded, "{op:?}");
    let statuses = server_statuses(&events);
    assert_eq!(
        statuses.first().map(String::as_str),
        Some("BUILD"),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("ACTIVE"),
        "{statuses:?}"
    );
    let server = op.servers.last().unwrap();
    assert_eq!(server.name, "web-1");
    let location = server.location.as_ref().unwrap();
    assert_eq!(
        (location.cloud.as_str(), location.region.as_str()),
        ("alpha", "one")
    );
    assert!(
        server
            .addresses
            .iter()
            .any(|a| a.kind() == oaktree_tests::proto::address::Kind::Floating)
            || !server.public_v4.is_empty(),
        "auto IP gave the server a public address: {server:?}"
    );
    let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
    assert_eq!(sequences, (1..=events.len() as u64).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_boot_that_fails_after_its_floating_ip_was_allocated_leaves_no_floating_ip_behind() {
    let world = World::start(one_region(400)).await.unwrap();
    world
        .sim
        .set_boot_fault("alpha", "one", BootFault::All)
        .unwrap();
    let before = floating_ips(&world).await;
    let mut operations = world.operations().await;

    let events = operations
        .create_server(boot(&world, "doomed"))
        .await
        .unwrap()
        .into_inner();
    let events = drain_operation(events, LIMIT).await;

    let op = finished(&events);
    assert_eq!(op.state(), OperationState::Failed, "{op:?}");
    let status = op.locations[0].status.as_ref().unwrap();
    assert!(status.message.contains("ERROR"), "{}", status.message);
    let kinds: Vec<(&str, &str)> = op
        .cleanup
        .iter()
        .map(|c| (c.kind.as_str(), c.state.as_str()))
        .collect();
    assert!(
        kinds.contains(&("floating-ip", "deleted")),
        "the floating IP allocated during the build was deleted: {kinds:?}"
    );
    assert!(kinds.contains(&("server", "deleted")), "{kinds:?}");
    assert_eq!(floating_ips(&world).await, before);
    assert!(op.servers.is_empty(), "{:?}", op.servers);
}

#[tokio::test]
async fn a_boot_past_the_quota_fails_with_the_clouds_message() {
    let world = World::start(one_region(200)).await.unwrap();
    world.sim.set_server_quota("alpha", "one", Some(0)).unwrap();
    let mut operations = world.operations().await;

    let events = operations
        .create_server(boot(&world, "one-too-many"))
        .await
        .unwrap()
        .into_inner();
    let op = finished(&drain_operation(events, LIMIT).await);

    assert_eq!(op.state(), OperationState::Failed);
    let status = op.locations[0].status.as_ref().unwrap();
    assert_eq!(status.kind(), StatusKind::Forbidden, "{}", status.message);
    assert!(
        status.message.contains("Quota exceeded"),
        "{}",
        status.message
    );
    assert!(
        op.cleanup.is_empty(),
        "nothing was created: {:?}",
        op.cleanup
    );
}

#[tokio::test]
async fn a_client_that_disconnects_mid_boot_watches_the_operation_to_its_end_from_another_connection()
 {
    let world = World::start(one_region(1500)).await.unwrap();
    let id = {
        let mut first = world.operations().await;
        let mut events = first
            .create_server(boot(&world, "patient"))
            .await
            .unwrap()
            .into_inner();
        let event = events.message().await.unwrap().unwrap();
        event.operation_id
        // The stream and its connection are dropped here, mid-boot.
    };

    let mut second = world.operations().await;
    let running = second
        .get_operation(GetOperationRequest { id: id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(running.state(), OperationState::Running);
    let events = second
        .watch_operation(WatchOperationRequest { id: id.clone() })
        .await
        .unwrap()
        .into_inner();
    let events = drain_operation(events, LIMIT).await;

    assert_eq!(events[0].sequence, 1, "the watch replays from the start");
    assert!(events.iter().all(|e| e.operation_id == id));
    assert_eq!(finished(&events).state(), OperationState::Succeeded);
    assert_eq!(
        server_statuses(&events).last().map(String::as_str),
        Some("ACTIVE")
    );
    let done = second
        .get_operation(GetOperationRequest { id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.state(), OperationState::Succeeded);
}

#[tokio::test]
async fn a_server_is_deleted_with_a_streamed_wait_until_the_cloud_no_longer_has_it() {
    let world = World::start(one_region(200)).await.unwrap();
    let before = floating_ips(&world).await;
    let mut operations = world.operations().await;
    let booted = operations
        .create_server(boot(&world, "short-lived"))
        .await
        .unwrap()
        .into_inner();
    let booted = finished(&drain_operation(booted, LIMIT).await);
    assert_eq!(booted.state(), OperationState::Succeeded, "{booted:?}");
    let id = booted.servers.last().unwrap().id.clone();

    let events = operations
        .delete_server(DeleteServerRequest {
            location: Some(here()),
            server: id.clone(),
            wait: true,
            delete_floating_ips: true,
            poll_interval_ms: 100,
            timeout_seconds: 30,
        })
        .await
        .unwrap()
        .into_inner();
    let events = drain_operation(events, LIMIT).await;

    assert_eq!(finished(&events).state(), OperationState::Succeeded);
    let phases: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.event {
            Some(operation_event::Event::Progress(p)) => Some(p.phase.clone()),
            _ => None,
        })
        .collect();
    assert!(phases.contains(&"DELETED".to_owned()), "{phases:?}");
    assert_eq!(
        floating_ips(&world).await,
        before,
        "the floating IP auto IP gave the server was deleted with it"
    );
}

#[tokio::test]
async fn a_boot_at_an_unknown_location_is_refused_before_anything_starts() {
    let world = World::start(one_region(200)).await.unwrap();
    let mut operations = world.operations().await;
    let mut request = boot(&world, "nowhere");
    request.location = Some(CloudRegion {
        cloud: "alpha".into(),
        region: "two".into(),
    });

    let error = operations.create_server(request).await.unwrap_err();

    assert_eq!(error.code(), tonic::Code::NotFound, "{}", error.message());
    assert!(error.message().contains("alpha/one"), "{}", error.message());
}
