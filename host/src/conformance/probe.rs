//! Every driver function by its capability: its WIT name, and a call with harmless
//! arguments, for the checks that only look at how a function answers (undeclared functions,
//! an unreachable cloud).

use crate::plugin::bindings::wit::{self, Capability};
use crate::plugin::{CallError, DriverCall};

/// An id no cloud has; UUID-shaped so drivers that validate ids still look it up.
pub const MISSING_ID: &str = "00000000-0000-4000-8000-00000000c0de";
/// A keypair name no cloud has.
pub const MISSING_KEYPAIR: &str = "oaktree-conformance-missing";

/// Every capability of the WIT, in its order.
pub const ALL: [Capability; 36] = [
    Capability::ListImages,
    Capability::GetImage,
    Capability::ListFlavors,
    Capability::GetFlavor,
    Capability::ListServers,
    Capability::GetServer,
    Capability::ListNetworks,
    Capability::GetNetwork,
    Capability::CreateServer,
    Capability::DeleteServer,
    Capability::ListFloatingIps,
    Capability::GetFloatingIp,
    Capability::CreateFloatingIp,
    Capability::AttachFloatingIp,
    Capability::DeleteFloatingIp,
    Capability::ListKeypairs,
    Capability::GetKeypair,
    Capability::CreateKeypair,
    Capability::DeleteKeypair,
    Capability::ListSecurityGroups,
    Capability::GetSecurityGroup,
    Capability::CreateSecurityGroup,
    Capability::DeleteSecurityGroup,
    Capability::CreateSecurityGroupRule,
    Capability::DeleteSecurityGroupRule,
    Capability::ListSubnets,
    Capability::GetSubnet,
    Capability::CreateSubnet,
    Capability::DeleteSubnet,
    Capability::ListVolumes,
    Capability::GetVolume,
    Capability::CreateVolume,
    Capability::DeleteVolume,
    Capability::CreateImage,
    Capability::DeleteImage,
    Capability::Cleanup,
];

pub use crate::plugin::bindings::capability_name as name;

/// Whether a capability only reads.
pub fn is_read(capability: Capability) -> bool {
    let name = name(capability);
    name.starts_with("list-") || name.starts_with("get-")
}

/// Calls the capability's function with harmless arguments (ids no cloud has, a server
/// named `oaktree-conformance`); `None` for `create-image`, which needs an image blob.
pub async fn call(call: &DriverCall, capability: Capability) -> Option<Result<(), CallError>> {
    let id = MISSING_ID;
    match capability {
        Capability::ListImages => done(call.list_images().await),
        Capability::GetImage => done(call.get_image(id).await),
        Capability::ListFlavors => done(call.list_flavors().await),
        Capability::GetFlavor => done(call.get_flavor(id).await),
        Capability::ListServers => done(call.list_servers().await),
        Capability::GetServer => done(call.get_server(id).await),
        Capability::ListNetworks => done(call.list_networks().await),
        Capability::GetNetwork => done(call.get_network(id).await),
        Capability::CreateServer => done(call.create_server(&server_spec()).await),
        Capability::DeleteServer => done(call.delete_server(id).await),
        Capability::ListFloatingIps => done(call.list_floating_ips().await),
        Capability::GetFloatingIp => done(call.get_floating_ip(id).await),
        Capability::CreateFloatingIp => done(
            call.create_floating_ip(&wit::FloatingIpCreate {
                network_id: Some(id.to_owned()),
                server_id: None,
            })
            .await,
        ),
        Capability::AttachFloatingIp => done(call.attach_floating_ip(id, id).await),
        Capability::DeleteFloatingIp => done(call.delete_floating_ip(id).await),
        Capability::ListKeypairs => done(call.list_keypairs().await),
        Capability::GetKeypair => done(call.get_keypair(MISSING_KEYPAIR).await),
        Capability::CreateKeypair => done(
            call.create_keypair(&wit::KeypairCreate {
                name: MISSING_KEYPAIR.to_owned(),
                public_key: None,
            })
            .await,
        ),
        Capability::DeleteKeypair => done(call.delete_keypair(MISSING_KEYPAIR).await),
        Capability::ListSecurityGroups => done(call.list_security_groups().await),
        Capability::GetSecurityGroup => done(call.get_security_group(id).await),
        Capability::CreateSecurityGroup => done(
            call.create_security_group(&wit::SecurityGroupCreate {
                name: "oaktree-conformance".to_owned(),
                description: String::new(),
            })
            .await,
        ),
        Capability::DeleteSecurityGroup => done(call.delete_security_group(id).await),
        Capability::CreateSecurityGroupRule => done(
            call.create_security_group_rule(&wit::SecurityGroupRuleCreate {
                security_group_id: id.to_owned(),
                direction: "ingress".to_owned(),
                ethertype: "IPv4".to_owned(),
                protocol: Some("tcp".to_owned()),
                port_range_min: Some(22),
                port_range_max: Some(22),
                remote_ip_prefix: None,
                remote_group_id: None,
            })
            .await,
        ),
        Capability::DeleteSecurityGroupRule => done(call.delete_security_group_rule(id).await),
        Capability::ListSubnets => done(call.list_subnets().await),
        Capability::GetSubnet => done(call.get_subnet(id).await),
        Capability::CreateSubnet => done(
            call.create_subnet(&wit::SubnetCreate {
                network_id: id.to_owned(),
                name: "oaktree-conformance".to_owned(),
                cidr: "192.0.2.0/24".to_owned(),
                ip_version: 4,
                gateway_ip: None,
                enable_dhcp: false,
                dns_nameservers: Vec::new(),
            })
            .await,
        ),
        Capability::DeleteSubnet => done(call.delete_subnet(id).await),
        Capability::ListVolumes => done(call.list_volumes().await),
        Capability::GetVolume => done(call.get_volume(id).await),
        Capability::CreateVolume => done(
            call.create_volume(&wit::VolumeCreate {
                name: "oaktree-conformance".to_owned(),
                size_gib: 1,
                description: String::new(),
                volume_type: None,
                zone: None,
                image_id: None,
            })
            .await,
        ),
        Capability::DeleteVolume => done(call.delete_volume(id).await),
        Capability::CreateImage => None,
        Capability::DeleteImage => done(call.delete_image(id).await),
        Capability::Cleanup => done(call.cleanup("oaktree-conformance", id).await),
    }
}

