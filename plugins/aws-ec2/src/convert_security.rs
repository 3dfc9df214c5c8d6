//! EC2 key pairs, security groups and security group rules → WIT records.
//!
//! Rules come from DescribeSecurityGroupRules (or the `securityGroupRuleSet` of an Authorize*
//! answer): each EC2 rule already has one source (an IPv4 or IPv6 range, a group or a prefix
//! list), so it maps to one WIT rule whose id is EC2's `securityGroupRuleId`. A group's
//! `ipPermissions` are not read: the same facts come with ids from the rules call.

use roxmltree::Node;

use crate::convert::project;
use crate::convert_network::tag_properties;
use crate::oaktree::cloud::types::{Keypair, Placement, SecurityGroup, SecurityGroupRule};
use crate::xml::{flag, path, rest, text};

const KEY_PAIR_KEYS: &[&str] = &[
    "keyName",
    "publicKey",
    "keyFingerprint",
    "keyMaterial",
    "createTime",
    "tagSet",
];

/// One `keySet/item` of DescribeKeyPairs, or a CreateKeyPair/ImportKeyPair answer (whose
/// `keyMaterial` is the generated private key).
pub fn keypair(item: Node<'_, '_>) -> Keypair {
    let mut properties = rest(item, KEY_PAIR_KEYS);
    properties.extend(tag_properties(item));
    Keypair {
        name: text(item, "keyName").unwrap_or_default(),
        placement: Placement {
            zone: None,
            project: None,
        },
        // DescribeKeyPairs sends it only when asked (`IncludePublicKey=true`).
        public_key: text(item, "publicKey").unwrap_or_default(),
        fingerprint: text(item, "keyFingerprint").unwrap_or_default(),
        // EC2 key pairs are SSH keys (rsa or ed25519; `keyType` stays in properties).
        key_type: "ssh".into(),
        // The PEM ends with a newline that `text` would trim; keep the key byte for byte.
        private_key: crate::xml::child(item, "keyMaterial")
            .and_then(|n| n.text())
            .filter(|t| !t.trim().is_empty())
            .map(str::to_string),
        created_at: text(item, "createTime").unwrap_or_default(),
        properties,
    }
}

const GROUP_KEYS: &[&str] = &[
    "groupId",
    "groupName",
    "groupDescription",
    "ownerId",
    "ipPermissions",
    "ipPermissionsEgress",
    "tagSet",
];

/// One `securityGroupInfo/item` of DescribeSecurityGroups, with its rules.
pub fn security_group(item: Node<'_, '_>, rules: Vec<SecurityGroupRule>) -> SecurityGroup {
    let mut properties = rest(item, GROUP_KEYS);
    properties.extend(tag_properties(item));
    SecurityGroup {
        id: text(item, "groupId").unwrap_or_default(),
        name: text(item, "groupName").unwrap_or_default(),
        placement: Placement {
            zone: None,
            project: project(text(item, "ownerId")),
        },
        description: text(item, "groupDescription").unwrap_or_default(),
        rules,
        created_at: String::new(),
        updated_at: String::new(),
        properties,
    }
}

const RULE_KEYS: &[&str] = &[
    "securityGroupRuleId",
    "groupId",
    "isEgress",
    "ipProtocol",
    "fromPort",
    "toPort",
    "cidrIpv4",
    "cidrIpv6",
    "referencedGroupInfo",
    "tagSet",
];

/// One `securityGroupRuleSet/item`.
pub fn rule(item: Node<'_, '_>) -> SecurityGroupRule {
    let v6 = text(item, "cidrIpv6");
    let mut properties = rest(item, RULE_KEYS);
    properties.extend(tag_properties(item));
    if let Some(owner) = path(item, &["referencedGroupInfo", "userId"]) {
        properties.push(("referencedGroupInfo.userId".into(), owner));
    }
    SecurityGroupRule {
        id: text(item, "securityGroupRuleId").unwrap_or_default(),
        security_group_id: text(item, "groupId").unwrap_or_default(),
        direction: if flag(item, "isEgress").unwrap_or(false) {
            "egress"
        } else {
            "ingress"
        }
        .into(),
        ethertype: if v6.is_some() { "IPv6" } else { "IPv4" }.into(),
        protocol: text(item, "ipProtocol").filter(|p| p != "-1"),
        port_range_min: port(item, "fromPort"),
        port_range_max: port(item, "toPort"),
        remote_ip_prefix: text(item, "cidrIpv4").or(v6),
        remote_group_id: path(item, &["referencedGroupInfo", "groupId"]),
        properties,
    }
}

/// A port (or ICMP type/code); EC2's `-1` means all and is none.
fn port(item: Node<'_, '_>, name: &str) -> Option<u32> {
    text(item, name)?.parse::<u32>().ok()
}
