//! The driver's operations over a [`Host`], one [`Session`] per call.
//!
//! 1. [`Session::open`] parses the config and takes a cached token or authenticates.
//! 2. Each operation picks its endpoint from the catalog, resolved to the API version the
//!    driver speaks (`discovery`), and GETs (following pages for lists).
//! 3. A 401 on a cached token drops it, re-authenticates once and retries the request once.
//! 4. Vendor JSON is converted to WIT records with the token's project for placement.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::auth::{self, Token};
use crate::client::{self, Next};
use crate::config::Config;
use crate::convert;
use crate::host::Host;
use crate::oaktree::cloud::http::{Method, Request};
use crate::oaktree::cloud::log::Level;
use crate::oaktree::cloud::types::{CallContext, Error, Flavor, Image, Network, Server};

/// One driver call's view of a cloud-region.
pub struct Session<'h, H: Host> {
    pub(crate) host: &'h H,
    pub(crate) config: Config,
    pub(crate) key: String,
    pub(crate) token: Token,
    /// Whether the token came from the state store (and may have been revoked since).
    pub(crate) cached: bool,
    /// Base URLs this call resolved, by `"<service> <catalog URL>"` (see `discovery`).
    pub(crate) resolved: RefCell<BTreeMap<String, String>>,
}

impl<'h, H: Host> Session<'h, H> {
    /// Reads the config and gets a token, cached or new.
    pub fn open(host: &'h H, ctx: &CallContext) -> Result<Self, Error> {
        let config = Config::parse(&ctx.config, &ctx.region)?;
        let key = auth::cache_key(&config);
        let (token, cached) = match auth::cached(host, &key) {
            Some(token) => (token, true),
            None => (auth::authenticate(host, &config, &key)?, false),
        };
        Ok(Self {
            host,
            config,
            key,
            token,
            cached,
            resolved: RefCell::default(),
        })
    }

    pub fn list_servers(&mut self) -> Result<Vec<Server>, Error> {
        let items = self.list("compute", "servers/detail", "servers", |_| {
            Next::Links("servers_links")
        })?;
        items
            .into_iter()
            .map(|i| convert::server(i, &self.token.project))
            .collect()
    }

    pub fn get_server(&mut self, id: &str) -> Result<Server, Error> {
        let item = self.get_one("compute", "servers", id, "server")?;
        convert::server(item, &self.token.project)
    }

    pub fn list_flavors(&mut self) -> Result<Vec<Flavor>, Error> {
        let items = self.list("compute", "flavors/detail", "flavors", |_| {
            Next::Links("flavors_links")
        })?;
        items
            .into_iter()
            .map(|i| convert::flavor(i, &self.token.project))
            .collect()
    }

    pub fn get_flavor(&mut self, id: &str) -> Result<Flavor, Error> {
        let item = self.get_one("compute", "flavors", id, "flavor")?;
        convert::flavor(item, &self.token.project)
    }

    pub fn list_images(&mut self) -> Result<Vec<Image>, Error> {
        let items = self.list("image", "images", "images", |base| Next::Glance {
            base: base.to_string(),
        })?;
        items
            .into_iter()
            .map(|i| convert::image(i, &self.token.project))
            .collect()
    }

    pub fn get_image(&mut self, id: &str) -> Result<Image, Error> {
        // glance v2 answers a single image unwrapped.
        let item = self.get_one("image", "images", id, "")?;
        convert::image(item, &self.token.project)
    }

    pub fn list_networks(&mut self) -> Result<Vec<Network>, Error> {
        let items = self.list("network", "networks", "networks", |_| {
            Next::Links("networks_links")
        })?;
        items
            .into_iter()
            .map(|i| convert::network(i, &self.token.project))
            .collect()
    }

    pub fn get_network(&mut self, id: &str) -> Result<Network, Error> {
        let item = self.get_one("network", "networks", id, "network")?;
        convert::network(item, &self.token.project)
    }

