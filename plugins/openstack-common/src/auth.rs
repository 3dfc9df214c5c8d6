//! Keystone v3 tokens, cached in the host's state store.
//!
//! 1. Derive the cache key from the identity (auth_url, auth_type, user, project, credential).
//! 2. A cached token that is still valid (expiry minus a safety margin) is reused.
//! 3. Otherwise POST `<identity root>/v3/auth/tokens`; the token is the `X-Subject-Token`
//!    header and the body gives the expiry, the scoped project and the service catalog.
//! 4. Store `{token, expires_at, project, catalog}` with a ttl ending at the safety margin,
//!    the catalog cut to the call's region (`catalog::for_region`).
//!
//! Keystone v2.0 credentials (Rackspace, older clouds) take step 3 in `auth_v2` instead and
//! end in the same [`Token`] and cache.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth_v2;
use crate::catalog::{self, CatalogService};
use crate::client;
use crate::config::{Config, Credentials, Domain, Scope, User};
use crate::host::Host;
use crate::oaktree::cloud::http::{Method, Request, Response};
use crate::oaktree::cloud::log::Level;
use crate::oaktree::cloud::types::Error;
use crate::time;

/// Tokens are dropped this long before keystone's expiry, so a request never starts with a
/// token that expires in flight.
const EXPIRY_MARGIN_SECS: i64 = 60;

/// A keystone domain reference as tokens report it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenDomain {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// The project a token is scoped to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenProject {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub domain: Option<TokenDomain>,
}

/// A scoped token and what came with it. This is also the cached JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Token {
    pub token: String,
    pub expires_at: String,
    #[serde(default)]
    pub project: TokenProject,
    #[serde(default)]
    pub catalog: Vec<CatalogService>,
}

impl Token {
    /// Seconds this token may still be used, after the safety margin; `None` when the expiry
    /// is unreadable.
    pub(crate) fn usable_for(&self, now: i64) -> Option<i64> {
        time::parse_rfc3339(&self.expires_at).map(|exp| exp - EXPIRY_MARGIN_SECS - now)
    }
}

/// The body keystone answers a token request with.
#[derive(Deserialize)]
struct TokenBody {
    token: TokenFields,
}

#[derive(Deserialize)]
struct TokenFields {
    #[serde(default)]
    expires_at: String,
    #[serde(default)]
    project: Option<TokenProject>,
    #[serde(default)]
    catalog: Option<Vec<CatalogService>>,
}

/// `<identity root>/v3/auth/tokens` for a versioned or unversioned auth_url.
pub fn token_url(auth_url: &str) -> String {
    let mut root = auth_url.trim_end_matches('/');
    for version in ["/v3", "/v2.0"] {
        root = root.strip_suffix(version).unwrap_or(root);
    }
    format!("{}/v3/auth/tokens", root.trim_end_matches('/'))
}

/// The state-store key for a configuration's token. The identity is hashed so no secret
/// (a token, a credential id) ends up in a key the host may log.
pub fn cache_key(config: &Config) -> String {
    let identity = format!(
        "{}|{}|{}",
        config.auth_type,
        token_url(&config.auth_url),
        describe_identity(&config.credentials)
    );
    format!("keystone-token/v1/{:016x}", fnv1a64(identity.as_bytes()))
}

/// The JSON body of a token request.
pub fn request_body(credentials: &Credentials) -> Value {
    let (identity, scope) = match credentials {
        Credentials::V2Password { .. } | Credentials::V2ApiKey { .. } => {
            return auth_v2::request_body(credentials);
        }
        Credentials::Password {
            user,
            password,
            scope,
        } => {
            let mut user = user_json(user);
            user["password"] = json!(password);
            (
                json!({"methods": ["password"], "password": {"user": user}}),
                Some(scope),
            )
        }
        Credentials::Token { token, scope } => (
            json!({"methods": ["token"], "token": {"id": token}}),
            Some(scope),
        ),
        Credentials::ApplicationCredentialId { id, secret } => (
            json!({"methods": ["application_credential"],
                   "application_credential": {"id": id, "secret": secret}}),
            None,
        ),
        Credentials::ApplicationCredentialName { name, user, secret } => (
            json!({"methods": ["application_credential"],
                   "application_credential": {"name": name, "user": user_json(user), "secret": secret}}),
            None,
        ),
    };
    let mut auth = json!({"identity": identity});
    if let Some(scope) = scope {
        auth["scope"] = json!({"project": match scope {
            Scope::ProjectId(id) => json!({"id": id}),
            Scope::ProjectName { name, domain } => json!({"name": name, "domain": domain_json(domain)}),
        }});
    }
    json!({"auth": auth})
}

/// A cached token for `key` with time left, if any.
pub fn cached<H: Host>(host: &H, key: &str) -> Option<Token> {
    let bytes = host.state_get(key)?;
    let token: Token = serde_json::from_slice(&bytes).ok()?;
    if token
        .usable_for(time::now_unix())
        .is_some_and(|left| left > 0)
    {
        host.log(Level::Debug, "reusing cached keystone token");
        Some(token)
    } else {
        None
    }
}

/// Obtains a new token from keystone (v3, or v2.0 for v2.0 credentials) and caches it under
/// `key`.
pub fn authenticate<H: Host>(host: &H, config: &Config, key: &str) -> Result<Token, Error> {
    if config.credentials.is_v2() {
        return auth_v2::authenticate(host, config, key);
    }
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
    let body = token_body(&url, &response)?;
    let subject = client::header(&response.headers, "x-subject-token").ok_or_else(|| {
        Error::Other(format!(
            "identity: POST {url} gave no X-Subject-Token header"
        ))
    })?;
    let token = Token {
        token: subject.to_string(),
        expires_at: body.token.expires_at,
        project: body.token.project.unwrap_or_default(),
        catalog: catalog::for_region(body.token.catalog.unwrap_or_default(), &config.region),
    };
    remember(host, key, &token);
    Ok(token)
}

