//! Where the checks run: a built-in simulated cloud chosen by the driver's profile, or a
//! cloud the caller names in a clouds.yaml (`--clouds FILE --cloud NAME`).
//!
//! The simulated world has one cloud, `kit`, of the driver's flavour with two regions: `main`
//! (seeded with more items than one page, page sizes shrunk so every list pages) and `faults`
//! (faulted and slowed by the error and deadline checks). Beside it, `unreachable` is the
//! same flavour's configuration pointing at a simulator that has been stopped, so every
//! connection is refused. Calls go through the daemon's own [`Federation`]: the same
//! `Runtime`, `Registry` and `DriverCall`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use oaktree_simcloud::{PageSizes, SimCloud, SimCloudConfig, SimConfig, SimRegionConfig, Vendor};

use crate::config::{CloudsConfig, HostConfig};
use crate::federation::{Federation, FederationSettings, Target};
use crate::location::CloudRegion;
use crate::plugin::{DriverCall, LoadedPlugin, Registry};

/// The simulated cloud, its seeded region, and its faulted region.
pub const SIM_CLOUD: &str = "kit";
pub const MAIN_REGION: &str = "main";
pub const FAULT_REGION: &str = "faults";
/// The cloud-region whose endpoints refuse every connection.
pub const UNREACHABLE_CLOUD: &str = "unreachable";
pub const UNREACHABLE_REGION: &str = "nowhere";

/// Which built-in simulated API serves a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flavour {
    /// The simulator's OpenStack services, behaving like this vendor.
    OpenStack(Vendor),
    /// The simulator's jsoncloud API, served to the driver under this profile.
    JsonCloud(String),
}

impl Flavour {
    /// The simulated cloud for a clouds.yaml profile, if the simulator has one.
    pub fn for_profile(profile: &str) -> Option<Flavour> {
        match profile {
            "openstack" => Some(Flavour::OpenStack(Vendor::OpenStack)),
            "rackspace" => Some(Flavour::OpenStack(Vendor::Rackspace)),
            "ovh" | "vexxhost" => Some(Flavour::OpenStack(Vendor::Ovh)),
            p if p.starts_with("jsoncloud") => Some(Flavour::JsonCloud(p.to_owned())),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Flavour::OpenStack(vendor) => {
                format!("the simulator's {}-flavoured OpenStack", vendor.as_str())
            }
            Flavour::JsonCloud(_) => "the simulator's jsoncloud API".to_owned(),
        }
    }
}

/// The cloud-regions the checks call, with the plugin under test.
pub struct Bench {
    pub federation: Federation,
    pub plugin: Arc<LoadedPlugin>,
    /// The running simulator, when the checks run against it.
    pub sim: Option<SimCloud>,
    pub flavour: Option<Flavour>,
    /// Where the read checks run.
    pub main: CloudRegion,
    /// Words for the report: what the checks run against.
    pub summary: String,
}

impl Bench {
    /// A call at `at` due in `deadline`, through the federation.
    pub fn call(&self, at: &CloudRegion, deadline: Duration) -> anyhow::Result<DriverCall> {
        let target = self.federation.target("conformance", at)?;
        Ok(self.federation.driver_call(
            &target,
            self.plugin.clone(),
            tokio::time::Instant::now() + deadline,
        ))
    }

    pub fn unreachable(&self) -> CloudRegion {
        CloudRegion::new(UNREACHABLE_CLOUD, UNREACHABLE_REGION)
    }

    pub fn fault_region(&self) -> CloudRegion {
        CloudRegion::new(self.main.cloud.clone(), FAULT_REGION)
    }
}

/// The simulated world for `flavour`: small pages, more seeded items than one page.
pub fn sim_config(flavour: &Flavour) -> SimConfig {
    let vendor = match flavour {
        Flavour::OpenStack(vendor) => *vendor,
        Flavour::JsonCloud(_) => Vendor::OpenStack,
    };
    let main = SimRegionConfig {
        servers: 10,
        images: 7,
        flavors: 5,
        networks: 3,
        ..SimRegionConfig::new(MAIN_REGION)
    };
    let faults = SimRegionConfig {
        servers: 2,
        images: 2,
        ..SimRegionConfig::new(FAULT_REGION)
    };
    let mut config = SimConfig::new(vec![SimCloudConfig {
        vendor,
        ..SimCloudConfig::new(SIM_CLOUD, vec![main, faults])
    }]);
    config.page_sizes = PageSizes {
        nova_max_limit: 3,
        glance_default_limit: 3,
        glance_max_limit: 3,
        neutron_max_limit: Some(2),
    };
    config
}

