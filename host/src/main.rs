//! The `oaktree` command: the daemon (`serve`), a self-contained demo against simulated
//! clouds (`demo`), the simulator alone (`sim`), and client commands for people.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use oaktree::cli::{self, ClientCommand};
use oaktree::config::{CloudsConfig, ConfigEnv, HostConfig, LogFormat};
use oaktree::daemon::Daemon;
use oaktree_simcloud::{SimCloud, SimConfig};

/// The daemon allocates per call (records out of caches, protobuf messages); mimalloc
/// served ~25% more cached reads per second than glibc malloc here (see the issue notes).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "oaktree", version, about = "One gRPC API over many clouds")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon.
    Serve(ServeArgs),
    /// Start simulated clouds and the daemon against them, and show a federated listing.
    Demo(DemoArgs),
    /// Run the simulated clouds alone and print a clouds.yaml for them.
    Sim {
        /// Simulator config (YAML); the built-in demo clouds when absent.
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:8700")]
        listen: String,
    },
    /// Work with driver plugins (.wasm components).
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
    #[command(flatten)]
    Client(ClientCommand),
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Run the conformance kit: the driver against a built-in simulated cloud, one line per
    /// check; exits 0 only when no check fails.
    Check(CheckArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The driver component to check.
    file: PathBuf,
    /// Check as this declared profile (default: the first one the simulator knows).
    #[arg(long)]
    profile: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// A clouds.yaml with a test cloud, for drivers whose cloud is not simulated.
    #[arg(long, requires = "cloud")]
    clouds: Option<PathBuf>,
    /// The cloud of --clouds to check against.
    #[arg(long, requires = "clouds")]
    cloud: Option<String>,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// The daemon's config file (YAML); defaults apply when absent.
    #[arg(long, env = "OAKTREE_CONFIG")]
    config: Option<PathBuf>,
    /// clouds.yaml to use instead of openstacksdk's search path.
    #[arg(long)]
    clouds: Option<PathBuf>,
    /// Overrides the config's listen address.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Overrides the config's plugin directory.
    #[arg(long)]
    plugin_dir: Option<PathBuf>,
}

#[derive(clap::Args)]
struct DemoArgs {
    #[arg(long, default_value = "127.0.0.1:50051")]
    listen: SocketAddr,
    #[arg(long, default_value = "plugins/target/wasm32-wasip2/release")]
    plugin_dir: PathBuf,
    /// Show the listing and exit instead of serving until interrupted.
    #[arg(long)]
    once: bool,
}

