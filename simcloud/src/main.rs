//! `simcloud`: serve simulated OpenStack clouds until Ctrl-C.
//!
//! 1. Load `--config` (or the demo world).
//! 2. Start the simulator on `--listen`.
//! 3. Optionally print a clouds.yaml for it, then serve until interrupted.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use oaktree_simcloud::{SimCloud, SimConfig};
use tracing::info;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "simcloud",
    about = "Simulated OpenStack clouds on one local port"
)]
struct Args {
    /// YAML file describing the clouds; the built-in demo world when absent.
    #[arg(long, env = "SIMCLOUD_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8700")]
    listen: String,
    /// Print a clouds.yaml for the simulated clouds on stdout, then keep serving.
    #[arg(long)]
    print_clouds_yaml: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let config = match &args.config {
        Some(path) => SimConfig::from_file(path)?,
        None => SimConfig::demo(),
    };
    let sim = SimCloud::start(config, &args.listen).await?;
    if args.print_clouds_yaml {
        print!("{}", sim.clouds_yaml());
    }
    info!(base_url = %sim.base_url(), "serving; Ctrl-C stops");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    sim.shutdown();
    Ok(())
}
