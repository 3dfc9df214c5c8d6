//! Starting the daemon: configuration in, a serving gRPC endpoint out.
//!
//! 1. expand clouds.yaml into targets (one per cloud-region, in file order);
//! 2. compute every cloud-region's egress allowlist, build the plugin runtime (fuel, compiled
//!    artifact cache) and load every plugin in the plugin directory;
//! 3. build the federation and serve gRPC on the configured address until shut down;
//! 4. with `watch_plugins`, reload plugins as their files change until shut down.
//!
//! Graceful shutdown ([`Daemon::shutdown_gracefully`]): health goes NOT_SERVING and no new
//! call is accepted; calls, streams and operations in flight get `shutdown_grace_ms` to
//! finish; operations still running then are recorded as interrupted (which ends the
//! streams watching them) and their tasks stopped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{CloudsConfig, HostConfig};
use crate::federation::{Federation, FederationSettings, Target};
use crate::limits::LimitSpec;
use crate::limits::settings::{self, HostLimit};
use crate::location::CloudRegion;
use crate::operations::{OperationSettings, Operations};
use crate::plugin::{Registry, Runtime, RuntimeSettings};

/// A running daemon. Dropping it without [`Daemon::shutdown`] aborts the server.
pub struct Daemon {
    pub addr: SocketAddr,
    /// Where Prometheus metrics are served, when the config asks for it.
    pub metrics_addr: Option<SocketAddr>,
    pub federation: Arc<Federation>,
    /// Long operations (server boots, image uploads) and the cleanup ledger.
    pub operations: Arc<Operations>,
    stop: watch::Sender<bool>,
    task: JoinHandle<anyhow::Result<()>>,
    metrics_task: Option<JoinHandle<std::io::Result<()>>>,
    watch_task: Option<JoinHandle<()>>,
    /// How long a graceful shutdown lets work in flight finish (`shutdown_grace_ms`).
    shutdown_grace: Duration,
}

/// How a graceful shutdown went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Time from the start of the shutdown to the end of the server.
    pub took: Duration,
    /// Operations still running at the end of the grace period, recorded as interrupted.
    pub interrupted: usize,
    /// Whether every call and stream ended by itself (false: some were cut off).
    pub drained: bool,
}

/// After the grace period, how long the streams of interrupted operations get to send
/// their final event before the server is stopped outright.
const FINAL_FLUSH: Duration = Duration::from_secs(2);

/// Resolves once the daemon is told to stop.
fn stopped(stop: &watch::Sender<bool>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut receiver = stop.subscribe();
    async move {
        let _ = receiver.wait_for(|stop| *stop).await;
    }
}

/// Turns the loaded clouds.yaml into federation targets.
pub fn targets(clouds: &CloudsConfig) -> anyhow::Result<Vec<Target>> {
    clouds
        .regions
        .iter()
        .map(|region| {
            let config_json = serde_json::to_string(&region.config).with_context(|| {
                format!(
                    "cannot serialise the settings of {}/{}",
                    region.cloud, region.region
                )
            })?;
            Ok(Target {
                at: CloudRegion::new(region.cloud.clone(), region.region.clone()),
                config_json: config_json.into(),
                profile: region.profile.clone(),
                driver: region.driver.clone(),
            })
        })
        .collect()
}

/// Computes the egress allowlist of every cloud-region: once, here, never per request.
pub fn egress_allowlists(
    clouds: &CloudsConfig,
    host: &HostConfig,
) -> anyhow::Result<Vec<crate::plugin::egress::Allowlist>> {
    clouds
        .regions
        .iter()
        .map(|region| {
            let list = crate::plugin::egress::Allowlist::for_region(region, &host.egress)
                .map_err(|e| anyhow::anyhow!("{}: {e}", clouds.source.display()))?;
            tracing::debug!(cloud = %region.cloud, region = %region.region, allowed = %list.summary(), "egress allowlist");
            Ok(list)
        })
        .collect()
}

/// Says at startup which locations no loaded plugin serves; calls there report UNSUPPORTED.
fn warn_unserved(federation: &Federation) {
    let profile_map = &federation.settings().profile_map;
    for target in federation.targets() {
        if let Err(error) = federation.registry().select(
            target.driver.as_deref(),
            target.profile.as_deref(),
            profile_map,
        ) {
            tracing::warn!(cloud = %target.at.cloud, region = %target.at.region, %error, "location has no plugin");
        }
    }
}

