//! Neutron subnets (`/v2.0/subnets`): list, get, create, delete.
//!
//! A create without a gateway leaves `gateway_ip` out so neutron picks the first address of
//! the range; DHCP and nameservers are always sent as given.

use serde_json::{Map, json};

use crate::client::Next;
use crate::convert_write;
use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, Subnet, SubnetCreate};

impl<H: Host> Session<'_, H> {
    pub fn list_subnets(&mut self) -> Result<Vec<Subnet>, Error> {
        let items = self.list("network", "subnets", "subnets", |_| {
            Next::Links("subnets_links")
        })?;
        items
            .into_iter()
            .map(|i| convert_write::subnet(i, &self.token.project))
            .collect()
    }

    pub fn get_subnet(&mut self, id: &str) -> Result<Subnet, Error> {
        let item = self.get_one("network", "subnets", id, "subnet")?;
        convert_write::subnet(item, &self.token.project)
    }

    pub fn create_subnet(&mut self, spec: &SubnetCreate) -> Result<Subnet, Error> {
        let mut subnet = Map::new();
        subnet.insert("network_id".into(), json!(spec.network_id));
        subnet.insert("name".into(), json!(spec.name));
        subnet.insert("cidr".into(), json!(spec.cidr));
        subnet.insert("ip_version".into(), json!(spec.ip_version));
        if let Some(gateway) = &spec.gateway_ip {
            subnet.insert("gateway_ip".into(), json!(gateway));
        }
        subnet.insert("enable_dhcp".into(), json!(spec.enable_dhcp));
        subnet.insert("dns_nameservers".into(), json!(spec.dns_nameservers));
        let body = json!({ "subnet": subnet });
        let item = self.create_one("network", "subnets", "subnet", &body)?;
        convert_write::subnet(item, &self.token.project)
    }

    pub fn delete_subnet(&mut self, id: &str) -> Result<(), Error> {
        self.delete_one("network", "subnets", id)
    }
}

#[cfg(test)]
#[path = "subnets_tests.rs"]
mod tests;
