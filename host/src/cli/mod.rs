//! The client commands of the `oaktree` binary, for people at a terminal:
//! `oaktree servers|images|flavors|networks|floating-ips|keypairs|security-groups|subnets|volumes
//! list|get ...`, the writes `floating-ips|keypairs|security-groups|subnets|volumes
//! create|delete ...` (plus `floating-ips attach`, `security-groups create-rule|delete-rule`),
//! `oaktree locations` and `oaktree plugins`.
//!
//! A read command:
//! 1. parses its arguments (`args`) into a ListRequest/GetRequest and a deadline;
//! 2. calls the daemon (`rpc`), through one code path for all nine kinds (`kinds`, `query`);
//! 3. prints tables (`table`, `render`) or one JSON document (`json`), always followed by
//!    every location's status, and picks the exit status (`output`).
//!
//! A write command builds its request from flags (`write_args`), sends it to one location and
//! prints the answer (`write`).

mod args;
mod json;
mod kinds;
mod locations;
mod operations;
mod operations_args;
mod output;
mod plugins;
mod query;
mod render;
mod rpc;
mod table;
mod write;
mod write_args;

use std::process::ExitCode;

use crate::proto::{
    Flavor, FloatingIp, Image, Keypair, Network, SecurityGroup, Server, Subnet, Volume,
};

pub use args::{ConnArgs, GetArgs, ListArgs, LocationsArgs, PluginsArgs, WhereArgs};
use kinds::{Client, Resource};
pub use operations_args::{ImageUploadArgs, OperationsAction, ServerCreateArgs, ServerDeleteArgs};
use output::EXIT_CODES_HELP;
use write::WRITE_EXIT_CODES_HELP;
pub use write_args::{
    DeleteArgs, FloatingIpAttachArgs, FloatingIpCreateArgs, KeypairCreateArgs, RuleCreateArgs,
    SecurityGroupCreateArgs, SubnetCreateArgs, VolumeCreateArgs, WriteArgs,
};

/// The client commands, flattened into the top-level `oaktree` subcommands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ClientCommand {
    /// List or show servers (instances) across clouds; create or delete one with a
    /// streamed wait.
    Servers {
        #[command(subcommand)]
        action: ServerAction,
    },
    /// List or show images across clouds; upload one everywhere.
    Images {
        #[command(subcommand)]
        action: ImageAction,
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
    /// List, show, create, attach or delete floating IPs.
    FloatingIps {
        #[command(subcommand)]
        action: FloatingIpAction,
    },
    /// List, show, create or delete SSH keypairs.
    Keypairs {
        #[command(subcommand)]
        action: KeypairAction,
    },
    /// List, show, create or delete security groups and their rules.
    SecurityGroups {
        #[command(subcommand)]
        action: SecurityGroupAction,
    },
    /// List, show, create or delete subnets.
    Subnets {
        #[command(subcommand)]
        action: SubnetAction,
    },
    /// List, show, create or delete volumes.
    Volumes {
        #[command(subcommand)]
        action: VolumeAction,
    },
    /// List, show or follow long operations (server boots, image uploads), and what failed
    /// operations left to clean up.
    Operations {
        #[command(subcommand)]
        action: OperationsAction,
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

/// Servers: the reads, and booting or deleting one with the daemon doing the waiting.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ServerAction {
    #[command(flatten)]
    Read(Action),
    /// Boot a server at one location and follow it to ACTIVE (status lines, then a summary).
    #[command(after_help = OPERATION_EXIT_CODES_HELP)]
    Create(Box<ServerCreateArgs>),
    /// Delete a server and follow it until the cloud no longer has it.
    #[command(after_help = OPERATION_EXIT_CODES_HELP)]
    Delete(ServerDeleteArgs),
}

/// Images: the reads, and one upload to every selected location.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ImageAction {
    #[command(flatten)]
    Read(Action),
    /// Upload an image file to every selected location, converting it once per disk format
    /// the clouds need, with a progress bar per location.
    #[command(after_help = OPERATION_EXIT_CODES_HELP)]
    Upload(Box<ImageUploadArgs>),
}

/// The exit statuses of commands that follow an operation.
const OPERATION_EXIT_CODES_HELP: &str = "Exit status: 0 when the operation succeeded; 1 when the call failed or the daemon is unreachable; 2 for bad arguments; 3 when the operation failed or succeeded only at some locations (the summary says which and why).";

/// Floating IPs: the reads, and writes at one location.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum FloatingIpAction {
    #[command(flatten)]
    Read(Action),
    /// Allocate a floating IP (optionally attaching it to a server at once).
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Create(FloatingIpCreateArgs),
    /// Attach a floating IP to a server.
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Attach(FloatingIpAttachArgs),
    /// Release a floating IP by id.
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Delete(DeleteArgs),
}

/// Keypairs: the reads, and writes at one location.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum KeypairAction {
    #[command(flatten)]
    Read(Action),
    /// Import a public key, or have the cloud generate a key pair (its private key is
    /// printed once).
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Create(KeypairCreateArgs),
    /// Delete a keypair by name.
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Delete(DeleteArgs),
}

