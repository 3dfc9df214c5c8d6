//! Arguments of the write commands (`create`, `attach`, `delete`, `create-rule`,
//! `delete-rule`) and their conversion into request messages.
//!
//! A write goes to exactly one cloud-region: `--cloud` is required and taken literally (no
//! globs), `--region` may be left out when the cloud has one region. Spec fields are flags;
//! an empty flag means "let the cloud choose", as the proto documents.

use std::path::PathBuf;

use crate::proto::{
    AttachFloatingIpRequest, CloudRegion, CreateFloatingIpRequest, CreateKeypairRequest,
    CreateSecurityGroupRequest, CreateSecurityGroupRuleRequest, CreateSubnetRequest,
    CreateVolumeRequest, DeleteRequest, FloatingIpSpec, KeypairSpec, SecurityGroupRuleSpec,
    SecurityGroupSpec, SubnetSpec, VolumeSpec,
};

use super::args::ConnArgs;

/// Where a write goes, how to print its answer, and how to reach the daemon.
#[derive(clap::Args, Debug, Clone)]
pub struct WriteArgs {
    /// The cloud to act in (exactly one, as clouds.yaml names it).
    #[arg(long)]
    pub cloud: String,
    /// Its region; may be left out when the cloud has only one.
    #[arg(long, default_value = "")]
    pub region: String,
    /// Print the answer as one JSON document `{"item":...}` instead of a key/value view.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
}

impl WriteArgs {
    pub fn location(&self) -> Option<CloudRegion> {
        Some(CloudRegion {
            cloud: self.cloud.clone(),
            region: self.region.clone(),
        })
    }
}

/// `<kind> delete ID`.
#[derive(clap::Args, Debug, Clone)]
pub struct DeleteArgs {
    /// The resource's id (a keypair's name).
    pub id: String,
    #[command(flatten)]
    pub write: WriteArgs,
}

impl DeleteArgs {
    pub fn request(&self) -> DeleteRequest {
        DeleteRequest {
            location: self.write.location(),
            id: self.id.clone(),
        }
    }
}

/// `floating-ips create`.
#[derive(clap::Args, Debug, Clone)]
pub struct FloatingIpCreateArgs {
    /// The external network to allocate from (default: the cloud's).
    #[arg(long, value_name = "NETWORK_ID", default_value = "")]
    pub network: String,
    /// Attach it to this server at once.
    #[arg(long, value_name = "SERVER_ID", default_value = "")]
    pub server: String,
    #[command(flatten)]
    pub write: WriteArgs,
}

impl FloatingIpCreateArgs {
    pub fn request(&self) -> CreateFloatingIpRequest {
        CreateFloatingIpRequest {
            request_id: String::new(),
            location: self.write.location(),
            floating_ip: Some(FloatingIpSpec {
                network_id: self.network.clone(),
                server_id: self.server.clone(),
            }),
        }
    }
}

/// `floating-ips attach ID --server SERVER_ID`.
#[derive(clap::Args, Debug, Clone)]
pub struct FloatingIpAttachArgs {
    /// The floating IP's id.
    pub id: String,
    /// The server to attach it to (on its first port).
    #[arg(long, value_name = "SERVER_ID")]
    pub server: String,
    #[command(flatten)]
    pub write: WriteArgs,
}

impl FloatingIpAttachArgs {
    pub fn request(&self) -> AttachFloatingIpRequest {
        AttachFloatingIpRequest {
            location: self.write.location(),
            id: self.id.clone(),
            server_id: self.server.clone(),
        }
    }
}

/// `keypairs create NAME`.
#[derive(clap::Args, Debug, Clone)]
pub struct KeypairCreateArgs {
    /// The keypair's name (its id from then on).
    pub name: String,
    /// Import this OpenSSH public key file; without it the cloud generates a key pair and
    /// the private key is printed once.
    #[arg(long, value_name = "PATH")]
    pub public_key_file: Option<PathBuf>,
    #[command(flatten)]
    pub write: WriteArgs,
}

impl KeypairCreateArgs {
    pub fn request(&self) -> anyhow::Result<CreateKeypairRequest> {
        let public_key = match &self.public_key_file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?
                .trim()
                .to_owned(),
            None => String::new(),
        };
        Ok(CreateKeypairRequest {
            request_id: String::new(),
            location: self.write.location(),
            keypair: Some(KeypairSpec {
                name: self.name.clone(),
                public_key,
            }),
        })
    }
}

/// `security-groups create NAME`.
#[derive(clap::Args, Debug, Clone)]
pub struct SecurityGroupCreateArgs {
    pub name: String,
    #[arg(long, default_value = "")]
    pub description: String,
    #[command(flatten)]
    pub write: WriteArgs,
}

impl SecurityGroupCreateArgs {
    pub fn request(&self) -> CreateSecurityGroupRequest {
        CreateSecurityGroupRequest {
            request_id: String::new(),
            location: self.write.location(),
            security_group: Some(SecurityGroupSpec {
                name: self.name.clone(),
                description: self.description.clone(),
            }),
        }
    }
}

