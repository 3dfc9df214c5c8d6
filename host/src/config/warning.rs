//! Config findings that do not stop the daemon: openstacksdk tolerates them, so oaktree does
//! too, but says so once at startup.
//!
//! The loaders collect them (so callers and tests can read them) instead of logging them;
//! the daemon logs each one when it starts (see [`super::validate::check_at_start`]).

use std::fmt;
use std::path::PathBuf;

/// One tolerated oddity in a config file, with the file and key path it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The file holding the key.
    pub path: PathBuf,
    /// Key path inside it (`clouds.alpha.auth_tpye`, `top level`).
    pub at: String,
    /// What is odd and what to do about it.
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.path.display(), self.at, self.message)
    }
}
