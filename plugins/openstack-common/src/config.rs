//! The cloud-region's configuration, from `call-context.config`.
//!
//! The host passes the clouds.yaml entry for this cloud as JSON (secure.yaml merged, the region's
//! `values` applied, keys normalised `-` → `_`). This module reads what the driver needs:
//! 1. the auth method (`auth_type`, default `password`) and its credentials under `auth`;
//!    keystone v2.0 credentials (password or Rackspace's `rackspace_apikey` with
//!    `auth.api_key`) when `identity_api_version` is 2 or the auth_url ends in `/v2.0`;
//! 2. the project scope and the user/project domains (`domain_*` fans out to both);
//! 3. per-service settings looked up as `<service_type>_<key>`, falling back to `<key>`.
//!
//! Values are read leniently (numbers and booleans as text); a missing key is an
//! `invalid` error that names the key and where to put it.

use serde_json::{Map, Value};

use crate::oaktree::cloud::types::Error;
use crate::value::text;

/// A domain, by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Domain {
    Id(String),
    Name(String),
}

/// A user, by id (globally unique) or by name within a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum User {
    Id(String),
    Name { name: String, domain: Domain },
}

/// The project the token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    ProjectId(String),
    ProjectName { name: String, domain: Domain },
}

/// A keystone v2.0 tenant (the v2 word for project), by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenant {
    Id(String),
    Name(String),
}

/// How to obtain a keystone token: v3 (the first four) or v2.0 (the `V2` ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Password {
        user: User,
        password: String,
        scope: Scope,
    },
    Token {
        token: String,
        scope: Scope,
    },
    /// Application credentials carry their own project: no scope is sent.
    ApplicationCredentialId {
        id: String,
        secret: String,
    },
    ApplicationCredentialName {
        name: String,
        user: User,
        secret: String,
    },
    /// Keystone v2.0 `passwordCredentials`; v2.0 has no domains, and the tenant is optional.
    V2Password {
        username: String,
        password: String,
        tenant: Option<Tenant>,
    },
    /// Rackspace's v2.0 extension `RAX-KSKEY:apiKeyCredentials` (`auth_type: rackspace_apikey`).
    V2ApiKey {
        username: String,
        api_key: String,
        tenant: Option<Tenant>,
    },
}

impl Credentials {
    /// Whether these are keystone v2.0 credentials.
    pub fn is_v2(&self) -> bool {
        matches!(self, Self::V2Password { .. } | Self::V2ApiKey { .. })
    }
}

/// What the driver reads from one cloud-region's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `auth_type` as configured (normalised), for messages and the token cache key.
    pub auth_type: String,
    /// Keystone's URL as configured, versioned or not, `{region_name}` filled in.
    pub auth_url: String,
    pub credentials: Credentials,
    /// The region this call is for; empty when the cloud has none.
    pub region: String,
    settings: Map<String, Value>,
}

impl Config {
    /// Parses the call's config JSON. `region` is the call's region; when empty the config's
    /// `region_name` is used.
    pub fn parse(json: &str, region: &str) -> Result<Self, Error> {
        let root: Value = serde_json::from_str(json).map_err(|e| {
            Error::Invalid(format!("the cloud's configuration is not valid JSON: {e}"))
        })?;
        let Value::Object(top) = root else {
            return Err(Error::Invalid(
                "the cloud's configuration is not a JSON object".into(),
            ));
        };
        let settings = normalise(top);
        let auth = match settings.get("auth") {
            Some(Value::Object(auth)) => normalise(auth.clone()),
            Some(_) => {
                return Err(Error::Invalid(
                    "`auth` in clouds.yaml must be a mapping".into(),
                ));
            }
            None => Map::new(),
        };
        let region = if region.is_empty() {
            settings
                .get("region_name")
                .and_then(text)
                .unwrap_or_default()
        } else {
            region.to_string()
        };
        let keys = Keys {
            auth: &auth,
            top: &settings,
        };
        let auth_type = settings
            .get("auth_type")
            .or_else(|| settings.get("auth_plugin"))
            .and_then(text)
            .unwrap_or_else(|| "password".into())
            .to_ascii_lowercase()
            .replace('-', "_");
        let auth_url = keys
            .get("auth_url")
            .ok_or_else(|| missing("auth.auth_url", &auth_type))?
            .replace("{region_name}", &region);
        let v2 = auth_type == "rackspace_apikey"
            || settings
                .get("identity_api_version")
                .and_then(text)
                .is_some_and(|v| v == "2" || v == "2.0")
            || auth_url.trim_end_matches('/').ends_with("/v2.0");
        let credentials = match auth_type.as_str() {
            _ if v2 => keys.v2_credentials(&auth_type)?,
            "password" | "v3password" => Credentials::Password {
                user: keys.user(&auth_type)?,
                password: keys.require("password", &auth_type)?,
                scope: keys.scope(&auth_type)?,
            },
            "token" | "v3token" => Credentials::Token {
                token: keys.require("token", &auth_type)?,
                scope: keys.scope(&auth_type)?,
            },
            "v3applicationcredential" | "application_credential" => {
                let secret = keys.require("application_credential_secret", &auth_type)?;
                match (
                    keys.get("application_credential_id"),
                    keys.get("application_credential_name"),
                ) {
                    (Some(id), _) => Credentials::ApplicationCredentialId { id, secret },
                    (None, Some(name)) => Credentials::ApplicationCredentialName {
                        name,
                        user: keys.user(&auth_type)?,
                        secret,
                    },
                    (None, None) => {
                        return Err(missing("auth.application_credential_id", &auth_type));
                    }
                }
            }
            other => {
                return Err(Error::Unsupported(format!(
                    "auth_type {other} is not supported by the openstack driver: use password, \
                     token or v3applicationcredential (with identity v2.0: password or \
                     rackspace_apikey)"
                )));
            }
        };
        Ok(Self {
            auth_type,
            auth_url,
            credentials,
            region,
            settings,
        })
    }

