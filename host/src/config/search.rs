//! Where openstacksdk looks for `clouds.yaml`, `secure.yaml` and `clouds-public.yaml`.
//!
//! 1. The clouds file: `explicit_file` alone when given; otherwise `OS_CLIENT_CONFIG_FILE`,
//!    then each config dir (cwd, the XDG user config dir, `~/.config/openstack`,
//!    `/etc/xdg/openstack`, `/etc/openstack`) as `clouds.yaml`, `clouds.yml`, `clouds.json`.
//! 2. The secure file: `OS_CLIENT_SECURE_FILE`, then the same dirs as `secure.{yaml,yml,json}`.
//! 3. The vendor file: the same dirs without cwd (openstacksdk's `VENDOR_SEARCH_PATH`) as
//!    `clouds-public.{yaml,yml,json}`; it has no env override.
//!
//! In each list the first existing file wins.

use std::path::{Path, PathBuf};

/// Site config dirs searched after the user's: platformdirs' `site_config_dir` on Linux, then
/// openstacksdk's fixed `/etc/openstack`.
pub(crate) const SYSTEM_DIRS: &[&str] = &["/etc/xdg/openstack", "/etc/openstack"];

/// File suffixes in openstacksdk's order (`YAML_SUFFIXES + JSON_SUFFIXES`).
const SUFFIXES: &[&str] = &["yaml", "yml", "json"];

/// The process facts that steer the search. Tests build it by hand; the daemon uses
/// [`ConfigEnv::from_process`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigEnv {
    /// Working directory: searched first, and the base of relative env paths.
    pub cwd: PathBuf,
    /// `$HOME` (or `$SNAP_REAL_HOME` inside a snap), for `~/.config/openstack`.
    pub home: Option<PathBuf>,
    /// `$XDG_CONFIG_HOME`; the user config dir is `$XDG_CONFIG_HOME/openstack` when set.
    pub xdg_config_home: Option<PathBuf>,
    /// `$OS_CLIENT_CONFIG_FILE`, tried before every search dir.
    pub os_client_config_file: Option<PathBuf>,
    /// `$OS_CLIENT_SECURE_FILE`, tried before every search dir for secure.yaml.
    pub os_client_secure_file: Option<PathBuf>,
    /// `$OS_CLOUD`, the default cloud.
    pub os_cloud: Option<String>,
    /// A clouds file chosen by the host config or a CLI flag; replaces the clouds-file search.
    pub explicit_file: Option<PathBuf>,
}

impl ConfigEnv {
    /// Reads the working directory and the environment. Empty variables count as unset.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        ConfigEnv {
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            home: var("SNAP_REAL_HOME")
                .or_else(|| var("HOME"))
                .map(PathBuf::from),
            xdg_config_home: var("XDG_CONFIG_HOME").map(PathBuf::from),
            os_client_config_file: var("OS_CLIENT_CONFIG_FILE").map(PathBuf::from),
            os_client_secure_file: var("OS_CLIENT_SECURE_FILE").map(PathBuf::from),
            os_cloud: var("OS_CLOUD").and_then(|v| v.into_string().ok()),
            explicit_file: None,
        }
    }

    /// Resolves a path from the environment against the working directory.
    fn absolute(&self, path: &Path) -> PathBuf {
        self.cwd.join(path)
    }

    /// The user config dirs: platformdirs' `user_config_dir`, then `~/.config/openstack`.
    fn user_dirs(&self) -> Vec<PathBuf> {
        let dot_config = self
            .home
            .as_ref()
            .map(|h| h.join(".config").join("openstack"));
        let xdg = self
            .xdg_config_home
            .as_ref()
            .map(|x| x.join("openstack"))
            .or_else(|| dot_config.clone());
        xdg.into_iter().chain(dot_config).collect()
    }
}

/// The candidate files of each kind, in search order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidates {
    pub clouds: Vec<PathBuf>,
    pub secure: Vec<PathBuf>,
    pub public: Vec<PathBuf>,
}

/// Lists every candidate file; `system_dirs` is [`SYSTEM_DIRS`] except in tests.
pub(crate) fn candidates(env: &ConfigEnv, system_dirs: &[PathBuf]) -> Candidates {
    let mut dirs = vec![env.cwd.clone()];
    dirs.extend(env.user_dirs());
    dirs.extend(system_dirs.iter().cloned());
    dedup_keep_first(&mut dirs);
    let vendor_dirs: Vec<PathBuf> = dirs.iter().skip(1).cloned().collect();

    let clouds = match &env.explicit_file {
        Some(file) => vec![env.absolute(file)],
        None => with_head(env.os_client_config_file.as_deref(), env, &dirs, "clouds"),
    };
    Candidates {
        clouds,
        secure: with_head(env.os_client_secure_file.as_deref(), env, &dirs, "secure"),
        public: files_in(&vendor_dirs, "clouds-public"),
    }
}

