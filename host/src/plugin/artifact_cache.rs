//! On-disk cache of compiled plugins, so a restart (or a reload of unchanged bytes) skips
//! Cranelift.
//!
//! 1. The key is the SHA-256 of the `.wasm` bytes, the engine's
//!    `precompile_compatibility_hash()` (wasmtime's exact version, the target and CPU features,
//!    and every codegen-relevant setting such as fuel) and [`WASMTIME_LINE`].
//! 2. The entry is `<dir>/<file stem>.<key>.cwasm`. On load, an existing entry is mapped with
//!    `Component::deserialize_file`; one wasmtime refuses (corrupt, truncated, another engine)
//!    is compiled afresh and replaced.
//! 3. On a miss the component is compiled, serialized, written to a temp file in `dir`,
//!    fsynced and renamed into place, so no reader ever sees a partial entry and a file once
//!    in place is never changed (only unlinked or renamed over; a mapping keeps its inode).
//! 4. At most [`KEEP_PER_PLUGIN`] entries per file stem stay; older ones are removed.
//!
//! The directory is created private (0700) and refused when group or others may write to it:
//! whoever can write an entry can run native code in the daemon.
//! A cache that cannot be written only costs compile time: it is logged, never fatal.

use std::hash::Hasher;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The wasmtime release line this host is built against (the workspace pins 48.x); part of
/// the key so an upgrade never even tries an old entry. The exact version is also inside
/// the engine's compatibility hash.
pub const WASMTIME_LINE: &str = "wasmtime-48";

/// Entries kept per plugin file stem: the current build and the one before (a reload that
/// swaps back and forth between two versions stays warm).
pub const KEEP_PER_PLUGIN: usize = 2;

/// Extension of cache entries.
const EXTENSION: &str = "cwasm";

/// Why the cache directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot create the plugin cache directory {}: {source}", .dir.display())]
    Create {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the plugin cache directory {} may be written by group or others (mode {mode:o}); \
         compiled code from it would run in the daemon. Fix: `chmod go-w` it, or set \
         `plugin_cache_dir` elsewhere",
        .dir.display()
    )]
    Shared { dir: PathBuf, mode: u32 },
}

/// How a component came to be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Mapped from a cache entry; Cranelift did not run.
    Cache,
    /// Compiled now (and stored, when a cache is configured).
    Compiled,
}

/// Load counters, for tests and the startup log.
#[derive(Debug, Default)]
pub struct CompileCounters {
    pub compiled: AtomicU64,
    pub cache_hits: AtomicU64,
}

impl CompileCounters {
    pub fn compiled(&self) -> u64 {
        self.compiled.load(Ordering::Relaxed)
    }

    pub fn cache_hits(&self) -> u64 {
        self.cache_hits.load(Ordering::Relaxed)
    }
}

/// A directory of compiled plugins for one engine configuration.
#[derive(Debug)]
pub struct ArtifactCache {
    dir: PathBuf,
}

