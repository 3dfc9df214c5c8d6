//! Hot reload of the plugin directory: adding, replacing and removing a `.wasm` takes effect
//! without a restart; calls never fail during a swap; a bad file never displaces a good one.
//!
//! Telling versions apart: the `echo` test driver (plugins/echo) lists one network named
//! after its build, `echo-v1` by default and `echo-v2` with its `v2` cargo feature. v1 comes
//! from the plugins workspace build; v2 is the same crate built once more with `--features v2`
//! into its own target directory, so the two artifacts never overwrite each other.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use oaktree_simcloud::{SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::{ListPluginsRequest, PluginInfo, StatusKind};
use oaktree_tests::{World, at, built_plugin, list_request, repo_root};

/// A cloud served by the echo driver; no HTTP is ever made to it.
const ECHO_CLOUD: &str = "  mirror:\n    profile: echo\n    auth:\n      auth_url: http://127.0.0.1:9/identity\n    regions: [one]\n";

/// How long a test waits for the watcher before calling it a failure.
const PATIENCE: Duration = Duration::from_secs(5);

fn echo_v1() -> PathBuf {
    built_plugin("echo")
}

/// The echo driver built with `--features v2`, once per test run.
fn echo_v2() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            echo_v1(); // the workspace build first, so the two cargo runs never overlap
            let plugins = repo_root().join("plugins");
            let target_dir = plugins.join("target/echo-v2");
            let output = std::process::Command::new(env!("CARGO"))
                .args(["build", "--release", "--target", "wasm32-wasip2"])
                .args(["-p", "oaktree-echo", "--features", "v2", "--target-dir"])
                .arg(&target_dir)
                .current_dir(&plugins)
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .output()
                .map_err(|e| format!("cannot run cargo: {e}"))?;
            if !output.status.success() {
                return Err(String::from_utf8_lossy(&output.stderr).into_owned());
            }
            Ok(target_dir.join("wasm32-wasip2/release/oaktree_echo.wasm"))
        })
        .clone()
        .unwrap_or_else(|e| panic!("building echo v2 failed:\n{e}"))
}

async fn world(plugins: &[PathBuf]) -> World {
    let sim = SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![SimRegionConfig::new("one")],
    )]);
    World::start_full(sim, ECHO_CLOUD, plugins, |_| {})
        .await
        .unwrap()
}

fn plugin_file(world: &World, name: &str) -> PathBuf {
    world.dir.path().join("plugins").join(name)
}

/// What the mirror cloud answers now: the network name, or the status kind and message.
async fn mirror_answer(world: &World) -> Result<String, (StatusKind, String)> {
    let mut client = world.client().await;
    let reply = client
        .list_networks(list_request(&["mirror"], &[], ""))
        .await
        .map_err(|s| (StatusKind::Internal, format!("call failed: {s}")))?
        .into_inner();
    let status = &reply.statuses[0];
    assert_eq!(at(status), "mirror/one");
    match (status.kind(), reply.networks.as_slice()) {
        (StatusKind::Ok, [network]) => Ok(network.name.clone()),
        (kind, networks) => Err((
            kind,
            format!("{} ({} networks)", status.message, networks.len()),
        )),
    }
}