/// Starts the simulator for `flavour` and prepares calls to it and to an unreachable copy.
pub async fn simulated(
    plugin: Arc<LoadedPlugin>,
    registry: Arc<Registry>,
    flavour: Flavour,
) -> anyhow::Result<Bench> {
    let sim = SimCloud::start(sim_config(&flavour), "127.0.0.1:0").await?;
    let gone = SimCloud::start(
        SimConfig::new(vec![SimCloudConfig {
            vendor: match &flavour {
                Flavour::OpenStack(vendor) => *vendor,
                Flavour::JsonCloud(_) => Vendor::OpenStack,
            },
            ..SimCloudConfig::new(
                UNREACHABLE_CLOUD,
                vec![SimRegionConfig::new(UNREACHABLE_REGION)],
            )
        }]),
        "127.0.0.1:0",
    )
    .await?;
    let (yaml, cloud) = match &flavour {
        Flavour::OpenStack(_) => (
            sim.clouds_yaml() + &entries_of(&gone.clouds_yaml()),
            SIM_CLOUD.to_owned(),
        ),
        Flavour::JsonCloud(profile) => (
            format!(
                "clouds:\n{}{}",
                sim.jsoncloud_clouds_yaml(SIM_CLOUD, SIM_CLOUD, profile, None),
                gone.jsoncloud_clouds_yaml(UNREACHABLE_CLOUD, UNREACHABLE_CLOUD, profile, None)
            ),
            SIM_CLOUD.to_owned(),
        ),
    };
    gone.shutdown();
    let clouds = CloudsConfig::from_str(&yaml, Path::new("<conformance clouds.yaml>"), None)?;
    let summary = format!("{} at {}", flavour.describe(), sim.base_url());
    Ok(Bench {
        federation: federation(registry, &clouds)?,
        plugin,
        sim: Some(sim),
        flavour: Some(flavour),
        main: CloudRegion::new(cloud, MAIN_REGION),
        summary,
    })
}

/// Prepares calls to `cloud` (its first region) of the clouds file `file`, plus an
/// unreachable cloud-region of the driver's `profile`.
pub async fn given(
    plugin: Arc<LoadedPlugin>,
    registry: Arc<Registry>,
    file: &Path,
    cloud: &str,
    profile: &str,
) -> anyhow::Result<Bench> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let mut clouds = CloudsConfig::from_str(&text, file, None)?;
    let unreachable = CloudsConfig::from_str(
        &format!("clouds:\n{}", unreachable_entry(profile)?),
        Path::new("<conformance clouds.yaml>"),
        None,
    )?;
    clouds.regions.extend(unreachable.regions);
    let region = clouds
        .regions
        .iter()
        .find(|r| r.cloud == cloud)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no cloud named {cloud:?} (clouds: {})",
                file.display(),
                clouds.cloud_names().join(", ")
            )
        })?;
    let main = CloudRegion::new(region.cloud.clone(), region.region.clone());
    Ok(Bench {
        federation: federation(registry, &clouds)?,
        plugin,
        sim: None,
        flavour: None,
        summary: format!("{main} of {}", file.display()),
        main,
    })
}

/// Prepares only the unreachable cloud-region, for a driver whose cloud is not simulated.
pub async fn unreachable_only(
    plugin: Arc<LoadedPlugin>,
    registry: Arc<Registry>,
    profile: &str,
) -> anyhow::Result<Bench> {
    let yaml = format!("clouds:\n{}", unreachable_entry(profile)?);
    let clouds = CloudsConfig::from_str(&yaml, Path::new("<conformance clouds.yaml>"), None)?;
    Ok(Bench {
        federation: federation(registry, &clouds)?,
        plugin,
        sim: None,
        flavour: None,
        main: CloudRegion::new(UNREACHABLE_CLOUD, UNREACHABLE_REGION),
        summary: "an unreachable cloud only".to_owned(),
    })
}

/// A clouds.yaml entry (under `clouds:`) for a cloud of `profile` whose every endpoint is a
/// closed port on 127.0.0.1, with the usual credential keys of several vendors filled.
fn unreachable_entry(profile: &str) -> anyhow::Result<String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    Ok(format!(
        "  {UNREACHABLE_CLOUD}:\n    profile: {profile}\n    endpoint_url: {url}\n    \
         aws_access_key_id: AKIDCONFORMANCEKIT00\n    aws_secret_access_key: conformance\n    \
         auth:\n      auth_url: {url}/identity\n      username: kit\n      password: kit\n      \
         project_name: kit\n      user_domain_name: Default\n      project_domain_name: Default\n      \
         api_token: kit\n    regions: [{UNREACHABLE_REGION}]\n"
    ))
}

/// The entries of a generated clouds.yaml, without its `clouds:` line.
fn entries_of(yaml: &str) -> String {
    yaml.lines()
        .skip_while(|line| line.trim_end() != "clouds:")
        .skip(1)
        .map(|line| format!("{line}\n"))
        .collect()
}

/// A federation over `clouds` with their egress allowlists, as the daemon builds it.
fn federation(registry: Arc<Registry>, clouds: &CloudsConfig) -> anyhow::Result<Federation> {
    let host = HostConfig::default();
    registry
        .runtime()
        .egress()
        .configure(crate::daemon::egress_allowlists(clouds, &host)?);
    let targets: Vec<Target> = crate::daemon::targets(clouds)?;
    Ok(Federation::new(
        registry,
        targets,
        FederationSettings {
            max_concurrency: 4,
            default_deadline: Duration::from_secs(30),
            max_deadline: Duration::from_secs(300),
            profile_map: BTreeMap::new(),
            expirations: crate::config::expirations(clouds)?,
        },
    ))
}
