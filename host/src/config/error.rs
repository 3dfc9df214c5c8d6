//! The one error type of the config module.
//!
//! Every variant names the file it is about and, where there is one, the key path inside it
//! (`clouds.beta.regions[0].values`), and its message says what is wrong and how to fix it.

use std::path::PathBuf;

/// Why a config file could not be found, read or understood.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No clouds.yaml / clouds.yml / clouds.json exists in any searched location.
    #[error(
        "no clouds file found; looked for: {}. Fix: create ~/.config/openstack/clouds.yaml \
         (or clouds.yaml in the working directory), or point OS_CLIENT_CONFIG_FILE \
         (or `clouds_file` in the host config) at an existing file",
        join_paths(.tried)
    )]
    NotFound {
        /// Every path tried, in search order.
        tried: Vec<PathBuf>,
    },

    /// The file exists but could not be read.
    #[error("{}: cannot read file: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The file is not valid YAML (or JSON, for `.json` files).
    #[error(
        "{}{}: syntax error: {message}. Fix the syntax at that position",
        .path.display(),
        location(*.line, *.column)
    )]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error, when the parser reports one.
        line: Option<usize>,
        /// 1-based column of the error, when the parser reports one.
        column: Option<usize>,
        /// The parser's message.
        message: String,
    },

    /// A key of a strict mapping is not one of the allowed keys.
    #[error(
        "{}: {at}: unknown key '{key}' (allowed: {allowed}). Fix: remove it or correct its spelling",
        .path.display()
    )]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// Where the mapping is (`clouds.alpha.regions[1]`, or `top level`).
        at: String,
        /// The offending key.
        key: String,
        /// The allowed keys, comma separated.
        allowed: String,
    },

    /// A value has the wrong shape or is out of range; the message names the fix.
    #[error("{}: {at}: {message}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Key path of the bad value.
        at: String,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A cloud's vendor profile cannot be used (unknown, shut down, remote, cyclic).
    #[error("{}: {at}: profile '{profile}': {message}", .path.display())]
    Profile {
        /// The file holding the cloud that names the profile.
        path: PathBuf,
        /// Key path of the `profile:` key (`clouds.alpha.profile`).
        at: String,
        /// The profile name as written.
        profile: String,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// `OS_CLOUD` names a cloud the clouds file does not define.
    #[error(
        "OS_CLOUD is '{name}' but {} defines no such cloud (known clouds: {}). \
         Fix: set OS_CLOUD to one of the known clouds or add '{name}' under `clouds:`",
        .path.display(),
        if .known.is_empty() { "none".to_string() } else { .known.join(", ") }
    )]
    UnknownCloud {
        /// The requested cloud.
        name: String,
        /// The clouds file that was loaded.
        path: PathBuf,
        /// The clouds it defines, in file order.
        known: Vec<String>,
    },
}

fn join_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl ConfigError {
    /// A syntax error from serde_yaml, keeping its line and column.
    pub(crate) fn yaml(path: &std::path::Path, err: &serde_yaml::Error) -> Self {
        let loc = err.location();
        ConfigError::Syntax {
            path: path.to_path_buf(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: err.to_string(),
        }
    }

    /// A syntax error from serde_json, keeping its line and column.
    pub(crate) fn json(path: &std::path::Path, err: &serde_json::Error) -> Self {
        ConfigError::Syntax {
            path: path.to_path_buf(),
            line: Some(err.line()),
            column: Some(err.column()),
            message: err.to_string(),
        }
    }

    /// Shorthand for [`ConfigError::Invalid`].
    pub(crate) fn invalid(
        path: &std::path::Path,
        at: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError::Invalid {
            path: path.to_path_buf(),
            at: at.into(),
            message: message.into(),
        }
    }
}
