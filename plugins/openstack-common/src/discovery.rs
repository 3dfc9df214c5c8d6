//! Version discovery for catalog endpoints: the requests and the cache around
//! `endpoint_version`'s rules.
//!
//! [`Session::endpoint`] answers the base URL a service's requests go to:
//! 1. the catalog URL (or `<service>_endpoint_override`) from `catalog`;
//! 2. what this call already resolved, else what the cloud-region's state store remembers
//!    (key per service and catalog URL, kept as long as the token: the catalog and its
//!    services' versions do not change while a token lives, so discovery costs one request
//!    per service per token, not per call);
//! 3. else the plan: a catalog URL that names a spoken version is used as is; otherwise each
//!    candidate is fetched without the token (with it after a 401, as keystoneauth does) and
//!    the first usable document decides. A candidate answering 4xx, a non-JSON body or no
//!    usable version is skipped; when none is usable the guess is used and remembered. A
//!    service that does not answer (refused, 5xx, throttled, timed out) is an error: the call
//!    would fail against it anyway, and nothing is remembered.

use serde_json::Value;

use crate::auth;
use crate::catalog;
use crate::client;
use crate::driver::Session;
use crate::endpoint_version::{self, CatalogUrl, Plan};
use crate::host::Host;
use crate::oaktree::cloud::http::{Method, Request, Response};
use crate::oaktree::cloud::log::Level;
use crate::oaktree::cloud::types::Error;
use crate::time;

impl<H: Host> Session<'_, H> {
    /// The base URL of `service` for this cloud-region (catalog, interface, overrides,
    /// version discovery).
    pub(crate) fn endpoint(&self, service: &str) -> Result<String, Error> {
        let catalog_url = catalog::endpoint(&self.token.catalog, &self.config, service)?;
        let memo = format!("{service} {catalog_url}");
        if let Some(base) = self.resolved.borrow().get(&memo) {
            return Ok(base.clone());
        }
        let base = self.resolve(service, &catalog_url)?;
        self.resolved.borrow_mut().insert(memo, base.clone());
        Ok(base)
    }

    fn resolve(&self, service: &str, catalog_url: &str) -> Result<String, Error> {
        let Some(api) = endpoint_version::api(service) else {
            return Ok(catalog_url.trim_end_matches('/').to_string());
        };
        let url = CatalogUrl::parse(catalog_url, self.token.project.id.as_deref());
        let candidates = match endpoint_version::plan(&url, api.majors) {
            Plan::Use(base) => return Ok(base),
            Plan::Discover(candidates) => candidates,
        };
        let key = cache_key(service, catalog_url);
        if let Some(base) = self
            .host
            .state_get(&key)
            .and_then(|bytes| String::from_utf8(bytes).ok())
        {
            return Ok(base);
        }
        let base = match self.discover(service, &candidates, api.majors)? {
            Some(found) => {
                let base = url.with_suffix(&found);
                self.host.log(
                    Level::Debug,
                    &format!("{service}: discovered {base} for catalog URL {catalog_url}"),
                );
                base
            }
            None => {
                let base = url.guess(api.default_segment);
                self.host.log(
                    Level::Warn,
                    &format!(
                        "{service}: no usable version document at {}; using {base} for \
                         catalog URL {catalog_url}",
                        candidates.join(", ")
                    ),
                );
                base
            }
        };
        let left = self.token.usable_for(time::now_unix()).unwrap_or(0);
        if left > 0 {
            let ttl = u64::try_from(left).unwrap_or(0).saturating_mul(1000);
            self.host.state_set(&key, base.as_bytes(), Some(ttl));
        }
        Ok(base)
    }

    /// The `self` URL of the best version the first usable candidate offers; `None` when
    /// every candidate answered without one.
    fn discover(
        &self,
        service: &str,
        candidates: &[String],
        majors: &[u64],
    ) -> Result<Option<String>, Error> {
        for url in candidates {
            let Some(document) = self.version_document(service, url)? else {
                continue;
            };
            let offered = endpoint_version::offered_versions(&document, url);
            if let Some(best) = endpoint_version::best(&offered, majors) {
                return Ok(Some(best.url.clone()));
            }
        }
        Ok(None)
    }

    /// GETs one discovery URL: the JSON of a 2xx or 300 answer (glance answers its version
    /// list with 300), `None` for other answers, an error when the service did not answer.
    fn version_document(&self, service: &str, url: &str) -> Result<Option<Value>, Error> {
        let mut response = self.discovery_get(service, url, false)?;
        if response.status == 401 {
            response = self.discovery_get(service, url, true)?;
        }
        match response.status {
            200..=300 => Ok(serde_json::from_slice(&response.body).ok()),
            413 | 429 | 500..=599 => Err(client::status_error(service, "GET", url, &response)),
            _ => Ok(None),
        }
    }

    fn discovery_get(&self, service: &str, url: &str, with_token: bool) -> Result<Response, Error> {
        let mut headers = client::base_headers();
        if with_token {
            headers.push(("x-auth-token".into(), self.token.token.clone()));
        }
        let request = Request {
            method: Method::Get,
            url: url.into(),
            headers,
            body: None,
            service: service.into(),
        };
        self.host
            .send(request)
            .map_err(|e| client::transport_error(service, url, e))
    }
}

/// The state-store key of a discovered base URL.
fn cache_key(service: &str, catalog_url: &str) -> String {
    let id = format!("{service}|{catalog_url}");
    format!("endpoint-version/v1/{:016x}", auth::fnv1a64(id.as_bytes()))
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
