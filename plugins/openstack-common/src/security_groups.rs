//! Neutron security groups (`/v2.0/security-groups`) and their rules
//! (`/v2.0/security-group-rules`).
//!
//! Groups come with their rules (neutron adds the default egress rules to a new group). A rule
//! create sends only what the spec sets: no protocol means any, no ports mean all.

use serde_json::{Map, json};

use crate::client::Next;
use crate::convert_write;
use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::types::{
    Error, SecurityGroup, SecurityGroupCreate, SecurityGroupRule, SecurityGroupRuleCreate,
};

impl<H: Host> Session<'_, H> {
    pub fn list_security_groups(&mut self) -> Result<Vec<SecurityGroup>, Error> {
        let items = self.list("network", "security-groups", "security_groups", |_| {
            Next::Links("security_groups_links")
        })?;
        items
            .into_iter()
            .map(|i| convert_write::security_group(i, &self.token.project))
            .collect()
    }

    pub fn get_security_group(&mut self, id: &str) -> Result<SecurityGroup, Error> {
        let item = self.get_one("network", "security-groups", id, "security_group")?;
        convert_write::security_group(item, &self.token.project)
    }

    pub fn create_security_group(
        &mut self,
        spec: &SecurityGroupCreate,
    ) -> Result<SecurityGroup, Error> {
        let body = json!({
            "security_group": {"name": spec.name, "description": spec.description}
        });
        let item = self.create_one("network", "security-groups", "security_group", &body)?;
        convert_write::security_group(item, &self.token.project)
    }

    /// A group still used by a port is `conflict` (neutron's 409 SecurityGroupInUse).
    pub fn delete_security_group(&mut self, id: &str) -> Result<(), Error> {
        self.delete_one("network", "security-groups", id)
    }

    /// A rule that already exists is `conflict` (neutron's 409 SecurityGroupRuleExists).
    pub fn create_security_group_rule(
        &mut self,
        spec: &SecurityGroupRuleCreate,
    ) -> Result<SecurityGroupRule, Error> {
        let mut rule = Map::new();
        rule.insert("security_group_id".into(), json!(spec.security_group_id));
        rule.insert("direction".into(), json!(spec.direction));
        rule.insert("ethertype".into(), json!(spec.ethertype));
        let optional = [
            ("protocol", spec.protocol.as_ref().map(|p| json!(p))),
            ("port_range_min", spec.port_range_min.map(|p| json!(p))),
            ("port_range_max", spec.port_range_max.map(|p| json!(p))),
            (
                "remote_ip_prefix",
                spec.remote_ip_prefix.as_ref().map(|p| json!(p)),
            ),
            (
                "remote_group_id",
                spec.remote_group_id.as_ref().map(|g| json!(g)),
            ),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                rule.insert(key.into(), value);
            }
        }
        let body = json!({ "security_group_rule": rule });
        let item = self.create_one(
            "network",
            "security-group-rules",
            "security_group_rule",
            &body,
        )?;
        convert_write::security_group_rule(item)
    }

    pub fn delete_security_group_rule(&mut self, id: &str) -> Result<(), Error> {
        self.delete_one("network", "security-group-rules", id)
    }
}

#[cfg(test)]
#[path = "security_groups_tests.rs"]
mod tests;
