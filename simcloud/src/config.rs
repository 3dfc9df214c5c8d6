//! What the simulator serves: clouds, their regions, seeded counts, page sizes and faults.
//!
//! Read from YAML (`deny_unknown_fields`, so a typo is an error naming the key) or built in
//! code; [`SimConfig::demo`] is the fixture shared by the demo and the integration tests.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::ids;

/// The whole simulated world: several clouds, each with several regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    pub clouds: Vec<SimCloudConfig>,
    /// Lifetime of issued keystone tokens.
    #[serde(default = "default_token_ttl_secs")]
    pub token_ttl_secs: u64,
    /// Page sizes of the list APIs; tests shrink them to force pagination.
    #[serde(default)]
    pub page_sizes: PageSizes,
    /// How long a glance import task takes from `pending` to `success` or `failure`.
    #[serde(default = "default_image_task_ms")]
    pub image_task_ms: u64,
}

/// Per-service page sizes, named after the real services' options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PageSizes {
    /// nova `[api] max_limit`: the page size without `limit`, and the cap on `limit` (1000).
    pub nova_max_limit: usize,
    /// glance `limit_param_default`: the page size without `limit` (25).
    pub glance_default_limit: usize,
    /// glance `api_limit_max`: the cap on `limit` (1000).
    pub glance_max_limit: usize,
    /// neutron `pagination_max_limit`: `None` (the default, "-1") means neutron only pages
    /// when the client sends `limit`; `Some(n)` caps every page at `n` items.
    pub neutron_max_limit: Option<usize>,
}

impl Default for PageSizes {
    fn default() -> Self {
        PageSizes {
            nova_max_limit: 1000,
            glance_default_limit: 25,
            glance_max_limit: 1000,
            neutron_max_limit: None,
        }
    }
}

/// One simulated cloud: one keystone with one user, one project and one application credential
/// (id `appcred-<cloud>`, secret = `password`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimCloudConfig {
    pub name: String,
    #[serde(default = "default_username")]
    pub username: String,
    #[serde(default = "default_password")]
    pub password: String,
    #[serde(default = "default_project_name")]
    pub project_name: String,
    /// Derived from the cloud name when absent (see [`SimCloudConfig::project_id`]).
    #[serde(default)]
    pub project_id: Option<String>,
    /// Name of the user's and the project's domain (id `default` when it is `Default`).
    #[serde(default = "default_domain")]
    pub domain: String,
    /// When true, keystone refuses every token request with 401.
    #[serde(default)]
    pub refuse_auth: bool,
    /// Which real cloud this one behaves like (identity version, image formats and upload
    /// path, floating IPs); see [`crate::vendor`].
    #[serde(default)]
    pub vendor: crate::vendor::Vendor,
    /// How the catalog spells nova, glance and neutron URLs (unversioned, versioned, or with
    /// the project after the version); see [`crate::endpoints`].
    #[serde(default)]
    pub endpoints: crate::endpoints::EndpointStyle,
    pub regions: Vec<SimRegionConfig>,
}

/// One region of a cloud: seeded counts and the initial fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimRegionConfig {
    pub name: String,
    #[serde(default = "default_servers")]
    pub servers: usize,
    #[serde(default = "default_images")]
    pub images: usize,
    #[serde(default = "default_flavors")]
    pub flavors: usize,
    #[serde(default = "default_networks")]
    pub networks: usize,
    /// Delay before every service answer in this region.
    #[serde(default)]
    pub latency_ms: u64,
    #[serde(default)]
    pub fault: Fault,
    /// Build/delete times and write faults of servers and volumes.
    #[serde(default)]
    pub lifecycle: crate::lifecycle::Lifecycle,
}

/// How a region's services (nova, glance, neutron) misbehave. Keystone is not affected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    /// Answer normally.
    #[default]
    None,
    /// Every service call answers 503.
    Unavailable,
    /// Service calls are held without an answer (at most [`crate::MAX_HOLD`], then 504).
    Timeout,
    /// Every authenticated service call answers 401, whatever the token.
    Unauthorized,
}

impl Fault {
    /// The lowercase name used in config and on the admin API.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Unavailable => "unavailable",
            Fault::Timeout => "timeout",
            Fault::Unauthorized => "unauthorized",
        }
    }
}

