//! Loaded plugins and which one serves a cloud.
//!
//! Loading a file: refuse it unread when it is larger than `max_plugin_file_mb`, compile the component off the async threads (or map it from the on-disk
//! artifact cache, see [`super::artifact_cache`]), `instantiate_pre` against the shared
//! Linker, then smoke-call `describe()` under a short deadline. A file that fails
//! any step is rejected with the file name and the reason; other plugins still load.
//!
//! Replacing and removing (hot reload, see [`super::watch`]): the map of plugins is an `Arc`
//! swapped whole under a lock, so a call that already picked a plugin keeps its
//! `Arc<LoadedPlugin>` and finishes on that version. Loading a file that is already loaded
//! replaces its entry (even under a new driver name); a driver name served by another file
//! is a collision and the newcomer is rejected.
//!
//! Choosing a plugin for a cloud: the cloud's explicit `driver:` wins; otherwise its
//! `profile` (default `openstack`) is looked up in the host config's `profiles:` map, and
//! failing that, in the profiles each plugin declares in `describe()`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use wasmtime::component::Component;

use super::bindings::{CloudDriverPre, WIT_PACKAGE, wit};
use super::call::{classify_trap, initial_memory_bytes, new_store};
use super::runtime::{HostState, Runtime};
use crate::location::CloudRegion;

/// How long `describe()` may take at load time; it makes no HTTP calls.
const DESCRIBE_DEADLINE: Duration = Duration::from_secs(5);

/// The profile assumed for a cloud that names none.
pub const DEFAULT_PROFILE: &str = "openstack";

pub struct LoadedPlugin {
    /// The driver's name from `describe()`.
    pub name: Arc<str>,
    pub file: PathBuf,
    pub info: wit::DriverInfo,
    pub pre: CloudDriverPre<HostState>,
    /// When this version was registered.
    pub loaded_at: SystemTime,
}

/// Why no plugin could serve a cloud.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SelectError {
    #[error(
        "cloud asks for driver '{driver}', but no loaded plugin has that name (loaded: {loaded}); add its .wasm to the plugin directory or fix `driver:` in clouds.yaml"
    )]
    UnknownDriver { driver: String, loaded: String },
    #[error(
        "no loaded plugin serves profile '{profile}' (loaded: {loaded}); add a plugin for it or map the profile to a plugin under `profiles:` in the host config"
    )]
    NoPluginForProfile { profile: String, loaded: String },
}

pub struct Registry {
    runtime: Arc<Runtime>,
    plugins: RwLock<Arc<BTreeMap<String, Arc<LoadedPlugin>>>>,
}

impl Registry {
    pub fn new(runtime: Arc<Runtime>) -> Self {
        Self {
            runtime,
            plugins: RwLock::new(Arc::new(BTreeMap::new())),
        }
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// Loads every `*.wasm` file in `dir` (not recursive). Files that fail are logged and
    /// returned with their reason; the others are registered.
    pub async fn load_dir(&self, dir: &Path) -> anyhow::Result<Vec<(PathBuf, anyhow::Error)>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read plugin directory {}", dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
            .collect();
        files.sort();
        let mut failures = Vec::new();
        for file in files {
            if let Err(error) = self.load_file(&file).await {
                tracing::error!(file = %file.display(), error = format!("{error:#}"), "plugin rejected");
                failures.push((file, error));
            }
        }
        Ok(failures)
    }