impl ArtifactCache {
    /// Opens (creating, private) the cache directory.
    pub fn open(dir: PathBuf) -> Result<ArtifactCache, CacheError> {
        create_private_dir(&dir).map_err(|source| CacheError::Create {
            dir: dir.clone(),
            source,
        })?;
        check_not_shared(&dir)?;
        Ok(ArtifactCache { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the entry for `wasm` (loaded from a file named `stem`) lives.
    pub fn entry_path(&self, engine: &Engine, stem: &str, wasm: &[u8]) -> PathBuf {
        self.dir.join(format!(
            "{}.{}.{EXTENSION}",
            safe_stem(stem),
            key(engine, wasm)
        ))
    }

    /// The component for `wasm`: from the cache when a valid entry exists, else compiled and
    /// stored. Blocking (compiles); run it off the async threads.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        stem: &str,
        wasm: &[u8],
    ) -> wasmtime::Result<(Component, Origin)> {
        let entry = self.entry_path(engine, stem, wasm);
        if entry.is_file() {
            match deserialize_entry(engine, &entry) {
                Ok(component) => return Ok((component, Origin::Cache)),
                Err(error) => tracing::warn!(
                    entry = %entry.display(), error = format!("{error:#}"),
                    "unusable plugin cache entry; compiling again and replacing it"
                ),
            }
        }
        let component = Component::from_binary(engine, wasm)?;
        match component.serialize() {
            Ok(bytes) => match self.store(&entry, &bytes) {
                Ok(()) => self.prune(stem, &entry),
                Err(error) => tracing::warn!(
                    entry = %entry.display(), %error,
                    "cannot write the plugin cache; the next load compiles again"
                ),
            },
            Err(error) => tracing::warn!(
                error = format!("{error:#}"),
                "cannot serialize a compiled plugin for the cache"
            ),
        }
        Ok((component, Origin::Compiled))
    }

    /// Writes `bytes` to a temp file beside `entry`, syncs it and renames it into place.
    fn store(&self, entry: &Path, bytes: &[u8]) -> std::io::Result<()> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let temp = self.dir.join(format!(
            ".tmp-{}-{}.{EXTENSION}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&temp, entry)
        })();
        if written.is_err() {
            // Nothing else ever opens a temp file; a leftover is only wasted space.
            let _ = std::fs::remove_file(&temp);
        }
        written
    }

    /// Removes all but the newest [`KEEP_PER_PLUGIN`] entries of `stem` (never `keep`).
    fn prune(&self, stem: &str, keep: &Path) {
        let stem = safe_stem(stem);
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut others: Vec<(std::time::SystemTime, PathBuf)> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|path| path != keep && entry_stem(path).as_deref() == Some(stem.as_str()))
            .filter_map(|path| Some((std::fs::metadata(&path).ok()?.modified().ok()?, path)))
            .collect();
        others.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
        for (_, old) in others.into_iter().skip(KEEP_PER_PLUGIN.saturating_sub(1)) {
            // Unlinking never disturbs a daemon that mapped the entry: its mapping keeps the inode.
            match std::fs::remove_file(&old) {
                Ok(()) => {
                    tracing::debug!(entry = %old.display(), "removed an old plugin cache entry")
                }
                Err(error) => {
                    tracing::debug!(entry = %old.display(), %error, "cannot remove an old plugin cache entry")
                }
            }
        }
    }
}

/// Maps a cache entry as a component.
#[allow(unsafe_code)]
fn deserialize_entry(engine: &Engine, entry: &Path) -> wasmtime::Result<Component> {
    // SAFETY: `deserialize_file` trusts that the file is wasmtime's own serialization and that
    // it stays unchanged while mapped. Both hold for entries of this cache:
    // - only this module writes into the directory, which is created 0700 and refused when
    //   group or others may write to it ([`ArtifactCache::open`]); the bytes are those
    //   `Component::serialize` produced for the wasm whose SHA-256 names the file;
    // - entries are written to a temp file, fsynced and renamed into place, so no entry is
    //   ever seen half-written, and a file once in place is never written again: it is only
    //   unlinked or renamed over, which leaves an existing mapping's inode intact;
    // - the name also carries the engine's compatibility hash, and wasmtime itself checks
    //   the header (version, target, settings) and refuses a mismatch or a truncated file,
    //   which the caller answers by compiling afresh and replacing the entry.
    unsafe { Component::deserialize_file(engine, entry) }
}

/// The hex SHA-256 over the wasm bytes, the engine's compatibility hash and the wasmtime line.
fn key(engine: &Engine, wasm: &[u8]) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    hasher.0.update(wasm);
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
    hasher.0.update(WASMTIME_LINE.as_bytes());
    hex::encode(&hasher.0.finalize()[..20])
}

/// Feeds `Hash` impls into SHA-256 (a stable digest, unlike `DefaultHasher`).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }
}

/// The file stem with anything but `[A-Za-z0-9_-]` replaced, so it never carries a dot.
fn safe_stem(stem: &str) -> String {
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "plugin".to_owned()
    } else {
        cleaned
    }
}

/// The stem of a cache entry path (`<stem>.<key>.cwasm`), if it is one.
fn entry_stem(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let mut parts = name.rsplitn(3, '.');
    let (ext, key, stem) = (parts.next()?, parts.next()?, parts.next()?);
    (ext == EXTENSION && !key.is_empty() && key.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| stem.to_owned())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(unix)]
