//! How long simulated writes take and how they fail: the per-region `lifecycle` config, and the
//! status of a server or volume as a pure function of the time since it was created.
//!
//! Nothing runs in the background. Every read computes the phase from the creation (or
//! deletion) instant:
//! 1. a new server is `BUILD` (task_state `scheduling` → `networking` → `spawning`, progress
//!    rising) until `build_ms` has passed;
//! 2. then `ACTIVE`, or `ERROR` with a `fault` when the boot was chosen to fail at create time;
//! 3. a deleted server is `DELETED` (task_state `deleting`) for `delete_ms`, then gone (404).
//!
//! Volumes are `creating` for `volume_ms`, then `available`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// Per-region timings and write faults (`lifecycle:` under a region in the YAML config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lifecycle {
    /// How long a new server stays `BUILD`.
    pub build_ms: u64,
    /// How long a deleted server stays visible as `DELETED` before it answers 404.
    pub delete_ms: u64,
    /// How long a new volume stays `creating`.
    pub volume_ms: u64,
    /// Servers allowed per project in this region (`None`: unlimited), counting seeded ones.
    pub server_quota: Option<usize>,
    /// Which boots end in `ERROR`.
    pub boot_fault: BootFault,
    /// Servers booted here also get a routable address of their own (nova's `accessIPv4`)
    /// once built, as on clouds that put every server on a public network; floating IPs
    /// stay available, so a client cannot tell in advance that it needs none.
    pub public_address: bool,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            build_ms: 2000,
            delete_ms: 1000,
            volume_ms: 500,
            server_quota: None,
            boot_fault: BootFault::None,
            public_address: false,
        }
    }
}

/// Which server boots fail (`none`, `all`, or `{next: N}` in YAML and on the admin API).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BootFault {
    /// Boots succeed.
    #[default]
    None,
    /// Every boot ends in `ERROR`.
    All,
    /// The next N boots end in `ERROR`, later ones succeed.
    Next(u64),
}

impl BootFault {
    /// Whether the boot being created now fails; uses one up of `Next(n)`.
    pub fn take(&mut self) -> bool {
        match *self {
            BootFault::None => false,
            BootFault::All => true,
            BootFault::Next(0) => {
                *self = BootFault::None;
                false
            }
            BootFault::Next(n) => {
                *self = if n == 1 {
                    BootFault::None
                } else {
                    BootFault::Next(n - 1)
                };
                true
            }
        }
    }
}

/// The fault message a failed boot carries (what nova's scheduler says most often).
pub const BOOT_FAULT_MESSAGE: &str =
    "Build of instance aborted: simulated boot failure (No valid host was found).";

/// The nova-visible state of a server at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerPhase {
    pub status: &'static str,
    pub vm_state: &'static str,
    pub task_state: Option<&'static str>,
    pub power_state: u8,
    pub progress: u64,
    /// Whether the server is gone (past its delete time): answer 404.
    pub gone: bool,
}

/// The phase of a server created `since_create` ago (deleted `since_delete` ago, if at all).
pub fn server_phase(
    times: &Lifecycle,
    fails: bool,
    since_create: Duration,
    since_delete: Option<Duration>,
) -> ServerPhase {
    if let Some(since) = since_delete {
        return ServerPhase {
            status: "DELETED",
            vm_state: "deleted",
            task_state: Some("deleting"),
            power_state: 0,
            progress: 0,
            gone: since >= Duration::from_millis(times.delete_ms),
        };
    }
    let build = Duration::from_millis(times.build_ms);
    if since_create < build {
        let progress = u64::try_from(since_create.as_millis() * 100 / build.as_millis().max(1))
            .unwrap_or(99)
            .min(99);
        let task_state = match progress {
            0..10 => "scheduling",
            10..30 => "networking",
            _ => "spawning",
        };
        return ServerPhase {
            status: "BUILD",
            vm_state: "building",
            task_state: Some(task_state),
            power_state: 0,
            progress,
            gone: false,
        };
    }
    let (status, vm_state, power_state, progress) = if fails {
        ("ERROR", "error", 0, 0)
    } else {
        ("ACTIVE", "active", 1, 100)
    };
    ServerPhase {
        status,
        vm_state,
        task_state: None,
        power_state,
        progress,
        gone: false,
    }
}

/// `creating` until `volume_ms` has passed, then `available`.
pub fn volume_status(times: &Lifecycle, since_create: Duration) -> &'static str {
    if since_create < Duration::from_millis(times.volume_ms) {
        "creating"
    } else {
        "available"
    }
}

/// Time since `instant`, zero if it is in the future.
pub fn since(instant: Instant) -> Duration {
    Instant::now().saturating_duration_since(instant)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn a_server_builds_with_rising_progress_then_is_active() {
        let times = Lifecycle::default();
        let early = server_phase(&times, false, at(100), None);
        let late = server_phase(&times, false, at(1500), None);
        assert_eq!(
            (early.status, early.task_state),
            ("BUILD", Some("scheduling"))
        );
        assert_eq!((late.status, late.task_state), ("BUILD", Some("spawning")));
        assert!(late.progress > early.progress);
        assert_eq!(server_phase(&times, false, at(2000), None).status, "ACTIVE");
    }

    #[test]
    fn a_failing_boot_ends_in_error_and_a_deleted_server_goes_away() {
        let times = Lifecycle::default();
        assert_eq!(server_phase(&times, true, at(2500), None).status, "ERROR");
        let deleting = server_phase(&times, false, at(9000), Some(at(10)));
        assert_eq!((deleting.status, deleting.gone), ("DELETED", false));
        assert!(server_phase(&times, false, at(9000), Some(at(1000))).gone);
    }

    #[test]
    fn next_n_boot_faults_are_used_up_one_by_one() {
        let mut fault = BootFault::Next(2);
        assert_eq!(
            (fault.take(), fault.take(), fault.take()),
            (true, true, false)
        );
        assert_eq!(fault, BootFault::None);
        let mut all = BootFault::All;
        assert!(all.take() && all.take());
    }
}