    /// The disk formats this cloud-region accepts for uploads, preferred first: the
    /// configured `image_format` (clouds.yaml or the vendor profile) alone when set, else the
    /// driver's defaults.
    pub fn image_formats(&self, defaults: &[String]) -> Vec<String> {
        match self.setting("image_format") {
            Some(format) if !format.is_empty() => vec![format.to_ascii_lowercase()],
            _ => defaults.to_vec(),
        }
    }

    /// A top-level setting as text.
    pub fn setting(&self, key: &str) -> Option<String> {
        self.settings.get(key).and_then(text)
    }

    /// A per-service setting, `<service_type>_<key>` (e.g. `compute_endpoint_override`).
    pub fn service_setting(&self, service: &str, key: &str) -> Option<String> {
        self.setting(&format!("{service}_{key}"))
    }

    /// The endpoint interface for a service: `<service>_interface`, else `interface`, else
    /// public. Keystone v2 spellings (`publicURL`) are accepted.
    pub fn interface(&self, service: &str) -> String {
        let raw = self
            .service_setting(service, "interface")
            .or_else(|| self.setting("interface"))
            .unwrap_or_else(|| "public".into());
        let lower = raw.to_ascii_lowercase();
        lower.strip_suffix("url").unwrap_or(&lower).to_string()
    }
}

/// Looks a key up under `auth`, then at the top level (openstacksdk moves auth keys found at the
/// top level into `auth`).
struct Keys<'a> {
    auth: &'a Map<String, Value>,
    top: &'a Map<String, Value>,
}

impl Keys<'_> {
    fn get(&self, key: &str) -> Option<String> {
        self.auth
            .get(key)
            .or_else(|| self.top.get(key))
            .and_then(text)
    }

    fn first(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.get(k))
    }

    fn require(&self, key: &str, auth_type: &str) -> Result<String, Error> {
        self.get(key)
            .ok_or_else(|| missing(&format!("auth.{key}"), auth_type))
    }

    fn domain(&self, prefix: &str) -> Option<Domain> {
        let id = |k: &str| self.get(&format!("{k}_id"));
        let name = |k: &str| self.get(&format!("{k}_name"));
        id(prefix)
            .map(Domain::Id)
            .or_else(|| name(prefix).map(Domain::Name))
            .or_else(|| id("domain").map(Domain::Id))
            .or_else(|| name("domain").map(Domain::Name))
    }

    fn user(&self, auth_type: &str) -> Result<User, Error> {
        if let Some(id) = self.get("user_id") {
            return Ok(User::Id(id));
        }
        let name = self.require("username", auth_type).map_err(|_| {
            Error::Invalid(format!(
                "auth.username (or auth.user_id) is missing for auth_type {auth_type}: add it to \
                 clouds.yaml"
            ))
        })?;
        let domain = self.domain("user_domain").ok_or_else(|| {
            Error::Invalid(format!(
                "auth.user_domain_name (or user_domain_id, domain_name, domain_id) is missing for \
                 user {name}: add it to clouds.yaml (usually `Default`)"
            ))
        })?;
        Ok(User::Name { name, domain })
    }

    /// Keystone v2.0 credentials: a username with a password or a Rackspace API key, and
    /// an optional tenant (`project_id`/`tenant_id`, else `project_name`/`tenant_name`).
    fn v2_credentials(&self, auth_type: &str) -> Result<Credentials, Error> {
        let username = self.require("username", auth_type)?;
        let tenant = self
            .first(&["project_id", "tenant_id"])
            .map(Tenant::Id)
            .or_else(|| {
                self.first(&["project_name", "tenant_name"])
                    .map(Tenant::Name)
            });
        match auth_type {
            "password" | "v2password" => Ok(Credentials::V2Password {
                username,
                password: self.require("password", auth_type)?,
                tenant,
            }),
            "rackspace_apikey" => Ok(Credentials::V2ApiKey {
                username,
                api_key: self.require("api_key", auth_type)?,
                tenant,
            }),
            other => Err(Error::Unsupported(format!(
                "auth_type {other} is not supported with identity v2.0: use password or \
                 rackspace_apikey, or identity v3"
            ))),
        }
    }

    fn scope(&self, auth_type: &str) -> Result<Scope, Error> {
        if let Some(id) = self.first(&["project_id", "tenant_id"]) {
            return Ok(Scope::ProjectId(id));
        }
        let Some(name) = self.first(&["project_name", "tenant_name"]) else {
            return Err(Error::Invalid(format!(
                "auth.project_name (or auth.project_id) is missing for auth_type {auth_type}: add \
                 it to clouds.yaml; the driver needs a project-scoped token"
            )));
        };
        let domain = self.domain("project_domain").ok_or_else(|| {
            Error::Invalid(format!(
                "auth.project_domain_name (or project_domain_id, domain_name, domain_id) is \
                 missing for project {name}: add it to clouds.yaml (usually `Default`)"
            ))
        })?;
        Ok(Scope::ProjectName { name, domain })
    }
}

fn missing(key: &str, auth_type: &str) -> Error {
    Error::Invalid(format!(
        "{key} is missing for auth_type {auth_type}: add it to clouds.yaml or secure.yaml"
    ))
}

/// Keys with `-` spelled `_`, as openstacksdk's `normalize_keys` does.
fn normalise(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .map(|(k, v)| (k.replace('-', "_"), v))
        .collect()
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
