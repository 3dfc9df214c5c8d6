//! `clouds.yaml` loaded as openstacksdk loads it, expanded into cloud-regions.
//!
//! 1. Find the clouds file (first found wins; none is an error listing every path tried).
//! 2. Find secure.yaml the same way and merge it over the clouds file, cloud by cloud.
//! 3. Find clouds-public.yaml for extra vendor profiles.
//! 4. Expand every cloud, in file order, into one [`CloudRegionConfig`] per region.
//! 5. Pick the default cloud: `OS_CLOUD` (which must exist), else the only cloud.
//! 6. Collect a warning for every key openstacksdk would ignore (see `known_keys`), naming
//!    the file that holds it.

use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::expand::{CloudRegionConfig, expand_cloud};
use super::known_keys::unknown_keys;
use super::merge::merge_maps;
use super::parse::{CloudsFile, FileKind, parse_clouds_file, read_file};
use super::profiles::Profiles;
use super::search::{ConfigEnv, SYSTEM_DIRS, candidates, first_existing};
use super::warning::ConfigWarning;

/// Every cloud-region of the loaded clouds file.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudsConfig {
    /// The clouds file used.
    pub source: PathBuf,
    /// The secure file merged over it, if one was found.
    pub secure_source: Option<PathBuf>,
    /// `OS_CLOUD`, or the only cloud when there is exactly one.
    pub default_cloud: Option<String>,
    /// Clouds in file order, each cloud's regions in listed order.
    pub regions: Vec<CloudRegionConfig>,
    /// The clouds file's top-level `cache:` block (`expiration: {server: 5, ...}`,
    /// `expiration_time`), normalised; empty when absent.
    pub cache: serde_json::Map<String, serde_json::Value>,
    /// Clouds whose settings are openstacksdk's, in file order: no `profile:` or a vendor
    /// profile, and no `driver:` other than an OpenStack one. Their keys are checked against
    /// openstacksdk's and their auth needs an `auth_url`; other clouds (`profile: aws`) follow
    /// their driver's rules.
    pub openstack_clouds: Vec<String>,
    /// Keys openstacksdk would ignore, each naming its file and key path; the daemon logs
    /// them at startup.
    pub warnings: Vec<ConfigWarning>,
}

impl CloudsConfig {
    /// Searches, reads and expands the clouds files for `env`; see the module doc.
    pub fn load(env: &ConfigEnv) -> Result<CloudsConfig, ConfigError> {
        let system: Vec<PathBuf> = SYSTEM_DIRS.iter().map(PathBuf::from).collect();
        Self::load_with(env, &system)
    }

    /// [`CloudsConfig::load`] with the system dirs given, so tests stay out of `/etc`.
    pub(crate) fn load_with(
        env: &ConfigEnv,
        system_dirs: &[PathBuf],
    ) -> Result<CloudsConfig, ConfigError> {
        let found = candidates(env, system_dirs);
        let Some(clouds_path) = first_existing(&found.clouds) else {
            return Err(ConfigError::NotFound {
                tried: found.clouds,
            });
        };
        let clouds = parse_clouds_file(&read_file(clouds_path)?, clouds_path, FileKind::Clouds)?;
        let secure = match first_existing(&found.secure) {
            Some(p) => Some(parse_clouds_file(&read_file(p)?, p, FileKind::Secure)?),
            None => None,
        };
        let profiles = match first_existing(&found.public) {
            Some(p) => Profiles::with_public_file(&read_file(p)?, p)?,
            None => Profiles::builtin_only(),
        };
        tracing::debug!(
            clouds = %clouds_path.display(),
            secure = ?secure.as_ref().map(|s| s.path.display().to_string()),
            "loading clouds config"
        );
        build(clouds, secure, &profiles, env.os_cloud.as_deref())
    }

    /// Parses clouds text (and optional secure text) without touching the disk or the
    /// environment; only built-in profiles are known. `source` names the file in errors.
    pub fn from_str(
        text: &str,
        source: &Path,
        secure: Option<(&str, &Path)>,
    ) -> Result<CloudsConfig, ConfigError> {
        let clouds = parse_clouds_file(text, source, FileKind::Clouds)?;
        let secure = secure
            .map(|(t, p)| parse_clouds_file(t, p, FileKind::Secure))
            .transpose()?;
        build(clouds, secure, &Profiles::builtin_only(), None)
    }

