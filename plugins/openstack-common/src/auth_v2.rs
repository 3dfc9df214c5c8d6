//! Keystone v2.0 tokens (Rackspace and older clouds), into the same [`Token`] as v3.
//!
//! Used when the configuration says `identity_api_version: 2` (or `2.0`), the auth_url ends
//! in `/v2.0`, or `auth_type` is `rackspace_apikey`.
//! 1. POST `<identity root>/v2.0/tokens` with `passwordCredentials` or Rackspace's
//!    `RAX-KSKEY:apiKeyCredentials`, and `tenantId`/`tenantName` when configured.
//! 2. The token is `access.token.id` (in the body, not a header), its expiry
//!    `access.token.expires`, its project `access.token.tenant`.
//! 3. The v2 `serviceCatalog` lists one endpoint per region with `publicURL`, `internalURL`
//!    and `adminURL`; each becomes one v3-style endpoint per interface, so `catalog`
//!    selects endpoints the same way for both versions.
//! 4. The token is cached like a v3 one ([`auth::remember`]).

use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, Token, TokenProject};
use crate::catalog::{self, CatalogService, Endpoint};
use crate::client;
use crate::config::{Config, Credentials, Tenant};
use crate::host::Host;
use crate::oaktree::cloud::http::{Method, Request};
use crate::oaktree::cloud::types::Error;

/// `<identity root>/v2.0/tokens` for a versioned or unversioned auth_url.
pub fn token_url(auth_url: &str) -> String {
    let mut root = auth_url.trim_end_matches('/');
    for version in ["/v3", "/v2.0"] {
        root = root.strip_suffix(version).unwrap_or(root);
    }
    format!("{}/v2.0/tokens", root.trim_end_matches('/'))
}

/// The JSON body of a v2.0 token request; `null` for v3 credentials.
pub fn request_body(credentials: &Credentials) -> Value {
    let (credential, tenant) = match credentials {
        Credentials::V2Password {
            username,
            password,
            tenant,
        } => (
            json!({"passwordCredentials": {"username": username, "password": password}}),
            tenant,
        ),
        Credentials::V2ApiKey {
            username,
            api_key,
            tenant,
        } => (
            json!({"RAX-KSKEY:apiKeyCredentials": {"username": username, "apiKey": api_key}}),
            tenant,
        ),
        _ => return Value::Null,
    };
    let mut auth = credential;
    match tenant {
        Some(Tenant::Id(id)) => auth["tenantId"] = json!(id),
        Some(Tenant::Name(name)) => auth["tenantName"] = json!(name),
        None => {}
    }
    json!({"auth": auth})
}

/// The body keystone v2.0 answers a token request with.
#[derive(Deserialize)]
struct AccessBody {
    access: Access,
}

#[derive(Deserialize)]
struct Access {
    token: V2Token,
    #[serde(default, rename = "serviceCatalog")]
    service_catalog: Vec<V2Service>,
}

#[derive(Deserialize)]
struct V2Token {
    id: String,
    #[serde(default)]
    expires: String,
    #[serde(default)]
    tenant: Option<V2Tenant>,
}

#[derive(Deserialize)]
struct V2Tenant {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct V2Service {
    #[serde(rename = "type", default)]
    service_type: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    endpoints: Vec<V2Endpoint>,
}

#[derive(Deserialize)]
struct V2Endpoint {
    #[serde(default)]
    region: Option<String>,
    #[serde(default, rename = "publicURL")]
    public_url: Option<String>,
    #[serde(default, rename = "internalURL")]
    internal_url: Option<String>,
    #[serde(default, rename = "adminURL")]
    admin_url: Option<String>,
}

/// Obtains a new v2.0 token and caches it under `key`.
pub fn authenticate<H: Host>(host: &H, config: &Config, key: &str) -> Result<Token, Error> {
    let url = token_url(&config.auth_url);
    let body = request_body(&config.credentials).to_string().into_bytes();
    let mut headers = client::base_headers();
    headers.push(("content-type".into(), "application/json".into()));
    let request = Request {
        method: Method::Post,
        url: url.clone(),
        headers,
        body: Some(body),
        service: "identity".into(),
    };
    let response = host
        .send(request)
        .map_err(|e| client::transport_error("identity", &url, e))?;
    let value = client::check("identity", "POST", &url, &response)?;
    let mut token = token_from(value).map_err(|e| {
        Error::Other(format!(
            "identity: POST {url} gave an unreadable v2.0 token: {e}"
        ))
    })?;
    token.catalog = catalog::for_region(token.catalog, &config.region);
    auth::remember(host, key, &token);
    Ok(token)
}

/// The [`Token`] in a v2.0 `access` body.
fn token_from(value: Value) -> Result<Token, serde_json::Error> {
    let body: AccessBody = serde_json::from_value(value)?;
    let access = body.access;
    let project = access
        .token
        .tenant
        .map(|t| TokenProject {
            id: t.id,
            name: t.name,
            domain: None,
        })
        .unwrap_or_default();
    Ok(Token {
        token: access.token.id,
        expires_at: access.token.expires,
        project,
        catalog: access.service_catalog.into_iter().map(service).collect(),
    })
}

/// A v2 catalog service as a v3 one: each URL of each endpoint is an endpoint of its own.
fn service(v2: V2Service) -> CatalogService {
    let endpoints = v2
        .endpoints
        .into_iter()
        .flat_map(|e| {
            let region = e.region;
            [
                ("public", e.public_url),
                ("internal", e.internal_url),
                ("admin", e.admin_url),
            ]
            .into_iter()
            .filter_map(move |(interface, url)| {
                url.filter(|u| !u.is_empty()).map(|url| Endpoint {
                    interface: interface.into(),
                    region: region.clone(),
                    region_id: None,
                    url,
                })
            })
        })
        .collect();
    CatalogService {
        service_type: v2.service_type,
        name: v2.name,
        endpoints,
    }
}

#[cfg(test)]
#[path = "auth_v2_tests.rs"]
mod tests;
