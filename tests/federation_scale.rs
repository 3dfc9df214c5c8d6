//! Edge scale and dead regions: a busy plugin pool makes calls wait (never fail), and a
//! region that keeps failing opens its circuit breaker, answers at once without asking the
//! cloud, and serves again once a background probe finds it recovered.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use oaktree::config::CircuitBreakerConfig;
use oaktree_simcloud::{Fault, SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::{CallOptions, CircuitPhase, ListRequest, StatusKind};
use oaktree_tests::{World, list_request, status_at};

fn fresh(clouds: &[&str], regions: &[&str]) -> ListRequest {
    let mut request = list_request(clouds, regions, "");
    request.options = Some(CallOptions {
        bypass_cache: true,
        treat_as_empty: vec![],
    });
    request
}

fn regions(cloud: &str, count: usize, latency_ms: u64) -> SimCloudConfig {
    SimCloudConfig::new(
        cloud,
        (0..count)
            .map(|r| SimRegionConfig {
                latency_ms,
                ..SimRegionConfig::new(&format!("r{r}"))
            })
            .collect(),
    )
}

#[tokio::test]
async fn forty_regions_through_a_pool_of_four_instances_all_answer() {
    let world = World::start_with(SimConfig::new(vec![regions("alpha", 40, 20)]), |host| {
        host.plugin_instances = 4;
    })
    .await
    .unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_servers(fresh(&[], &[]))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(reply.statuses.len(), 40);
    for status in &reply.statuses {
        assert_eq!(status.kind(), StatusKind::Ok, "{}", status.message);
    }
    assert_eq!(reply.servers.len(), 40 * SimRegionConfig::new("x").servers);
}

#[tokio::test]
async fn two_hundred_concurrent_fresh_everywhere_listings_give_no_internal_answer() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let client = world.client().await;

    let calls = (0..200).map(|_| {
        let mut client = client.clone();
        async move {
            let mut request = tonic::Request::new(fresh(&[], &[]));
            request.set_timeout(Duration::from_secs(60));
            client.list_servers(request).await.unwrap().into_inner()
        }
    });
    let replies = futures::future::join_all(calls).await;

    let statuses: Vec<_> = replies.iter().flat_map(|r| &r.statuses).collect();
    assert_eq!(statuses.len(), 200 * 12);
    let internal: Vec<_> = statuses
        .iter()
        .filter(|s| s.kind() == StatusKind::Internal)
        .map(|s| s.message.clone())
        .collect();
    assert!(
        internal.is_empty(),
        "{} INTERNAL: {:?}",
        internal.len(),
        internal.first()
    );
    let ok = statuses
        .iter()
        .filter(|s| s.kind() == StatusKind::Ok)
        .count();
    assert_eq!(ok, 200 * 12, "every location answered");
}

fn two_regions() -> SimConfig {
    SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![SimRegionConfig::new("one"), SimRegionConfig::new("two")],
    )])
}

fn breaker(failures: u32, probe_interval_ms: u64) -> impl FnOnce(&mut oaktree::config::HostConfig) {
    move |host| {
        host.circuit_breaker = CircuitBreakerConfig {
            failures,
            probe_interval_ms,
        }
    }
}

