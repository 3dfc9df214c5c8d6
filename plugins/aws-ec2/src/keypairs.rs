//! SSH key pairs.
//!
//! 1. list/get: `DescribeKeyPairs` with `IncludePublicKey=true` (not paginated; `KeyName.1`
//!    for one).
//! 2. create: `ImportKeyPair` (the public key base64-encoded) when one is given, else
//!    `CreateKeyPair`, whose answer carries the private key (`keyMaterial`); EC2 does not send
//!    the generated public key with it, so it is read back with DescribeKeyPairs. That read is
//!    best effort: the key exists either way, and the private key cannot be fetched again.
//! 3. delete: `DeleteKeyPair` succeeds for names that do not exist, so the key is looked up
//!    first to answer `not-found` as the WIT asks.

use crate::convert_security;
use crate::driver::{Session, not_found, params};
use crate::host::Host;
use crate::oaktree::cloud::log::Level;
use crate::oaktree::cloud::types::{Error, Keypair, KeypairCreate};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

impl<H: Host> Session<'_, H> {
    pub fn list_keypairs(&self) -> Result<Vec<Keypair>, Error> {
        self.describe_ids(
            "DescribeKeyPairs",
            &params(&[("IncludePublicKey", "true")]),
            "keySet",
            convert_security::keypair,
        )
    }

    pub fn get_keypair(&self, name: &str) -> Result<Keypair, Error> {
        self.describe_ids(
            "DescribeKeyPairs",
            &params(&[("IncludePublicKey", "true"), ("KeyName.1", name)]),
            "keySet",
            convert_security::keypair,
        )?
        .into_iter()
        .find(|k| k.name == name)
        .ok_or_else(|| not_found("key pair", name))
    }

    pub fn create_keypair(&self, spec: &KeypairCreate) -> Result<Keypair, Error> {
        if let Some(public_key) = &spec.public_key {
            let material = STANDARD.encode(public_key.trim().as_bytes());
            let mut created = self.write(
                "ImportKeyPair",
                &params(&[
                    ("KeyName", spec.name.as_str()),
                    ("PublicKeyMaterial", material.as_str()),
                ]),
                |doc| convert_security::keypair(doc.root_element()),
            )?;
            created.public_key = public_key.trim().to_string();
            return Ok(created);
        }
        let created = self.write(
            "CreateKeyPair",
            &params(&[("KeyName", spec.name.as_str())]),
            |doc| convert_security::keypair(doc.root_element()),
        )?;
        match self.get_keypair(&spec.name) {
            Ok(read) => Ok(Keypair {
                private_key: created.private_key,
                ..read
            }),
            Err(e) => {
                self.client.log(
                    Level::Warn,
                    &format!(
                        "ec2: key pair {} created; reading its public key failed: {e:?}",
                        spec.name
                    ),
                );
                Ok(created)
            }
        }
    }

    pub fn delete_keypair(&self, name: &str) -> Result<(), Error> {
        self.get_keypair(name)?;
        self.client
            .call("DeleteKeyPair", &params(&[("KeyName", name)]))?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "keypairs_tests.rs"]
mod tests;
