//! Benchmark: list servers everywhere, end to end through gRPC, against simulated clouds
//! whose every region answers in 50 ms with 5 servers — at 12, 100 and 1,000 cloud-regions,
//! fresh (bypassing the cache) and cached, with the daemon's default settings; then 12
//! regions of which one answers 503 to everything (its circuit breaker open).
//!
//! Run: `cargo bench -p oaktree-tests --bench federated_list` (`-- 1000` runs one part only:
//! `12`, `100`, `1000` or `503`).
//!
//! RSS is the process's (the simulator runs in the same process): reported whole and as the
//! growth since the simulator was up, which is the daemon's share plus what the simulator
//! allocated while serving. `FEDERATED_LIST_MAPPINGS=1` also prints the largest mappings'
//! resident MiB, to tell wasmtime's pools (huge reservations) from the allocator's heaps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// As in the daemon binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use oaktree_simcloud::{Fault, SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::World;
use oaktree_tests::proto::{CallOptions, ListRequest, ListServersResponse, StatusKind};

const REGION_LATENCY_MS: u64 = 50;
const SERVERS_PER_REGION: usize = 5;
const ROUNDS: usize = 20;

fn request(bypass_cache: bool) -> ListRequest {
    let mut request = oaktree_tests::list_request(&[], &[], "");
    request.options = Some(CallOptions {
        bypass_cache,
        treat_as_empty: vec![],
    });
    request
}

