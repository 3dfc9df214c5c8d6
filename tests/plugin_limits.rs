//! Guest memory under a daemon-wide budget: a driver that allocates without bound fails with
//! an error naming the limit it hit and that limit's config key, and many of them at once
//! hold no more memory together than `plugin_memory_total_mb`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use oaktree_simcloud::{SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::StatusKind;
use oaktree_tests::{World, built_plugin, list_request, status_at};

const BROKEN_CLOUD: &str = "  broken:\n    profile: faulty\n    auth:\n      auth_url: http://127.0.0.1:9/identity\n    regions: [one]\n";

async fn world(adjust: impl FnOnce(&mut oaktree::config::HostConfig)) -> World {
    let sim = SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![SimRegionConfig::new("one")],
    )]);
    World::start_full(sim, BROKEN_CLOUD, &[built_plugin("faulty")], adjust)
        .await
        .unwrap()
}

/// The process's peak resident set so far, in MiB (Linux).
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib / 1024
}

#[tokio::test]
async fn an_out_of_memory_guest_names_the_per_instance_limit_and_its_key() {
    let world = world(|host| host.plugin_memory_limit_mb = 64).await;
    let mut client = world.client().await;

    let reply = client
        .list_flavors(list_request(&["broken"], &[], ""))
        .await
        .unwrap()
        .into_inner();

    let broken = status_at(&reply.statuses, "broken/one");
    assert_eq!(broken.kind(), StatusKind::Internal);
    assert!(
        broken.message.contains("per-instance cap of 64 MiB")
            && broken.message.contains("`plugin_memory_limit_mb`"),
        "{}",
        broken.message
    );
}

#[tokio::test]
async fn twelve_concurrent_out_of_memory_guests_stay_within_the_daemon_wide_budget() {
    let world = world(|host| host.plugin_memory_total_mb = 192).await;
    let client = world.client().await;
    let before = peak_rss_mib();

    let calls = (0..12).map(|_| {
        let mut client = client.clone();
        async move {
            client
                .list_flavors(list_request(&["broken"], &[], ""))
                .await
                .unwrap()
                .into_inner()
        }
    });
    let replies = futures::future::join_all(calls).await;
    let grown = peak_rss_mib().saturating_sub(before);

    let messages: Vec<String> = replies
        .iter()
        .map(|r| status_at(&r.statuses, "broken/one").message.clone())
        .collect();
    for message in &messages {
        assert!(
            message.contains("`plugin_memory_limit_mb`")
                || message.contains("`plugin_memory_total_mb`")
                || message.contains("no answer within the deadline"),
            "{message}"
        );
    }
    assert!(
        messages
            .iter()
            .any(|m| m.contains("daemon-wide guest memory budget of 192 MiB")),
        "{messages:?}"
    );
    // Unbounded, twelve guests at the 256 MiB cap would touch 3 GiB.
    assert!(grown < 512, "peak RSS grew by {grown} MiB");
    let mut client = client.clone();
    let healthy = client
        .list_servers(list_request(&["alpha"], &[], ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        healthy.statuses[0].kind(),
        StatusKind::Ok,
        "memory came back"
    );
}
