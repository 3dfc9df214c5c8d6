//! Compiled plugins are cached on disk: the first load compiles with Cranelift and stores the
//! artifact; a later runtime (a restarted daemon) maps it instead of compiling; a corrupt
//! entry is compiled again and replaced.
//!
//! Cold and warm load times are printed; see them with
//! `cargo test -p oaktree-tests --test plugin_cache -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use oaktree::config::PluginCacheDir;
use oaktree::plugin::{Registry, Runtime, RuntimeSettings};
use oaktree_simcloud::{SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::StatusKind;
use oaktree_tests::{World, built_plugin, list_request, openstack_plugin};

fn runtime(cache: Option<&Path>) -> Arc<Runtime> {
    Arc::new(
        Runtime::new(RuntimeSettings {
            artifact_cache_dir: cache.map(Path::to_owned),
            ..RuntimeSettings::default()
        })
        .unwrap(),
    )
}

/// Loads `file` into a fresh registry on `runtime`, returning how long it took.
async fn load(runtime: &Arc<Runtime>, file: &Path) -> Duration {
    let registry = Registry::new(runtime.clone());
    let started = Instant::now();
    registry.load_file(file).await.unwrap();
    started.elapsed()
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect()
}

#[tokio::test]
async fn a_second_runtime_loads_a_plugin_from_the_cache_without_compiling() {
    let cache = tempfile::tempdir().unwrap();
    let plugin = openstack_plugin();

    let cold_runtime = runtime(Some(cache.path()));
    let cold = load(&cold_runtime, &plugin).await;
    assert_eq!(cold_runtime.compile_counters().compiled(), 1);
    assert_eq!(cold_runtime.compile_counters().cache_hits(), 0);
    assert_eq!(entries(cache.path()).len(), 1);

    let warm_runtime = runtime(Some(cache.path()));
    let warm = load(&warm_runtime, &plugin).await;
    assert_eq!(warm_runtime.compile_counters().compiled(), 0);
    assert_eq!(warm_runtime.compile_counters().cache_hits(), 1);

    let uncached_runtime = runtime(None);
    let uncached = load(&uncached_runtime, &plugin).await;
    assert_eq!(uncached_runtime.compile_counters().compiled(), 1);
    eprintln!(
        "openstack plugin ({} KiB): load without cache {uncached:?}, cold (compile + store) {cold:?}, warm (from cache) {warm:?}",
        std::fs::metadata(&plugin).unwrap().len() >> 10
    );
}

#[tokio::test]
async fn a_corrupt_cache_entry_is_compiled_again_and_replaced() {
    let cache = tempfile::tempdir().unwrap();
    let plugin = built_plugin("faulty");
    load(&runtime(Some(cache.path())), &plugin).await;
    let [entry] = entries(cache.path()).try_into().unwrap();
    std::fs::write(&entry, b"\x7fELF but not what wasmtime wrote").unwrap();

    let repaired = runtime(Some(cache.path()));
    load(&repaired, &plugin).await;
    assert_eq!(repaired.compile_counters().compiled(), 1);

    let warm = runtime(Some(cache.path()));
    load(&warm, &plugin).await;
    assert_eq!(warm.compile_counters().cache_hits(), 1);
}

#[tokio::test]
async fn a_restarted_daemon_serves_from_cached_plugins() {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().to_owned();
    let start = || async {
        let sim = SimConfig::new(vec![SimCloudConfig::new(
            "alpha",
            vec![SimRegionConfig::new("one")],
        )]);
        let dir = dir.clone();
        World::start_full(sim, "", &[built_plugin("faulty")], move |host| {
            host.plugin_cache_dir = PluginCacheDir::Dir(dir);
        })
        .await
        .unwrap()
    };

    let first = start().await;
    let counters = first
        .daemon
        .federation
        .registry()
        .runtime()
        .compile_counters();
    assert_eq!((counters.compiled(), counters.cache_hits()), (2, 0));
    drop(first);

    let second = start().await;
    let runtime = second.daemon.federation.registry().runtime();
    assert_eq!(runtime.artifact_cache_dir(), Some(cache.path()));
    let counters = runtime.compile_counters();
    assert_eq!((counters.compiled(), counters.cache_hits()), (0, 2));
    let reply = second
        .client()
        .await
        .list_servers(list_request(&["alpha"], &[], ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.statuses[0].kind(), StatusKind::Ok);
}

#[tokio::test]
async fn with_the_cache_off_every_load_compiles() {
    let sim = SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![SimRegionConfig::new("one")],
    )]);
    let world = World::start_full(sim, "", &[], |host| {
        host.plugin_cache_dir = PluginCacheDir::Off;
    })
    .await
    .unwrap();
    let runtime = world.daemon.federation.registry().runtime();
    assert_eq!(runtime.artifact_cache_dir(), None);
    assert_eq!(runtime.compile_counters().compiled(), 1);
}