/// Polls until the mirror cloud's answer satisfies `done`, returning it.
async fn await_mirror(
    world: &World,
    done: impl Fn(&Result<String, (StatusKind, String)>) -> bool,
) -> Result<String, (StatusKind, String)> {
    let started = Instant::now();
    loop {
        let answer = mirror_answer(world).await;
        if done(&answer) {
            return answer;
        }
        assert!(started.elapsed() < PATIENCE, "still answering {answer:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn plugins(world: &World) -> Vec<PluginInfo> {
    let mut client = world.client().await;
    client
        .list_plugins(ListPluginsRequest {})
        .await
        .unwrap()
        .into_inner()
        .plugins
}

fn overwrite(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn list_plugins_shows_each_loaded_driver_with_its_version() {
    let world = world(&[echo_v1()]).await;

    let plugins = plugins(&world).await;

    let names: Vec<&str> = plugins.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["echo", "openstack"]);
    let openstack = &plugins[1];
    assert_eq!(openstack.version, "0.1.0");
    assert!(
        openstack.file.ends_with("oaktree_openstack.wasm"),
        "{}",
        openstack.file
    );
    assert!(openstack.profiles.iter().any(|p| p == "openstack"));
    assert!(openstack.capabilities.iter().any(|c| c == "list-servers"));
    assert!(openstack.loaded_at_unix_ms > 0);
    assert_eq!(plugins[0].version, "1.0.0");
    assert_eq!(plugins[0].capabilities, ["list-networks"]);
}

#[tokio::test]
async fn replacing_a_plugin_under_load_switches_answers_within_a_second_without_failed_calls() {
    let v2 = std::fs::read(echo_v2()).unwrap();
    let world = world(&[echo_v1()]).await;
    assert_eq!(mirror_answer(&world).await, Ok("echo-v1".to_owned()));
    let file = plugin_file(&world, "oaktree_echo.wasm");

    // Four clients call back to back, each recording when and what it was answered.
    let callers: Vec<_> = (0..4)
        .map(|_| {
            let url = world.daemon.url();
            tokio::spawn(async move {
                let mut client =
                    oaktree_tests::proto::cloud_service_client::CloudServiceClient::connect(url)
                        .await
                        .unwrap();
                let started = Instant::now();
                let mut answers = Vec::new();
                while started.elapsed() < Duration::from_secs(3) {
                    let reply = client
                        .list_networks(list_request(&["mirror"], &[], ""))
                        .await
                        .map(|r| r.into_inner());
                    let answer = match reply {
                        Ok(reply) if reply.statuses[0].kind() == StatusKind::Ok => Ok(reply
                            .networks
                            .iter()
                            .map(|n| n.name.clone())
                            .collect::<Vec<_>>()),
                        Ok(reply) => Err(reply.statuses[0].message.clone()),
                        Err(status) => Err(status.to_string()),
                    };
                    answers.push((Instant::now(), answer));
                }
                answers
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    overwrite(&file, &v2);
    let written = Instant::now();

    let mut first_new: Option<Instant> = None;
    let mut calls = 0;
    for caller in callers {
        let answers = caller.await.unwrap();
        calls += answers.len();
        let mut seen_new = false;
        for (when, answer) in answers {
            let names = answer.unwrap_or_else(|e| panic!("a call failed during the swap: {e}"));
            match names.as_slice() {
                [name] if name == "echo-v1" => {
                    assert!(!seen_new, "answered v1 again after v2");
                }
                [name] if name == "echo-v2" => {
                    seen_new = true;
                    first_new = Some(first_new.map_or(when, |f| f.min(when)));
                }
                other => panic!("unexpected answer {other:?}"),
            }
        }
        assert!(seen_new, "a caller never saw the new version");
    }
    let latency = first_new.unwrap().saturating_duration_since(written);
    println!(
        "reload latency: {latency:?} from write to first v2 answer ({calls} calls, none failed)"
    );
    assert!(latency < Duration::from_secs(1), "took {latency:?}");
    let echo = plugins(&world)
        .await
        .into_iter()
        .find(|p| p.name == "echo")
        .unwrap();
    assert_eq!(echo.version, "2.0.0");
}

#[tokio::test]
async fn a_corrupt_file_over_a_working_plugin_is_rejected_and_the_old_version_keeps_answering() {
    let world = world(&[echo_v1()]).await;
    let file = plugin_file(&world, "oaktree_echo.wasm");
    let before = plugins(&world).await;

    overwrite(&file, b"\0asm this is not a component");
    tokio::time::sleep(Duration::from_millis(1500)).await;

    assert_eq!(mirror_answer(&world).await, Ok("echo-v1".to_owned()));
    assert_eq!(plugins(&world).await, before);
    // The watcher is still alive: a good file afterwards is taken.
    overwrite(&file, &std::fs::read(echo_v2()).unwrap());
    let answer = await_mirror(&world, |a| a.as_deref() == Ok("echo-v2")).await;
    assert_eq!(answer, Ok("echo-v2".to_owned()));
}

#[tokio::test]
async fn a_file_whose_driver_name_is_taken_by_another_file_is_rejected() {
    let world = world(&[echo_v1()]).await;
    let file = plugin_file(&world, "oaktree_echo.wasm");

    // The OpenStack driver under the echo file's name: "openstack" is already served.
    overwrite(&file, &std::fs::read(built_plugin("openstack")).unwrap());
    tokio::time::sleep(Duration::from_millis(1500)).await;

    assert_eq!(mirror_answer(&world).await, Ok("echo-v1".to_owned()));
    let plugins = plugins(&world).await;
    let files: Vec<(&str, &str)> = plugins
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                Path::new(&p.file).file_name().unwrap().to_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("echo", "oaktree_echo.wasm"),
            ("openstack", "oaktree_openstack.wasm")
        ]
    );
}

#[tokio::test]
async fn deleting_a_plugin_file_unloads_it_and_its_locations_report_unsupported() {
    let world = world(&[echo_v1()]).await;
    assert_eq!(mirror_answer(&world).await, Ok("echo-v1".to_owned()));

    std::fs::remove_file(plugin_file(&world, "oaktree_echo.wasm")).unwrap();
    let answer = await_mirror(&world, Result::is_err).await;

    let (kind, message) = answer.unwrap_err();
    assert_eq!(kind, StatusKind::Unsupported);
    assert!(message.contains("profile 'echo'"), "{message}");
    let names: Vec<String> = plugins(&world).await.into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["openstack"]);
    // The other cloud still answers.
    let mut client = world.client().await;
    let reply = client
        .list_networks(list_request(&["alpha"], &[], ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.statuses[0].kind(), StatusKind::Ok);
}

#[tokio::test]
async fn dropping_a_new_plugin_file_in_makes_its_cloud_work_without_restart() {
    let world = world(&[]).await;
    let before = mirror_answer(&world).await;
    assert!(
        matches!(&before, Err((StatusKind::Unsupported, m)) if m.contains("profile 'echo'")),
        "{before:?}"
    );

    std::fs::copy(echo_v1(), plugin_file(&world, "echo.wasm")).unwrap();
    let answer = await_mirror(&world, Result::is_ok).await;

    assert_eq!(answer, Ok("echo-v1".to_owned()));
    let echo = plugins(&world)
        .await
        .into_iter()
        .find(|p| p.name == "echo")
        .unwrap();
    assert!(echo.file.ends_with("echo.wasm"), "{}", echo.file);
}

#[tokio::test]
async fn with_watching_off_a_new_plugin_file_is_ignored() {
    let sim = SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![SimRegionConfig::new("one")],
    )]);
    let world = World::start_full(sim, ECHO_CLOUD, &[], |host| host.watch_plugins = false)
        .await
        .unwrap();

    std::fs::copy(echo_v1(), plugin_file(&world, "echo.wasm")).unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;

    assert!(matches!(
        mirror_answer(&world).await,
        Err((StatusKind::Unsupported, _))
    ));
}