    /// Cloud names in file order, each once.
    pub fn cloud_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for r in &self.regions {
            if names.last() != Some(&r.cloud.as_str()) {
                names.push(&r.cloud);
            }
        }
        names
    }

    /// The cloud-region `cloud`/`region` (`""` for a cloud without regions).
    pub fn get(&self, cloud: &str, region: &str) -> Option<&CloudRegionConfig> {
        self.regions
            .iter()
            .find(|r| r.cloud == cloud && r.region == region)
    }
}

/// Steps 2, 4 and 5 of the module doc.
fn build(
    mut clouds: CloudsFile,
    secure: Option<CloudsFile>,
    profiles: &Profiles,
    os_cloud: Option<&str>,
) -> Result<CloudsConfig, ConfigError> {
    let secure_source = secure.as_ref().map(|s| s.path.clone());
    let openstack_clouds: Vec<String> = all_names(&clouds, secure.as_ref())
        .into_iter()
        .filter(|name| follows_openstacksdk(name, &clouds, secure.as_ref(), profiles))
        .collect();
    let checked = |name: &str| openstack_clouds.iter().any(|n| n == name);
    let mut warnings = clouds.warnings.clone();
    warnings.extend(unknown_keys(&clouds, &checked));
    if let Some(secure) = &secure {
        warnings.extend(secure.warnings.iter().cloned());
        warnings.extend(unknown_keys(secure, &checked));
    }
    for (name, body) in secure.map(|s| s.clouds).unwrap_or_default() {
        match clouds.clouds.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => merge_maps(existing, body),
            None => clouds.clouds.push((name, body)),
        }
    }
    let names: Vec<String> = clouds.clouds.iter().map(|(n, _)| n.clone()).collect();
    let default_cloud = match os_cloud {
        Some(wanted) if names.iter().any(|n| n == wanted) => Some(wanted.to_string()),
        Some(wanted) => {
            return Err(ConfigError::UnknownCloud {
                name: wanted.to_string(),
                path: clouds.path,
                known: names,
            });
        }
        None if names.len() == 1 => names.first().cloned(),
        None => None,
    };
    let mut regions = Vec::new();
    for (name, body) in clouds.clouds {
        regions.extend(expand_cloud(&name, body, profiles, &clouds.path)?);
    }
    Ok(CloudsConfig {
        source: clouds.path,
        secure_source,
        default_cloud,
        regions,
        cache: clouds.cache,
        openstack_clouds,
        warnings,
    })
}