fn default_token_ttl_secs() -> u64 {
    3600
}
fn default_image_task_ms() -> u64 {
    500
}
fn default_username() -> String {
    "demo".into()
}
fn default_password() -> String {
    "secret".into()
}
fn default_project_name() -> String {
    "demo".into()
}
fn default_domain() -> String {
    "Default".into()
}
fn default_servers() -> usize {
    10
}
fn default_images() -> usize {
    5
}
fn default_flavors() -> usize {
    4
}
fn default_networks() -> usize {
    2
}

impl SimRegionConfig {
    /// A region with the default counts (10 servers, 5 images, 4 flavors, 2 networks), no fault.
    pub fn new(name: &str) -> Self {
        SimRegionConfig {
            name: name.into(),
            servers: default_servers(),
            images: default_images(),
            flavors: default_flavors(),
            networks: default_networks(),
            latency_ms: 0,
            fault: Fault::None,
            lifecycle: crate::lifecycle::Lifecycle::default(),
        }
    }
}

impl SimCloudConfig {
    /// A cloud with the default credentials (`demo` / `secret`, project `demo`, domain `Default`).
    pub fn new(name: &str, regions: Vec<SimRegionConfig>) -> Self {
        SimCloudConfig {
            name: name.into(),
            username: default_username(),
            password: default_password(),
            project_name: default_project_name(),
            project_id: None,
            domain: default_domain(),
            refuse_auth: false,
            vendor: crate::vendor::Vendor::OpenStack,
            endpoints: crate::endpoints::EndpointStyle::Stock,
            regions,
        }
    }

    /// The configured project id, or 32 hex digits derived from the cloud name.
    pub fn project_id(&self) -> String {
        match &self.project_id {
            Some(id) => id.clone(),
            None => ids::hex(&[&self.name, "project"], 32),
        }
    }

    /// The id of the cloud's single user (32 hex digits derived from cloud and user name).
    pub fn user_id(&self) -> String {
        ids::hex(&[&self.name, "user", &self.username], 32)
    }

    /// `default` for the `Default` domain (as devstack has it), else derived from the name.
    pub fn domain_id(&self) -> String {
        if self.domain == "Default" {
            "default".into()
        } else {
            ids::hex(&[&self.name, "domain", &self.domain], 32)
        }
    }

    /// The application credential seeded for this cloud; its secret is the password.
    pub fn application_credential_id(&self) -> String {
        format!("appcred-{}", self.name)
    }

    /// The project that owns the one "foreign" image per region.
    pub fn other_project_id(&self) -> String {
        ids::hex(&[&self.name, "other-project"], 32)
    }
}

impl SimConfig {
    /// A config with the given clouds and default TTL and page sizes.
    pub fn new(clouds: Vec<SimCloudConfig>) -> Self {
        SimConfig {
            clouds,
            token_ttl_secs: default_token_ttl_secs(),
            page_sizes: PageSizes::default(),
            image_task_ms: default_image_task_ms(),
        }
    }

    /// The demo world: three clouds × four regions, default credentials everywhere.
    ///
    /// | cloud | regions |
    /// |-------|---------|
    /// | alpha | us-east-1, us-west-1, eu-central-1, ap-south-1 |
    /// | beta  | us-east-1, us-west-2, eu-west-1, ap-south-1 |
    /// | gamma | us-central-1, eu-central-1, eu-north-1, ap-southeast-1 |
    ///
    /// Counts: cloud index `c` (alpha 0, beta 1, gamma 2) and region index `r` (table order)
    /// give `8 + 4c + 2r` servers, `5 + r` images, 4 flavors and 2 networks (`public`, `private`).
    ///
    /// Fixtures in every region (see `seed`): servers 0 and 1 are both named `web-dup`
    /// (a get-by-name that matches two servers); servers with index ≡ 7 (mod 10) are SHUTOFF
    /// and index ≡ 9 (mod 20) ERROR (with a `fault`), the rest ACTIVE;
    /// the last image is owned by another project ([`SimCloudConfig::other_project_id`]).
    pub fn demo() -> SimConfig {
        let table: [(&str, [&str; 4]); 3] = [
            (
                "alpha",
                ["us-east-1", "us-west-1", "eu-central-1", "ap-south-1"],
            ),
            (
                "beta",
                ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"],
            ),
            (
                "gamma",
                [
                    "us-central-1",
                    "eu-central-1",
                    "eu-north-1",
                    "ap-southeast-1",
                ],
            ),
        ];
        let clouds = table
            .iter()
            .enumerate()
            .map(|(c, (cloud, regions))| {
                let regions = regions
                    .iter()
                    .enumerate()
                    .map(|(r, region)| SimRegionConfig {
                        servers: 8 + 4 * c + 2 * r,
                        images: 5 + r,
                        ..SimRegionConfig::new(region)
                    })
                    .collect();
                SimCloudConfig::new(cloud, regions)
            })
            .collect();
        SimConfig::new(clouds)
    }

