//! Security groups and their rules.
//!
//! 1. list/get: `DescribeSecurityGroups` for the groups and `DescribeSecurityGroupRules` for
//!    their rules (both followed through `NextToken`); a rule's id is EC2's
//!    `securityGroupRuleId`, so a delete needs nothing parsed back.
//! 2. create: `CreateSecurityGroup` in the configured `vpc_id`, else the region's default VPC;
//!    then the group is read back for its default egress rule.
//! 3. rules: `AuthorizeSecurityGroupIngress`/`Egress` with one `IpPermissions.1` (one protocol,
//!    port range and source, neutron's shape); deleting looks the rule up for its group and
//!    direction and revokes it by `SecurityGroupRuleId.1`.

use crate::convert_security;
use crate::driver::{Session, by_id, not_found, params};
use crate::host::Host;
use crate::oaktree::cloud::types::{
    Error, Placement, SecurityGroup, SecurityGroupCreate, SecurityGroupRule,
    SecurityGroupRuleCreate,
};
use crate::xml::{items, text};

/// DescribeSecurityGroups' and DescribeSecurityGroupRules' largest page.
const PAGE: &str = "1000";

impl<H: Host> Session<'_, H> {
    pub fn list_security_groups(&self) -> Result<Vec<SecurityGroup>, Error> {
        let rules = self.rules(&[])?;
        self.describe_all(
            "DescribeSecurityGroups",
            &params(&[("MaxResults", PAGE)]),
            "securityGroupInfo",
            |item| {
                let id = text(item, "groupId").unwrap_or_default();
                let mine = rules
                    .iter()
                    .filter(|r| r.security_group_id == id)
                    .cloned()
                    .collect();
                convert_security::security_group(item, mine)
            },
        )
    }

    pub fn get_security_group(&self, id: &str) -> Result<SecurityGroup, Error> {
        let mut groups = self.describe_ids(
            "DescribeSecurityGroups",
            &params(&[("GroupId.1", id)]),
            "securityGroupInfo",
            |item| convert_security::security_group(item, Vec::new()),
        )?;
        let position = groups
            .iter()
            .position(|g| g.id == id)
            .ok_or_else(|| not_found("security group", id))?;
        let mut group = groups.swap_remove(position);
        group.rules = self.rules(&[("Filter.1.Name", "group-id"), ("Filter.1.Value.1", id)])?;
        Ok(group)
    }

    pub fn create_security_group(
        &self,
        spec: &SecurityGroupCreate,
    ) -> Result<SecurityGroup, Error> {
        let vpc = match &self.client.config().vpc_id {
            Some(vpc) => vpc.clone(),
            None => self.default_vpc()?,
        };
        // EC2 requires a description of 1 to 255 characters.
        let description = if spec.description.is_empty() {
            spec.name.as_str()
        } else {
            spec.description.as_str()
        };
        let id = self
            .write(
                "CreateSecurityGroup",
                &params(&[
                    ("GroupName", spec.name.as_str()),
                    ("GroupDescription", description),
                    ("VpcId", vpc.as_str()),
                ]),
                |doc| text(doc.root_element(), "groupId"),
            )?
            .ok_or_else(|| {
                Error::Other("ec2 CreateSecurityGroup: the answer names no group id".into())
            })?;
        // The group exists now: if reading it back fails, answer what is known.
        Ok(self
            .get_security_group(&id)
            .unwrap_or_else(|_| SecurityGroup {
                id,
                name: spec.name.clone(),
                placement: Placement {
                    zone: None,
                    project: None,
                },
                description: description.to_string(),
                rules: Vec::new(),
                created_at: String::new(),
                updated_at: String::new(),
                properties: vec![("vpcId".into(), vpc)],
            }))
    }

    pub fn delete_security_group(&self, id: &str) -> Result<(), Error> {
        self.client
            .call("DeleteSecurityGroup", &params(&[("GroupId", id)]))
            .map_err(by_id)?;
        Ok(())
    }

    pub fn create_security_group_rule(
        &self,
        spec: &SecurityGroupRuleCreate,
    ) -> Result<SecurityGroupRule, Error> {
        let Authorize {
            action,
            request,
            wanted,
        } = authorize(spec)?;
        let answered = self.write(action, &request, |doc| {
            items(doc.root_element(), "securityGroupRuleSet")
                .first()
                .map(|item| convert_security::rule(*item))
        })?;
        if let Some(rule) = answered {
            return Ok(rule);
        }
        // Older EC2 look-alikes answer only `<return>true</return>`: find the rule by content.
        self.rules(&[
            ("Filter.1.Name", "group-id"),
            ("Filter.1.Value.1", spec.security_group_id.as_str()),
        ])?
        .into_iter()
        .find(|r| same_rule(r, &wanted))
        .ok_or_else(|| {
            Error::Other(format!(
                "ec2 {action} succeeded but the new rule is not among group {}'s rules",
                spec.security_group_id
            ))
        })
    }

    pub fn delete_security_group_rule(&self, id: &str) -> Result<(), Error> {
        let rule = self
            .describe_ids(
                "DescribeSecurityGroupRules",
                &params(&[("SecurityGroupRuleId.1", id)]),
                "securityGroupRuleSet",
                convert_security::rule,
            )?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| not_found("security group rule", id))?;
        let action = if rule.direction == "egress" {
            "RevokeSecurityGroupEgress"
        } else {
            "RevokeSecurityGroupIngress"
        };
        self.client.call(
            action,
            &params(&[
                ("GroupId", rule.security_group_id.as_str()),
                ("SecurityGroupRuleId.1", id),
            ]),
        )?;
        Ok(())
    }

    /// All rules matching `filter`, every page.
    fn rules(&self, filter: &[(&str, &str)]) -> Result<Vec<SecurityGroupRule>, Error> {
        let mut request = params(filter);
        request.push(("MaxResults".into(), PAGE.into()));
        self.describe_all(
            "DescribeSecurityGroupRules",
            &request,
            "securityGroupRuleSet",
            convert_security::rule,
        )
    }

    /// The region's default VPC, for groups created without a configured `vpc_id`.
    fn default_vpc(&self) -> Result<String, Error> {
        self.describe_ids(
            "DescribeVpcs",
            &params(&[
                ("Filter.1.Name", "is-default"),
                ("Filter.1.Value.1", "true"),
            ]),
            "vpcSet",
            |vpc| text(vpc, "vpcId"),
        )?
        .into_iter()
        .flatten()
        .next()
        .ok_or_else(|| {
            Error::Invalid(
                "this region has no default VPC: set `vpc_id` for the cloud in clouds.yaml to \
                 create security groups"
                    .into(),
            )
        })
    }
}