/// The token body of keystone's answer. A 2xx body is read straight into [`TokenBody`]: a
/// large cloud's catalog is hundreds of KiB, and a JSON tree of it first would cost the
/// instance several times that in linear memory. Anything else takes the general path for
/// its error.
fn token_body(url: &str, response: &Response) -> Result<TokenBody, Error> {
    if (200..300).contains(&response.status)
        && let Ok(body) = serde_json::from_slice::<TokenBody>(&response.body)
    {
        return Ok(body);
    }
    let value = client::check("identity", "POST", url, response)?;
    serde_json::from_value(value).map_err(|e| {
        Error::Other(format!(
            "identity: POST {url} gave an unreadable token: {e}"
        ))
    })
}

/// Logs a new token and caches it under `key` until the safety margin before its expiry.
pub(crate) fn remember<H: Host>(host: &H, key: &str, token: &Token) {
    host.log(
        Level::Debug,
        &format!(
            "keystone token obtained for project {}, expires {}",
            token
                .project
                .name
                .as_deref()
                .or(token.project.id.as_deref())
                .unwrap_or("?"),
            token.expires_at
        ),
    );
    match token.usable_for(time::now_unix()) {
        Some(left) if left > 0 => {
            if let Ok(bytes) = serde_json::to_vec(token) {
                host.state_set(
                    key,
                    &bytes,
                    Some(u64::try_from(left).unwrap_or(0).saturating_mul(1000)),
                );
            }
        }
        Some(_) => host.log(
            Level::Warn,
            "keystone issued a token that expires within a minute; not caching it",
        ),
        None => host.log(
            Level::Warn,
            &format!(
                "keystone token expiry {:?} is unreadable; not caching it",
                token.expires_at
            ),
        ),
    }
}

fn user_json(user: &User) -> Value {
    match user {
        User::Id(id) => json!({"id": id}),
        User::Name { name, domain } => json!({"name": name, "domain": domain_json(domain)}),
    }
}

fn domain_json(domain: &Domain) -> Value {
    match domain {
        Domain::Id(id) => json!({"id": id}),
        Domain::Name(name) => json!({"name": name}),
    }
}

fn describe_identity(credentials: &Credentials) -> String {
    let user = |u: &User| match u {
        User::Id(id) => format!("id:{id}"),
        User::Name { name, domain } => format!("{name}@{domain:?}"),
    };
    let scope = |s: &Scope| match s {
        Scope::ProjectId(id) => format!("id:{id}"),
        Scope::ProjectName { name, domain } => format!("{name}@{domain:?}"),
    };
    match credentials {
        Credentials::Password {
            user: u, scope: s, ..
        } => format!("{}|{}", user(u), scope(s)),
        Credentials::Token { token, scope: s } => format!("{token}|{}", scope(s)),
        Credentials::ApplicationCredentialId { id, .. } => format!("appcred:{id}"),
        Credentials::ApplicationCredentialName { name, user: u, .. } => {
            format!("appcred:{name}|{}", user(u))
        }
        Credentials::V2Password {
            username, tenant, ..
        } => format!("v2:{username}|{tenant:?}"),
        Credentials::V2ApiKey {
            username, tenant, ..
        } => format!("v2key:{username}|{tenant:?}"),
    }
}

/// FNV-1a, 64 bit: stable across builds and platforms, unlike std's hasher.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_url_adds_v3_to_unversioned_and_versioned_auth_urls() {
        for url in [
            "http://127.0.0.1:8700/alpha/identity",
            "http://127.0.0.1:8700/alpha/identity/",
            "http://127.0.0.1:8700/alpha/identity/v3",
            "http://127.0.0.1:8700/alpha/identity/v3/",
        ] {
            assert_eq!(
                token_url(url),
                "http://127.0.0.1:8700/alpha/identity/v3/auth/tokens",
                "{url}"
            );
        }
    }

    #[test]
    fn password_request_names_user_domain_and_project_scope() {
        let body = request_body(&Credentials::Password {
            user: User::Name {
                name: "demo".into(),
                domain: Domain::Name("Default".into()),
            },
            password: "secret".into(),
            scope: Scope::ProjectName {
                name: "demo".into(),
                domain: Domain::Id("default".into()),
            },
        });
        assert_eq!(
            body,
            json!({"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": "demo", "domain": {"name": "Default"}, "password": "secret"}}},
                "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}})
        );
    }

    #[test]
    fn application_credential_requests_carry_no_scope() {
        let body = request_body(&Credentials::ApplicationCredentialId {
            id: "a".into(),
            secret: "s".into(),
        });
        assert_eq!(body["auth"].get("scope"), None);
        assert_eq!(
            body["auth"]["identity"]["application_credential"],
            json!({"id": "a", "secret": "s"})
        );
    }

    #[test]
    fn cache_keys_differ_by_project_and_hide_tokens() {
        let key = |token: &str, project: &str| {
            describe_identity(&Credentials::Token {
                token: token.into(),
                scope: Scope::ProjectId(project.into()),
            })
        };
        assert_ne!(
            fnv1a64(key("t", "p1").as_bytes()),
            fnv1a64(key("t", "p2").as_bytes())
        );
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn tokens_are_usable_until_a_minute_before_expiry() {
        let token = Token {
            token: "t".into(),
            expires_at: "1970-01-01T01:00:00Z".into(),
            project: TokenProject::default(),
            catalog: Vec::new(),
        };
        assert_eq!(token.usable_for(3_000), Some(540));
        assert_eq!(token.usable_for(3_540), Some(0));
    }
}