/// `security-groups create-rule GROUP_ID`.
#[derive(clap::Args, Debug, Clone)]
pub struct RuleCreateArgs {
    /// The id of the group to add the rule to.
    pub security_group_id: String,
    /// ingress or egress (default ingress).
    #[arg(long, default_value = "")]
    pub direction: String,
    /// IPv4 or IPv6 (default: from --remote-ip-prefix, else IPv4).
    #[arg(long, default_value = "")]
    pub ethertype: String,
    /// tcp, udp, icmp or a protocol number (default: any).
    #[arg(long, default_value = "")]
    pub protocol: String,
    /// Lowest port of the range (for icmp: the type).
    #[arg(long)]
    pub port_min: Option<u32>,
    /// Highest port of the range (for icmp: the code); defaults to --port-min.
    #[arg(long)]
    pub port_max: Option<u32>,
    /// Source (ingress) or destination (egress) CIDR (default: any).
    #[arg(long, value_name = "CIDR", default_value = "")]
    pub remote_ip_prefix: String,
    /// Allow traffic from members of this group instead of a CIDR.
    #[arg(long, value_name = "GROUP_ID", default_value = "")]
    pub remote_group: String,
    #[command(flatten)]
    pub write: WriteArgs,
}

impl RuleCreateArgs {
    pub fn request(&self) -> CreateSecurityGroupRuleRequest {
        CreateSecurityGroupRuleRequest {
            request_id: String::new(),
            location: self.write.location(),
            rule: Some(SecurityGroupRuleSpec {
                security_group_id: self.security_group_id.clone(),
                direction: self.direction.clone(),
                ethertype: self.ethertype.clone(),
                protocol: self.protocol.clone(),
                port_range_min: self.port_min,
                port_range_max: self.port_max.or(self.port_min),
                remote_ip_prefix: self.remote_ip_prefix.clone(),
                remote_group_id: self.remote_group.clone(),
            }),
        }
    }
}

/// `subnets create --network ID --cidr CIDR`.
#[derive(clap::Args, Debug, Clone)]
pub struct SubnetCreateArgs {
    /// The id of the network the subnet is on.
    #[arg(long, value_name = "NETWORK_ID")]
    pub network: String,
    /// The address range, e.g. 10.1.0.0/24.
    #[arg(long)]
    pub cidr: String,
    #[arg(long, default_value = "")]
    pub name: String,
    /// 4 or 6 (default: from --cidr).
    #[arg(long, default_value = "0")]
    pub ip_version: u32,
    /// The gateway address (default: the cloud's choice, usually the first address).
    #[arg(long, value_name = "IP", default_value = "")]
    pub gateway: String,
    /// Turn DHCP off (it is on by default).
    #[arg(long)]
    pub no_dhcp: bool,
    /// A DNS server to hand out (repeatable).
    #[arg(long = "dns", value_name = "IP")]
    pub dns_nameservers: Vec<String>,
    #[command(flatten)]
    pub write: WriteArgs,
}

impl SubnetCreateArgs {
    pub fn request(&self) -> CreateSubnetRequest {
        CreateSubnetRequest {
            request_id: String::new(),
            location: self.write.location(),
            subnet: Some(SubnetSpec {
                network_id: self.network.clone(),
                name: self.name.clone(),
                cidr: self.cidr.clone(),
                ip_version: self.ip_version,
                gateway_ip: self.gateway.clone(),
                enable_dhcp: Some(!self.no_dhcp),
                dns_nameservers: self.dns_nameservers.clone(),
            }),
        }
    }
}

/// `volumes create --size GIB`.
#[derive(clap::Args, Debug, Clone)]
pub struct VolumeCreateArgs {
    /// Size in GiB.
    #[arg(long, value_name = "GIB")]
    pub size: u64,
    #[arg(long, default_value = "")]
    pub name: String,
    #[arg(long, default_value = "")]
    pub description: String,
    /// The volume type (default: the cloud's).
    #[arg(long = "type", value_name = "TYPE", default_value = "")]
    pub volume_type: String,
    /// The availability zone (default: the cloud's choice).
    #[arg(long, default_value = "")]
    pub zone: String,
    /// Fill the volume from this image.
    #[arg(long, value_name = "IMAGE_ID", default_value = "")]
    pub image: String,
    #[command(flatten)]
    pub write: WriteArgs,
}

impl VolumeCreateArgs {
    pub fn request(&self) -> CreateVolumeRequest {
        CreateVolumeRequest {
            request_id: String::new(),
            location: self.write.location(),
            volume: Some(VolumeSpec {
                name: self.name.clone(),
                size_gib: self.size,
                description: self.description.clone(),
                volume_type: self.volume_type.clone(),
                zone: self.zone.clone(),
                image_id: self.image.clone(),
            }),
        }
    }
}
