//! Arguments of the long-operation commands: `servers create|delete`, `images upload`,
//! `operations list|get|watch`, `cleanup`.

use std::path::PathBuf;

use super::args::{ConnArgs, WhereArgs, parse_filter};

/// One cloud-region to act in.
#[derive(clap::Args, Debug, Clone)]
pub struct AtArgs {
    /// The cloud (its clouds.yaml name).
    #[arg(long)]
    pub cloud: String,
    /// The region; omit for clouds without regions.
    #[arg(long, default_value = "")]
    pub region: String,
}

/// How the command follows its operation.
#[derive(clap::Args, Debug, Clone)]
pub struct FollowArgs {
    /// Return once the cloud accepted the request instead of waiting for the end.
    #[arg(long)]
    pub no_wait: bool,
    /// How long the operation may take, in seconds (0: the daemon's default).
    #[arg(long, value_name = "SECONDS", default_value = "0")]
    pub wait_timeout: u32,
    /// Print the operation's final record as JSON instead of progress lines and a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ServerCreateArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub at: AtArgs,
    /// The new server's name.
    pub name: String,
    /// Image name or id at that location.
    #[arg(long)]
    pub image: String,
    /// Flavor name or id at that location.
    #[arg(long)]
    pub flavor: String,
    /// Network name or id (repeatable; none lets the cloud choose).
    #[arg(long = "network")]
    pub networks: Vec<String>,
    #[arg(long)]
    pub key_name: Option<String>,
    /// A file whose content is the server's user data.
    #[arg(long)]
    pub user_data_file: Option<PathBuf>,
    /// Metadata as KEY=VALUE (repeatable).
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = parse_filter)]
    pub metadata: Vec<(String, String)>,
    /// Security group name or id (repeatable).
    #[arg(long = "security-group")]
    pub security_groups: Vec<String>,
    #[arg(long)]
    pub zone: Option<String>,
    /// Do not give the server a floating IP even where its cloud needs one for a public
    /// address.
    #[arg(long)]
    pub no_auto_ip: bool,
    /// Keep a server that ends in ERROR (by default it is deleted and its fault shown).
    #[arg(long)]
    pub keep_failed: bool,
    #[command(flatten)]
    pub follow: FollowArgs,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ServerDeleteArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub at: AtArgs,
    /// The server's name or id.
    pub server: String,
    /// Also delete the floating IPs attached to it.
    #[arg(long)]
    pub delete_ips: bool,
    #[command(flatten)]
    pub follow: FollowArgs,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ImageUploadArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub r#where: WhereArgs,
    /// The image file.
    pub file: PathBuf,
    /// The image's name (default: the file name without its extension).
    #[arg(long)]
    pub name: Option<String>,
    /// The file's disk format; by default the daemon detects it with qemu-img.
    #[arg(long)]
    pub disk_format: Option<String>,
    /// The daemon runs on this machine: let it read the file instead of streaming it (the
    /// file must lie under a directory the daemon config lists in `upload_dirs`).
    #[arg(long)]
    pub server_side: bool,
    /// Upload even where an image with this name and these bytes exists.
    #[arg(long)]
    pub allow_duplicates: bool,
    #[arg(long)]
    pub min_disk: Option<u64>,
    #[arg(long)]
    pub min_ram: Option<u64>,
    /// Property as KEY=VALUE (repeatable).
    #[arg(long = "property", value_name = "KEY=VALUE", value_parser = parse_filter)]
    pub properties: Vec<(String, String)>,
    #[command(flatten)]
    pub follow: FollowArgs,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum OperationsAction {
    /// The operations the daemon keeps (running, and finished within the hour).
    List {
        #[command(flatten)]
        conn: ConnArgs,
        #[arg(long)]
        json: bool,
    },
    /// One operation's record.
    Get {
        #[command(flatten)]
        conn: ConnArgs,
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Follow one operation from its start to its end (or, without an id, every operation
    /// from now on).
    Watch {
        #[command(flatten)]
        conn: ConnArgs,
        id: Option<String>,
    },
    /// What failed operations created and could not delete yet (the sweeper retries it).
    Cleanup {
        #[command(flatten)]
        conn: ConnArgs,
        #[arg(long)]
        json: bool,
    },
}
