//! Launching and terminating instances.
//!
//! `create-server` is one `RunInstances` for exactly one instance:
//! 1. `ImageId`, `InstanceType` (the flavor id), `MinCount=MaxCount=1`;
//! 2. `SubnetId` from the one network id (EC2 launches into a single subnet here; more need
//!    network interface specifications this driver does not write), `KeyName`, `UserData`
//!    (base64), `Placement.AvailabilityZone`;
//! 3. security groups: `sg-…` entries as `SecurityGroupId.N`, others as `SecurityGroup.N` names
//!    (names work in the default VPC; elsewhere EC2 wants ids);
//! 4. tags: `Name` = the server's name, then one tag per metadata pair.
//!
//! The answer's instance is `pending`, which is BUILD; the host polls `get-server` from there.
//! `delete-server` is `TerminateInstances`; an instance that was already terminated is
//! `not-found`, as the WIT asks of a delete of something gone.

use crate::convert;
use crate::driver::{Session, by_id, not_found, params};
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, Server, ServerCreate};
use crate::xml::{items, path, text};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

impl<H: Host> Session<'_, H> {
    pub fn create_server(&self, spec: &ServerCreate) -> Result<Server, Error> {
        let request = run_instances(spec)?;
        self.write("RunInstances", &request, |doc| {
            let root = doc.root_element();
            let owner = text(root, "ownerId");
            items(root, "instancesSet")
                .first()
                .map(|item| convert::server(*item, owner))
        })?
        .ok_or_else(|| Error::Other("ec2 RunInstances: the answer names no instance".into()))
    }

    pub fn delete_server(&self, id: &str) -> Result<(), Error> {
        let body = self
            .client
            .call("TerminateInstances", &params(&[("InstanceId.1", id)]))
            .map_err(by_id)?;
        let doc = crate::client::parse("TerminateInstances", &body)?;
        let previous = items(doc.root_element(), "instancesSet")
            .into_iter()
            .find(|i| text(*i, "instanceId").as_deref() == Some(id))
            .and_then(|i| path(i, &["previousState", "name"]));
        if previous.as_deref() == Some("terminated") {
            return Err(not_found("instance", id));
        }
        Ok(())
    }
}

/// RunInstances' parameters for `spec`.
pub fn run_instances(spec: &ServerCreate) -> Result<Vec<(String, String)>, Error> {
    if spec.network_ids.len() > 1 {
        return Err(Error::Invalid(format!(
            "the aws-ec2 driver launches into one subnet; got {} network ids",
            spec.network_ids.len()
        )));
    }
    let mut out = params(&[
        ("ImageId", spec.image_id.as_str()),
        ("InstanceType", spec.flavor_id.as_str()),
        ("MinCount", "1"),
        ("MaxCount", "1"),
    ]);
    let mut push = |k: String, v: &str| out.push((k, v.to_string()));
    if let Some(subnet) = spec.network_ids.first() {
        push("SubnetId".into(), subnet);
    }
    if let Some(key) = &spec.key_name {
        push("KeyName".into(), key);
    }
    if let Some(data) = &spec.user_data {
        push("UserData".into(), &STANDARD.encode(data.as_bytes()));
    }
    let (ids, names): (Vec<&String>, Vec<&String>) = spec
        .security_groups
        .iter()
        .partition(|g| g.starts_with("sg-"));
    for (i, id) in ids.into_iter().enumerate() {
        push(format!("SecurityGroupId.{}", i + 1), id);
    }
    for (i, name) in names.into_iter().enumerate() {
        push(format!("SecurityGroup.{}", i + 1), name);
    }
    if let Some(zone) = &spec.zone {
        push("Placement.AvailabilityZone".into(), zone);
    }
    out.extend(tag_specification("instance", &spec.name, &spec.metadata));
    Ok(out)
}

/// `TagSpecification.1` for a new resource: `Name` first (when not empty), then `tags` except
/// a `Name` among them (the name wins; EC2 refuses a key twice).
pub fn tag_specification(
    resource_type: &str,
    name: &str,
    tags: &[(String, String)],
) -> Vec<(String, String)> {
    let name_tag = (!name.is_empty()).then(|| ("Name".to_string(), name.to_string()));
    let all: Vec<(String, String)> = name_tag
        .into_iter()
        .chain(
            tags.iter()
                .filter(|(k, _)| name.is_empty() || k != "Name")
                .cloned(),
        )
        .collect();
    if all.is_empty() {
        return Vec::new();
    }
    let mut out = vec![(
        "TagSpecification.1.ResourceType".to_string(),
        resource_type.to_string(),
    )];
    for (i, (k, v)) in all.into_iter().enumerate() {
        out.push((format!("TagSpecification.1.Tag.{}.Key", i + 1), k));
        out.push((format!("TagSpecification.1.Tag.{}.Value", i + 1), v));
    }
    out
}

#[cfg(test)]
#[path = "servers_write_tests.rs"]
mod tests;
