//! Benchmark: host overhead of one driver call, excluding HTTP — a fresh Store and instance
//! from the pool, the call, and the result lifted back — using the test plugin's `get-image`,
//! which answers not-found without any I/O.
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
}