    /// Compiles, pre-instantiates and describes one plugin file, then registers it.
    pub async fn load_file(&self, file: &Path) -> anyhow::Result<Arc<LoadedPlugin>> {
        let size = tokio::fs::metadata(file)
            .await
            .with_context(|| format!("cannot read {}", file.display()))?
            .len();
        let limit = self.runtime.settings.max_plugin_file_bytes;
        anyhow::ensure!(
            size <= limit,
            "{} is {} bytes, over the {} MiB plugin file limit, and was not read; raise              `max_plugin_file_mb` in the daemon config if this plugin really is that large",
            file.display(),
            size,
            limit >> 20
        );
        let bytes = tokio::fs::read(file)
            .await
            .with_context(|| format!("cannot read {}", file.display()))?;
        let started = std::time::Instant::now();
        let runtime = self.runtime.clone();
        let path = file.to_owned();
        let (component, origin) =
            tokio::task::spawn_blocking(move || runtime.compile(&path, &bytes))
                .await?
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{} is not a valid WebAssembly component: {e:#}",
                        file.display()
                    )
                })?;
        tracing::debug!(
            file = %file.display(), ?origin,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "plugin code ready"
        );
        let pre = self
            .runtime
            .linker
            .instantiate_pre(&component)
            .map_err(|e| {
                anyhow::anyhow!(
                    "{} does not fit the {WIT_PACKAGE} cloud-driver world{}: {e:#}",
                    file.display(),
                    built_against(&component, self.runtime.engine())
                )
            })?;
        let pre = CloudDriverPre::new(pre).map_err(|e| {
            anyhow::anyhow!(
                "{} does not export the {WIT_PACKAGE} driver{}: {e:#}",
                file.display(),
                built_against(&component, self.runtime.engine())
            )
        })?;
        let info = describe(&self.runtime, &pre, file).await?;
        anyhow::ensure!(
            !info.name.is_empty(),
            "{}: describe() returned an empty driver name",
            file.display()
        );
        let plugin = Arc::new(LoadedPlugin {
            name: info.name.as_str().into(),
            file: file.to_owned(),
            info,
            pre,
            loaded_at: SystemTime::now(),
        });
        let replaced = self.register(plugin.clone())?;
        match replaced {
            Some(old) => tracing::info!(
                plugin = %plugin.name, version = %plugin.info.version, file = %file.display(),
                previous = %old.name, previous_version = %old.info.version,
                profiles = ?plugin.info.profiles, "plugin reloaded"
            ),
            None => tracing::info!(
                plugin = %plugin.name, version = %plugin.info.version, file = %file.display(),
                profiles = ?plugin.info.profiles, "plugin loaded"
            ),
        }
        Ok(plugin)
    }

    /// Swaps `plugin` into the map, replacing whatever its file served before; returns that.
    /// A driver name already served by another file is rejected and nothing changes.
    fn register(&self, plugin: Arc<LoadedPlugin>) -> anyhow::Result<Option<Arc<LoadedPlugin>>> {
        let mut plugins = self.plugins.write().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = plugins.get(&*plugin.name)
            && existing.file != plugin.file
        {
            anyhow::bail!(
                "{}: driver name '{}' is already served by {}; remove one of the two files",
                plugin.file.display(),
                plugin.name,
                existing.file.display()
            );
        }
        let mut next = (**plugins).clone();
        let previous = next
            .iter()
            .find(|(_, p)| p.file == plugin.file)
            .map(|(name, _)| name.clone())
            .and_then(|name| next.remove(&name));
        next.insert(plugin.name.to_string(), plugin);
        *plugins = Arc::new(next);
        Ok(previous)
    }

    /// Unloads the plugin loaded from `file`, if any, and returns it. Calls that already
    /// picked it keep their `Arc` and finish on it.
    pub fn remove_file(&self, file: &Path) -> Option<Arc<LoadedPlugin>> {
        let mut plugins = self.plugins.write().unwrap_or_else(|e| e.into_inner());
        let name = plugins
            .iter()
            .find(|(_, p)| p.file == file)
            .map(|(name, _)| name.clone())?;
        let mut next = (**plugins).clone();
        let removed = next.remove(&name);
        *plugins = Arc::new(next);
        if let Some(plugin) = &removed {
            tracing::info!(plugin = %plugin.name, version = %plugin.info.version, file = %file.display(), "plugin unloaded");
        }
        removed
    }

    pub fn plugins(&self) -> Arc<BTreeMap<String, Arc<LoadedPlugin>>> {
        self.plugins
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Picks the plugin for a cloud: explicit driver, then host profile map, then declared profiles.
    pub fn select(
        &self,
        driver: Option<&str>,
        profile: Option<&str>,
        profile_map: &BTreeMap<String, String>,
    ) -> Result<Arc<LoadedPlugin>, SelectError> {
        let plugins = self.plugins();
        let loaded = || loaded_summary(&plugins);
        if let Some(driver) = driver {
            return plugins
                .get(driver)
                .cloned()
                .ok_or_else(|| SelectError::UnknownDriver {
                    driver: driver.to_owned(),
                    loaded: loaded(),
                });
        }
        let profile = profile.unwrap_or(DEFAULT_PROFILE);
        if let Some(mapped) = profile_map.get(profile) {
            return plugins
                .get(mapped)
                .cloned()
                .ok_or_else(|| SelectError::UnknownDriver {
                    driver: mapped.clone(),
                    loaded: loaded(),
                });
        }
        plugins
            .values()
            .find(|p| p.info.profiles.iter().any(|p| p == profile))
            .cloned()
            .ok_or_else(|| SelectError::NoPluginForProfile {
                profile: profile.to_owned(),
                loaded: loaded(),
            })
    }
}

