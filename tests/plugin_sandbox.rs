//! A broken plugin costs only its own calls: a trap, an endless loop and unbounded
//! allocation each fail that location's call with a clear status, within the deadline,
//! while other locations answer and later calls still work.

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
