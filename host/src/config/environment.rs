//! Startup checks of what the daemon config points at on this machine.
//!
//! 1. `qemu_img`: a path must be an executable file, a bare name must be found on `PATH`. The
//!    daemon detects and converts every uploaded image's disk format with it, so it is always
//!    needed.
//! 2. Directories: `plugin_dir` must be a readable directory; `work_dir` (explicit or its
//!    default) and an explicit `plugin_cache_dir` must exist or be creatable, and writable:
//!    proved by creating and removing a file in them. The default plugin cache is not
//!    checked: when it is unusable the runtime compiles every load and says so. Every
//!    `upload_dirs` entry must be a readable directory: a typo there would otherwise refuse
//!    every `source_path` with a message that, by design, tells clients nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::host::{HostConfig, PluginCacheDir};

/// Step 1 of the module doc. `file` is the daemon config named in errors.
pub(crate) fn qemu_img(host: &HostConfig, file: &Path) -> Result<(), ConfigError> {
    let program = &host.qemu_img;
    let is_name = program.components().count() == 1 && !program.is_absolute();
    let found = if is_name {
        std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).any(|dir| is_executable(&dir.join(program))))
            .unwrap_or(false)
    } else {
        is_executable(program)
    };
    if found {
        return Ok(());
    }
    let where_looked = if is_name {
        "no such program on PATH".to_owned()
    } else {
        "no executable file at that path".to_owned()
    };
    Err(ConfigError::invalid(
        file,
        "qemu_img",
        format!(
            "cannot find {} ({where_looked}); the daemon detects and converts image disk formats \
             with it. Fix: install it (Debian/Ubuntu: `apt-get install qemu-utils`, Fedora: `dnf \
             install qemu-img`, macOS: `brew install qemu`) or set `qemu_img` to its full path",
            program.display()
        ),
    ))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// Step 2 of the module doc.
pub(crate) fn directories(host: &HostConfig, file: &Path) -> Result<(), ConfigError> {
    readable_dir(&host.plugin_dir).map_err(|problem| {
        ConfigError::invalid(
            file,
            "plugin_dir",
            format!(
                "{problem}. Fix: build the plugins (`cargo build --release --target \
                 wasm32-wasip2` in plugins/) or point plugin_dir at the directory of .wasm files"
            ),
        )
    })?;
    let (work_dir, key) = match &host.work_dir {
        Some(dir) => (dir.clone(), "work_dir".to_owned()),
        None => {
            let dir = crate::operations::OperationSettings::default().work_dir;
            let key = format!("work_dir (not set; the default is {})", dir.display());
            (dir, key)
        }
    };
    writable_dir(&work_dir).map_err(|problem| {
        ConfigError::invalid(
            file,
            key,
            format!(
                "{problem}; the daemon keeps image uploads and the cleanup ledger there. Fix: \
                 point work_dir at a directory the daemon's user may write"
            ),
        )
    })?;
    for (i, dir) in host.upload_dirs.iter().enumerate() {
        readable_dir(dir).map_err(|problem| {
            ConfigError::invalid(
                file,
                format!("upload_dirs[{i}]"),
                format!(
                    "{problem}; clients may name files under it as an image's source_path. \
                     Fix: create it, correct the path, or remove the entry"
                ),
            )
        })?;
    }
    if let PluginCacheDir::Dir(dir) = &host.plugin_cache_dir {
        writable_dir(dir).map_err(|problem| {
            ConfigError::invalid(
                file,
                "plugin_cache_dir",
                format!(
                    "{problem}; the daemon stores compiled plugins there. Fix: point it at a \
                     directory the daemon's user may write, or set `plugin_cache_dir: none`"
                ),
            )
        })?;
    }
    Ok(())
}

fn readable_dir(dir: &Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Err(error) => Err(format!("cannot use {}: {error}", dir.display())),
        Ok(meta) if !meta.is_dir() => Err(format!("{} is not a directory", dir.display())),
        Ok(_) => std::fs::read_dir(dir)
            .map(drop)
            .map_err(|error| format!("cannot read {}: {error}", dir.display())),
    }
}

