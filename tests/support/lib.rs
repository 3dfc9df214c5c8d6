//! Test support: a world of simulated clouds plus a real oaktree daemon on 127.0.0.1,
//! loading the real OpenStack plugin, reached through a real gRPC client.
//!
//! The plugin is built once per test run (`cargo build --release --target wasm32-wasip2`
//! in `plugins/`) and copied into a fresh plugin directory per world.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Context;
use oaktree::config::{CloudsConfig, ConfigEnv, HostConfig};
use oaktree::daemon::Daemon;
use oaktree::proto::cloud_service_client::CloudServiceClient;
use oaktree::proto::operation_service_client::OperationServiceClient;
use oaktree::proto::{Filter, ListRequest, LocationSelector};
use oaktree_simcloud::{SimCloud, SimConfig};
use tonic::transport::Channel;

pub use oaktree::proto;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The OpenStack driver's .wasm (built on first use).
pub fn openstack_plugin() -> PathBuf {
    built_plugin("openstack")
}

/// A plugin of the `plugins/` workspace by crate suffix (`oaktree_<name>.wasm`), building the
/// workspace once per test run.
pub fn built_plugin(name: &str) -> PathBuf {
    build_plugins().join(format!("oaktree_{name}.wasm"))
}

/// `OAKTREE_PREBUILT_PLUGINS=DIR` makes the tests use the `.wasm` files already in DIR instead
/// of building `plugins/` (for working trees that share one plugin build).
fn build_plugins() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if let Some(dir) = std::env::var_os("OAKTREE_PREBUILT_PLUGINS") {
                return Ok(PathBuf::from(dir));
            }
            let plugins = repo_root().join("plugins");
            let target_dir = plugins.join("target");
            let output = std::process::Command::new(env!("CARGO"))
                .args(["build", "--release", "--target", "wasm32-wasip2", "--target-dir"])
                .arg(&target_dir)
                .current_dir(&plugins)
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .output()
                .map_err(|e| format!("cannot run cargo to build plugins: {e}"))?;
            if !output.status.success() {
                return Err(format!(
                    "building plugins failed (is the wasm32-wasip2 target installed? `rustup target add wasm32-wasip2`):\n{}",
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            Ok(target_dir.join("wasm32-wasip2/release"))
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Simulated clouds, a daemon serving them, and a scratch directory.
pub struct World {
    pub sim: SimCloud,
    pub daemon: Daemon,
    pub dir: tempfile::TempDir,
}

impl World {
    /// Starts the simulator with `sim_config` and a daemon with default settings.
    pub async fn start(sim_config: SimConfig) -> anyhow::Result<World> {
        Self::start_with(sim_config, |_| {}).await
    }

    /// Like [`World::start`], letting the test adjust the daemon's config.
    pub async fn start_with(
        sim_config: SimConfig,
        adjust: impl FnOnce(&mut HostConfig),
    ) -> anyhow::Result<World> {
        Self::start_full(sim_config, "", &[], adjust).await
    }

    /// The general form: `extra_clouds` is YAML appended under `clouds:` (entries indented by
    /// two spaces) and `extra_plugins` are copied into the plugin directory beside OpenStack's.
    pub async fn start_full(
        sim_config: SimConfig,
        extra_clouds: &str,
        extra_plugins: &[PathBuf],
        adjust: impl FnOnce(&mut HostConfig),
    ) -> anyhow::Result<World> {
        Self::start_full_with(
            sim_config,
            |_| extra_clouds.to_owned(),
            extra_plugins,
            adjust,
        )
        .await
    }

    /// Like [`World::start_full`], with the extra clouds.yaml entries written once the
    /// simulator runs, so they can name its URLs (e.g. [`SimCloud::jsoncloud_clouds_yaml`]).
    pub async fn start_full_with(
        sim_config: SimConfig,
        extra_clouds: impl FnOnce(&SimCloud) -> String,
        extra_plugins: &[PathBuf],
        adjust: impl FnOnce(&mut HostConfig),
    ) -> anyhow::Result<World> {
        let dir = tempfile::tempdir()?;
        let sim = SimCloud::start(sim_config, "127.0.0.1:0").await?;
        let clouds_path = dir.path().join("clouds.yaml");
        std::fs::write(&clouds_path, sim.clouds_yaml() + &extra_clouds(&sim))?;
        let plugin_dir = dir.path().join("plugins");
        std::fs::create_dir_all(&plugin_dir)?;
        for plugin in std::iter::once(openstack_plugin()).chain(extra_plugins.iter().cloned()) {
            let name = plugin.file_name().context("plugin paths name a file")?;
            std::fs::copy(&plugin, plugin_dir.join(name))
                .with_context(|| format!("copying {}", plugin.display()))?;
        }
        let clouds = CloudsConfig::load(&isolated_env(&clouds_path, dir.path()))?;
        let mut host = HostConfig {
            listen: "127.0.0.1:0".parse()?,
            plugin_dir,
            // Each world's uploads and cleanup ledger are its own.
            work_dir: Some(dir.path().join("work")),
            ..HostConfig::default()
        };
        adjust(&mut host);
        let listener = tokio::net::TcpListener::bind(host.listen).await?;
        let daemon = Daemon::start(&host, &clouds, listener).await?;
        Ok(World { sim, daemon, dir })
    }

    pub async fn client(&self) -> CloudServiceClient<Channel> {
        CloudServiceClient::connect(self.daemon.url())
            .await
            .expect("the daemon accepts connections")
            .max_decoding_message_size(64 << 20)
    }

    /// A client of the daemon's OperationService, on its own connection.
    pub async fn operations(&self) -> OperationServiceClient<Channel> {
        OperationServiceClient::connect(self.daemon.url())
            .await
            .expect("the daemon accepts connections")
    }
}

/// A config environment that sees only `clouds_file`, never the developer's own clouds.
pub fn isolated_env(clouds_file: &Path, scratch: &Path) -> ConfigEnv {
    ConfigEnv {
        cwd: scratch.to_path_buf(),
        home: Some(scratch.to_path_buf()),
        xdg_config_home: Some(scratch.join("xdg")),
        os_client_config_file: None,
        os_client_secure_file: None,
        os_cloud: None,
        explicit_file: Some(clouds_file.to_path_buf()),
    }
}

/// A list request for `clouds` × `regions` globs with an optional name_or_id.
pub fn list_request(clouds: &[&str], regions: &[&str], name_or_id: &str) -> ListRequest {
    ListRequest {
        selector: Some(LocationSelector {
            clouds: clouds.iter().map(|s| s.to_string()).collect(),
            regions: regions.iter().map(|s| s.to_string()).collect(),
        }),
        filter: Some(Filter {
            name_or_id: name_or_id.to_owned(),
            properties: Default::default(),
        }),
        options: None,
    }
}

/// `cloud/region` of a status, for readable assertions.
pub fn at(status: &proto::LocationStatus) -> String {
    let location = status
        .location
        .as_ref()
        .expect("statuses carry their location");
    format!("{}/{}", location.cloud, location.region)
}

/// The status of `location` (`cloud/region`) among a reply's statuses; panics naming the
/// locations present when it is missing.
pub fn status_at<'a>(
    statuses: &'a [proto::LocationStatus],
    location: &str,
) -> &'a proto::LocationStatus {
    statuses
        .iter()
        .find(|s| at(s) == location)
        .unwrap_or_else(|| {
            let present: Vec<String> = statuses.iter().map(at).collect();
            panic!("no status for {location}; statuses are for {present:?}")
        })
}

/// The Python interpreter of the repository's venv (see README), or `OAKTREE_PYTHON`.
pub fn python() -> PathBuf {
    std::env::var_os("OAKTREE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/python"))
}

