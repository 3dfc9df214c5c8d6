//! The conformance kit: `oaktree plugin check <file.wasm>` runs one driver through the
//! daemon's own plugin machinery (`Runtime`, `Registry::load_file`, `Federation::driver_call`)
//! against a built-in simulated cloud, and reports one line per contract check.
//!
//! 1. **load**: the file compiles, fits the `cloud-driver` world, and `describe()` answers with
//!    a name, a semver version, profiles, capabilities and sane rate limits.
//! 2. **target** ([`target`]): the profile (`--profile`, else the first declared one the
//!    simulator knows) picks the simulated cloud: OpenStack-flavoured for `openstack`,
//!    `rackspace`, `ovh`/`vexxhost`, the jsoncloud API for `jsoncloud-*`. Other profiles run
//!    the read checks against `--clouds FILE --cloud NAME`, or only the cloud-free checks.
//! 3. **reads** ([`checks::reads`]): per declared kind, the list returns every seeded item
//!    exactly once over small pages, records are well formed (ids, status case, project),
//!    `get` of a listed id returns it and `get` of an unknown id is `not-found`.
//! 4. **errors, deadline**: a faulted region maps to `unauthorized`/`unavailable`; a slow
//!    region ends as a timeout within the deadline plus a margin.
//! 5. **undeclared, unreachable-cloud**: undeclared functions answer `unsupported`; declared
//!    reads against refused connections answer an error variant, never trap, hang or succeed.
//! 6. **writes** ([`writes`]): small create/delete round trips on the openstack flavour.

pub mod checks;
pub mod describe;
pub mod probe;
pub mod reads;
pub mod report;
pub mod target;
pub mod writes;

use std::path::PathBuf;
use std::sync::Arc;

pub use report::{Check, Outcome, Report};

use crate::plugin::{Registry, Runtime, RuntimeSettings};
use reads::Kind;
use target::Flavour;

/// What to check, from the command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The driver component.
    pub file: PathBuf,
    /// The profile to check as; by default the first declared one with a simulated cloud.
    pub profile: Option<String>,
    /// A clouds.yaml naming a test cloud for drivers whose cloud is not simulated.
    pub clouds: Option<PathBuf>,
    /// The cloud of `clouds` to run the read checks against (its first region).
    pub cloud: Option<String>,
}

/// Runs every check on `options.file`. An error means the kit itself could not run (a bad
/// `--clouds` file, no port for the simulator); anything wrong with the driver is a failed
/// check in the report.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    let mut report = Report {
        file: options.file.display().to_string(),
        ..Report::default()
    };
    let runtime = Arc::new(Runtime::new(RuntimeSettings::default())?);
    let registry = Arc::new(Registry::new(runtime));
    let plugin = match registry.load_file(&options.file).await {
        Ok(plugin) => plugin,
        Err(error) => {
            report.fail("load", format!("{error:#}"));
            return Ok(report);
        }
    };
    report.driver = Some(plugin.info.name.clone());
    report.version = Some(plugin.info.version.clone());
    report.pass(
        "load",
        "compiles, fits the oaktree:cloud@0.2.0 world, describe() answers",
    );
    describe::check(&mut report, &plugin.info);

    let declared = plugin.info.capabilities.clone();
    let profile = options
        .profile
        .clone()
        .or_else(|| {
            plugin
                .info
                .profiles
                .iter()
                .find(|p| Flavour::for_profile(p).is_some())
                .cloned()
        })
        .or_else(|| plugin.info.profiles.first().cloned())
        .unwrap_or_else(|| "openstack".to_owned());
    if !plugin.info.profiles.contains(&profile) {
        report.fail(
            "profile",
            format!("{profile:?} is not among the profiles the driver declares; declare it or pass another --profile"),
        );
    }
    report.profile = Some(profile.clone());

    let bench = match (
        &options.clouds,
        &options.cloud,
        Flavour::for_profile(&profile),
    ) {
        (Some(file), Some(cloud), _) => {
            target::given(plugin, registry, file, cloud, &profile).await?
        }
        (Some(_), None, _) | (None, Some(_), _) => {
            anyhow::bail!(
                "--clouds and --cloud go together: name the clouds.yaml and the cloud in it"
            )
        }
        (None, None, Some(flavour)) => target::simulated(plugin, registry, flavour).await?,
        (None, None, None) => {
            report.skip(
                "reads",
                format!(
                    "skipped: no built-in simulated cloud for profile {profile}; use --clouds <clouds.yaml> \
                     --cloud <name> to point the kit at a test cloud"
                ),
            );
            target::unreachable_only(plugin, registry, &profile).await?
        }
    };
    report.cloud = Some(bench.summary.clone());

    let has_cloud = bench.main != bench.unreachable();
    if has_cloud {
        for kind in Kind::ALL {
            checks::reads(&mut report, &bench, kind, &declared).await;
        }
    }
    match (checks::first_list(&declared), bench.sim.is_some()) {
        (Some(kind), true) => {
            checks::errors(&mut report, &bench, kind).await;
            checks::deadline(&mut report, &bench, kind).await;
        }
        (None, _) => report.skip("errors", "skipped: needs a declared list function"),
        (Some(_), false) => {
            report.skip(
                "errors",
                "skipped: needs the built-in simulator (it injects the faults)",
            );
            report.skip(
                "deadline",
                "skipped: needs the built-in simulator (it injects the latency)",
            );
        }
    }
    checks::undeclared(&mut report, &bench, &declared).await;
    checks::unreachable(&mut report, &bench, &declared).await;
    writes::round_trips(&mut report, &bench, &declared).await;
    Ok(report)
}
