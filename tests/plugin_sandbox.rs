//! A broken plugin costs only its own calls: a trap, an endless loop and unbounded
//! allocation each fail that location's call with a clear status, within the deadline,
//! while other locations answer and later calls still work. With `plugin_fuel` set, an
//! endless loop ends when its fuel does, long before its deadline.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use oaktree_simcloud::{SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::StatusKind;
use oaktree_tests::{World, built_plugin, list_request, status_at};

const BROKEN_CLOUD: &str = "  broken:\n    profile: faulty\n    auth:\n      auth_url: http://127.0.0.1:9/identity\n    regions: [one]\n";

async fn world() -> World {
    let sim = SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![SimRegionConfig::new("one")],
    )]);
    World::start_full(sim, BROKEN_CLOUD, &[built_plugin("faulty")], |host| {
        host.plugin_memory_limit_mb = 64;
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_trapping_plugin_fails_only_its_location() {
    let world = world().await;
    let mut client = world.client().await;

    let reply = client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    let broken = status_at(&reply.statuses, "broken/one");
    assert_eq!(broken.kind(), StatusKind::Internal);
    assert!(broken.message.contains("trapped"), "{}", broken.message);
    assert_eq!(
        status_at(&reply.statuses, "alpha/one").kind(),
        StatusKind::Ok
    );
    assert_eq!(reply.servers.len(), SimRegionConfig::new("x").servers);
}

#[tokio::test]
async fn a_plugin_looping_forever_is_stopped_at_the_deadline() {
    let world = world().await;
    let mut client = world.client().await;

    let mut request = tonic::Request::new(list_request(&[], &[], ""));
    request.set_timeout(Duration::from_secs(1));
    let started = Instant::now();
    let reply = client.list_images(request).await.unwrap().into_inner();

    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        status_at(&reply.statuses, "broken/one").kind(),
        StatusKind::Timeout
    );
    assert_eq!(
        status_at(&reply.statuses, "alpha/one").kind(),
        StatusKind::Ok
    );
}

/// Fuel for each call when a test turns metering on: ample for the OpenStack driver's list
/// calls, a fraction of a second of a tight loop.
const FUEL: u64 = 200_000_000;

#[tokio::test]
async fn with_fuel_a_plugin_looping_forever_runs_out_well_before_its_deadline() {
    let sim = SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![SimRegionConfig::new("one")],
    )]);
    let world = World::start_full(sim, BROKEN_CLOUD, &[built_plugin("faulty")], |host| {
        host.plugin_fuel = Some(FUEL);
    })
    .await
    .unwrap();
    let mut client = world.client().await;

    let deadline = Duration::from_secs(20);
    let mut request = tonic::Request::new(list_request(&[], &[], ""));
    request.set_timeout(deadline);
    let started = Instant::now();
    let reply = client.list_images(request).await.unwrap().into_inner();
    eprintln!("out of fuel after {:?}", started.elapsed());

    assert!(
        started.elapsed() < deadline / 4,
        "took {:?}",
        started.elapsed()
    );
    let broken = status_at(&reply.statuses, "broken/one");
    assert_eq!(broken.kind(), StatusKind::Internal, "{}", broken.message);
    assert!(broken.message.contains("out of fuel"), "{}", broken.message);
    assert!(broken.message.contains("plugin_fuel"), "{}", broken.message);
    let alpha = status_at(&reply.statuses, "alpha/one");
    assert_eq!(alpha.kind(), StatusKind::Ok, "{}", alpha.message);
}

#[tokio::test]
async fn a_plugin_allocating_without_bound_hits_its_memory_limit() {
    let world = world().await;
    let mut client = world.client().await;

    let reply = client
        .list_flavors(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    let broken = status_at(&reply.statuses, "broken/one");
    assert_eq!(broken.kind(), StatusKind::Internal, "{}", broken.message);
    assert_eq!(
        status_at(&reply.statuses, "alpha/one").kind(),
        StatusKind::Ok
    );
}

#[tokio::test]
async fn calls_after_many_faults_still_succeed() {
    let world = world().await;
    let mut client = world.client().await;

    for _ in 0..50 {
        let reply = client
            .list_servers(list_request(&["broken"], &[], ""))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(reply.statuses[0].kind(), StatusKind::Internal);
        let reply = client
            .list_networks(list_request(&["broken"], &[], ""))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(reply.statuses[0].kind(), StatusKind::Unavailable);
        assert!(
            reply.statuses[0]
                .message
                .contains("faulty driver reports broken/one as down")
        );
    }
    let reply = client
        .list_servers(list_request(&["alpha"], &[], ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.statuses[0].kind(), StatusKind::Ok);
}
