//! The host's call discipline, end to end: retries of reads, single-flight and cached
//! answers, per cloud-region rate limits with deadlines, and failures treated as empty.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use oaktree::limits::settings::{HostLimit, LimitOverride};
use oaktree_simcloud::{Fault, SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::{CacheSource, CallOptions, ListRequest, StatusKind};
use oaktree_tests::{World, list_request, status_at};

fn one_cloud(regions: &[&str]) -> SimConfig {
    SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        regions.iter().map(|r| SimRegionConfig::new(r)).collect(),
    )])
}

fn fresh(mut request: ListRequest) -> ListRequest {
    request.options = Some(CallOptions {
        bypass_cache: true,
        treat_as_empty: vec![],
    });
    request
}

fn limit(region: &str, rate: f64, burst: u32) -> HostLimit {
    HostLimit {
        cloud: "alpha".into(),
        region: region.into(),
        service: None,
        set: LimitOverride {
            calls_per_second: Some(rate),
            burst: Some(burst),
            max_in_flight: Some(1),
        },
    }
}

#[tokio::test]
async fn a_list_is_retried_through_two_503s_and_succeeds() {
    let world = World::start(one_cloud(&["one"])).await.unwrap();
    let mut client = world.client().await;
    client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap();
    world.sim.fail_next("alpha", "one", 2).unwrap();

    let reply = client
        .list_servers(fresh(list_request(&[], &[], "")))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        reply.statuses[0].kind(),
        StatusKind::Ok,
        "{}",
        reply.statuses[0].message
    );
    assert_eq!(reply.statuses[0].http_attempts, 3);
    assert_eq!(reply.servers.len(), SimRegionConfig::new("x").servers);
}

#[tokio::test]
async fn a_region_failing_more_often_than_the_retries_allow_is_unavailable() {
    let world = World::start(one_cloud(&["one"])).await.unwrap();
    let mut client = world.client().await;
    client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap();
    world.sim.fail_next("alpha", "one", 100).unwrap();

    let reply = client
        .list_servers(fresh(list_request(&[], &[], "")))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(reply.statuses[0].kind(), StatusKind::Unavailable);
    assert_eq!(reply.statuses[0].http_attempts, 4);
}

#[tokio::test]
async fn a_hundred_concurrent_identical_lists_make_one_upstream_request() {
    let world = World::start(one_cloud(&["one"])).await.unwrap();
    world
        .sim
        .set_fault("alpha", "one", Fault::None, 200)
        .unwrap();
    let client = world.client().await;
    let before = world.sim.request_count("alpha", "one");

    let calls = (0..100).map(|_| {
        let mut client = client.clone();
        tokio::spawn(async move {
            client
                .list_servers(list_request(&[], &[], ""))
                .await
                .unwrap()
                .into_inner()
        })
    });
    let replies = futures::future::join_all(calls).await;

    assert_eq!(world.sim.request_count("alpha", "one") - before, 1);
    let sources: Vec<CacheSource> = replies
        .iter()
        .map(|r| r.as_ref().unwrap().statuses[0].cache())
        .collect();
    assert_eq!(
        sources.iter().filter(|s| **s == CacheSource::Miss).count(),
        1
    );
    assert!(sources.iter().all(|s| matches!(
        s,
        CacheSource::Miss | CacheSource::Shared | CacheSource::Hit
    )));
    assert!(
        replies
            .iter()
            .all(|r| r.as_ref().unwrap().servers.len() == SimRegionConfig::new("x").servers)
    );
}

