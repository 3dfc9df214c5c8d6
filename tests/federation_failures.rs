//! Partial failure: a failing or slow location is reported in its status while every other
//! location's resources arrive, within the call's deadline.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use oaktree_simcloud::{Fault, SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::StatusKind;
use oaktree_tests::{World, at, list_request, status_at};

fn two_clouds_two_regions() -> SimConfig {
    SimConfig::new(vec![
        SimCloudConfig::new(
            "alpha",
            vec![SimRegionConfig::new("one"), SimRegionConfig::new("two")],
        ),
        SimCloudConfig::new(
            "beta",
            vec![SimRegionConfig::new("one"), SimRegionConfig::new("two")],
        ),
    ])
}

#[tokio::test]
async fn a_region_answering_503_is_reported_unavailable_and_the_rest_arrive() {
    let world = World::start(two_clouds_two_regions()).await.unwrap();
    world
        .sim
        .set_fault("beta", "one", Fault::Unavailable, 0)
        .unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    let failed = status_at(&reply.statuses, "beta/one");
    assert_eq!(failed.kind(), StatusKind::Unavailable);
    assert!(failed.message.contains("503"), "{}", failed.message);
    for healthy in ["alpha/one", "alpha/two", "beta/two"] {
        assert_eq!(
            status_at(&reply.statuses, healthy).kind(),
            StatusKind::Ok,
            "{healthy}"
        );
    }
    let per_region = SimRegionConfig::new("x").servers;
    assert_eq!(reply.servers.len(), 3 * per_region);
    assert!(reply.servers.iter().all(|s| {
        let l = s.location.as_ref().unwrap();
        !(l.cloud == "beta" && l.region == "one")
    }));
}

#[tokio::test]
async fn a_region_slower_than_the_deadline_times_out_while_the_rest_arrive() {
    let world = World::start(two_clouds_two_regions()).await.unwrap();
    world
        .sim
        .set_fault("alpha", "two", Fault::None, 10_000)
        .unwrap();
    let mut client = world.client().await;

    let mut request = tonic::Request::new(list_request(&[], &[], ""));
    request.set_timeout(Duration::from_millis(1500));
    let started = Instant::now();
    let reply = client.list_servers(request).await.unwrap().into_inner();
    let elapsed = started.elapsed();

    assert!(
        elapsed < Duration::from_millis(1500),
        "answered after {elapsed:?}"
    );
    let slow = status_at(&reply.statuses, "alpha/two");
    assert_eq!(slow.kind(), StatusKind::Timeout);
    assert_eq!(
        reply
            .statuses
            .iter()
            .filter(|s| s.kind() == StatusKind::Ok)
            .count(),
        3
    );
    assert_eq!(reply.servers.len(), 3 * SimRegionConfig::new("x").servers);
}

#[tokio::test]
async fn a_streamed_listing_delivers_fast_regions_before_a_slow_one_times_out() {
    let world = World::start(two_clouds_two_regions()).await.unwrap();
    world
        .sim
        .set_fault("beta", "two", Fault::Timeout, 0)
        .unwrap();
    let mut client = world.client().await;

    let mut request = tonic::Request::new(list_request(&[], &[], ""));
    request.set_timeout(Duration::from_secs(2));
    let started = Instant::now();
    let mut stream = client.stream_servers(request).await.unwrap().into_inner();
    let mut statuses = Vec::new();
    let mut first_status_after = None;
    while let Some(event) = stream.message().await.unwrap() {
        if let Some(oaktree_tests::proto::server_event::Event::Status(status)) = event.event {
            first_status_after.get_or_insert(started.elapsed());
            statuses.push(status);
        }
    }

    assert_eq!(statuses.len(), 4);
    assert_eq!(statuses.last().map(at).as_deref(), Some("beta/two"));
    assert_eq!(statuses.last().unwrap().kind(), StatusKind::Timeout);
    assert!(
        first_status_after.unwrap() < Duration::from_secs(1),
        "fast regions were held back"
    );
}

#[tokio::test]
async fn a_region_refusing_tokens_is_reported_unauthorized() {
    let world = World::start(two_clouds_two_regions()).await.unwrap();
    world
        .sim
        .set_fault("alpha", "one", Fault::Unauthorized, 0)
        .unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_images(list_request(&["alpha"], &[], ""))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        status_at(&reply.statuses, "alpha/one").kind(),
        StatusKind::Unauthorized
    );
    assert_eq!(
        status_at(&reply.statuses, "alpha/two").kind(),
        StatusKind::Ok
    );
}

#[tokio::test]
async fn a_cloud_whose_keystone_refuses_the_password_is_unauthorized_everywhere_in_it() {
    let mut config = two_clouds_two_regions();
    config.clouds[1].refuse_auth = true;
    let world = World::start(config).await.unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_networks(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    for location in ["beta/one", "beta/two"] {
        assert_eq!(
            status_at(&reply.statuses, location).kind(),
            StatusKind::Unauthorized,
            "{location}"
        );
    }
    assert_eq!(
        status_at(&reply.statuses, "alpha/one").kind(),
        StatusKind::Ok
    );
}

#[tokio::test]
async fn a_region_with_5000_servers_is_listed_whole_across_pages() {
    let mut region = SimRegionConfig::new("big");
    region.servers = 5000;
    let world = World::start(SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![region],
    )]))
    .await
    .unwrap();
    let inventory = world.sim.inventory("alpha", "big").unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        reply.statuses[0].kind(),
        StatusKind::Ok,
        "{}",
        reply.statuses[0].message
    );
    let ids: Vec<&str> = reply.servers.iter().map(|s| s.id.as_str()).collect();
    let seeded: Vec<&str> = inventory.servers.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), 5000);
    assert_eq!(ids, seeded);
    // nova pages at 1,000: the driver followed the next links, one token for all pages.
    assert!(world.sim.request_count("alpha", "big") >= 5);
}