/// Security groups: the reads, and writes of groups and rules at one location.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum SecurityGroupAction {
    #[command(flatten)]
    Read(Action),
    /// Create a security group.
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Create(SecurityGroupCreateArgs),
    /// Delete a security group by id.
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Delete(DeleteArgs),
    /// Add a rule to a security group.
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    CreateRule(RuleCreateArgs),
    /// Delete a security group rule by id.
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    DeleteRule(DeleteArgs),
}

/// Subnets: the reads, and writes at one location.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum SubnetAction {
    #[command(flatten)]
    Read(Action),
    /// Create a subnet on an existing network.
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Create(SubnetCreateArgs),
    /// Delete a subnet by id.
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Delete(DeleteArgs),
}

/// Volumes: the reads, and writes at one location.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum VolumeAction {
    #[command(flatten)]
    Read(Action),
    /// Create a volume (empty, or from an image).
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Create(VolumeCreateArgs),
    /// Delete a volume by id.
    #[command(after_help = WRITE_EXIT_CODES_HELP)]
    Delete(DeleteArgs),
}

impl ClientCommand {
    /// `oaktree servers list --addr <addr>`: servers everywhere, as a table.
    pub fn demo_listing(addr: String) -> ClientCommand {
        ClientCommand::Servers {
            action: ServerAction::Read(Action::List(ListArgs::everywhere(ConnArgs::new(addr)))),
        }
    }
}

