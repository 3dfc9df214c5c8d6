//! [`SimCloud`]: a running simulator on one port.
//!
//! 1. Validate the config and bind the listener (so the port, and with it every URL, is known).
//! 2. Seed every region against that base URL.
//! 3. Serve the router on a task of the current tokio runtime until shutdown or drop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Context;
use axum::serve::ListenerExt;
use serde_yaml::{Mapping, Value as Yaml};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::app;
use crate::config::{Fault, SimConfig};
use crate::error::SimError;
use crate::lifecycle::BootFault;
use crate::seed::Inventory;
use crate::state::{RegionControl, SimState};

/// A running simulator. Dropping it stops the server.
pub struct SimCloud {
    addr: SocketAddr,
    config: SimConfig,
    state: Arc<SimState>,
    task: JoinHandle<()>,
}

/// Ids of what clients created in one region (see [`SimCloud::created`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Created {
    pub servers: Vec<String>,
    pub floating_ips: Vec<String>,
    pub objects: Vec<String>,
}

impl SimCloud {
    /// Binds `listen` (e.g. `127.0.0.1:0`) and serves `config` on the current tokio runtime.
    pub async fn start(config: SimConfig, listen: &str) -> anyhow::Result<SimCloud> {
        config.validate()?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding simulator listener on {listen}"))?;
        let addr = listener.local_addr().context("reading the bound address")?;
        let state = Arc::new(SimState::build(&config, &format!("http://{addr}")));
        let router = app::router(state.clone());
        // Real services answer without Nagle delays; small JSON replies would otherwise wait
        // for the client's delayed ACK.
        let listener = listener.tap_io(|stream| {
            if let Err(e) = stream.set_nodelay(true) {
                warn!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                warn!(error = %e, "simulator server stopped");
            }
        });
        info!(%addr, clouds = config.clouds.len(), "simulated clouds serving");
        Ok(SimCloud {
            addr,
            config,
            state,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/<cloud>/identity`.
    pub fn auth_url(&self, cloud: &str) -> String {
        self.state.auth_url(cloud)
    }

    /// The config the simulator serves.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// A clouds.yaml (openstacksdk format) with one entry per simulated cloud; vendor
    /// flavours add `profile` and their keys (see `vendor::clouds_yaml_keys`).
    pub fn clouds_yaml(&self) -> String {
        let mut clouds = Mapping::new();
        for cloud in &self.config.clouds {
            let mut auth = Mapping::new();
            let mut put = |key: &str, value: &str| {
                auth.insert(Yaml::from(key), Yaml::from(value));
            };
            let v2 = cloud.vendor.identity_version() == 2;
            let auth_url = self.auth_url(&cloud.name);
            put(
                "auth_url",
                &if v2 {
                    format!("{auth_url}/v2.0")
                } else {
                    auth_url
                },
            );
            put("username", &cloud.username);
            put("password", &cloud.password);
            put("project_name", &cloud.project_name);
            if !v2 {
                put("user_domain_name", &cloud.domain);
                put("project_domain_name", &cloud.domain);
            }
            let regions: Vec<Yaml> = cloud
                .regions
                .iter()
                .map(|r| Yaml::from(r.name.as_str()))
                .collect();
            let mut entry = Mapping::new();
            entry.insert(Yaml::from("auth_type"), Yaml::from("password"));
            entry.insert(Yaml::from("auth"), Yaml::Mapping(auth));
            entry.insert(Yaml::from("regions"), Yaml::Sequence(regions));
            let block_storage = format!(
                "{}/{}/{{region_name}}/volume/v3/{}",
                self.base_url(),
                cloud.name,
                cloud.project_id()
            );
            for (key, value) in crate::vendor::clouds_yaml_keys(cloud.vendor, &block_storage) {
                entry.insert(Yaml::from(key), value);
            }
            clouds.insert(Yaml::from(cloud.name.as_str()), Yaml::Mapping(entry));
        }
        let mut root = Mapping::new();
        root.insert(Yaml::from("clouds"), Yaml::Mapping(clouds));
        serde_yaml::to_string(&Yaml::Mapping(root)).unwrap_or_default()
    }

    /// Changes how a region's services behave from now on.
    pub fn set_fault(
        &self,
        cloud: &str,
        region: &str,
        fault: Fault,
        latency_ms: u64,
    ) -> Result<(), SimError> {
        let target = self.state.region(cloud, region)?;
        target.set_control(RegionControl { fault, latency_ms });
        info!(
            cloud,
            region,
            fault = fault.as_str(),
            latency_ms,
            "region behaviour changed"
        );
        Ok(())
    }

    /// Makes the region's next `count` authenticated service calls answer 503 (a transient
    /// outage), after which it answers normally.
    pub fn fail_next(&self, cloud: &str, region: &str, count: u64) -> Result<(), SimError> {
        self.state.region(cloud, region)?.fail_next(count);
        Ok(())
    }

    /// Makes the region's boots end in `ERROR` (after the build time): the next N, all, or
    /// none from now on. The same as `boot_fault` in the region's `lifecycle` config.
    pub fn set_boot_fault(
        &self,
        cloud: &str,
        region: &str,
        fault: BootFault,
    ) -> Result<(), SimError> {
        let target = self.state.region(cloud, region)?;
        target.live.lock().times.boot_fault = fault;
        info!(cloud, region, ?fault, "boot fault changed");
        Ok(())
    }

    /// Caps the project's servers in the region (`None`: unlimited); a boot past the cap
    /// answers nova's 403 "Quota exceeded for instances".
    pub fn set_server_quota(
        &self,
        cloud: &str,
        region: &str,
        quota: Option<usize>,
    ) -> Result<(), SimError> {
        let target = self.state.region(cloud, region)?;
        target.live.lock().times.server_quota = quota;
        info!(cloud, region, ?quota, "server quota changed");
        Ok(())
    }

    /// Arrival times of the region's service calls (the last 100,000), oldest first.
    pub fn arrivals(
        &self,
        cloud: &str,
        region: &str,
    ) -> Result<Vec<tokio::time::Instant>, SimError> {
        Ok(self.state.region(cloud, region)?.arrivals())
    }

    /// Service requests (nova, glance, neutron, discovery included; keystone excluded) the
    /// region has received; 0 for an unknown region.
    pub fn request_count(&self, cloud: &str, region: &str) -> u64 {
        self.state
            .region(cloud, region)
            .map(|r| r.requests())
            .unwrap_or(0)
    }

    /// Ids and names of what the region serves, in list order.
    pub fn inventory(&self, cloud: &str, region: &str) -> Result<Inventory, SimError> {
        let project_id = self
            .state
            .clouds
            .get(cloud)
            .map(|c| c.project_id.clone())
            .unwrap_or_default();
        Ok(self
            .state
            .region(cloud, region)?
            .data
            .inventory(&project_id))
    }

    /// What clients created in the region and is still there (servers not being deleted,
    /// floating IPs, swift objects as `container/object`), for tests that check nothing
    /// leaked.
    pub fn created(&self, cloud: &str, region: &str) -> Result<Created, SimError> {
        let target = self.state.region(cloud, region)?;
        let (servers, floating_ips) = {
            let live = target.live.lock();
            let servers = live
                .servers
                .iter()
                .filter(|s| s.deleted.is_none())
                .map(|s| crate::seed::str_field(&s.body, "id").to_string())
                .collect();
            let ips = live
                .floating_ips
                .iter()
                .map(|f| crate::seed::str_field(f, "id").to_string())
                .collect();
            (servers, ips)
        };
        let objects = self.state.storage.with(cloud, region, |store| {
            store
                .containers
                .iter()
                .flat_map(|(name, container)| {
                    container.objects.keys().map(move |o| format!("{name}/{o}"))
                })
                .collect()
        });
        Ok(Created {
            servers,
            floating_ips,
            objects,
        })
    }

    /// Stops the server (the same as dropping it).
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for SimCloud {
    /// Releases held requests, stops accepting, and lets open connections close.
    fn drop(&mut self) {
        self.state.shutting_down.store(true, Ordering::Relaxed);
        self.task.abort();
    }
}