fn loaded_summary(plugins: &BTreeMap<String, Arc<LoadedPlugin>>) -> String {
    if plugins.is_empty() {
        return "none".to_owned();
    }
    plugins
        .values()
        .map(|p| format!("{} [{}]", p.name, p.info.profiles.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn describe(
    runtime: &Runtime,
    pre: &CloudDriverPre<HostState>,
    file: &Path,
) -> anyhow::Result<wit::DriverInfo> {
    let name: Arc<str> = file.display().to_string().into();
    let deadline = tokio::time::Instant::now() + DESCRIBE_DEADLINE;
    let limits = runtime
        .admission()
        .enter(
            None,
            initial_memory_bytes(pre.instance_pre().component()),
            deadline,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}: no instance to describe it: {e}", file.display()))?;
    let mut store = new_store(
        runtime,
        name.clone(),
        CloudRegion::new("", ""),
        deadline,
        Default::default(),
        limits,
    );
    let driver = pre
        .instantiate_async(&mut store)
        .await
        .map_err(|e| anyhow::anyhow!("{}: instantiation failed: {e:#}", file.display()))?;
    let outcome = tokio::time::timeout_at(
        deadline,
        driver.oaktree_cloud_driver().call_describe(&mut store),
    )
    .await
    .map_err(|_| {
        anyhow::anyhow!(
            "{}: describe() did not return within {DESCRIBE_DEADLINE:?}",
            file.display()
        )
    })?;
    outcome.map_err(|trap| {
        anyhow::anyhow!(
            "{}: describe() failed: {}",
            file.display(),
            classify_trap(&name, trap)
        )
    })
}

/// ", it was built against oaktree:cloud@X; rebuild it against this release's wit/" when
/// the component exports another version of the driver interface, else nothing.
fn built_against(component: &Component, engine: &wasmtime::Engine) -> String {
    let other = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_owned())
        .find(|name| name.starts_with("oaktree:cloud/driver@"));
    match other {
        Some(name) => {
            let version = name.trim_start_matches("oaktree:cloud/driver@");
            format!(
                " (it was built against oaktree:cloud@{version}; rebuild it against this \
                 release's wit/, which is {WIT_PACKAGE})"
            )
        }
        None => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::plugin::RuntimeSettings;

    #[tokio::test]
    async fn a_plugin_file_over_the_size_limit_is_rejected_without_being_read() {
        let runtime = Runtime::new(RuntimeSettings {
            max_plugin_file_bytes: 1 << 20,
            max_instances: 2,
            ..RuntimeSettings::default()
        })
        .unwrap();
        let registry = Registry::new(Arc::new(runtime));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("huge.wasm");
        // Sparse: reading it whole would need 64 GiB, so the error proves it was not read.
        std::fs::File::create(&file)
            .unwrap()
            .set_len(64 << 30)
            .unwrap();

        let error = format!("{:#}", registry.load_file(&file).await.err().unwrap());

        assert!(error.contains("huge.wasm is 68719476736 bytes"), "{error}");
        assert!(
            error.contains("over the 1 MiB plugin file limit"),
            "{error}"
        );
        assert!(error.contains("`max_plugin_file_mb`"), "{error}");
        let failures = registry.load_dir(dir.path()).await.unwrap();
        assert_eq!(failures.len(), 1);
        assert!(registry.plugins().is_empty());
    }
}
