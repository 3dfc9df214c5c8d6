//! Benchmark: the host's call discipline, measured in one run against simulated clouds.
//!
//! 1. A region limited to 10 calls/s (burst 1) under demand far above it, for 20 s: the
//!    most calls the cloud saw in any 1 s window, and the average rate.
//! 2. After 30 s idle, a crowd of 50 callers against a region limited to 10/s with burst 5:
//!    how many calls the cloud saw in the first 90 ms (at most the burst, plus one token).
//! 3. 100 concurrent identical list calls: how many upstream requests they caused.
//! 4. Cached list throughput through gRPC: requests per second for a cached one-location
//!    listing, with 8 connections x 32 calls in flight, for 5 s.
//!
//! Run: `cargo bench -p oaktree-tests --bench call_discipline`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// As in the daemon binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oaktree::limits::settings::{HostLimit, LimitOverride};
use oaktree::proto::cloud_service_client::CloudServiceClient;
use oaktree_simcloud::{Fault, SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::{CallOptions, ListRequest, StatusKind};
use oaktree_tests::{World, list_request};

fn limit(region: &str, rate: f64, burst: u32) -> HostLimit {
    HostLimit {
        cloud: "alpha".into(),
        region: region.into(),
        service: None,
        set: LimitOverride {
            calls_per_second: Some(rate),
            burst: Some(burst),
            max_in_flight: Some(10),
        },
    }
}

fn fresh(region: &str) -> ListRequest {
    let mut request = list_request(&[], &[region], "");
    request.options = Some(CallOptions {
        bypass_cache: true,
        treat_as_empty: vec![],
    });
    request
}

/// Most arrivals within any half-open window [t, t + width) starting at an arrival.
fn max_in_window(arrivals: &[tokio::time::Instant], width: Duration) -> usize {
    let mut best = 0;
    let mut end = 0;
    for start in 0..arrivals.len() {
        while end < arrivals.len() && arrivals[end] < arrivals[start] + width {
            end += 1;
        }
        best = best.max(end - start);
    }
    best
}

async fn saturated_rate(world: &World) {
    let client = world.client().await;
    client.clone().list_servers(fresh("rate")).await.unwrap();
    let skip = world.sim.arrivals("alpha", "rate").unwrap().len();
    let stop_at = Instant::now() + Duration::from_secs(20);
    let loops = (0..50).map(|_| {
        let mut client = client.clone();
        tokio::spawn(async move {
            while Instant::now() < stop_at {
                let mut request = tonic::Request::new(fresh("rate"));
                request.set_timeout(Duration::from_secs(2));
                let _ = client.list_servers(request).await;
            }
        })
    });
    futures::future::join_all(loops).await;
    let arrivals: Vec<_> = world.sim.arrivals("alpha", "rate").unwrap()[skip..].to_vec();
    let span = *arrivals.last().unwrap() - arrivals[0];
    println!("1. region limited to 10 calls/s (burst 1), 50 callers for 20 s:");
    println!(
        "   calls the cloud saw: {} over {:.2} s",
        arrivals.len(),
        span.as_secs_f64()
    );
    println!(
        "   most in any 1 s window: {}",
        max_in_window(&arrivals, Duration::from_secs(1))
    );
    println!(
        "   average rate: {:.2} calls/s",
        (arrivals.len() - 1) as f64 / span.as_secs_f64()
    );
}

async fn burst_after_idle(world: &World) {
    let client = world.client().await;
    client.clone().list_servers(fresh("idle")).await.unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    let skip = world.sim.arrivals("alpha", "idle").unwrap().len();
    let calls = (0..50).map(|_| {
        let mut client = client.clone();
        tokio::spawn(async move { client.list_servers(fresh("idle")).await.unwrap() })
    });
    futures::future::join_all(calls).await;
    let arrivals: Vec<_> = world.sim.arrivals("alpha", "idle").unwrap()[skip..].to_vec();
    println!("2. after 30 s idle, 50 callers at a region limited to 10/s with burst 5:");
    println!(
        "   calls in the first 90 ms: {} (burst 5; the next token is due at 100 ms); most in any 1 s window: {}",
        arrivals
            .iter()
            .filter(|t| **t < arrivals[0] + Duration::from_millis(90))
            .count(),
        max_in_window(&arrivals, Duration::from_secs(1))
    );
}

async fn single_flight(world: &World) {
    world
        .sim
        .set_fault("alpha", "shared", Fault::None, 200)
        .unwrap();
    let client = world.client().await;
    let before = world.sim.request_count("alpha", "shared");
    let calls = (0..100).map(|_| {
        let mut client = client.clone();
        tokio::spawn(async move {
            client
                .list_servers(list_request(&[], &["shared"], ""))
                .await
                .unwrap()
        })
    });
    let replies = futures::future::join_all(calls).await;
    assert!(
        replies
            .iter()
            .all(|r| r.as_ref().unwrap().get_ref().statuses[0].kind() == StatusKind::Ok)
    );
    println!(
        "3. 100 concurrent identical ListServers calls: {} upstream request(s)",
        world.sim.request_count("alpha", "shared") - before
    );
}

async fn cached_throughput(world: &World) {
    const CONNECTIONS: usize = 8;
    const IN_FLIGHT_PER_CONNECTION: usize = 32;
    const SECONDS: u64 = 5;
    let mut clients = Vec::new();
    for _ in 0..CONNECTIONS {
        clients.push(
            CloudServiceClient::connect(world.daemon.url())
                .await
                .unwrap(),
        );
    }
    clients[0]
        .list_servers(list_request(&[], &["cached"], ""))
        .await
        .unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let stop_at = started + Duration::from_secs(SECONDS);
    let workers = clients.iter().flat_map(|client| {
        (0..IN_FLIGHT_PER_CONNECTION).map(|_| {
            let mut client = client.clone();
            let done = done.clone();
            tokio::spawn(async move {
                while Instant::now() < stop_at {
                    let reply = client
                        .list_servers(list_request(&[], &["cached"], ""))
                        .await
                        .unwrap();
                    assert_eq!(reply.get_ref().servers.len(), 10);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
    });
    futures::future::join_all(workers.collect::<Vec<_>>()).await;
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!(
        "4. cached ListServers (one location, 10 servers) through gRPC, {CONNECTIONS} connections x {IN_FLIGHT_PER_CONNECTION} in flight, client in the same process: {rate:.0} req/s"
    );
}

#[tokio::main]
async fn main() {
    let sim = SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        ["rate", "idle", "shared", "cached"]
            .iter()
            .map(|r| SimRegionConfig::new(r))
            .collect(),
    )]);
    let world = World::start_with(sim, |host| {
        host.limits = vec![limit("rate", 10.0, 1), limit("idle", 10.0, 5)];
    })
    .await
    .unwrap();
    saturated_rate(&world).await;
    burst_after_idle(&world).await;
    single_flight(&world).await;
    cached_throughput(&world).await;
}
