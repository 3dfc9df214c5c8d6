//! The daemon as a separate process, killed or stopped mid-operation: what it created is
//! deleted after a restart, interrupted operations say so, and SIGTERM lets a stream in
//! flight finish.
//!
//! Each test starts the simulator in-process (127.0.0.1:0), writes a clouds.yaml and a
//! daemon config into a temp dir (fixed `work_dir` there), and runs the `oaktree serve`
//! binary with the real driver plugins. The binary is `OAKTREE_BIN` when set, else
//! `target/<profile>/oaktree` beside this test's executable, built once per run with
//! `cargo build -p oaktree --bin oaktree` (a test crate's build does not make another
//! package's binary).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use oaktree_simcloud::{SimCloud, SimCloudConfig, SimConfig, SimRegionConfig, Vendor};
use oaktree_tests::proto::cloud_service_client::CloudServiceClient;
use oaktree_tests::proto::operation_service_client::OperationServiceClient;
use oaktree_tests::proto::{
    CloudRegion, CreateImageRequest, CreateServerRequest, ImageUploadStart, ListCleanupRequest,
    ListOperationsRequest, LocationSelector, OperationState, create_image_request::Part,
    operation_event,
};
use oaktree_tests::{built_plugin, drain_operation, finished};
use tokio::time::Instant;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, health_check_response};

/// Bound of every wait (a debug daemon compiles its plugins on first start).
const LIMIT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(100);

