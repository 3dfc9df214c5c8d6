//! The cloud-region's configuration, from `call-context.config`.
//!
//! The host passes the clouds.yaml entry for this cloud as JSON (secure.yaml merged, the region's
//! `values` applied). This module reads what the EC2 driver needs:
//! 1. credentials: `aws_access_key_id`, `aws_secret_access_key`, optional `aws_session_token` at
//!    the top level, or `access_key_id`, `secret_access_key`, `session_token` under `auth:`;
//! 2. the endpoint: `endpoint_url` (e.g. a moto server), else `https://ec2.<region>.amazonaws.com`;
//! 3. `image_owners`: whose AMIs `list-images` returns (default `[self]`);
//! 4. `vpc_id`: the VPC new security groups go into (default: the region's default VPC).
//!
//! A missing key is an `invalid` error that names the key and where to put it.

use serde_json::{Map, Value};

use crate::oaktree::cloud::types::Error;

/// What the driver reads from one cloud-region's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// The EC2 endpoint, without a trailing slash.
    pub endpoint: String,
    /// The call's region (also the SigV4 scope's region).
    pub region: String,
    /// `Owner.N` values for DescribeImages. Public AMIs number in the thousands per region, so
    /// the default is the account's own (`self`); `[self, amazon]` widens it.
    pub image_owners: Vec<String>,
    /// The VPC `create-security-group` uses; none means the region's default VPC.
    pub vpc_id: Option<String>,
}

impl Config {
    /// Parses the call's config JSON. `region` is the call's region; when empty the config's
    /// `region_name` is used, and failing that it is an error (EC2 is always regional).
    pub fn parse(json: &str, region: &str) -> Result<Self, Error> {
        let root: Value = serde_json::from_str(json).map_err(|e| {
            Error::Invalid(format!("the cloud's configuration is not valid JSON: {e}"))
        })?;
        let Value::Object(top) = root else {
            return Err(Error::Invalid(
                "the cloud's configuration is not a JSON object".into(),
            ));
        };
        let empty = Map::new();
        let auth = match top.get("auth") {
            Some(Value::Object(auth)) => auth,
            _ => &empty,
        };
        let key = |top_key: &str, auth_key: &str| {
            text(top.get(top_key)).or_else(|| text(auth.get(auth_key)))
        };
        let access_key_id = key("aws_access_key_id", "access_key_id")
            .ok_or_else(|| missing("aws_access_key_id", "access_key_id"))?;
        let secret_access_key = key("aws_secret_access_key", "secret_access_key")
            .ok_or_else(|| missing("aws_secret_access_key", "secret_access_key"))?;
        let session_token = key("aws_session_token", "session_token");
        let region = if region.is_empty() {
            text(top.get("region_name")).ok_or_else(|| {
                Error::Invalid(
                    "the cloud has no region: EC2 is regional; add `regions: [us-east-1, ...]` \
                     (or `region_name`) to the cloud in clouds.yaml"
                        .into(),
                )
            })?
        } else {
            region.to_string()
        };
        let endpoint = text(top.get("endpoint_url"))
            .or_else(|| text(top.get("ec2_endpoint_override")))
            .map(|e| e.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("https://ec2.{region}.amazonaws.com"));
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(Error::Invalid(format!(
                "endpoint_url {endpoint} is not an http:// or https:// URL: fix it in clouds.yaml"
            )));
        }
        let image_owners = match top.get("image_owners") {
            None | Some(Value::Null) => vec!["self".to_string()],
            Some(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).collect(),
            Some(other) => match text(Some(other)) {
                Some(s) => s
                    .split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
                None => {
                    return Err(Error::Invalid(
                        "image_owners must be a list such as [self, amazon]: fix it in clouds.yaml"
                            .into(),
                    ));
                }
            },
        };
        Ok(Self {
            access_key_id,
            secret_access_key,
            session_token,
            endpoint,
            region,
            image_owners,
            vpc_id: text(top.get("vpc_id")),
        })
    }

    /// The `Host` header value reqwest sends for the endpoint (default ports omitted).
    pub fn host_header(&self) -> String {
        let (scheme, rest) = self
            .endpoint
            .split_once("://")
            .unwrap_or(("https", self.endpoint.as_str()));
        let authority = rest.split('/').next().unwrap_or(rest);
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let default = if scheme.eq_ignore_ascii_case("http") {
            ":80"
        } else {
            ":443"
        };
        authority
            .strip_suffix(default)
            .unwrap_or(authority)
            .to_ascii_lowercase()
    }

    /// The URL requests are POSTed to.
    pub fn url(&self) -> String {
        format!("{}/", self.endpoint)
    }
}

/// Strings as-is, numbers written out; empty strings and other shapes are absent.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn missing(top_key: &str, auth_key: &str) -> Error {
    Error::Invalid(format!(
        "{top_key} is missing: add `{top_key}` to the cloud in clouds.yaml or secure.yaml (or \
         `auth: {{{auth_key}: ...}}`)"
    ))
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