/// Runs a client command; the exit status is described in [`EXIT_CODES_HELP`].
pub async fn run(command: ClientCommand) -> anyhow::Result<ExitCode> {
    match command {
        ClientCommand::Servers { action } => match action {
            ServerAction::Read(action) => act::<Server>(action).await,
            ServerAction::Create(args) => operations::create_server(*args).await,
            ServerAction::Delete(args) => operations::delete_server(args).await,
        },
        ClientCommand::Images { action } => match action {
            ImageAction::Read(action) => act::<Image>(action).await,
            ImageAction::Upload(args) => operations::upload_image(*args).await,
        },
        ClientCommand::Operations { action } => operations::operations(action).await,
        ClientCommand::Flavors { action } => act::<Flavor>(action).await,
        ClientCommand::Networks { action } => act::<Network>(action).await,
        ClientCommand::FloatingIps { action } => floating_ips(action).await,
        ClientCommand::Keypairs { action } => keypairs(action).await,
        ClientCommand::SecurityGroups { action } => security_groups(action).await,
        ClientCommand::Subnets { action } => subnets(action).await,
        ClientCommand::Volumes { action } => volumes(action).await,
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

async fn floating_ips(action: FloatingIpAction) -> anyhow::Result<ExitCode> {
    let show = |ip: Option<FloatingIp>| ip.as_ref().map(json::floating_ip);
    match action {
        FloatingIpAction::Read(action) => act::<FloatingIp>(action).await,
        FloatingIpAction::Create(args) => {
            let call = |mut c: Client, r| async move { c.create_floating_ip(r).await };
            write::create(
                &args.write,
                args.request(),
                call,
                |r| show(r.floating_ip),
                "floating IP",
            )
            .await
        }
        FloatingIpAction::Attach(args) => {
            let call = |mut c: Client, r| async move { c.attach_floating_ip(r).await };
            write::create(
                &args.write,
                args.request(),
                call,
                |r| show(r.floating_ip),
                "floating IP",
            )
            .await
        }
        FloatingIpAction::Delete(args) => {
            let call = |mut c: Client, r| async move { c.delete_floating_ip(r).await };
            write::delete(&args.write, args.request(), call, "floating IP").await
        }
    }
}

async fn keypairs(action: KeypairAction) -> anyhow::Result<ExitCode> {
    match action {
        KeypairAction::Read(action) => act::<Keypair>(action).await,
        KeypairAction::Create(args) => {
            let call = |mut c: Client, r| async move { c.create_keypair(r).await };
            let show =
                |r: crate::proto::CreateKeypairResponse| r.keypair.as_ref().map(json::keypair);
            write::create(&args.write, args.request()?, call, show, "keypair").await
        }
        KeypairAction::Delete(args) => {
            let call = |mut c: Client, r| async move { c.delete_keypair(r).await };
            write::delete(&args.write, args.request(), call, "keypair").await
        }
    }
}

async fn security_groups(action: SecurityGroupAction) -> anyhow::Result<ExitCode> {
    match action {
        SecurityGroupAction::Read(action) => act::<SecurityGroup>(action).await,
        SecurityGroupAction::Create(args) => {
            let call = |mut c: Client, r| async move { c.create_security_group(r).await };
            let show = |r: crate::proto::CreateSecurityGroupResponse| {
                r.security_group.as_ref().map(json::security_group)
            };
            write::create(&args.write, args.request(), call, show, "security group").await
        }
        SecurityGroupAction::Delete(args) => {
            let call = |mut c: Client, r| async move { c.delete_security_group(r).await };
            write::delete(&args.write, args.request(), call, "security group").await
        }
        SecurityGroupAction::CreateRule(args) => {
            let call = |mut c: Client, r| async move { c.create_security_group_rule(r).await };
            let show = |r: crate::proto::CreateSecurityGroupRuleResponse| {
                r.rule.as_ref().map(json::security_group_rule)
            };
            write::create(
                &args.write,
                args.request(),
                call,
                show,
                "security group rule",
            )
            .await
        }
        SecurityGroupAction::DeleteRule(args) => {
            let call = |mut c: Client, r| async move { c.delete_security_group_rule(r).await };
            write::delete(&args.write, args.request(), call, "security group rule").await
        }
    }
}

async fn subnets(action: SubnetAction) -> anyhow::Result<ExitCode> {
    match action {
        SubnetAction::Read(action) => act::<Subnet>(action).await,
        SubnetAction::Create(args) => {
            let call = |mut c: Client, r| async move { c.create_subnet(r).await };
            let show = |r: crate::proto::CreateSubnetResponse| r.subnet.as_ref().map(json::subnet);
            write::create(&args.write, args.request(), call, show, "subnet").await
        }
        SubnetAction::Delete(args) => {
            let call = |mut c: Client, r| async move { c.delete_subnet(r).await };
            write::delete(&args.write, args.request(), call, "subnet").await
        }
    }
}

async fn volumes(action: VolumeAction) -> anyhow::Result<ExitCode> {
    match action {
        VolumeAction::Read(action) => act::<Volume>(action).await,
        VolumeAction::Create(args) => {
            let call = |mut c: Client, r| async move { c.create_volume(r).await };
            let show = |r: crate::proto::CreateVolumeResponse| r.volume.as_ref().map(json::volume);
            write::create(&args.write, args.request(), call, show, "volume").await
        }
        VolumeAction::Delete(args) => {
            let call = |mut c: Client, r| async move { c.delete_volume(r).await };
            write::delete(&args.write, args.request(), call, "volume").await
        }
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
            action: ServerAction::Read(Action::List(args)),
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
            matches!(&command, Ok(ClientCommand::Images { action: ImageAction::Read(Action::Get(args)) })
                if args.name_or_id == "cirros" && args.location.clouds == ["alpha"])
        );
    }

    #[test]
    fn new_kinds_list_like_the_others() {
        let command = parse(&[
            "oaktree",
            "security-groups",
            "list",
            "--cloud",
            "alpha",
            "--json",
        ]);
        assert!(
            matches!(&command, Ok(ClientCommand::SecurityGroups {
                action: SecurityGroupAction::Read(Action::List(args)) }) if args.json),
            "{command:?}"
        );
        let command = parse(&["oaktree", "floating-ips", "get", "203.0.113.7"]);
        assert!(
            matches!(&command, Ok(ClientCommand::FloatingIps {
                action: FloatingIpAction::Read(Action::Get(args)) }) if args.name_or_id == "203.0.113.7"),
            "{command:?}"
        );
    }

    #[test]
    fn a_write_needs_its_cloud_and_takes_spec_flags() -> Result<(), String> {
        assert!(parse(&["oaktree", "volumes", "create", "--size", "10"]).is_err());
        let command = parse(&[
            "oaktree",
            "security-groups",
            "create-rule",
            "sg-1",
            "--protocol",
            "tcp",
            "--port-min",
            "22",
            "--remote-ip-prefix",
            "10.0.0.0/8",
            "--cloud",
            "alpha",
            "--region",
            "us-east-1",
        ]);
        let Ok(ClientCommand::SecurityGroups {
            action: SecurityGroupAction::CreateRule(args),
        }) = command
        else {
            return Err(format!("unexpected parse: {command:?}"));
        };
        let request = args.request();
        let rule = request.rule.unwrap_or_default();
        assert_eq!(rule.security_group_id, "sg-1");
        assert_eq!(
            (rule.port_range_min, rule.port_range_max),
            (Some(22), Some(22))
        );
        let at = request.location.unwrap_or_default();
        assert_eq!(
            (at.cloud.as_str(), at.region.as_str()),
            ("alpha", "us-east-1")
        );
        let command = parse(&[
            "oaktree",
            "subnets",
            "create",
            "--network",
            "net-1",
            "--cidr",
            "10.9.0.0/24",
            "--no-dhcp",
            "--dns",
            "9.9.9.9",
            "--cloud",
            "beta",
        ]);
        let Ok(ClientCommand::Subnets {
            action: SubnetAction::Create(args),
        }) = command
        else {
            return Err(format!("unexpected parse: {command:?}"));
        };
        let spec = args.request().subnet.unwrap_or_default();
        assert_eq!(spec.enable_dhcp, Some(false));
        assert_eq!(spec.dns_nameservers, vec!["9.9.9.9"]);
        Ok(())
    }

    #[test]
    fn demo_listing_is_servers_everywhere_as_a_table() -> Result<(), String> {
        let ClientCommand::Servers {
            action: ServerAction::Read(Action::List(args)),
        } = ClientCommand::demo_listing("http://x:1".into())
        else {
            return Err("demo listing is not a server listing".into());
        };
        assert!(!args.json && !args.stream && args.location.clouds.is_empty());
        assert_eq!(args.conn.addr, "http://x:1");
        Ok(())
    }
}