/// The `oaktree` binary to run.
fn daemon_binary() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if let Some(bin) = std::env::var_os("OAKTREE_BIN") {
                return Ok(PathBuf::from(bin));
            }
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            // target/<profile>/deps/crash_safety-<hash>
            let profile_dir = exe
                .parent()
                .and_then(Path::parent)
                .ok_or("the test executable is not in target/<profile>/deps")?;
            let mut cargo = Command::new(env!("CARGO"));
            cargo
                .args(["build", "-p", "oaktree", "--bin", "oaktree"])
                .current_dir(oaktree_tests::repo_root());
            if profile_dir.file_name().is_some_and(|n| n == "release") {
                cargo.arg("--release");
            }
            let output = cargo
                .output()
                .map_err(|e| format!("cannot run cargo: {e}"))?;
            if !output.status.success() {
                return Err(format!(
                    "building the oaktree binary failed:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            Ok(profile_dir.join("oaktree"))
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A temp dir with the simulator's clouds.yaml, the plugins and a work directory.
struct Setup {
    dir: tempfile::TempDir,
    sim: SimCloud,
}

impl Setup {
    async fn new(sim_config: SimConfig) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let sim = SimCloud::start(sim_config, "127.0.0.1:0").await.unwrap();
        std::fs::write(dir.path().join("clouds.yaml"), sim.clouds_yaml()).unwrap();
        let plugins = dir.path().join("plugins");
        std::fs::create_dir_all(&plugins).unwrap();
        for name in ["openstack", "rackspace"] {
            let plugin = built_plugin(name);
            std::fs::copy(&plugin, plugins.join(plugin.file_name().unwrap())).unwrap();
        }
        Setup { dir, sim }
    }

    fn work_dir(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn ledger(&self) -> Vec<serde_json::Value> {
        match std::fs::read(self.work_dir().join("cleanup-ledger.json")) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap(),
            Err(_) => Vec::new(),
        }
    }

    /// Starts `oaktree serve` on a free port and waits until its health says SERVING.
    async fn start(&self, run: &str) -> Daemon {
        self.start_with_grace(run, 20_000).await
    }

    async fn start_with_grace(&self, run: &str, grace_ms: u64) -> Daemon {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = self.dir.path().join("oaktree.yaml");
        std::fs::write(
            &config,
            format!(
                "listen: 127.0.0.1:{port}\nplugin_dir: plugins\nclouds_file: clouds.yaml\n\
                 work_dir: work\nwatch_plugins: false\nlog_format: json\n\
                 shutdown_grace_ms: {grace_ms}\n"
            ),
        )
        .unwrap();
        let log = self.dir.path().join(format!("daemon-{run}.log"));
        let child = Command::new(daemon_binary())
            .args(["serve", "--config"])
            .arg(&config)
            .env("RUST_LOG", "info")
            .env_remove("OS_CLOUD")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let daemon = Daemon {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        daemon.wait_serving().await;
        daemon
    }
}

/// One `oaktree serve` process.
struct Daemon {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Daemon {
    async fn channel(&self) -> Channel {
        Channel::from_shared(self.url.clone())
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    async fn wait_serving(&self) {
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Ok(channel) = Channel::from_shared(self.url.clone())
                .unwrap()
                .connect()
                .await
            {
                let reply = HealthClient::new(channel)
                    .check(HealthCheckRequest::default())
                    .await;
                if reply.is_ok_and(|r| r.into_inner().status() == ServingStatus::Serving) {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the daemon did not serve in time; its log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (bounded) for the process to end; its exit code.
    async fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the daemon did not exit in time");
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` until it holds (bounded by [`LIMIT`]).
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(POLL).await;
    }
}

fn one_region(build_ms: u64) -> SimConfig {
    let mut region = SimRegionConfig::new("one");
    region.lifecycle.build_ms = build_ms;
    region.lifecycle.delete_ms = 200;
    SimConfig::new(vec![SimCloudConfig::new("alpha", vec![region])])
}

fn boot(setup: &Setup, name: &str) -> CreateServerRequest {
    let inventory = setup.sim.inventory("alpha", "one").unwrap();
    CreateServerRequest {
        location: Some(CloudRegion {
            cloud: "alpha".into(),
            region: "one".into(),
        }),
        name: name.into(),
        image: inventory.images[0].id.clone(),
        flavor: inventory.flavors[0].id.clone(),
        networks: vec!["private".into()],
        wait: true,
        auto_ip: true,
        poll_interval_ms: 200,
        timeout_seconds: 600,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_daemon_killed_mid_boot_deletes_the_server_and_its_floating_ip_after_restart() {
    // The boot takes ten minutes, so the kill lands while the server builds and after the
    // floating IP was allocated beside it.
    let setup = Setup::new(one_region(600_000)).await;
    let daemon = setup.start("first").await;
    let mut operations = OperationServiceClient::new(daemon.channel().await);
    let mut events = operations
        .create_server(boot(&setup, "orphan"))
        .await
        .unwrap()
        .into_inner();
    let first = events.message().await.unwrap().unwrap();
    let operation_id = first.operation_id.clone();
    eventually(
        "the server and floating IP in the simulator and the ledger",
        || {
            let created = setup.sim.created("alpha", "one").unwrap();
            let written: Vec<(String, bool)> = setup
                .ledger()
                .iter()
                .map(|e| {
                    (
                        e["kind"].as_str().unwrap().to_owned(),
                        !e["id"].as_str().unwrap().is_empty(),
                    )
                })
                .collect();
            created.servers.len() == 1
                && created.floating_ips.len() == 1
                && written.contains(&("server".into(), true))
                && written.contains(&("floating-ip".into(), true))
        },
    )
    .await;
    daemon.kill_9();
    drop(events);
    // An upload the dead process left behind.
    let stale = setup.work_dir().join("upload-5eed");
    std::fs::write(&stale, b"half an image").unwrap();

    let daemon = setup.start("second").await;
    assert!(
        !stale.exists(),
        "the stale upload file was removed on start"
    );
    eventually("the orphans deleted in the simulator", || {
        let created = setup.sim.created("alpha", "one").unwrap();
        created.servers.is_empty() && created.floating_ips.is_empty()
    })
    .await;
    let mut operations = OperationServiceClient::new(daemon.channel().await);
    let listed = operations
        .list_operations(ListOperationsRequest {})
        .await
        .unwrap()
        .into_inner()
        .operations;
    let op = listed
        .iter()
        .find(|op| op.id == operation_id)
        .expect("the interrupted operation is listed after the restart");
    assert_eq!(op.state(), OperationState::Failed, "{op:?}");
    assert!(op.interrupted, "{op:?}");
    assert!(op.error.contains("the daemon restarted"), "{}", op.error);
    let cleanup = operations
        .list_cleanup(ListCleanupRequest {})
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert!(cleanup.is_empty(), "everything was swept: {cleanup:?}");
    assert!(setup.ledger().is_empty(), "{:?}", setup.ledger());
}

#[tokio::test]
async fn a_daemon_killed_mid_import_deletes_the_staging_object_after_restart() {
    // Rackspace-flavoured: images go through a swift staging object and a glance import
    // task, which here takes ten minutes.
    let mut cloud = SimCloudConfig::new("rax", vec![SimRegionConfig::new("r1")]);
    cloud.vendor = Vendor::Rackspace;
    let mut config = SimConfig::new(vec![cloud]);
    config.image_task_ms = 600_000;
    let setup = Setup::new(config).await;
    let daemon = setup.start("first").await;
    let mut operations = OperationServiceClient::new(daemon.channel().await);
    let messages = vec![
        CreateImageRequest {
            part: Some(Part::Start(ImageUploadStart {
                name: "golden".into(),
                selector: Some(LocationSelector {
                    clouds: vec!["rax".into()],
                    regions: vec!["r1".into()],
                }),
                disk_format: "vhd".into(),
                timeout_seconds: 900,
                ..Default::default()
            })),
        },
        CreateImageRequest {
            part: Some(Part::Chunk(vec![7u8; 64 << 10])),
        },
    ];
    let mut events = operations
        .create_image(futures::stream::iter(messages))
        .await
        .unwrap()
        .into_inner();
    let first = events.message().await.unwrap().unwrap();
    let operation_id = first.operation_id.clone();
    eventually("the staging object in swift and in the ledger", || {
        let staged = setup.sim.created("rax", "r1").unwrap().objects;
        let written = setup
            .ledger()
            .iter()
            .any(|e| e["kind"] == "object" && e["id"] == "images/golden");
        staged == ["images/golden"] && written
    })
    .await;
    daemon.kill_9();
    drop(events);

    let daemon = setup.start("second").await;
    eventually("the staging object deleted", || {
        setup.sim.created("rax", "r1").unwrap().objects.is_empty()
    })
    .await;
    let mut operations = OperationServiceClient::new(daemon.channel().await);
    let listed = operations
        .list_operations(ListOperationsRequest {})
        .await
        .unwrap()
        .into_inner()
        .operations;
    let op = listed.iter().find(|op| op.id == operation_id).unwrap();
    assert_eq!(op.state(), OperationState::Failed, "{op:?}");
    assert!(op.interrupted, "{op:?}");
    let deadline = Instant::now() + LIMIT;
    loop {
        let cleanup = operations
            .list_cleanup(ListCleanupRequest {})
            .await
            .unwrap()
            .into_inner()
            .entries;
        if cleanup.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "still pending: {cleanup:?}");
        tokio::time::sleep(POLL).await;
    }
}

#[tokio::test]
async fn sigterm_lets_a_watched_boot_finish_then_exits_zero_with_one_log_line() {
    let setup = Setup::new(one_region(3000)).await;
    let mut daemon = setup.start("only").await;
    let channel = daemon.channel().await;
    let mut health = HealthClient::new(channel.clone())
        .watch(HealthCheckRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        health.message().await.unwrap().unwrap().status(),
        health_check_response::ServingStatus::Serving
    );
    let mut operations = OperationServiceClient::new(channel.clone());
    let mut events = operations
        .create_server(boot(&setup, "survivor"))
        .await
        .unwrap()
        .into_inner();
    // The server is building when the signal comes.
    loop {
        let event = events.message().await.unwrap().unwrap();
        if let Some(operation_event::Event::Server(server)) = &event.event
            && server.status == "BUILD"
        {
            break;
        }
    }
    let log_before = daemon.log_text().lines().count();
    daemon.signal("TERM");

    // Health watchers hear NOT_SERVING; then the watch is let go so it does not hold the
    // shutdown.
    let status = tokio::time::timeout(LIMIT, health.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(status.status(), ServingStatus::NotServing);
    drop(health);
    // No new calls: one on a new connection is refused or never answered.
    let late = tokio::time::timeout(Duration::from_secs(2), async {
        let channel = Channel::from_shared(daemon.url.clone())
            .unwrap()
            .connect()
            .await?;
        CloudServiceClient::new(channel)
            .list_servers(oaktree_tests::list_request(&[], &[], ""))
            .await
            .map(drop)
            .map_err(anyhow::Error::from)
    })
    .await;
    assert!(
        !matches!(late, Ok(Ok(()))),
        "a call on a new connection was served after SIGTERM"
    );

    // The stream in flight completes.
    let rest = drain_operation(events, LIMIT).await;
    let op = finished(&rest);
    assert_eq!(op.state(), OperationState::Succeeded, "{op:?}");
    assert!(!op.interrupted);
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log_text());
    let log = daemon.log_text();
    let after: Vec<&str> = log.lines().skip(log_before).collect();
    let shutdown_lines: Vec<&&str> = after.iter().filter(|l| l.contains("shut down")).collect();
    assert_eq!(shutdown_lines.len(), 1, "{after:#?}");
    assert!(
        shutdown_lines[0].contains("SIGTERM"),
        "{}",
        shutdown_lines[0]
    );
    assert_eq!(after.last(), shutdown_lines.first().copied(), "{after:#?}");
}

#[tokio::test]
async fn sigint_past_the_grace_period_records_the_running_boot_as_interrupted() {
    let setup = Setup::new(one_region(600_000)).await;
    let mut daemon = setup.start_with_grace("first", 500).await;
    let mut operations = OperationServiceClient::new(daemon.channel().await);
    let mut events = operations
        .create_server(boot(&setup, "unfinished"))
        .await
        .unwrap()
        .into_inner();
    let operation_id = events.message().await.unwrap().unwrap().operation_id;
    eventually("the server and its floating IP created", || {
        let created = setup.sim.created("alpha", "one").unwrap();
        created.servers.len() == 1 && created.floating_ips.len() == 1
    })
    .await;
    daemon.signal("INT");

    // The watcher's stream ends with the interrupted record; the process exits 0.
    let rest = drain_operation(events, LIMIT).await;
    let op = finished(&rest);
    assert_eq!(op.state(), OperationState::Failed, "{op:?}");
    assert!(op.interrupted, "{op:?}");
    assert!(op.error.contains("shut down"), "{}", op.error);
    assert_eq!(daemon.exit_code().await, Some(0), "{}", daemon.log_text());
    let ledger = setup.ledger();
    assert!(
        ledger.len() == 2 && ledger.iter().all(|e| e["open"] == false),
        "what the boot created waits in the ledger for the next run: {ledger:?}"
    );

    // The next run reads the same record and deletes what the boot created.
    let daemon = setup.start("second").await;
    let mut operations = OperationServiceClient::new(daemon.channel().await);
    let listed = operations
        .list_operations(ListOperationsRequest {})
        .await
        .unwrap()
        .into_inner()
        .operations;
    let op = listed.iter().find(|op| op.id == operation_id).unwrap();
    assert!(op.interrupted && op.error.contains("shut down"), "{op:?}");
    eventually("the leftovers deleted", || {
        let created = setup.sim.created("alpha", "one").unwrap();
        created.servers.is_empty() && created.floating_ips.is_empty()
    })
    .await;
}
