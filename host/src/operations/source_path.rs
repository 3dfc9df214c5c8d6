//! Which files a client may name as an image's `source_path`.
//!
//! The daemon reads a `source_path` with its own rights, so a client could otherwise make it
//! read and upload any file it can read (`/etc/shadow`). A path is accepted only when the file
//! lies under one of the daemon config's `upload_dirs` (none by default):
//!
//! 1. the path must be absolute; it is resolved (symlinks, `..`) with `canonicalize`, and so
//!    are the allowed directories;
//! 2. the resolved path must lie under a resolved allowed directory;
//! 3. the resolved path is opened, and the opened file itself is checked again (on Linux, its
//!    real path as `/proc/self/fd` tells it): a symlink swapped in between step 2 and the open
//!    is caught here. It must be a regular file;
//! 4. the operation reads it through the daemon's open descriptor (`/proc/<pid>/fd/<n>`, also
//!    for `qemu-img`), never by name again, so later renames cannot redirect it.
//!
//! Every refusal (missing, outside, a symlink or `..` escaping, not a regular file) carries
//! one and the same message, so a client learns nothing about the daemon's files.

use std::fs::File;
use std::path::{Path, PathBuf};

/// A file the client named, checked and held open for the operation.
#[derive(Debug)]
pub struct SourceFile {
    /// Keeps the descriptor that `path` names open.
    _file: File,
    path: PathBuf,
}

impl SourceFile {
    /// Where the operation reads the bytes: the open descriptor, on Linux.
    pub fn path(&self) -> &PathBuf {
        &self.path
    }
}

/// Why a `source_path` was refused; deliberately the same for every path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(
        "the daemon reads no files for clients: its config lists no `upload_dirs`; stream the \
         bytes as `chunk` messages, or have the operator list the directories clients may \
         name files in under `upload_dirs` in the daemon config"
    )]
    NoUploadDirs,
    #[error(
        "not a readable regular file under the directories the daemon config lists in \
         `upload_dirs` (symlinks and `..` are resolved first); name a file there, or stream \
         the bytes as `chunk` messages"
    )]
    NotAllowed,
}

/// Opens `requested` when it lies under one of `allowed` (see the module docs).
pub fn open(requested: &str, allowed: &[PathBuf]) -> Result<SourceFile, Refused> {
    if allowed.is_empty() {
        return Err(Refused::NoUploadDirs);
    }
    let requested = Path::new(requested);
    if !requested.is_absolute() {
        return Err(Refused::NotAllowed);
    }
    // Allowed directories that do not exist (yet) allow nothing.
    let roots: Vec<PathBuf> = allowed
        .iter()
        .filter_map(|dir| std::fs::canonicalize(dir).ok())
        .collect();
    let inside = |path: &Path| {
        roots
            .iter()
            .any(|root| path.starts_with(root) && path != root)
    };
    let resolved = std::fs::canonicalize(requested).map_err(|_| Refused::NotAllowed)?;
    if !inside(&resolved) {
        return Err(Refused::NotAllowed);
    }
    let file = File::open(&resolved).map_err(|_| Refused::NotAllowed)?;
    let metadata = file.metadata().map_err(|_| Refused::NotAllowed)?;
    if !metadata.is_file() {
        return Err(Refused::NotAllowed);
    }
    let path = match held_path(&file) {
        Some((opened, by_descriptor)) => {
            if !inside(&opened) {
                return Err(Refused::NotAllowed);
            }
            by_descriptor
        }
        None => resolved,
    };
    Ok(SourceFile { _file: file, path })
}

/// On Linux: where the open file really is, and a path that names the descriptor (for this
/// process and its children) as long as the file stays open.
#[cfg(target_os = "linux")]
fn held_path(file: &File) -> Option<(PathBuf, PathBuf)> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    let opened = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
    let by_descriptor = PathBuf::from(format!("/proc/{}/fd/{fd}", std::process::id()));
    Some((opened, by_descriptor))
}

#[cfg(not(target_os = "linux"))]
fn held_path(_file: &File) -> Option<(PathBuf, PathBuf)> {
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    struct Dirs {
        _root: tempfile::TempDir,
        allowed: PathBuf,
        secret: PathBuf,
    }

    fn dirs() -> Dirs {
        let root = tempfile::tempdir().unwrap();
        let allowed = root.path().join("allowed");
        std::fs::create_dir(&allowed).unwrap();
        std::fs::write(allowed.join("disk.img"), b"bytes").unwrap();
        let secret = root.path().join("secret");
        std::fs::write(&secret, b"secret").unwrap();
        Dirs {
            _root: root,
            allowed,
            secret,
        }
    }

    fn text(path: &Path) -> String {
        path.display().to_string()
    }

    #[test]
    fn a_file_under_an_allowed_directory_is_opened_and_read_through_its_descriptor() {
        let d = dirs();
        let source = open(
            &text(&d.allowed.join("disk.img")),
            std::slice::from_ref(&d.allowed),
        )
        .unwrap();
        assert_eq!(std::fs::read(source.path()).unwrap(), b"bytes");
    }

    #[test]
    fn escapes_missing_files_and_directories_are_refused_alike() {
        let d = dirs();
        std::os::unix::fs::symlink(&d.secret, d.allowed.join("link")).unwrap();
        std::fs::create_dir(d.allowed.join("sub")).unwrap();
        let allowed = std::slice::from_ref(&d.allowed);
        for path in [
            "/etc/passwd".to_owned(),
            text(&d.secret),
            text(&d.allowed.join("link")),
            format!("{}/../secret", d.allowed.display()),
            text(&d.allowed.join("missing.img")),
            text(&d.allowed.join("sub")),
            text(&d.allowed),
            "disk.img".to_owned(),
        ] {
            assert_eq!(
                open(&path, allowed).unwrap_err(),
                Refused::NotAllowed,
                "{path}"
            );
        }
    }

    #[test]
    fn with_no_upload_dirs_every_path_is_refused_naming_the_key() {
        let d = dirs();
        let error = open(&text(&d.allowed.join("disk.img")), &[]).unwrap_err();
        assert_eq!(error, Refused::NoUploadDirs);
        assert!(error.to_string().contains("`upload_dirs`"));
    }
}