/// An Authorize* call for one rule.
pub struct Authorize {
    /// `AuthorizeSecurityGroupIngress` or `AuthorizeSecurityGroupEgress`.
    pub action: &'static str,
    pub request: Vec<(String, String)>,
    /// The rule EC2 should then report (without its id).
    pub wanted: SecurityGroupRule,
}

/// The Authorize* call for `spec`.
pub fn authorize(spec: &SecurityGroupRuleCreate) -> Result<Authorize, Error> {
    let action = match spec.direction.to_ascii_lowercase().as_str() {
        "ingress" => "AuthorizeSecurityGroupIngress",
        "egress" => "AuthorizeSecurityGroupEgress",
        other => {
            return Err(Error::Invalid(format!(
                "direction {other} is neither ingress nor egress"
            )));
        }
    };
    let v6 = match spec.ethertype.to_ascii_lowercase().as_str() {
        "ipv4" => false,
        "ipv6" => true,
        other => {
            return Err(Error::Invalid(format!(
                "ethertype {other} is neither IPv4 nor IPv6"
            )));
        }
    };
    let protocol = match spec
        .protocol
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("") | Some("any") | Some("-1") => "-1".to_string(),
        Some("icmp") if v6 => "icmpv6".into(),
        Some("ipv6-icmp") | Some("icmpv6") => "icmpv6".into(),
        Some(p) => p.to_string(),
    };
    let ports = match protocol.as_str() {
        "tcp" | "udp" | "6" | "17" => match (spec.port_range_min, spec.port_range_max) {
            (None, None) => Some((0i64, 65_535i64)),
            (Some(a), None) | (None, Some(a)) => Some((i64::from(a), i64::from(a))),
            (Some(a), Some(b)) => Some((i64::from(a), i64::from(b))),
        },
        // ICMP: type and code, -1 for all.
        "icmp" | "icmpv6" | "1" | "58" => Some((
            spec.port_range_min.map_or(-1, i64::from),
            spec.port_range_max.map_or(-1, i64::from),
        )),
        _ => None,
    };
    let p = "IpPermissions.1";
    let mut request = params(&[("GroupId", spec.security_group_id.as_str())]);
    request.push((format!("{p}.IpProtocol"), protocol.clone()));
    if let Some((from, to)) = ports {
        request.push((format!("{p}.FromPort"), from.to_string()));
        request.push((format!("{p}.ToPort"), to.to_string()));
    }
    let any = if v6 { "::/0" } else { "0.0.0.0/0" };
    let remote_ip_prefix = match (&spec.remote_ip_prefix, &spec.remote_group_id) {
        (Some(_), Some(_)) => {
            return Err(Error::Invalid(
                "a rule takes a remote IP prefix or a remote group, not both".into(),
            ));
        }
        (None, Some(group)) => {
            request.push((format!("{p}.Groups.1.GroupId"), group.clone()));
            None
        }
        (prefix, None) => {
            let cidr = prefix.clone().unwrap_or_else(|| any.to_string());
            let key = if v6 {
                "Ipv6Ranges.1.CidrIpv6"
            } else {
                "IpRanges.1.CidrIp"
            };
            request.push((format!("{p}.{key}"), cidr.clone()));
            Some(cidr)
        }
    };
    let port = |v: Option<i64>| v.and_then(|n| u32::try_from(n).ok());
    let wanted = SecurityGroupRule {
        id: String::new(),
        security_group_id: spec.security_group_id.clone(),
        direction: if action.ends_with("Egress") {
            "egress"
        } else {
            "ingress"
        }
        .into(),
        ethertype: if v6 { "IPv6" } else { "IPv4" }.into(),
        protocol: (protocol != "-1").then_some(protocol),
        port_range_min: port(ports.map(|(from, _)| from)),
        port_range_max: port(ports.map(|(_, to)| to)),
        remote_ip_prefix,
        remote_group_id: spec.remote_group_id.clone(),
        properties: Vec::new(),
    };
    Ok(Authorize {
        action,
        request,
        wanted,
    })
}

/// Whether `rule` is `wanted` (ids and properties aside).
fn same_rule(rule: &SecurityGroupRule, wanted: &SecurityGroupRule) -> bool {
    rule.security_group_id == wanted.security_group_id
        && rule.direction == wanted.direction
        && rule.ethertype == wanted.ethertype
        && rule.protocol == wanted.protocol
        && rule.port_range_min == wanted.port_range_min
        && rule.port_range_max == wanted.port_range_max
        && rule.remote_ip_prefix == wanted.remote_ip_prefix
        && rule.remote_group_id == wanted.remote_group_id
}

#[cfg(test)]
#[path = "security_groups_tests.rs"]
mod tests;