fn clouds(clouds: usize, regions: usize) -> SimConfig {
    SimConfig::new(
        (0..clouds)
            .map(|c| {
                let regions = (0..regions)
                    .map(|r| SimRegionConfig {
                        latency_ms: REGION_LATENCY_MS,
                        servers: SERVERS_PER_REGION,
                        ..SimRegionConfig::new(&format!("region-{r}"))
                    })
                    .collect();
                SimCloudConfig::new(&format!("cloud{c}"), regions)
            })
            .collect(),
    )
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn p90(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() * 9 / 10]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// This process's resident set, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The resident MiB of this process's mappings, largest first, as `(mapping size MiB, RSS MiB)`:
/// wasmtime's pools are single huge reservations, so they stand apart from the heaps.
fn largest_mappings(n: usize) -> Vec<(u64, u64)> {
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
    let kib = |line: &str| {
        line.split_whitespace()
            .nth(1)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let mut mappings = Vec::new();
    let mut size = 0;
    for line in smaps.lines() {
        if line.starts_with("Size:") {
            size = kib(line);
        } else if line.starts_with("Rss:") {
            mappings.push((size / 1024, kib(line) / 1024));
        }
    }
    mappings.sort_by_key(|m| std::cmp::Reverse(m.1));
    mappings.truncate(n);
    mappings
}

type Client = oaktree::proto::cloud_service_client::CloudServiceClient<tonic::transport::Channel>;

async fn list(client: &mut Client, bypass_cache: bool) -> (ListServersResponse, Duration) {
    let started = Instant::now();
    let reply = client
        .list_servers(request(bypass_cache))
        .await
        .unwrap()
        .into_inner();
    (reply, started.elapsed())
}

async fn healthy(n_clouds: usize, n_regions: usize) {
    let locations = n_clouds * n_regions;
    let config = clouds(n_clouds, n_regions);
    let sim_only = {
        // The simulator alone, for the RSS baseline.
        let sim = oaktree_simcloud::SimCloud::start(config.clone(), "127.0.0.1:0")
            .await
            .unwrap();
        let rss = rss_mib();
        sim.shutdown();
        rss
    };
    // The daemon's defaults: they must serve 1,000 cloud-regions as they are.
    let world = World::start(config).await.unwrap();
    let mut client = world.client().await;
    let started_rss = rss_mib();

    // Warm-up: a token per location, the plugin compiled and pooled.
    for attempt in 1..=3 {
        let (warm, elapsed) = list(&mut client, true).await;
        let failed: Vec<_> = warm
            .statuses
            .iter()
            .filter(|s| s.kind() != StatusKind::Ok)
            .collect();
        if failed.is_empty() {
            break;
        }
        println!(
            "  warm-up {attempt} ({:.0} ms): {} of {locations} locations failed, e.g. {:?}: {}",
            ms(elapsed),
            failed.len(),
            failed[0].kind(),
            failed[0].message
        );
    }

    let warm_rss = rss_mib();
    let mut fresh = Vec::new();
    let mut failed_locations = 0;
    for _ in 0..ROUNDS {
        let (reply, elapsed) = list(&mut client, true).await;
        fresh.push(elapsed);
        assert_eq!(reply.servers.len(), locations * SERVERS_PER_REGION);
        failed_locations += reply
            .statuses
            .iter()
            .filter(|s| s.kind() != StatusKind::Ok)
            .count();
    }
    let mut cached = Vec::new();
    for _ in 0..ROUNDS {
        let (reply, elapsed) = list(&mut client, false).await;
        cached.push(elapsed);
        failed_locations += reply
            .statuses
            .iter()
            .filter(|s| s.kind() != StatusKind::Ok)
            .count();
    }
    let rss = rss_mib();
    if std::env::var_os("FEDERATED_LIST_MAPPINGS").is_some() {
        println!(
            "  largest mappings (size MiB, RSS MiB): {:?}",
            largest_mappings(6)
        );
    }
    println!(
        "{locations:>5} cloud-regions ({n_clouds} x {n_regions}, {REGION_LATENCY_MS} ms, \
         {SERVERS_PER_REGION} servers each): fresh median {:>6.1} ms p90 {:>6.1} ms | cached \
         median {:>5.1} ms p90 {:>5.1} ms | failed locations {failed_locations} | RSS after \
         {rss:.0} MiB (simulator alone {sim_only:.0} MiB, growth {:.0} MiB; with the daemon \
         started {started_rss:.0} MiB, after the warm-up {warm_rss:.0} MiB)",
        ms(median(fresh.clone())),
        ms(p90(fresh)),
        ms(median(cached.clone())),
        ms(p90(cached)),
        rss - sim_only,
    );
    drop(client);
    world.daemon.shutdown().await.unwrap();
    world.sim.shutdown();
}

async fn one_region_down() {
    let world = World::start(clouds(3, 4)).await.unwrap();
    world
        .sim
        .set_fault("cloud1", "region-2", Fault::Unavailable, 0)
        .unwrap();
    let mut client = world.client().await;
    // Two fresh calls: retries of the first and the second trip the circuit (5 failures).
    for _ in 0..2 {
        list(&mut client, true).await;
    }
    let mut fresh = Vec::new();
    let mut slowest_healthy = Vec::new();
    let mut cached = Vec::new();
    let mut open = 0;
    for _ in 0..ROUNDS {
        let (reply, elapsed) = list(&mut client, true).await;
        fresh.push(elapsed);
        let healthy = reply.statuses.iter().filter(|s| s.kind() == StatusKind::Ok);
        let slowest = healthy.map(|s| s.elapsed_ms).max().unwrap_or(0);
        slowest_healthy.push(Duration::from_millis(slowest));
        assert_eq!(
            reply
                .statuses
                .iter()
                .filter(|s| s.kind() != StatusKind::Ok)
                .count(),
            1
        );
        open += reply
            .statuses
            .iter()
            .filter(|s| s.circuit.is_some())
            .count();
    }
    for _ in 0..ROUNDS {
        let (_, elapsed) = list(&mut client, false).await;
        cached.push(elapsed);
    }
    println!(
        "   12 cloud-regions, one answering 503: fresh median {:>6.1} ms (slowest healthy \
         region median {:>5.1} ms) | cached median {:>5.1} ms | circuit open in {open}/{ROUNDS} \
         fresh rounds",
        ms(median(fresh)),
        ms(median(slowest_healthy)),
        ms(median(cached)),
    );
}

#[tokio::main]
async fn main() {
    let only: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if run("12") {
        healthy(3, 4).await;
    }
    if run("100") {
        healthy(10, 10).await;
    }
    if run("1000") {
        healthy(10, 100).await;
    }
    if run("1000w") {
        healthy(100, 10).await;
    }
    if run("503") {
        one_region_down().await;
    }
}