/// A `moto_server` (AWS emulator) on a free 127.0.0.1 port with SigV4 checking on, seeded by
/// `tests/support/moto_seed.py` with an IAM user's access key and, per region, a VPC, a
/// subnet, two instances and one AMI. Killed on drop.
pub struct Moto {
    child: std::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// What the seed script printed: `access_key_id`, `secret_access_key`, and per region
    /// `instances`, `images`, `vpcs` ids.
    pub seed: serde_json::Value,
}

/// Calls moto answers without checking signatures: the seed script's four IAM calls.
const MOTO_FREE_CALLS: &str = "4";

/// How long moto may take to answer its first request (about 0.4 s measured).
const MOTO_STARTUP: std::time::Duration = std::time::Duration::from_secs(30);

impl Moto {
    /// Starts and seeds moto for `regions` (blocking; a few seconds).
    pub fn start(regions: &[&str]) -> anyhow::Result<Moto> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = std::process::Command::new(python())
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .env("INITIAL_NO_AUTH_ACTION_COUNT", MOTO_FREE_CALLS)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("starting moto_server (pip install -r scripts/requirements.txt)")?;
        let mut moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            seed: serde_json::Value::Null,
        };
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = moto.child.try_wait()? {
                anyhow::bail!("moto_server exited with {status} before answering");
            }
            if started.elapsed() > MOTO_STARTUP {
                anyhow::bail!("moto_server did not answer within {MOTO_STARTUP:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let output = std::process::Command::new(python())
            .arg(repo_root().join("tests/support/moto_seed.py"))
            .arg(&moto.endpoint)
            .args(regions)
            .output()
            .context("running moto_seed.py")?;
        if !output.status.success() {
            anyhow::bail!(
                "moto_seed.py failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        moto.seed = serde_json::from_slice(&output.stdout).context("moto_seed.py output")?;
        Ok(moto)
    }

    /// A clouds.yaml entry (indented for [`World::start_full`]) for cloud `name` over `regions`,
    /// signing with `secret` (the seeded one when `None`).
    pub fn clouds_yaml(&self, name: &str, regions: &[&str], secret: Option<&str>) -> String {
        let key = self.seed["access_key_id"].as_str().unwrap_or_default();
        let seeded = self.seed["secret_access_key"].as_str().unwrap_or_default();
        format!(
            "  {name}:\n    profile: aws\n    endpoint_url: {}\n    aws_access_key_id: {key}\n    \
             aws_secret_access_key: \"{}\"\n    regions: [{}]\n",
            self.endpoint,
            secret.unwrap_or(seeded),
            regions.join(", ")
        )
    }

    /// Seeded ids of `kind` (`instances`, `images`, `vpcs`) in `region`.
    pub fn ids(&self, kind: &str, region: &str) -> Vec<String> {
        self.seed[kind][region]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads an operation's event stream to its end (bounded by `limit`), returning every event.
pub async fn drain_operation(
    mut events: tonic::Streaming<proto::OperationEvent>,
    limit: std::time::Duration,
) -> Vec<proto::OperationEvent> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let next = tokio::time::timeout_at(deadline, events.message())
            .await
            .expect("the operation ended within the test's limit")
            .expect("the event stream stays healthy");
        match next {
            Some(event) => seen.push(event),
            None => return seen,
        }
    }
}

/// The final record of an operation from its events.
pub fn finished(events: &[proto::OperationEvent]) -> proto::Operation {
    match events.last().and_then(|e| e.event.clone()) {
        Some(proto::operation_event::Event::Finished(op)) => op,
        other => panic!("the last event is not the operation's end: {other:?}"),
    }
}

/// The statuses a stream reported for servers, in order, without repeats.
pub fn server_statuses(events: &[proto::OperationEvent]) -> Vec<String> {
    let mut statuses: Vec<String> = Vec::new();
    for event in events {
        if let Some(proto::operation_event::Event::Server(server)) = &event.event
            && statuses.last() != Some(&server.status)
        {
            statuses.push(server.status.clone());
        }
    }
    statuses
}
