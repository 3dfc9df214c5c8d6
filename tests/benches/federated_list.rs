//! Benchmark: list servers everywhere, end to end through gRPC, against simulated clouds
//! whose every region answers in 50 ms — beside a sequential loop asking the same regions
//! one at a time through the same daemon, measured in the same run.
//!
//! Run: `cargo bench -p oaktree-tests --bench federated_list` (add `-- 100` to also run
//! 10 clouds x 10 regions).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// As in the daemon binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use oaktree_simcloud::{SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::World;
use oaktree_tests::proto::{CallOptions, ListRequest, StatusKind};

/// Every call asks the clouds: this measures the fan-out, not the cache.
fn list_request(clouds: &[&str], regions: &[&str], name_or_id: &str) -> ListRequest {
    let mut request = oaktree_tests::list_request(clouds, regions, name_or_id);
    request.options = Some(CallOptions {
        bypass_cache: true,
        treat_as_empty: vec![],
    });
    request
}

const REGION_LATENCY_MS: u64 = 50;
const ROUNDS: usize = 20;

fn clouds(clouds: usize, regions: usize) -> SimConfig {
    SimConfig::new(
        (0..clouds)
            .map(|c| {
                let regions = (0..regions)
                    .map(|r| SimRegionConfig {
                        latency_ms: REGION_LATENCY_MS,
                        ..SimRegionConfig::new(&format!("region-{r}"))
                    })
                    .collect();
                SimCloudConfig::new(&format!("cloud{c}"), regions)
            })
            .collect(),
    )
}

struct Summary {
    median: Duration,
    p90: Duration,
    min: Duration,
}

fn summarise(mut samples: Vec<Duration>) -> Summary {
    samples.sort();
    Summary {
        median: samples[samples.len() / 2],
        p90: samples[samples.len() * 9 / 10],
        min: samples[0],
    }
}

async fn run(n_clouds: usize, n_regions: usize) {
    let config = clouds(n_clouds, n_regions);
    let locations: Vec<(String, String)> = config
        .clouds
        .iter()
        .flat_map(|c| {
            c.regions
                .iter()
                .map(move |r| (c.name.clone(), r.name.clone()))
        })
        .collect();
    let expected: usize = config
        .clouds
        .iter()
        .flat_map(|c| &c.regions)
        .map(|r| r.servers)
        .sum();
    let world = World::start_with(config, |host| host.max_concurrency = 128)
        .await
        .unwrap();
    let mut client = world.client().await;

    // Warm-up: one token per location, plugin compiled and pooled.
    let warm = client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();
    assert!(warm.statuses.iter().all(|s| s.kind() == StatusKind::Ok));

    let mut federated = Vec::new();
    let mut sequential = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let reply = client
            .list_servers(list_request(&[], &[], ""))
            .await
            .unwrap()
            .into_inner();
        federated.push(started.elapsed());
        assert_eq!(reply.servers.len(), expected);
        assert!(reply.statuses.iter().all(|s| s.kind() == StatusKind::Ok));

        let started = Instant::now();
        let mut servers = 0;
        for (cloud, region) in &locations {
            let reply = client
                .list_servers(list_request(&[cloud], &[region], ""))
                .await
                .unwrap()
                .into_inner();
            servers += reply.servers.len();
        }
        sequential.push(started.elapsed());
        assert_eq!(servers, expected);
    }
    let (f, s) = (summarise(federated), summarise(sequential));
    println!(
        "{n_clouds} clouds x {n_regions} regions ({} locations, {expected} servers, {REGION_LATENCY_MS} ms per region), {ROUNDS} rounds:",
        locations.len()
    );
    println!(
        "  federated ListServers everywhere: median {:>7.1} ms  p90 {:>7.1} ms  min {:>7.1} ms",
        ms(f.median),
        ms(f.p90),
        ms(f.min)
    );
    println!(
        "  sequential loop, one call per region: median {:>7.1} ms  p90 {:>7.1} ms  min {:>7.1} ms",
        ms(s.median),
        ms(s.p90),
        ms(s.min)
    );
    println!(
        "  speed-up (median sequential / median federated): {:.1}x",
        s.median.as_secs_f64() / f.median.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    run(3, 4).await;
    if std::env::args().any(|a| a == "100") {
        run(10, 10).await;
    }
}