/// Cloud names of the clouds file, then those only secure.yaml defines, each once.
fn all_names(clouds: &CloudsFile, secure: Option<&CloudsFile>) -> Vec<String> {
    let mut names: Vec<String> = clouds.clouds.iter().map(|(n, _)| n.clone()).collect();
    for (name, _) in secure.map(|s| s.clouds.as_slice()).unwrap_or_default() {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// Whether the cloud `name` is configured the openstacksdk way: its `profile:` (or the
/// deprecated `cloud:`) is absent, `openstack` or a vendor profile, and so is its `driver:`.
/// secure.yaml's value wins, as in the merge.
fn follows_openstacksdk(
    name: &str,
    clouds: &CloudsFile,
    secure: Option<&CloudsFile>,
    profiles: &Profiles,
) -> bool {
    let setting = |key: &str| -> Option<String> {
        let in_file = |file: &CloudsFile| {
            file.clouds
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, body)| body.get(key))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        secure.and_then(in_file).or_else(|| in_file(clouds))
    };
    let openstack =
        |value: Option<String>| value.is_none_or(|v| v == "openstack" || profiles.is_known(&v));
    openstack(setting("profile").or_else(|| setting("cloud"))) && openstack(setting("driver"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from(text: &str) -> CloudsConfig {
        CloudsConfig::from_str(text, Path::new("/c/clouds.yaml"), None).unwrap()
    }

    fn from_err(text: &str) -> String {
        CloudsConfig::from_str(text, Path::new("/c/clouds.yaml"), None)
            .unwrap_err()
            .to_string()
    }

    /// A temp tree with cwd/, home/ and etc/ dirs and an env pointing at them.
    struct Tree {
        dir: tempfile::TempDir,
        env: ConfigEnv,
    }

    impl Tree {
        fn new() -> Tree {
            let dir = tempfile::tempdir().unwrap();
            for d in ["cwd", "home/.config/openstack", "etc"] {
                std::fs::create_dir_all(dir.path().join(d)).unwrap();
            }
            let env = ConfigEnv {
                cwd: dir.path().join("cwd"),
                home: Some(dir.path().join("home")),
                ..ConfigEnv::default()
            };
            Tree { dir, env }
        }

        fn write(&self, rel: &str, text: &str) -> PathBuf {
            let p = self.dir.path().join(rel);
            std::fs::write(&p, text).unwrap();
            p
        }

        fn load(&self) -> Result<CloudsConfig, ConfigError> {
            CloudsConfig::load_with(&self.env, &[self.dir.path().join("etc")])
        }
    }

    #[test]
    fn the_first_clouds_file_found_wins_in_search_order() {
        let t = Tree::new();
        t.write("etc/clouds.yaml", "clouds: {etc: {}}\n");
        t.write("home/.config/openstack/clouds.yml", "clouds: {home: {}}\n");
        assert_eq!(t.load().unwrap().cloud_names(), ["home"]);
        let cwd = t.write("cwd/clouds.json", r#"{"clouds": {"cwd": {}}}"#);
        let c = t.load().unwrap();
        assert_eq!(c.cloud_names(), ["cwd"]);
        assert_eq!(c.source, cwd);
    }

    #[test]
    fn os_client_config_file_is_tried_before_every_dir() {
        let mut t = Tree::new();
        t.write("cwd/clouds.yaml", "clouds: {cwd: {}}\n");
        let head = t.write("elsewhere.yaml", "clouds: {env: {}}\n");
        t.env.os_client_config_file = Some(head);
        assert_eq!(t.load().unwrap().cloud_names(), ["env"]);
    }

    #[test]
    fn no_clouds_file_lists_every_path_tried_and_the_fix() {
        let t = Tree::new();
        let err = t.load().unwrap_err();
        let ConfigError::NotFound { ref tried } = err else {
            panic!("{err}")
        };
        assert_eq!(tried.len(), 9);
        let msg = err.to_string();
        assert!(
            msg.contains("cwd/clouds.yaml") && msg.contains("etc/clouds.json"),
            "{msg}"
        );
        assert!(msg.contains("OS_CLIENT_CONFIG_FILE"), "{msg}");
    }

    #[test]
    fn a_password_only_in_secure_yaml_ends_up_in_auth() {
        let mut t = Tree::new();
        t.write(
            "cwd/clouds.yaml",
            "clouds:\n  a:\n    auth: {auth_url: 'https://k/v3', username: u, project_name: p}\n",
        );
        let secure = t.write(
            "secure.yaml",
            "clouds:\n  a:\n    auth: {password: s3cret}\n",
        );
        t.env.os_client_secure_file = Some(secure.clone());
        let c = t.load().unwrap();
        assert_eq!(c.secure_source, Some(secure));
        assert_eq!(
            c.regions[0].config["auth"],
            json!({"auth_url": "https://k/v3", "username": "u", "project_name": "p", "password": "s3cret"})
        );
    }

    #[test]
    fn secure_values_win_and_secure_only_clouds_come_last() {
        let c = CloudsConfig::from_str(
            "clouds:\n  a: {region_name: R, auth: {username: u}}\n",
            Path::new("/c/clouds.yaml"),
            Some((
                "clouds:\n  b: {}\n  a: {auth: {username: v}}\n",
                Path::new("/c/secure.yaml"),
            )),
        )
        .unwrap();
        assert_eq!(c.cloud_names(), ["a", "b"]);
        assert_eq!(c.regions[0].config["auth"]["username"], "v");
    }

    #[test]
    fn a_public_clouds_file_adds_profiles() {
        let t = Tree::new();
        t.write(
            "home/.config/openstack/clouds-public.yaml",
            "public-clouds:\n  mine: {image_format: vmdk}\n",
        );
        t.write("cwd/clouds.yaml", "clouds:\n  a: {profile: mine}\n");
        let c = t.load().unwrap();
        assert_eq!(c.regions[0].config["image_format"], "vmdk");
    }

    #[test]
    fn regions_as_names_and_as_name_values_override_per_region() {
        let c = from(
            "clouds:\n  a:\n    regions:\n      - R1\n      - name: R2\n        values:\n          image_format: raw\n",
        );
        assert_eq!(c.regions.len(), 2);
        assert_eq!(c.get("a", "R1").unwrap().config["image_format"], "qcow2");
        assert_eq!(c.get("a", "R2").unwrap().config["image_format"], "raw");
    }

    #[test]
    fn region_values_may_override_auth_and_networks() {
        let c = from(
            "clouds:\n  a:\n    auth: {auth_url: x, username: u}\n    networks: [{name: n1}]\n    regions:\n      \
             - {name: R1, values: {auth: {auth_url: y}, networks: [{name: n2}]}}\n",
        );
        let r = &c.regions[0].config;
        assert_eq!(r["auth"], json!({"auth_url": "y", "username": "u"}));
        assert_eq!(r["networks"], json!([{"name": "n2"}]));
    }

    #[test]
    fn an_unknown_key_in_a_region_item_names_the_file_and_key_path() {
        let err = from_err("clouds:\n  alpha:\n    regions:\n      - R1\n      - {nmae: R2}\n");
        assert!(
            err.starts_with("/c/clouds.yaml: clouds.alpha.regions[1]: unknown key 'nmae' (allowed: name, values)"),
            "{err}"
        );
    }

    #[test]
    fn region_name_is_templated_into_auth_url_but_not_into_passwords() {
        let c = from(
            "clouds:\n  a:\n    auth:\n      auth_url: 'https://{region_name}.k/v3'\n      password: 'p{region_name}'\n    \
             regions: [east, west]\n",
        );
        assert_eq!(c.regions[1].config["auth"]["auth_url"], "https://west.k/v3");
        assert_eq!(c.regions[1].config["auth"]["password"], "p{region_name}");
    }

    #[test]
    fn rackspace_expands_to_its_six_regions_with_vhd_and_tasks() {
        let c =
            from("clouds:\n  rax:\n    profile: rackspace\n    auth: {username: u, api_key: k}\n");
        assert_eq!(c.regions.len(), 6);
        for r in &c.regions {
            assert_eq!(r.config["image_format"], "vhd");
            assert_eq!(r.config["image_api_use_tasks"], true);
            assert_eq!(r.config["floating_ip_source"], "None");
            assert_eq!(r.config["identity_api_version"], "2.0");
            assert_eq!(r.profile.as_deref(), Some("rackspace"));
        }
        let iad = c.get("rax", "IAD").unwrap();
        assert_eq!(
            iad.config["block_storage_endpoint_override"],
            "https://IAD.blockstorage.api.rackspacecloud.com/v2/"
        );
    }

    #[test]
    fn cloud_keys_override_the_profile_and_a_region_name_narrows_it() {
        let c = from(
            "clouds:\n  rax:\n    profile: rackspace\n    region_name: LON\n    image_format: qcow2\n",
        );
        assert_eq!(c.regions.len(), 1);
        assert_eq!(c.regions[0].region, "LON");
        assert_eq!(c.regions[0].config["image_format"], "qcow2");
        assert_eq!(c.regions[0].config["image_api_use_tasks"], true);
    }

    #[test]
    fn a_shutdown_profile_is_an_error_naming_it() {
        let err = from_err("clouds:\n  old:\n    profile: unitedstack\n");
        assert!(
            err.contains("clouds.old.profile: profile 'unitedstack'"),
            "{err}"
        );
        assert!(err.contains("no longer exists"), "{err}");
    }

    #[test]
    fn os_cloud_naming_an_unknown_cloud_lists_the_known_ones() {
        let mut t = Tree::new();
        t.write("cwd/clouds.yaml", "clouds: {one: {}, two: {}}\n");
        t.env.os_cloud = Some("three".into());
        let err = t.load().unwrap_err().to_string();
        assert!(
            err.contains("OS_CLOUD is 'three'") && err.contains("known clouds: one, two"),
            "{err}"
        );
        t.env.os_cloud = Some("two".into());
        assert_eq!(t.load().unwrap().default_cloud.as_deref(), Some("two"));
    }

    #[test]
    fn unknown_keys_warn_against_the_file_that_holds_them_for_openstack_clouds_only() {
        let c = CloudsConfig::from_str(
            "clouds:\n  a: {auth_tpye: password, auth: {auth_url: x}}\n  \
             aws: {profile: aws, aws_access_key_id: k}\n  rax: {profile: rackspace}\n",
            Path::new("/c/clouds.yaml"),
            Some((
                "clouds:\n  a:\n    auth: {pasword: s}\n",
                Path::new("/c/secure.yaml"),
            )),
        )
        .unwrap();
        let found: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with(
                "/c/clouds.yaml: clouds.a.auth_tpye: unknown key (did you mean auth_type?)"
            ),
            "{found:?}"
        );
        assert!(
            found[1].starts_with(
                "/c/secure.yaml: clouds.a.auth.pasword: unknown key (did you mean password?)"
            ),
            "{found:?}"
        );
        assert_eq!(c.openstack_clouds, ["a", "rax"]);
    }

    #[test]
    fn the_only_cloud_is_the_default() {
        assert_eq!(
            from("clouds: {solo: {}}\n").default_cloud.as_deref(),
            Some("solo")
        );
        assert_eq!(from("clouds: {a: {}, b: {}}\n").default_cloud, None);
    }

    #[test]
    fn numbers_stay_numbers() {
        let c = from(
            "clouds:\n  a:\n    api_timeout: 30\n    verify: false\n    image_api_version: 2\n    ratio: 0.5\n",
        );
        let r = &c.regions[0].config;
        assert_eq!(r["api_timeout"], json!(30));
        assert_eq!(r["verify"], json!(false));
        assert_eq!(r["image_api_version"], json!(2));
        assert_eq!(r["ratio"], json!(0.5));
    }

    #[test]
    fn auth_plugin_is_a_legacy_alias_of_auth_type() {
        let c = from("clouds:\n  a:\n    auth_plugin: token\n    auth: {token: t}\n");
        assert_eq!(c.regions[0].config["auth_type"], "token");
        assert!(c.regions[0].config.get("auth_plugin").is_none());
    }

    #[test]
    fn domain_name_fans_out_to_user_and_project_domain() {
        let c =
            from("clouds:\n  a:\n    domain_name: D\n    auth: {username: u, project_name: p}\n");
        let auth = &c.regions[0].config["auth"];
        assert_eq!(auth["user_domain_name"], "D");
        assert_eq!(auth["project_domain_name"], "D");
        assert!(auth.get("domain_name").is_none());
    }

    #[test]
    fn top_level_auth_keys_move_into_auth() {
        let c = from(
            "clouds:\n  a:\n    username: u\n    password: p\n    project-name: pr\n    auth_url: x\n",
        );
        assert_eq!(
            c.regions[0].config["auth"],
            json!({"username": "u", "password": "p", "project_name": "pr", "auth_url": "x"})
        );
    }

    #[test]
    fn clouds_and_regions_keep_file_order() {
        let c = from("clouds:\n  z: {regions: [b, a]}\n  m: {}\n  a: {region_name: x}\n");
        let pairs: Vec<(&str, &str)> = c
            .regions
            .iter()
            .map(|r| (r.cloud.as_str(), r.region.as_str()))
            .collect();
        assert_eq!(pairs, [("z", "b"), ("z", "a"), ("m", ""), ("a", "x")]);
        assert_eq!(c.cloud_names(), ["z", "m", "a"]);
    }

    #[test]
    fn malformed_yaml_names_the_file_and_line() {
        let mut t = Tree::new();
        let p = t.write("bad.yaml", "clouds:\n  a:\n    auth: [\n");
        t.env.explicit_file = Some(p);
        let err = t.load().unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { line: Some(_), .. }),
            "{err}"
        );
        assert!(err.to_string().contains("bad.yaml:"), "{err}");
    }

    #[test]
    fn a_missing_explicit_file_is_not_found_with_only_that_path() {
        let mut t = Tree::new();
        t.write("cwd/clouds.yaml", "clouds: {a: {}}\n");
        t.env.explicit_file = Some(PathBuf::from("nope.yaml"));
        let ConfigError::NotFound { tried } = t.load().unwrap_err() else {
            panic!()
        };
        assert_eq!(tried, vec![t.env.cwd.join("nope.yaml")]);
    }
}
