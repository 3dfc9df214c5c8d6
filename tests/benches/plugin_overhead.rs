//! Benchmark: host overhead of one driver call, excluding HTTP — a fresh Store and instance
//! from the pool, the call, and the result lifted back — using the test plugin's `get-image`,
//! which answers not-found without any I/O.
//!
//! Then: host memory across 1,000 faults of each kind (a trap, an endless loop stopped by its
//! deadline, an allocation stopped by the memory limit), and a healthy call after them.
//!
//! Run: `cargo bench -p oaktree-tests --bench plugin_overhead`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// As in the daemon binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use oaktree::location::CloudRegion;
use oaktree::plugin::{CallError, CallStats, DriverCall, Registry, Runtime, RuntimeSettings};
use oaktree_tests::built_plugin;

const CALLS: u32 = 20_000;

#[tokio::main]
async fn main() {
    let runtime = Arc::new(Runtime::new(RuntimeSettings::default()).unwrap());
    let registry = Registry::new(runtime.clone());
    let plugin = registry.load_file(&built_plugin("faulty")).await.unwrap();
    let call = DriverCall {
        runtime,
        plugin,
        at: CloudRegion::new("bench", "one"),
        config_json: r#"{"auth":{"auth_url":"http://127.0.0.1:9/identity"}}"#.into(),
        deadline: tokio::time::Instant::now() + Duration::from_secs(3600),
        stats: Arc::new(CallStats::default()),
    };
    for _ in 0..1000 {
        let _ = call.get_image("warm-up").await;
    }
    let started = Instant::now();
    for _ in 0..CALLS {
        let outcome = call.get_image("ami-none").await;
        assert!(matches!(outcome, Err(CallError::Driver(_))));
    }
    let per_call = started.elapsed() / CALLS;
    println!(
        "host overhead per driver call (pooled instance + call + result, no HTTP), {CALLS} calls: {:.1} µs",
        per_call.as_secs_f64() * 1e6
    );
    faults(&call).await;
}

/// Resident memory of this process, from /proc (Linux).
fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: f64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096.0 / (1024.0 * 1024.0)
}

async fn faults(healthy: &DriverCall) {
    const FAULTS: usize = 1000;
    let with_deadline = |ms: u64| DriverCall {
        runtime: healthy.runtime.clone(),
        plugin: healthy.plugin.clone(),
        at: healthy.at.clone(),
        config_json: healthy.config_json.clone(),
        deadline: tokio::time::Instant::now() + Duration::from_millis(ms),
        stats: Arc::new(CallStats::default()),
    };
    // Warm the pool slots the faults will use, then measure.
    for _ in 0..10 {
        let _ = with_deadline(5_000).list_servers().await;
        let _ = with_deadline(5_000).list_flavors().await;
        let _ = with_deadline(20).list_images().await;
    }
    let before = rss_mib();
    let started = Instant::now();
    for _ in 0..FAULTS {
        assert!(matches!(
            with_deadline(5_000).list_servers().await,
            Err(CallError::Trap { .. })
        ));
    }
    let after_traps = rss_mib();
    for _ in 0..FAULTS {
        assert!(matches!(
            with_deadline(5_000).list_flavors().await,
            Err(CallError::Trap { .. })
        ));
    }
    let after_oom = rss_mib();
    for _ in 0..FAULTS {
        assert!(matches!(
            with_deadline(15).list_images().await,
            Err(CallError::Deadline)
        ));
    }
    let after_loops = rss_mib();
    let healthy_after = healthy.get_image("ami-none").await;
    assert!(matches!(healthy_after, Err(CallError::Driver(_))));
    println!(
        "faults: {FAULTS} traps, {FAULTS} out-of-memory guests, {FAULTS} endless loops (15 ms deadline) in {:.1} s; RSS MiB: before {before:.1}, after traps {after_traps:.1}, after OOM {after_oom:.1}, after loops {after_loops:.1}; a healthy call afterwards answered",
        started.elapsed().as_secs_f64()
    );
}