    /// Parses YAML text; `origin` names the source in errors.
    pub fn from_yaml_str(text: &str, origin: &Path) -> Result<SimConfig, SimError> {
        let config: SimConfig =
            serde_yaml::from_str(text).map_err(|source| SimError::ParseConfig {
                path: origin.to_path_buf(),
                source,
            })?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and validates a YAML config file.
    pub fn from_file(path: &Path) -> Result<SimConfig, SimError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::ReadConfig {
            path: path.to_path_buf(),
            source,
        })?;
        SimConfig::from_yaml_str(&text, path)
    }

    /// Checks names are unique and usable as URL path segments.
    pub fn validate(&self) -> Result<(), SimError> {
        let invalid = |key: String, reason: &str| SimError::InvalidConfig {
            key,
            reason: reason.into(),
        };
        if self.clouds.is_empty() {
            return Err(invalid("clouds".into(), "at least one cloud is needed"));
        }
        let mut clouds = BTreeSet::new();
        for (c, cloud) in self.clouds.iter().enumerate() {
            let key = format!("clouds[{c}].name");
            check_segment(&cloud.name).map_err(|reason| invalid(key.clone(), reason))?;
            if !clouds.insert(cloud.name.as_str()) {
                return Err(invalid(key, "duplicate cloud name"));
            }
            if cloud.regions.is_empty() {
                return Err(invalid(
                    format!("clouds[{c}].regions"),
                    "at least one region is needed",
                ));
            }
            let mut regions = BTreeSet::new();
            for (r, region) in cloud.regions.iter().enumerate() {
                let key = format!("clouds[{c}].regions[{r}].name");
                check_segment(&region.name).map_err(|reason| invalid(key.clone(), reason))?;
                if region.name == "identity" {
                    return Err(invalid(key, "`identity` is keystone's path segment"));
                }
                if !regions.insert(region.name.as_str()) {
                    return Err(invalid(key, "duplicate region name in this cloud"));
                }
            }
        }
        Ok(())
    }
}

/// Names become URL path segments: ASCII letters, digits, `-`, `_`, `.`, not starting with `_`
/// (reserved for `/_admin`).
fn check_segment(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty name");
    }
    if name.starts_with('_') || name.starts_with('.') {
        return Err("names may not start with `_` or `.`");
    }
    if !name
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
    {
        return Err("only ASCII letters, digits, `-`, `_` and `.` are allowed");
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_three_clouds_of_four_regions_and_is_valid() {
        let demo = SimConfig::demo();
        assert_eq!(demo.clouds.len(), 3);
        assert!(demo.clouds.iter().all(|c| c.regions.len() == 4));
        assert!(demo.validate().is_ok());
    }

    #[test]
    fn yaml_defaults_fill_in_counts_and_credentials() {
        let text = "clouds:\n  - name: x\n    regions:\n      - name: r1\n        fault: timeout\n";
        let config = SimConfig::from_yaml_str(text, Path::new("t.yaml")).unwrap();
        let cloud = &config.clouds[0];
        assert_eq!(cloud.username, "demo");
        assert_eq!(cloud.regions[0].servers, 10);
        assert_eq!(cloud.regions[0].fault, Fault::Timeout);
        assert_eq!(config.page_sizes.glance_default_limit, 25);
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let text = "clouds:\n  - name: x\n    regionz: []\n";
        let err = SimConfig::from_yaml_str(text, Path::new("t.yaml")).unwrap_err();
        assert!(err.to_string().contains("regionz"), "{err}");
    }

    #[test]
    fn duplicate_regions_are_rejected() {
        let config = SimConfig::new(vec![SimCloudConfig::new(
            "x",
            vec![SimRegionConfig::new("r"), SimRegionConfig::new("r")],
        )]);
        assert!(config.validate().is_err());
    }
}