fn with_head(head: Option<&Path>, env: &ConfigEnv, dirs: &[PathBuf], stem: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = head.map(|h| env.absolute(h)).into_iter().collect();
    out.extend(files_in(dirs, stem));
    out
}

fn files_in(dirs: &[PathBuf], stem: &str) -> Vec<PathBuf> {
    dirs.iter()
        .flat_map(|d| SUFFIXES.iter().map(move |s| d.join(format!("{stem}.{s}"))))
        .collect()
}

fn dedup_keep_first(paths: &mut Vec<PathBuf>) {
    let mut seen = Vec::new();
    paths.retain(|p| {
        let fresh = !seen.contains(p);
        if fresh {
            seen.push(p.clone());
        }
        fresh
    });
}

/// The first candidate that exists: openstacksdk's "first file found wins".
pub(crate) fn first_existing(candidates: &[PathBuf]) -> Option<&PathBuf> {
    candidates.iter().find(|p| p.exists())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn env(root: &Path) -> ConfigEnv {
        ConfigEnv {
            cwd: root.join("cwd"),
            home: Some(root.join("home")),
            ..ConfigEnv::default()
        }
    }

    #[test]
    fn clouds_are_searched_in_cwd_then_user_then_system_dirs_with_each_suffix() {
        let root = Path::new("/r");
        let c = candidates(&env(root), &[PathBuf::from("/sys1")]);
        let shown: Vec<String> = c.clouds.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            shown,
            [
                "/r/cwd/clouds.yaml",
                "/r/cwd/clouds.yml",
                "/r/cwd/clouds.json",
                "/r/home/.config/openstack/clouds.yaml",
                "/r/home/.config/openstack/clouds.yml",
                "/r/home/.config/openstack/clouds.json",
                "/sys1/clouds.yaml",
                "/sys1/clouds.yml",
                "/sys1/clouds.json",
            ]
        );
    }

    #[test]
    fn xdg_config_home_comes_before_dot_config() {
        let mut e = env(Path::new("/r"));
        e.xdg_config_home = Some(PathBuf::from("/xdg"));
        let c = candidates(&e, &[]);
        assert_eq!(c.clouds[3], PathBuf::from("/xdg/openstack/clouds.yaml"));
        assert_eq!(
            c.clouds[6],
            PathBuf::from("/r/home/.config/openstack/clouds.yaml")
        );
    }

    #[test]
    fn env_files_go_to_the_head_and_relative_ones_resolve_against_cwd() {
        let mut e = env(Path::new("/r"));
        e.os_client_config_file = Some(PathBuf::from("my.yaml"));
        e.os_client_secure_file = Some(PathBuf::from("/abs/s.yaml"));
        let c = candidates(&e, &[]);
        assert_eq!(c.clouds[0], PathBuf::from("/r/cwd/my.yaml"));
        assert_eq!(c.clouds[1], PathBuf::from("/r/cwd/clouds.yaml"));
        assert_eq!(c.secure[0], PathBuf::from("/abs/s.yaml"));
        assert_eq!(c.secure[1], PathBuf::from("/r/cwd/secure.yaml"));
    }

    #[test]
    fn an_explicit_file_replaces_the_clouds_search_but_not_the_secure_one() {
        let mut e = env(Path::new("/r"));
        e.explicit_file = Some(PathBuf::from("/etc/oaktree/clouds.yaml"));
        e.os_client_config_file = Some(PathBuf::from("/ignored.yaml"));
        let c = candidates(&e, &[]);
        assert_eq!(c.clouds, vec![PathBuf::from("/etc/oaktree/clouds.yaml")]);
        assert_eq!(c.secure[0], PathBuf::from("/r/cwd/secure.yaml"));
    }

    #[test]
    fn vendor_files_are_not_searched_in_cwd() {
        let c = candidates(&env(Path::new("/r")), &[]);
        assert_eq!(
            c.public[0],
            PathBuf::from("/r/home/.config/openstack/clouds-public.yaml")
        );
        assert!(c.public.iter().all(|p| !p.starts_with("/r/cwd")));
    }

    #[test]
    fn the_first_existing_candidate_wins() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.yaml");
        let b = dir.path().join("b.yaml");
        let c = dir.path().join("c.yaml");
        std::fs::write(&b, "").unwrap();
        std::fs::write(&c, "").unwrap();
        assert_eq!(first_existing(&[a.clone(), b.clone(), c]), Some(&b));
        assert_eq!(first_existing(&[a]), None);
    }
}
