//! The client commands of the `oaktree` binary, for people at a terminal:
//! `oaktree servers|images|flavors|networks list|get ...`, `oaktree locations` and
//! `oaktree plugins`.
//!
//! A command:
//! 1. parses its arguments (`args`) into a ListRequest/GetRequest and a deadline;
//! 2. calls the daemon (`rpc`), through one code path for all four kinds (`kinds`, `query`);
//! 3. prints tables (`table`, `render`) or one JSON document (`json`), always followed by
//!    every location's status, and picks the exit status (`output`).

mod args;
mod json;
mod kinds;
mod locations;
mod output;
mod plugins;
mod query;
mod render;
mod rpc;
mod table;

use std::process::ExitCode;

use crate::proto::{Flavor, Image, Network, Server};

pub use args::{ConnArgs, GetArgs, ListArgs, LocationsArgs, PluginsArgs, WhereArgs};
use kinds::Resource;
use output::EXIT_CODES_HELP;

/// The client commands, flattened into the top-level `oaktree` subcommands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ClientCommand {
    /// List or show servers (instances) across clouds.
    Servers {
        #[command(subcommand)]
        action: Action,
    },
    /// List or show images across clouds.
    Images {
        #[command(subcommand)]
        action: Action,
    },
    /// List or show flavors (instance types) across clouds.
    Flavors {
        #[command(subcommand)]
        action: Action,
    },
    /// List or show networks across clouds.
    Networks {
        #[command(subcommand)]
        action: Action,
    },
    /// Show the cloud-regions the daemon serves and their drivers.
    #[command(
        after_help = "Exit status: 0 on success; 1 when the call failed or the daemon \
        is unreachable; 2 for bad arguments."
    )]
    Locations(LocationsArgs),
    /// Show the driver plugins the daemon has loaded (they change as plugin files do).
    #[command(
        after_help = "Exit status: 0 on success; 1 when the call failed or the daemon \
        is unreachable; 2 for bad arguments."
    )]
    Plugins(PluginsArgs),
}

/// What to do with one resource kind.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Action {
    /// List them from every selected cloud-region, then show each location's status.
    #[command(after_help = EXIT_CODES_HELP)]
    List(ListArgs),
    /// Show one by id or name with all its fields, then each location's status.
    #[command(after_help = EXIT_CODES_HELP)]
    Get(GetArgs),
}

impl ClientCommand {
    /// `oaktree servers list --addr <addr>`: servers everywhere, as a table.
    pub fn demo_listing(addr: String) -> ClientCommand {
        ClientCommand::Servers {
            action: Action::List(ListArgs::everywhere(ConnArgs::new(addr))),
        }
    }
}

/// Runs a client command; the exit status is described in [`EXIT_CODES_HELP`].
pub async fn run(command: ClientCommand) -> anyhow::Result<ExitCode> {
    match command {
        ClientCommand::Servers { action } => act::<Server>(action).await,
        ClientCommand::Images { action } => act::<Image>(action).await,
        ClientCommand::Flavors { action } => act::<Flavor>(action).await,
        ClientCommand::Networks { action } => act::<Network>(action).await,
        ClientCommand::Locations(args) => locations::run(args).await,
        ClientCommand::Plugins(args) => plugins::run(args).await,
    }
}

async fn act<R: Resource>(action: Action) -> anyhow::Result<ExitCode> {
    match action {
        Action::List(args) => query::list::<R>(args).await,
        Action::Get(args) => query::get::<R>(args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches, Parser};

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        command: ClientCommand,
    }

    fn parse(args: &[&str]) -> Result<ClientCommand, clap::Error> {
        let matches = Cli::command().try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches).map(|cli| cli.command)
    }

    #[test]
    fn list_accepts_selectors_filters_and_flags() -> Result<(), String> {
        let command = parse(&[
            "oaktree",
            "servers",
            "list",
            "--cloud",
            "alpha",
            "--region",
            "us-*",
            "--region",
            "eu-*",
            "--filter",
            "status=ACTIVE",
            "--name-or-id",
            "web-*",
            "--json",
            "--stream",
            "--timeout",
            "2.5",
            "--addr",
            "127.0.0.1:1",
        ]);
        let Ok(ClientCommand::Servers {
            action: Action::List(args),
        }) = command
        else {
            return Err(format!("unexpected parse: {command:?}"));
        };
        assert_eq!(args.location.regions, vec!["us-*", "eu-*"]);
        assert_eq!(args.filters, vec![("status".into(), "ACTIVE".into())]);
        assert!(args.json && args.stream);
        assert_eq!(args.conn.timeout, std::time::Duration::from_millis(2500));
        Ok(())
    }

    #[test]
    fn bad_filter_is_a_usage_error_naming_the_argument() {
        let error = parse(&["oaktree", "images", "list", "--filter", "ACTIVE"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("'ACTIVE'") && error.contains("--filter"),
            "{error}"
        );
    }

    #[test]
    fn plugins_takes_json_and_an_address() {
        let command = parse(&["oaktree", "plugins", "--json", "--addr", "127.0.0.1:1"]);
        assert!(
            matches!(&command, Ok(ClientCommand::Plugins(args)) if args.json),
            "{command:?}"
        );
    }

    #[test]
    fn get_takes_the_name_positionally() {
        let command = parse(&["oaktree", "images", "get", "cirros", "--cloud", "alpha"]);
        assert!(
            matches!(&command, Ok(ClientCommand::Images { action: Action::Get(args) })
                if args.name_or_id == "cirros" && args.location.clouds == ["alpha"])
        );
    }

    #[test]
    fn demo_listing_is_servers_everywhere_as_a_table() -> Result<(), String> {
        let ClientCommand::Servers {
            action: Action::List(args),
        } = ClientCommand::demo_listing("http://x:1".into())
        else {
            return Err("demo listing is not a server listing".into());
        };
        assert!(!args.json && !args.stream && args.location.clouds.is_empty());
        assert_eq!(args.conn.addr, "http://x:1");
        Ok(())
    }
}