fn writable_dir(dir: &Path) -> Result<(), String> {
    if std::fs::metadata(dir).is_ok_and(|meta| !meta.is_dir()) {
        return Err(format!("{} exists but is not a directory", dir.display()));
    }
    std::fs::create_dir_all(dir)
        .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    let probe: PathBuf = dir.join(format!(".oaktree-write-check-{}", std::process::id()));
    let written = std::fs::File::create(&probe).and_then(|mut f| f.write_all(b"oaktree\n"));
    let _ = std::fs::remove_file(&probe);
    written.map_err(|error| format!("cannot write in {}: {error}", dir.display()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const FILE: &str = "/etc/oaktree/oaktree.yaml";

    fn usable(dir: &Path) -> HostConfig {
        HostConfig {
            plugin_dir: dir.to_path_buf(),
            work_dir: Some(dir.join("work")),
            plugin_cache_dir: PluginCacheDir::Off,
            ..HostConfig::default()
        }
    }

    #[test]
    fn a_missing_upload_dir_is_refused_naming_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let host = HostConfig {
            upload_dirs: vec![dir.path().to_path_buf(), dir.path().join("missing")],
            ..usable(dir.path())
        };
        let err = directories(&host, Path::new(FILE)).unwrap_err().to_string();
        assert!(
            err.starts_with("/etc/oaktree/oaktree.yaml: upload_dirs[1]: cannot use "),
            "{err}"
        );
        let host = HostConfig {
            upload_dirs: vec![dir.path().to_path_buf()],
            ..usable(dir.path())
        };
        directories(&host, Path::new(FILE)).unwrap();
    }

    #[test]
    fn a_missing_qemu_img_names_the_key_and_how_to_install_it() {
        let host = HostConfig {
            qemu_img: PathBuf::from("/nonexistent/qemu-img"),
            ..HostConfig::default()
        };
        let err = qemu_img(&host, Path::new(FILE)).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "/etc/oaktree/oaktree.yaml: qemu_img: cannot find /nonexistent/qemu-img"
            ),
            "{err}"
        );
        assert!(err.contains("apt-get install qemu-utils"), "{err}");
        let host = HostConfig {
            qemu_img: PathBuf::from("no-such-qemu-img-anywhere"),
            ..HostConfig::default()
        };
        let err = qemu_img(&host, Path::new(FILE)).unwrap_err().to_string();
        assert!(err.contains("no such program on PATH"), "{err}");
    }

    #[test]
    fn an_executable_file_is_a_usable_qemu_img_and_a_plain_file_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("qemu-img");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        let host = HostConfig {
            qemu_img: tool.clone(),
            ..HostConfig::default()
        };
        assert!(qemu_img(&host, Path::new(FILE)).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
            qemu_img(&host, Path::new(FILE)).unwrap();
        }
    }

    #[test]
    fn a_work_dir_that_is_a_file_or_below_one_is_refused_and_a_new_one_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        for bad in [file.clone(), file.join("below")] {
            let host = HostConfig {
                work_dir: Some(bad.clone()),
                ..usable(dir.path())
            };
            let err = directories(&host, Path::new(FILE)).unwrap_err().to_string();
            assert!(
                err.starts_with("/etc/oaktree/oaktree.yaml: work_dir: "),
                "{err}"
            );
            assert!(err.contains(&bad.display().to_string()), "{err}");
        }
        let host = usable(dir.path());
        directories(&host, Path::new(FILE)).unwrap();
        assert!(dir.path().join("work").is_dir());
        assert_eq!(
            std::fs::read_dir(dir.path().join("work")).unwrap().count(),
            0
        );
    }

    #[test]
    fn a_missing_plugin_dir_and_an_unusable_cache_dir_name_their_keys() {
        let dir = tempfile::tempdir().unwrap();
        let host = HostConfig {
            plugin_dir: dir.path().join("absent"),
            ..usable(dir.path())
        };
        let err = directories(&host, Path::new(FILE)).unwrap_err().to_string();
        assert!(
            err.starts_with("/etc/oaktree/oaktree.yaml: plugin_dir: cannot use"),
            "{err}"
        );
        let file = dir.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        let host = HostConfig {
            plugin_cache_dir: PluginCacheDir::Dir(file),
            ..usable(dir.path())
        };
        let err = directories(&host, Path::new(FILE)).unwrap_err().to_string();
        assert!(
            err.starts_with("/etc/oaktree/oaktree.yaml: plugin_cache_dir: "),
            "{err}"
        );
    }
}
