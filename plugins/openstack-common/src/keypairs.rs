//! Nova keypairs (`/os-keypairs`): list, get, create (import or generate), delete.
//!
//! A keypair's name is its id. List entries come wrapped (`{"keypair": {...}}`); the private
//! key exists only in the answer to a create that asked nova to generate the pair.

use serde_json::{Map, json};

use crate::client::Next;
use crate::convert_write;
use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, Keypair, KeypairCreate};

impl<H: Host> Session<'_, H> {
    pub fn list_keypairs(&mut self) -> Result<Vec<Keypair>, Error> {
        let items = self.list("compute", "os-keypairs", "keypairs", |_| {
            Next::Links("keypairs_links")
        })?;
        items
            .into_iter()
            .map(|i| convert_write::keypair(i, &self.token.project))
            .collect()
    }

    pub fn get_keypair(&mut self, name: &str) -> Result<Keypair, Error> {
        let item = self.get_one("compute", "os-keypairs", name, "keypair")?;
        convert_write::keypair(item, &self.token.project)
    }

    /// Imports `public-key`, or without one asks nova to generate the pair.
    pub fn create_keypair(&mut self, spec: &KeypairCreate) -> Result<Keypair, Error> {
        let mut keypair = Map::new();
        keypair.insert("name".into(), json!(spec.name));
        if let Some(public_key) = &spec.public_key {
            keypair.insert("public_key".into(), json!(public_key));
        }
        let body = json!({ "keypair": keypair });
        let item = self.create_one("compute", "os-keypairs", "keypair", &body)?;
        convert_write::keypair(item, &self.token.project)
    }

    pub fn delete_keypair(&mut self, name: &str) -> Result<(), Error> {
        self.delete_one("compute", "os-keypairs", name)
    }
}

#[cfg(test)]
#[path = "keypairs_tests.rs"]
mod tests;