fn check_not_shared(dir: &Path) -> Result<(), CacheError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir)
        .map_err(|source| CacheError::Create {
            dir: dir.to_owned(),
            source,
        })?
        .permissions()
        .mode();
    if mode & 0o022 != 0 {
        return Err(CacheError::Shared {
            dir: dir.to_owned(),
            mode: mode & 0o7777,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_not_shared(_dir: &Path) -> Result<(), CacheError> {
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// The smallest valid component: the preamble of an empty one.
    const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\x00\x01\x00";

    fn engine() -> Engine {
        Engine::default()
    }

    #[test]
    fn a_second_load_of_the_same_bytes_comes_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::open(dir.path().join("c")).unwrap();
        let engine = engine();
        let (_, first) = cache
            .load_or_compile(&engine, "p", EMPTY_COMPONENT)
            .unwrap();
        assert_eq!(first, Origin::Compiled);
        assert!(cache.entry_path(&engine, "p", EMPTY_COMPONENT).is_file());
        let (_, second) = cache
            .load_or_compile(&engine, "p", EMPTY_COMPONENT)
            .unwrap();
        assert_eq!(second, Origin::Cache);
    }

    #[test]
    fn a_corrupt_entry_is_compiled_again_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::open(dir.path().to_owned()).unwrap();
        let engine = engine();
        let entry = cache.entry_path(&engine, "p", EMPTY_COMPONENT);
        std::fs::write(&entry, b"not a compiled component").unwrap();
        let (_, origin) = cache
            .load_or_compile(&engine, "p", EMPTY_COMPONENT)
            .unwrap();
        assert_eq!(origin, Origin::Compiled);
        let (_, origin) = cache
            .load_or_compile(&engine, "p", EMPTY_COMPONENT)
            .unwrap();
        assert_eq!(origin, Origin::Cache);
    }

    #[test]
    fn the_key_changes_with_the_bytes_and_with_the_engine_settings() {
        let plain = engine();
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        let fueled = Engine::new(&config).unwrap();
        let other_bytes = b"\0asm\x0d\x00\x01\x00\x00\x00";
        assert_eq!(key(&plain, EMPTY_COMPONENT), key(&plain, EMPTY_COMPONENT));
        assert_ne!(key(&plain, EMPTY_COMPONENT), key(&plain, other_bytes));
        assert_ne!(key(&plain, EMPTY_COMPONENT), key(&fueled, EMPTY_COMPONENT));
    }

    #[test]
    fn only_the_newest_entries_of_a_plugin_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::open(dir.path().to_owned()).unwrap();
        let engine = engine();
        for stale in [
            "p.aaaa.cwasm",
            "p.bbbb.cwasm",
            "other.cccc.cwasm",
            "p.notes.txt",
        ] {
            std::fs::write(dir.path().join(stale), b"x").unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        cache
            .load_or_compile(&engine, "p", EMPTY_COMPONENT)
            .unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let fresh = format!("p.{}.cwasm", key(&engine, EMPTY_COMPONENT));
        let mut expected = vec![
            "other.cccc.cwasm".to_owned(),
            "p.bbbb.cwasm".to_owned(),
            "p.notes.txt".to_owned(),
            fresh,
        ];
        expected.sort();
        assert_eq!(names, expected);
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_may_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = ArtifactCache::open(dir.path().to_owned()).unwrap_err();
        assert!(matches!(err, CacheError::Shared { .. }), "{err}");
        let fresh = dir.path().join("new");
        ArtifactCache::open(fresh.clone()).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn stems_never_carry_dots_and_entries_are_recognised() {
        assert_eq!(safe_stem("oaktree_openstack.v2"), "oaktree_openstack_v2");
        assert_eq!(
            entry_stem(Path::new("/c/a_b.0123abcd.cwasm")).as_deref(),
            Some("a_b")
        );
        assert_eq!(entry_stem(Path::new("/c/a_b.notes.cwasm")), None);
        assert_eq!(entry_stem(Path::new("/c/.tmp-1-2.cwasm")), None);
    }
}
