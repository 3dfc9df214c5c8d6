//! Hot reload: watch the plugin directory and load, replace or unload plugins as their
//! `.wasm` files change, without a restart.
//!
//! 1. `notify` reports file events on its own thread; the ones about a `*.wasm` file directly
//!    in the directory are forwarded to a Tokio task.
//! 2. The task debounces per file: a file is handled once it has been quiet for [`QUIET`], so
//!    a copy written in several chunks is read once, whole.
//! 3. A file that exists is loaded off the request path ([`Registry::load_file`]: compile in
//!    `spawn_blocking`, `instantiate_pre`, `describe()`) and swapped in atomically. A file
//!    that fails is logged with its reason and the version already loaded keeps serving.
//! 4. A file that is gone unloads its plugin. Calls in flight keep the version they picked.
//! 5. After any change the `on_change` callback runs (the daemon drops cached answers and
//!    applies the new plugin's rate-limit defaults).
//!
//! Files are handled one at a time in event order, so two changes never race each other.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::Registry;

/// Quiet time per file before it is handled: long enough for `cp` of a multi-MiB component
/// to finish its writes, short enough to keep a reload well under a second.
pub const QUIET: Duration = Duration::from_millis(200);

/// What one handled file did to the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The file was loaded (new) or replaced the version loaded from it before.
    Loaded { file: PathBuf, plugin: String },
    /// The file is gone and its plugin was unloaded.
    Unloaded { file: PathBuf, plugin: String },
}

/// Starts watching `dir` until `stop` resolves. Changes are applied to `registry`, and each
/// applied one is passed to `on_change`.
pub fn spawn(
    registry: Arc<Registry>,
    dir: PathBuf,
    on_change: impl Fn(&Change) + Send + Sync + 'static,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<JoinHandle<()>> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        match event {
            Ok(event) if is_content_change(&event.kind) => {
                for path in event.paths {
                    // The receiver is gone only once the watch task ended; nothing to tell.
                    let _ = sender.send(path);
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "plugin directory watch error"),
        }
    })
    .context("cannot create a file watcher for the plugin directory")?;
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch plugin directory {}", dir.display()))?;
    tracing::info!(dir = %dir.display(), "watching plugin directory for changes");
    Ok(tokio::spawn(async move {
        let watch = Watch {
            registry,
            dir,
            on_change,
            _watcher: watcher,
        };
        watch.run(receiver, stop).await;
    }))
}

/// Events that may mean new bytes or a vanished file; reads (ours included) are not.
fn is_content_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

struct Watch<F> {
    registry: Arc<Registry>,
    dir: PathBuf,
    on_change: F,
    /// Kept alive for as long as the task runs; dropping it ends the watch.
    _watcher: RecommendedWatcher,
}

impl<F: Fn(&Change)> Watch<F> {
    async fn run(
        self,
        mut events: mpsc::UnboundedReceiver<PathBuf>,
        stop: impl Future<Output = ()>,
    ) {
        let mut pending: HashMap<PathBuf, Instant> = HashMap::new();
        tokio::pin!(stop);
        loop {
            let next_due = pending.values().min().copied();
            tokio::select! {
                () = &mut stop => break,
                event = events.recv() => match event {
                    Some(path) => {
                        if let Some(file) = self.plugin_file(&path) {
                            pending.insert(file, Instant::now() + QUIET);
                        }
                    }
                    None => break,
                },
                () = sleep_until(next_due) => {
                    let now = Instant::now();
                    let mut due: Vec<PathBuf> = pending
                        .iter()
                        .filter(|(_, at)| **at <= now)
                        .map(|(file, _)| file.clone())
                        .collect();
                    due.sort();
                    for file in due {
                        pending.remove(&file);
                        self.handle(&file).await;
                    }
                }
            }
        }
        tracing::info!(dir = %self.dir.display(), "stopped watching plugin directory");
    }

    /// The registry's name for an event's path: `dir/<name>.wasm`, spelled as `load_dir`
    /// spells it (the watch is not recursive, so every path is directly in `dir`), or `None`
    /// for other files.
    fn plugin_file(&self, path: &Path) -> Option<PathBuf> {
        let file = self.dir.join(path.file_name()?);
        file.extension()
            .is_some_and(|ext| ext == "wasm")
            .then_some(file)
    }

    async fn handle(&self, file: &Path) {
        if tokio::fs::try_exists(file).await.unwrap_or(false) {
            match self.registry.load_file(file).await {
                Ok(plugin) => (self.on_change)(&Change::Loaded {
                    file: file.to_owned(),
                    plugin: plugin.name.to_string(),
                }),
                Err(error) => {
                    let serving = self
                        .registry
                        .plugins()
                        .values()
                        .find(|p| p.file == file)
                        .map(|p| format!("{} {}", p.name, p.info.version));
                    tracing::error!(
                        file = %file.display(),
                        error = format!("{error:#}"),
                        still_serving = serving.as_deref().unwrap_or("nothing"),
                        "plugin rejected; the version loaded before keeps serving"
                    );
                }
            }
        } else if let Some(plugin) = self.registry.remove_file(file) {
            (self.on_change)(&Change::Unloaded {
                file: file.to_owned(),
                plugin: plugin.name.to_string(),
            });
        }
    }
}

/// Sleeps until `at`, or forever when nothing is pending.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