#[tokio::test]
async fn a_region_answering_503_opens_its_circuit_and_is_then_answered_without_http() {
    let world = World::start_with(two_regions(), breaker(3, 60_000))
        .await
        .unwrap();
    world
        .sim
        .set_fault("alpha", "two", Fault::Unavailable, 0)
        .unwrap();
    let mut client = world.client().await;

    // Four attempts of the first call's GET: the third failure opens the circuit.
    let first = client
        .list_servers(fresh(&[], &[]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status_at(&first.statuses, "alpha/two").kind(),
        StatusKind::Unavailable
    );
    let asked = world.sim.request_count("alpha", "two");

    let reply = client
        .list_servers(fresh(&[], &[]))
        .await
        .unwrap()
        .into_inner();

    let dead = status_at(&reply.statuses, "alpha/two");
    assert_eq!(dead.kind(), StatusKind::Unavailable);
    assert_eq!(dead.http_attempts, 0, "{}", dead.message);
    assert_eq!(world.sim.request_count("alpha", "two"), asked);
    assert!(
        dead.message.contains("circuit breaker open"),
        "{}",
        dead.message
    );
    let circuit = dead
        .circuit
        .as_ref()
        .expect("the status carries the circuit");
    assert_eq!(circuit.phase(), CircuitPhase::Open);
    assert_eq!(circuit.service, "compute");
    assert!(circuit.last_error.contains("503"), "{}", circuit.last_error);
    assert_eq!(circuit.failures, 3);
    assert!(circuit.open_since_unix_ms > 0);
    assert!(circuit.next_probe_unix_ms >= circuit.open_since_unix_ms + 59_000);
    let healthy = status_at(&reply.statuses, "alpha/one");
    assert_eq!(healthy.kind(), StatusKind::Ok);
    assert!(healthy.circuit.is_none());
}

#[tokio::test]
async fn a_hanging_region_stops_costing_the_deadline_once_its_circuit_opens() {
    let world = World::start_with(two_regions(), breaker(2, 60_000))
        .await
        .unwrap();
    let mut client = world.client().await;
    // A token first, so the hang is in compute, not in keystone.
    client.list_servers(fresh(&[], &[])).await.unwrap();
    world
        .sim
        .set_fault("alpha", "two", Fault::Timeout, 0)
        .unwrap();
    let deadline = Duration::from_millis(1500);
    let call = |mut client: oaktree::proto::cloud_service_client::CloudServiceClient<_>| async move {
        let mut request = tonic::Request::new(fresh(&[], &[]));
        request.set_timeout(deadline);
        let started = Instant::now();
        let reply = client.list_servers(request).await.unwrap().into_inner();
        (reply, started.elapsed())
    };

    for _ in 0..2 {
        let (reply, _) = call(client.clone()).await;
        assert_eq!(
            status_at(&reply.statuses, "alpha/two").kind(),
            StatusKind::Timeout
        );
    }
    let (reply, elapsed) = call(client.clone()).await;

    let hung = status_at(&reply.statuses, "alpha/two");
    assert_eq!(hung.kind(), StatusKind::Unavailable, "{}", hung.message);
    assert!(hung.circuit.is_some());
    assert!(
        elapsed < deadline / 3,
        "the open circuit still cost {elapsed:?} of a {deadline:?} deadline"
    );
    assert_eq!(
        status_at(&reply.statuses, "alpha/one").kind(),
        StatusKind::Ok
    );
}

#[tokio::test]
async fn a_recovered_region_serves_again_within_one_probe_interval() {
    let probe_interval = Duration::from_millis(800);
    let world = World::start_with(two_regions(), breaker(2, 800))
        .await
        .unwrap();
    world
        .sim
        .set_fault("alpha", "two", Fault::Unavailable, 0)
        .unwrap();
    let mut client = world.client().await;
    let reply = client
        .list_servers(fresh(&["alpha"], &["two"]))
        .await
        .unwrap()
        .into_inner();
    let opened = reply.statuses[0]
        .circuit
        .clone()
        .expect("the circuit opened");

    world.sim.set_fault("alpha", "two", Fault::None, 0).unwrap();
    let recovered = Instant::now();
    let mut served_after = None;
    for _ in 0..40 {
        let reply = client
            .list_servers(fresh(&["alpha"], &["two"]))
            .await
            .unwrap()
            .into_inner();
        if reply.statuses[0].kind() == StatusKind::Ok {
            served_after = Some(recovered.elapsed());
            assert_eq!(reply.servers.len(), SimRegionConfig::new("x").servers);
            break;
        }
        assert!(
            reply.statuses[0].circuit.is_some(),
            "{}",
            reply.statuses[0].message
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let served_after = served_after.expect("the region served again");
    let opened_at = std::time::UNIX_EPOCH + Duration::from_millis(opened.open_since_unix_ms);
    let since_open = opened_at.elapsed().unwrap_or_default();
    assert!(
        served_after <= probe_interval + Duration::from_millis(400),
        "served again {served_after:?} after recovery ({since_open:?} after opening)"
    );
}
