//! Creating and deleting servers (nova `POST /servers`, `DELETE /servers/{id}`), and the
//! create/delete steps every write module shares ([`Session::create_one`],
//! [`Session::delete_one`]).
//!
//! create-server:
//! 1. POST the spec: networks only when given (else nova chooses), user data base64-encoded.
//! 2. nova answers 202 with only the id, links and adminPass; the server is read back with a
//!    GET so the caller gets the full record (usually BUILD).
//! 3. If that read fails the server exists anyway, and the host never retries a write: the
//!    answer is then built from the POST's (the id, the requested name, status BUILD), with a
//!    warning logged. adminPass is never reported.
//!
//! A quota refusal (nova 403 "Quota exceeded for instances", 413 before v2.1) is `forbidden`
//! with nova's message: see [`client::quota_as_forbidden`] for why not `conflict`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::client;
use crate::convert;
use crate::convert_write;
use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::http::Method;
use crate::oaktree::cloud::log::Level;
use crate::oaktree::cloud::types::{Error, Server, ServerCreate};

impl<H: Host> Session<'_, H> {
    pub fn create_server(&mut self, spec: &ServerCreate) -> Result<Server, Error> {
        let body = json!({ "server": server_body(spec) });
        let answer = self.create_one("compute", "servers", "server", &body)?;
        let id = answer
            .get("id")
            .and_then(crate::value::text)
            .ok_or_else(|| Error::Other("compute: POST /servers answered without an id".into()))?;
        match self.get_server(&id) {
            Ok(server) => Ok(server),
            Err(error) => {
                self.host.log(
                    Level::Warn,
                    &format!("server {id} was created but reading it back failed: {error:?}"),
                );
                let mut accepted = answer;
                if let Some(map) = accepted.as_object_mut() {
                    map.remove("adminPass");
                    map.insert("name".into(), Value::String(spec.name.clone()));
                    map.entry("status").or_insert_with(|| json!("BUILD"));
                }
                convert::server(accepted, &self.token.project)
            }
        }
    }

    pub fn delete_server(&mut self, id: &str) -> Result<(), Error> {
        self.delete_one("compute", "servers", id)
    }

    /// POSTs `body` to `<endpoint>/<collection>` and answers the object under `item_key`.
    /// Quota refusals become `forbidden`.
    pub(crate) fn create_one(
        &mut self,
        service: &str,
        collection: &str,
        item_key: &str,
        body: &Value,
    ) -> Result<Value, Error> {
        let url = format!("{}/{collection}", self.endpoint(service)?);
        let answer = self
            .send_json(Method::Post, service, &url, Some(body))
            .map_err(client::quota_as_forbidden)?;
        convert_write::item(answer, item_key, &format!("{service}: POST {url}"))
    }

    /// DELETEs `<endpoint>/<collection>/<id>`; a resource already gone is not-found.
    pub(crate) fn delete_one(
        &mut self,
        service: &str,
        collection: &str,
        id: &str,
    ) -> Result<(), Error> {
        let url = self.resource_url(service, collection, id)?;
        self.send_json(Method::Delete, service, &url, None)
            .map(|_| ())
    }

    /// `<endpoint>/<collection>/<id>` with the id percent-encoded; an empty id is invalid
    /// (it would address the whole collection).
    pub(crate) fn resource_url(
        &self,
        service: &str,
        collection: &str,
        id: &str,
    ) -> Result<String, Error> {
        if id.is_empty() {
            return Err(Error::Invalid(format!(
                "{service}: an id is needed to address one of {collection}"
            )));
        }
        Ok(format!(
            "{}/{collection}/{}",
            self.endpoint(service)?,
            client::encode_segment(id)
        ))
    }
}

/// nova's `server` object for a spec.
fn server_body(spec: &ServerCreate) -> Value {
    let mut server = Map::new();
    server.insert("name".into(), json!(spec.name));
    server.insert("imageRef".into(), json!(spec.image_id));
    server.insert("flavorRef".into(), json!(spec.flavor_id));
    if !spec.network_ids.is_empty() {
        let networks: Vec<Value> = spec
            .network_ids
            .iter()
            .map(|id| json!({ "uuid": id }))
            .collect();
        server.insert("networks".into(), Value::Array(networks));
    }
    if let Some(key_name) = &spec.key_name {
        server.insert("key_name".into(), json!(key_name));
    }
    if !spec.metadata.is_empty() {
        let metadata: Map<String, Value> = spec
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        server.insert("metadata".into(), Value::Object(metadata));
    }
    if !spec.security_groups.is_empty() {
        let groups: Vec<Value> = spec
            .security_groups
            .iter()
            .map(|name| json!({ "name": name }))
            .collect();
        server.insert("security_groups".into(), Value::Array(groups));
    }
    if let Some(zone) = &spec.zone {
        server.insert("availability_zone".into(), json!(zone));
    }
    if let Some(user_data) = &spec.user_data {
        server.insert(
            "user_data".into(),
            json!(STANDARD.encode(user_data.as_bytes())),
        );
    }
    Value::Object(server)
}

#[cfg(test)]
#[path = "servers_write_tests.rs"]
mod tests;