#[tokio::test]
async fn a_cached_answer_says_so_and_bypassing_the_cache_asks_the_cloud_again() {
    let world = World::start(one_cloud(&["one"])).await.unwrap();
    let mut client = world.client().await;

    let first = client
        .list_images(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();
    let count = world.sim.request_count("alpha", "one");
    let second = client
        .list_images(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();
    let unchanged = world.sim.request_count("alpha", "one");
    let third = client
        .list_images(fresh(list_request(&[], &[], "")))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(first.statuses[0].cache(), CacheSource::Miss);
    assert_eq!(second.statuses[0].cache(), CacheSource::Hit);
    assert_eq!(unchanged, count);
    assert_eq!(third.statuses[0].cache(), CacheSource::Bypass);
    assert!(world.sim.request_count("alpha", "one") > count);
    assert_eq!(first.images.len(), second.images.len());
}

#[tokio::test]
async fn a_rate_limited_region_spaces_its_calls_and_reports_the_wait() {
    let world = World::start_with(one_cloud(&["one", "two"]), |host| {
        host.limits = vec![limit("one", 5.0, 1)]
    })
    .await
    .unwrap();
    let client = world.client().await;
    // One call authenticates and warms the budget; then 8 callers compete for region one.
    client
        .clone()
        .list_servers(list_request(&[], &["one"], ""))
        .await
        .unwrap();
    let start = world.sim.arrivals("alpha", "one").unwrap().len();

    let calls = (0..8).map(|_| {
        let mut client = client.clone();
        tokio::spawn(async move {
            client
                .list_flavors(fresh(list_request(&[], &["one"], "")))
                .await
                .unwrap()
                .into_inner()
        })
    });
    let replies = futures::future::join_all(calls).await;

    let arrivals = world.sim.arrivals("alpha", "one").unwrap();
    let gaps: Vec<Duration> = arrivals[start..].windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps.len(), 7);
    assert!(
        gaps.iter().all(|gap| *gap >= Duration::from_millis(180)),
        "calls closer than 1/5 s: {gaps:?}"
    );
    let waited: u64 = replies
        .iter()
        .map(|r| r.as_ref().unwrap().statuses[0].limiter_wait_ms)
        .sum();
    assert!(
        waited >= 1000,
        "statuses report {waited} ms of limiter wait in total"
    );
}

#[tokio::test]
async fn a_call_that_cannot_get_its_budget_before_the_deadline_times_out_without_calling() {
    let world = World::start_with(one_cloud(&["one"]), |host| {
        host.limits = vec![limit("one", 0.2, 1)]
    })
    .await
    .unwrap();
    let mut client = world.client().await;
    client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap();
    let before = world.sim.request_count("alpha", "one");

    let mut request = tonic::Request::new(fresh(list_request(&[], &[], "")));
    request.set_timeout(Duration::from_millis(800));
    let started = Instant::now();
    let reply = client.list_servers(request).await.unwrap().into_inner();

    assert!(started.elapsed() < Duration::from_millis(800));
    assert_eq!(reply.statuses[0].kind(), StatusKind::Timeout);
    assert!(
        reply.statuses[0].message.contains("rate limit"),
        "{}",
        reply.statuses[0].message
    );
    assert_eq!(world.sim.request_count("alpha", "one"), before);
}

#[tokio::test]
async fn failures_of_a_chosen_kind_are_treated_as_empty_and_others_are_not() {
    let world = World::start(one_cloud(&["one", "two", "three"]))
        .await
        .unwrap();
    world
        .sim
        .set_fault("alpha", "one", Fault::Unauthorized, 0)
        .unwrap();
    world
        .sim
        .set_fault("alpha", "two", Fault::Unavailable, 0)
        .unwrap();
    let mut client = world.client().await;
    let mut request = list_request(&[], &[], "");
    request.options = Some(CallOptions {
        bypass_cache: false,
        treat_as_empty: vec![StatusKind::Unauthorized as i32],
    });

    let reply = client.list_networks(request).await.unwrap().into_inner();

    let ignored = status_at(&reply.statuses, "alpha/one");
    assert_eq!(ignored.kind(), StatusKind::Ok);
    assert_eq!(ignored.ignored_failure(), StatusKind::Unauthorized);
    assert_eq!(ignored.item_count, 0);
    assert!(!ignored.message.is_empty());
    assert_eq!(
        status_at(&reply.statuses, "alpha/two").kind(),
        StatusKind::Unavailable
    );
    assert_eq!(
        status_at(&reply.statuses, "alpha/three").kind(),
        StatusKind::Ok
    );
}

/// GET `path` over plain HTTP/1.1 and return the body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response.split_once("\r\n\r\n").unwrap().1.to_owned()
}

#[tokio::test]
async fn metrics_count_http_calls_cache_lookups_plugin_calls_and_answers() {
    let world = World::start_with(one_cloud(&["one"]), |host| {
        host.metrics_listen = Some("127.0.0.1:0".parse().unwrap())
    })
    .await
    .unwrap();
    let mut client = world.client().await;
    client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap();
    client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap();

    let text = http_get(world.daemon.metrics_addr.unwrap(), "/metrics").await;

    for line in [
        r#"oaktree_http_requests_total{cloud="alpha",region="one",service="compute",outcome="200"} 1"#,
        r#"oaktree_http_requests_total{cloud="alpha",region="one",service="identity",outcome="201"} 1"#,
        r#"oaktree_cache_lookups_total{kind="server",source="miss"} 1"#,
        r#"oaktree_cache_lookups_total{kind="server",source="hit"} 1"#,
        r#"oaktree_plugin_call_duration_seconds_count{plugin="openstack",function="list_servers",outcome="ok"} 1"#,
        r#"oaktree_location_answers_total{cloud="alpha",region="one",resource="server",status="ok"} 2"#,
        r#"oaktree_limiter_wait_seconds_count{cloud="alpha",region="one",service="compute"} 1"#,
        r#"oaktree_http_in_flight{cloud="alpha",region="one"} 0"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line} in:\n{text}"
        );
    }
}