    /// Every item of a list, following the vendor's pagination from `<endpoint>/<path>`.
    pub(crate) fn list(
        &mut self,
        service: &str,
        path: &str,
        items_key: &str,
        next: impl FnOnce(&str) -> Next,
    ) -> Result<Vec<Value>, Error> {
        let base = self.endpoint(service)?;
        let next = next(&base);
        client::collect_pages(&format!("{base}/{path}"), items_key, &next, |url| {
            self.get(service, url)
        })
    }

    /// One resource from `<endpoint>/<collection>/<id>`, unwrapped from `item_key` when given.
    pub(crate) fn get_one(
        &mut self,
        service: &str,
        collection: &str,
        id: &str,
        item_key: &str,
    ) -> Result<Value, Error> {
        if id.is_empty() {
            return Err(Error::Invalid(format!(
                "{service}: an id is needed to get one of {collection}"
            )));
        }
        let base = self.endpoint(service)?;
        let url = format!("{base}/{collection}/{}", client::encode_segment(id));
        let mut body = self.get(service, &url)?;
        if item_key.is_empty() {
            return Ok(body);
        }
        match body.get_mut(item_key).map(Value::take) {
            Some(item @ Value::Object(_)) => Ok(item),
            _ => Err(Error::Other(format!(
                "{service}: GET {url} answered without `{item_key}`"
            ))),
        }
    }

    /// GET with the token; a 401 on a cached token re-authenticates once and retries once.
    pub(crate) fn get(&mut self, service: &str, url: &str) -> Result<Value, Error> {
        match self.get_once(service, url) {
            Err(Error::Unauthorized(message)) if self.cached => {
                self.host.log(
                    Level::Info,
                    &format!("cached keystone token refused ({message}); re-authenticating"),
                );
                self.host.state_delete(&self.key);
                self.token = auth::authenticate(self.host, &self.config, &self.key)?;
                self.cached = false;
                self.get_once(service, url)
            }
            other => other,
        }
    }

    /// A write (POST, PUT, PATCH, DELETE) with the token and an optional JSON body. Like
    /// [`Self::get`], a 401 on a cached token re-authenticates once and retries once (the
    /// cloud refused the request, so it did nothing). Answers with the JSON body, or `null`
    /// when the body is empty (204).
    pub(crate) fn send_json(
        &mut self,
        method: Method,
        service: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Value, Error> {
        match self.send_json_once(method, service, url, body) {
            Err(Error::Unauthorized(message)) if self.cached => {
                self.host.log(
                    Level::Info,
                    &format!("cached keystone token refused ({message}); re-authenticating"),
                );
                self.host.state_delete(&self.key);
                self.token = auth::authenticate(self.host, &self.config, &self.key)?;
                self.cached = false;
                self.send_json_once(method, service, url, body)
            }
            other => other,
        }
    }

    fn send_json_once(
        &self,
        method: Method,
        service: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Value, Error> {
        let mut headers = client::base_headers();
        headers.push(("x-auth-token".into(), self.token.token.clone()));
        if body.is_some() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        let request = Request {
            method,
            url: url.into(),
            headers,
            body: body.map(|b| b.to_string().into_bytes()),
            service: service.into(),
        };
        let verb = client::method_name(method);
        let response = self
            .host
            .send(request)
            .map_err(|e| client::transport_error(service, url, e))?;
        if response.body.is_empty() && (200..300).contains(&response.status) {
            return Ok(Value::Null);
        }
        client::check(service, verb, url, &response)
    }

    fn get_once(&self, service: &str, url: &str) -> Result<Value, Error> {
        let mut headers = client::base_headers();
        headers.push(("x-auth-token".into(), self.token.token.clone()));
        let request = Request {
            method: Method::Get,
            url: url.into(),
            headers,
            body: None,
            service: service.into(),
        };
        let response = self
            .host
            .send(request)
            .map_err(|e| client::transport_error(service, url, e))?;
        client::check(service, "GET", url, &response)
    }
}

#[cfg(test)]
#[path = "driver_tests.rs"]
mod tests;