fn init_tracing(format: LogFormat, default_level: &str) {
    oaktree::logging::init(format, default_level);
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Serve(serve_args) => serve(serve_args).await,
        Command::Demo(demo_args) => demo(demo_args).await,
        Command::Sim { config, listen } => sim(config, &listen).await,
        Command::Plugin {
            command: PluginCommand::Check(check_args),
        } => plugin_check(check_args).await,
        Command::Client(command) => {
            init_tracing(LogFormat::Text, "warn");
            cli::run(command).await
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("oaktree: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut host = match &args.config {
        Some(path) => HostConfig::load(path)?,
        None => HostConfig::default(),
    };
    init_tracing(host.log_format, "info");
    if let Some(listen) = args.listen {
        host.listen = listen;
    }
    if let Some(dir) = args.plugin_dir {
        host.plugin_dir = dir;
    }
    let mut env = ConfigEnv::from_process();
    if let Some(clouds) = args.clouds.or_else(|| host.clouds_file.clone()) {
        env.explicit_file = Some(clouds);
    }
    let clouds = CloudsConfig::load(&env)?;
    let listener = tokio::net::TcpListener::bind(host.listen)
        .await
        .with_context(|| format!("cannot listen on {}", host.listen))?;
    let mut daemon = Daemon::start(&host, &clouds, listener).await?;
    let mut signals = Signals::new()?;
    let signal = tokio::select! {
        result = daemon.serving() => {
            result?;
            return Ok(ExitCode::SUCCESS);
        }
        signal = signals.next() => signal,
    };
    let grace_ms = host.shutdown_grace_ms;
    tokio::select! {
        report = daemon.shutdown_gracefully() => {
            let report = report?;
            tracing::info!(
                signal,
                grace_ms,
                took_ms = report.took.as_millis() as u64,
                interrupted_operations = report.interrupted,
                drained = report.drained,
                "shut down"
            );
            Ok(ExitCode::SUCCESS)
        }
        second = signals.next() => {
            tracing::warn!(signal = second, "second signal during the shutdown; stopping at once");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// SIGTERM and SIGINT (Ctrl-C), both asking for the graceful shutdown.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
                interrupt: signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// The next signal's name.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

async fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    init_tracing(LogFormat::Text, "warn");
    let sim = SimCloud::start(SimConfig::demo(), "127.0.0.1:0").await?;
    let dir = std::env::temp_dir().join(format!("oaktree-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let clouds_path = dir.join("clouds.yaml");
    std::fs::write(&clouds_path, sim.clouds_yaml())?;
    let clouds = CloudsConfig::load(&ConfigEnv {
        explicit_file: Some(clouds_path.clone()),
        ..ConfigEnv::from_process()
    })?;
    let host = HostConfig {
        listen: args.listen,
        plugin_dir: args.plugin_dir,
        ..HostConfig::default()
    };
    let listener = tokio::net::TcpListener::bind(host.listen)
        .await
        .with_context(|| format!("cannot listen on {} (use --listen)", host.listen))?;
    let daemon = Daemon::start(&host, &clouds, listener).await?;
    println!(
        "simulated clouds at {} ({} cloud-regions), clouds.yaml at {}",
        sim.base_url(),
        clouds.regions.len(),
        clouds_path.display()
    );
    println!("oaktree serving on {}\n", daemon.url());
    println!("$ oaktree servers list --addr {}", daemon.url());
    let code = cli::run(ClientCommand::demo_listing(daemon.url())).await?;
    if !args.once {
        println!("\nThe daemon keeps serving; try in another terminal:");
        println!(
            "  oaktree servers list --region 'us-*' --addr {}",
            daemon.url()
        );
        println!(
            "  oaktree images get cirros --cloud alpha --region us-east --addr {}",
            daemon.url()
        );
        println!(
            "  curl -X PUT {}/_admin/clouds/alpha/regions/us-east-1 -d '{{\"fault\":\"unavailable\"}}'   # then list again",
            sim.base_url()
        );
        println!("Ctrl-C stops it.");
        tokio::signal::ctrl_c().await?;
    }
    daemon.shutdown().await?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(code)
}

async fn plugin_check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    init_tracing(LogFormat::Text, "error");
    let report = oaktree::conformance::run(&oaktree::conformance::Options {
        file: args.file,
        profile: args.profile,
        clouds: args.clouds,
        cloud: args.cloud,
    })
    .await?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn sim(config: Option<PathBuf>, listen: &str) -> anyhow::Result<ExitCode> {
    init_tracing(LogFormat::Text, "info");
    let config = match config {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            serde_yaml::from_str(&text).with_context(|| format!("{}", path.display()))?
        }
        None => SimConfig::demo(),
    };
    let sim = SimCloud::start(config, listen).await?;
    println!("# simulated clouds serving at {}", sim.base_url());
    println!("{}", sim.clouds_yaml());
    tokio::signal::ctrl_c().await?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn plugin_check_parses_the_file_profile_and_json_flag() {
        let args = Args::try_parse_from([
            "oaktree",
            "plugin",
            "check",
            "d.wasm",
            "--profile",
            "ovh",
            "--json",
        ])
        .unwrap();
        let Command::Plugin {
            command: PluginCommand::Check(check),
        } = args.command
        else {
            panic!("not a plugin check");
        };
        assert_eq!(check.file, PathBuf::from("d.wasm"));
        assert_eq!(check.profile.as_deref(), Some("ovh"));
        assert!(check.json);
        assert!(check.clouds.is_none());
    }

    #[test]
    fn plugin_check_wants_clouds_and_cloud_together() {
        assert!(
            Args::try_parse_from(["oaktree", "plugin", "check", "d.wasm", "--clouds", "c.yaml"])
                .is_err()
        );
        let args = Args::try_parse_from([
            "oaktree", "plugin", "check", "d.wasm", "--clouds", "c.yaml", "--cloud", "aws",
        ]);
        assert!(args.is_ok());
    }
}