/// The call's outcome without its answer.
fn done<T>(result: Result<T, CallError>) -> Option<Result<(), CallError>> {
    Some(result.map(|_| ()))
}

/// A server spec that names ids no cloud has.
pub fn server_spec() -> wit::ServerCreate {
    wit::ServerCreate {
        name: "oaktree-conformance".to_owned(),
        image_id: MISSING_ID.to_owned(),
        flavor_id: MISSING_ID.to_owned(),
        network_ids: Vec::new(),
        key_name: None,
        user_data: None,
        metadata: Vec::new(),
        security_groups: Vec::new(),
        zone: None,
    }
}

/// The WIT variant name of a driver error (`not-found`), or what else ended the call.
pub fn outcome(result: &Result<(), CallError>) -> String {
    match result {
        Ok(()) => "success".to_owned(),
        Err(CallError::Driver(error)) => variant(error).to_owned(),
        Err(CallError::Deadline) => "no answer within the deadline".to_owned(),
        Err(CallError::Trap { message, .. }) => format!("a trap ({})", trap_reason(message)),
        Err(other) => other.to_string(),
    }
}

/// The reason of a trap without its backtrace (`wasm \`unreachable\` instruction executed`).
pub fn trap_reason(message: &str) -> &str {
    let last = message.lines().last().unwrap_or(message).trim();
    last.rsplit_once("wasm trap: ")
        .map_or(last, |(_, reason)| reason)
}

/// The WIT name of an error variant.
pub fn variant(error: &wit::Error) -> &'static str {
    match error {
        wit::Error::NotFound(_) => "not-found",
        wit::Error::Unauthorized(_) => "unauthorized",
        wit::Error::Forbidden(_) => "forbidden",
        wit::Error::Conflict(_) => "conflict",
        wit::Error::Throttled(_) => "throttled",
        wit::Error::Unavailable(_) => "unavailable",
        wit::Error::Timeout(_) => "timeout",
        wit::Error::Invalid(_) => "invalid",
        wit::Error::Unsupported(_) => "unsupported",
        wit::Error::Other(_) => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_has_its_own_wit_name() {
        let mut names: Vec<&str> = ALL.iter().map(|c| name(*c)).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }

    #[test]
    fn a_trap_is_told_by_its_reason_without_the_backtrace() {
        let message = "error while executing at wasm backtrace:\n    0: 0x1 - f\n    1: 0x2 - g: wasm trap: wasm `unreachable` instruction executed";
        assert_eq!(
            trap_reason(message),
            "wasm `unreachable` instruction executed"
        );
    }

    #[test]
    fn only_lists_and_gets_are_reads() {
        assert!(is_read(Capability::GetKeypair));
        assert!(!is_read(Capability::CreateKeypair));
        assert!(!is_read(Capability::Cleanup));
    }
}