/// Gives every served cloud-region its budgets: the plugin's defaults, then clouds.yaml,
/// then the host config's `limits:`.
fn configure_limits(
    federation: &Federation,
    clouds: &CloudsConfig,
    host_limits: &[HostLimit],
) -> anyhow::Result<()> {
    let limits = federation.registry().runtime().limits();
    let profile_map = &federation.settings().profile_map;
    for (target, region) in federation.targets().iter().zip(&clouds.regions) {
        let Ok(plugin) = federation.registry().select(
            target.driver.as_deref(),
            target.profile.as_deref(),
            profile_map,
        ) else {
            continue;
        };
        let defaults: Vec<(Option<String>, LimitSpec)> = plugin
            .info
            .rate_limits
            .iter()
            .map(|limit| {
                let spec = LimitSpec {
                    calls_per_second: limit.calls_per_second,
                    burst: limit.burst,
                    max_in_flight: limit.max_in_flight,
                };
                (limit.service.clone(), spec)
            })
            .collect();
        let at = format!("clouds.{}", target.at.cloud);
        let from_yaml = settings::from_clouds_yaml(&region.config)
            .map_err(|e| anyhow::anyhow!("{}: {at}.{e}", clouds.source.display()))?;
        let specs = settings::compose(
            &target.at.cloud,
            &target.at.region,
            &defaults,
            &from_yaml,
            host_limits,
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", clouds.source.display()))?;
        for (service, spec) in specs {
            tracing::debug!(cloud = %target.at.cloud, region = %target.at.region, ?service, ?spec, "limits");
            limits.configure(
                &target.at.cloud,
                &target.at.region,
                service.as_deref(),
                spec,
            );
        }
    }
    Ok(())
}

/// Starts the plugin directory watcher. After each change, cached answers are dropped (a
/// location may now be served by other code) and every location's budgets are set again
/// from the plugins now loaded.
fn watch_plugins(
    federation: &Arc<Federation>,
    host: &HostConfig,
    clouds: &CloudsConfig,
    stop: &watch::Sender<bool>,
) -> anyhow::Result<JoinHandle<()>> {
    let on_change = {
        let federation = federation.clone();
        let clouds = clouds.clone();
        let host_limits = host.limits.clone();
        move |change: &crate::plugin::watch::Change| {
            tracing::debug!(?change, "plugin directory changed");
            federation.forget_answers();
            if let Err(error) = configure_limits(&federation, &clouds, &host_limits) {
                tracing::error!(
                    error = format!("{error:#}"),
                    "cannot apply the new plugin's rate limits"
                );
            }
            warn_unserved(&federation);
        }
    };
    crate::plugin::watch::spawn(
        federation.registry().clone(),
        host.plugin_dir.clone(),
        on_change,
        stopped(stop),
    )
}

impl Daemon {
    /// Loads plugins and starts serving on `listener`.
    pub async fn start(
        host: &HostConfig,
        clouds: &CloudsConfig,
        listener: TcpListener,
    ) -> anyhow::Result<Daemon> {
        crate::config::check_at_start(host, clouds)?;
        let runtime = Arc::new(Runtime::new(RuntimeSettings {
            memory_limit_bytes: usize::try_from(host.plugin_memory_limit_mb << 20)
                .unwrap_or(usize::MAX),
            fuel: host.plugin_fuel,
            artifact_cache_dir: host.plugin_cache_dir.resolve(),
            max_instances: host.plugin_instances,
            memory_total_bytes: usize::try_from(host.plugin_memory_total_mb << 20)
                .unwrap_or(usize::MAX),
            max_plugin_file_bytes: host.max_plugin_file_mb.saturating_mul(1 << 20),
            breaker: host.circuit_breaker.settings(),
        })?);
        runtime.egress().configure(egress_allowlists(clouds, host)?);
        let registry = Arc::new(Registry::new(runtime));
        let failures = registry.load_dir(&host.plugin_dir).await?;
        if registry.plugins().is_empty() {
            let reasons: Vec<String> = failures
                .iter()
                .map(|(file, error)| format!("{}: {error:#}", file.display()))
                .collect();
            anyhow::bail!(
                "no plugin could be loaded from {} ({}); build them with `cargo build --release --target wasm32-wasip2` in plugins/ or set plugin_dir",
                host.plugin_dir.display(),
                if reasons.is_empty() {
                    "no .wasm files".to_owned()
                } else {
                    reasons.join("; ")
                }
            );
        }
        let federation = Arc::new(Federation::new(
            registry,
            targets(clouds)?,
            FederationSettings {
                max_concurrency: host.max_concurrency,
                default_deadline: std::time::Duration::from_millis(host.default_deadline_ms),
                max_deadline: std::time::Duration::from_millis(host.max_deadline_ms),
                profile_map: host.profiles.clone(),
                expirations: crate::config::expirations(clouds)?,
            },
        ));
        warn_unserved(&federation);
        configure_limits(&federation, clouds, &host.limits)?;
        let addr = listener.local_addr()?;
        let (stop, _) = watch::channel(false);
        let metrics = match host.metrics_listen {
            Some(listen) => {
                let listener = TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("cannot serve metrics on {listen}"))?;
                let metrics_addr = listener.local_addr()?;
                let task = tokio::spawn(crate::metrics::serve(
                    federation.registry().runtime().metrics().clone(),
                    listener,
                    stopped(&stop),
                ));
                tracing::info!(%metrics_addr, "serving Prometheus metrics at /metrics");
                Some((metrics_addr, task))
            }
            None => None,
        };
        let watch_task = if host.watch_plugins {
            Some(watch_plugins(&federation, host, clouds, &stop)?)
        } else {
            None
        };
        let operations = Arc::new(Operations::new(
            federation.clone(),
            OperationSettings {
                work_dir: host
                    .work_dir
                    .clone()
                    .unwrap_or_else(|| OperationSettings::default().work_dir),
                qemu_img: host.qemu_img.clone(),
                upload_dirs: host.upload_dirs.clone(),
                max_upload_bytes: host.max_upload_bytes,
                idempotency_window: std::time::Duration::from_secs(host.idempotency_window_s),
                ..OperationSettings::default()
            },
        ));
        let task = tokio::spawn(crate::grpc::serve(
            federation.clone(),
            operations.clone(),
            listener,
            stopped(&stop),
        ));
        tracing::info!(%addr, locations = federation.targets().len(), "oaktree serving");
        Ok(Daemon {
            addr,
            metrics_addr: metrics.as_ref().map(|(addr, _)| *addr),
            federation,
            operations,
            stop,
            task,
            metrics_task: metrics.map(|(_, task)| task),
            watch_task,
            shutdown_grace: Duration::from_millis(host.shutdown_grace_ms),
        })
    }

    /// The address clients connect to, as a URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting calls, lets in-flight calls finish, and waits for the server to end.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        self.stop.send_replace(true);
        if let Some(metrics) = self.metrics_task.as_mut() {
            metrics.await??;
        }
        if let Some(watch) = self.watch_task.as_mut() {
            watch.await?;
        }
        (&mut self.task).await?
    }

    /// Waits until the server ends on its own (an error) — used by `oaktree serve`.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        (&mut self.task).await?
    }

    /// Resolves when the server ends on its own (an error), keeping the daemon, so a caller
    /// can race it against a signal and then shut down gracefully.
    pub async fn serving(&mut self) -> anyhow::Result<()> {
        (&mut self.task).await?
    }

    /// The graceful shutdown (see the module docs), bounded by the grace period plus
    /// [`FINAL_FLUSH`].
    pub async fn shutdown_gracefully(mut self) -> anyhow::Result<ShutdownReport> {
        let started = tokio::time::Instant::now();
        let deadline = started + self.shutdown_grace;
        self.stop.send_replace(true);
        let operations = self.operations.clone();
        let interrupting = async move { operations.shutdown(deadline).await };
        let task = &mut self.task;
        let draining = async move {
            tokio::time::timeout_at(deadline + FINAL_FLUSH, task)
                .await
                .ok()
        };
        let (interrupted, ended) = tokio::join!(interrupting, draining);
        let drained = match ended {
            Some(joined) => {
                joined??;
                true
            }
            None => {
                self.task.abort();
                false
            }
        };
        if let Some(metrics) = self.metrics_task.as_mut() {
            let _ = tokio::time::timeout(FINAL_FLUSH, metrics).await;
        }
        if let Some(watch) = self.watch_task.as_mut() {
            let _ = tokio::time::timeout(FINAL_FLUSH, watch).await;
        }
        Ok(ShutdownReport {
            took: started.elapsed(),
            interrupted,
            drained: drained && interrupted == 0,
        })
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(metrics) = &self.metrics_task {
            metrics.abort();
        }
        if let Some(watch) = &self.watch_task {
            watch.abort();
        }
    }
}
