//! Egress allowlists: where a driver's HTTP may go, per cloud-region.
//!
//! A driver holds its cloud's credentials, so the host sends its requests only to hosts that
//! cloud's configuration names. The allowlist of a cloud-region is computed once, when the
//! daemon loads its config, from:
//! 1. the host and port of every URL the config names: `auth.auth_url`, `auth.endpoint`,
//!    `endpoint_url`, `endpoint_override` and any `<service>_endpoint_override`;
//! 2. for AWS clouds (profile `aws`), the official regional EC2 endpoint
//!    `ec2.<region>.amazonaws.com:443` (`.amazonaws.com.cn` in `cn-*` regions);
//! 3. the cloud's own `allowed_hosts:` list in clouds.yaml (per cloud, or per region through
//!    `regions[].values`);
//! 4. the `allowed_hosts` of every daemon-config `egress:` entry whose `cloud`/`region` globs
//!    match.
//!
//! An entry is `host:port`, `host` (the scheme's default port: 80 for http, 443 for https),
//! `host:*` (any port), or the same with a `*.example.com` host (any subdomain, not
//! `example.com` itself); a URL is accepted and stands for its host and port. Derived entries
//! (1, 2) are exact host and port. Catalog endpoints on an allowed host and port need nothing
//! more. Anything else is refused by [`Allowlist::check`] before it is sent, with a message
//! naming the entry to add.

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, RwLock};

use serde::Deserialize;
use serde_json::Value;

use crate::config::CloudRegionConfig;
use crate::location::CloudRegion;

/// The clouds.yaml key (and daemon-config `egress:` field) listing extra allowed hosts.
pub const ALLOWED_HOSTS_KEY: &str = "allowed_hosts";

/// One daemon-config `egress:` entry: extra hosts for the cloud-regions its globs match.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostEgress {
    #[serde(default = "match_all")]
    pub cloud: String,
    #[serde(default = "match_all")]
    pub region: String,
    pub allowed_hosts: Vec<String>,
}

fn match_all() -> String {
    "*".to_owned()
}

/// An allowlist entry that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{at}: {entry:?} is not a host entry: {reason}; write `host`, `host:port`, `host:*` or `*.example.com[:port]`"
)]
pub struct EntryError {
    /// Where the entry is (`clouds.alpha.allowed_hosts[1]`, `egress[0].allowed_hosts[2]`).
    pub at: String,
    pub entry: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    /// A lower-case domain, a dotted IPv4 address or a bracketed IPv6 address.
    Exact(String),
    /// `*.example.com`, kept as `.example.com`.
    Subdomain(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortMatch {
    Exact(u16),
    /// The URL names no port (its scheme's default).
    SchemeDefault,
    Any,
}

/// One allowed destination pattern and where it came from (for logs and messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    host: HostMatch,
    port: PortMatch,
    source: String,
}

impl Rule {
    /// Parses an entry as written in config; `at` names it in the error.
    pub fn parse(entry: &str, at: &str, source: String) -> Result<Rule, EntryError> {
        let error = |reason: &str| EntryError {
            at: at.to_owned(),
            entry: entry.to_owned(),
            reason: reason.to_owned(),
        };
        let text = entry.trim();
        if text.contains("://") {
            let url = reqwest::Url::parse(text).map_err(|e| error(&e.to_string()))?;
            return Rule::exact_of(&url, source).ok_or_else(|| error("the URL names no host"));
        }
        let (host, port) = split_host_port(text).map_err(|reason| error(&reason))?;
        let port = match port {
            None => PortMatch::SchemeDefault,
            Some("*") => PortMatch::Any,
            Some(p) => PortMatch::Exact(
                p.parse()
                    .map_err(|_| error("the port must be a number up to 65535 or *"))?,
            ),
        };
        let host = match host.strip_prefix("*.") {
            Some(domain) => normalise_host(domain).map(|d| HostMatch::Subdomain(format!(".{d}"))),
            None => normalise_host(host).map(HostMatch::Exact),
        }
        .map_err(|reason| error(&reason))?;
        Ok(Rule { host, port, source })
    }

    /// The exact host and port a URL points at.
    fn exact_of(url: &reqwest::Url, source: String) -> Option<Rule> {
        let destination = Destination::of(url)?;
        Some(Rule {
            host: HostMatch::Exact(destination.host),
            port: PortMatch::Exact(destination.port),
            source,
        })
    }

    fn allows(&self, to: &Destination) -> bool {
        let host = match &self.host {
            HostMatch::Exact(host) => *host == to.host,
            HostMatch::Subdomain(suffix) => {
                to.host.len() > suffix.len() && to.host.ends_with(suffix.as_str())
            }
        };
        let port = match self.port {
            PortMatch::Exact(port) => port == to.port,
            PortMatch::SchemeDefault => to.default_port,
            PortMatch::Any => true,
        };
        host && port
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            HostMatch::Exact(host) => f.write_str(host)?,
            HostMatch::Subdomain(suffix) => write!(f, "*{suffix}")?,
        }
        match self.port {
            PortMatch::Exact(port) => write!(f, ":{port}"),
            PortMatch::SchemeDefault => Ok(()),
            PortMatch::Any => f.write_str(":*"),
        }
    }
}

/// `host[:port]`, `[v6][:port]` or a bare IPv6 address, split; the port is not yet checked.
fn split_host_port(text: &str) -> Result<(&str, Option<&str>), String> {
    if text.is_empty() {
        return Err("it is empty".to_owned());
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "an IPv6 address opened with [ must close with ]".to_owned())?;
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(format!("unexpected {after:?} after the IPv6 address")),
            },
        };
    }
    if text.matches(':').count() > 1 {
        return Ok((text, None));
    }
    Ok(match text.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    })
}

/// The form `reqwest::Url::host_str` gives: lower-case domain without a trailing dot, dotted
/// IPv4, bracketed canonical IPv6.
fn normalise_host(host: &str) -> Result<String, String> {
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return Ok(format!("[{v6}]"));
    }
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return Ok(v4.to_string());
    }
    let domain = host.trim_end_matches('.').to_ascii_lowercase();
    let valid = !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if valid {
        Ok(domain)
    } else {
        Err(format!("{host:?} is not a host name or IP address"))
    }
}

/// Where a request would go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    host: String,
    port: u16,
    /// The URL names no port, so `port` is its scheme's default.
    default_port: bool,
}

impl Destination {
    pub fn of(url: &reqwest::Url) -> Option<Destination> {
        Some(Destination {
            host: url.host_str()?.trim_end_matches('.').to_owned(),
            port: url.port_or_known_default()?,
            default_port: url.port().is_none(),
        })
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// A refused request: what the driver (and the log) are told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "egress denied: {destination} is not in the allowlist of cloud `{cloud}` region `{region}` \
     (allowed: {allowed}). If the cloud really serves from there, add `allowed_hosts: \
     [{destination}]` to cloud `{cloud}` in clouds.yaml (or an `egress:` entry with \
     `cloud: {cloud}` and `allowed_hosts: [{destination}]` in the daemon config)"
)]
pub struct Denied {
    pub destination: String,
    pub cloud: String,
    pub region: String,
    pub allowed: String,
}

/// Where one cloud-region's drivers may send HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowlist {
    at: CloudRegion,
    rules: Vec<Rule>,
}

impl Allowlist {
    /// An allowlist that refuses everything (a location the daemon has no config for, or the
    /// load-time `describe()` call).
    pub fn deny_all(at: CloudRegion) -> Allowlist {
        Allowlist {
            at,
            rules: Vec::new(),
        }
    }

    /// Computes the allowlist of one cloud-region: see the module doc for the sources.
    /// `host_entries` are the daemon config's `egress:` entries (matched here by glob).
    pub fn for_region(
        region: &CloudRegionConfig,
        host_entries: &[HostEgress],
    ) -> Result<Allowlist, EntryError> {
        let at = CloudRegion::new(region.cloud.clone(), region.region.clone());
        let mut rules = Vec::new();
        let config = &region.config;
        let mut url_values: Vec<(String, &str)> = Vec::new();
        if let Some(Value::Object(auth)) = config.get("auth") {
            for key in ["auth_url", "endpoint"] {
                if let Some(Value::String(url)) = auth.get(key) {
                    url_values.push((format!("auth.{key}"), url));
                }
            }
        }
        if let Value::Object(top) = config {
            for (key, value) in top {
                let names_url = key == "endpoint_url"
                    || key == "endpoint_override"
                    || key.ends_with("_endpoint_override");
                if let (true, Value::String(url)) = (names_url, value) {
                    url_values.push((key.clone(), url));
                }
            }
        }
        for (key, url) in url_values {
            let url = url.replace("{region_name}", &region.region);
            match reqwest::Url::parse(&url) {
                Ok(url) => rules.extend(Rule::exact_of(&url, key)),
                // A value that is no URL cannot be sent to either; the driver will say so.
                Err(error) => {
                    tracing::debug!(cloud = %at.cloud, region = %at.region, key, %error, "config value is not a URL; it allows no host")
                }
            }
        }
        if region.profile.as_deref() == Some("aws") {
            let name = match region.region.as_str() {
                "" => config
                    .get("region_name")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                name => name,
            };
            if !name.is_empty() {
                let suffix = if name.starts_with("cn-") { ".cn" } else { "" };
                rules.push(Rule {
                    host: HostMatch::Exact(format!(
                        "ec2.{}.amazonaws.com{suffix}",
                        name.to_ascii_lowercase()
                    )),
                    port: PortMatch::Exact(443),
                    source: "the AWS regional endpoint".to_owned(),
                });
            }
        }
        let base = format!("clouds.{}.{ALLOWED_HOSTS_KEY}", region.cloud);
        match config.get(ALLOWED_HOSTS_KEY) {
            None | Some(Value::Null) => {}
            Some(Value::String(entry)) => rules.push(Rule::parse(entry, &base, base.clone())?),
            Some(Value::Array(entries)) => {
                for (i, entry) in entries.iter().enumerate() {
                    let at = format!("{base}[{i}]");
                    let Some(entry) = entry.as_str() else {
                        return Err(EntryError {
                            at,
                            entry: entry.to_string(),
                            reason: "entries are text".to_owned(),
                        });
                    };
                    rules.push(Rule::parse(entry, &at, base.clone())?);
                }
            }
            Some(other) => {
                return Err(EntryError {
                    at: base,
                    entry: other.to_string(),
                    reason: "it must be a list such as [api.example.com, \"*.example.com:8774\"]"
                        .to_owned(),
                });
            }
        }
        let matches =
            |pattern: &str, name: &str| glob::Pattern::new(pattern).is_ok_and(|p| p.matches(name));
        for (i, entry) in host_entries.iter().enumerate() {
            if matches(&entry.cloud, &at.cloud) && matches(&entry.region, &at.region) {
                for (j, host) in entry.allowed_hosts.iter().enumerate() {
                    let where_ = format!("egress[{i}].{ALLOWED_HOSTS_KEY}[{j}]");
                    rules.push(Rule::parse(
                        host,
                        &where_,
                        format!("daemon config egress[{i}]"),
                    )?);
                }
            }
        }
        rules.dedup_by(|a, b| a.host == b.host && a.port == b.port);
        Ok(Allowlist { at, rules })
    }

    /// Whether a request to `url` may be sent.
    pub fn check(&self, url: &reqwest::Url) -> Result<(), Denied> {
        let destination = Destination::of(url);
        if let Some(to) = &destination
            && self.rules.iter().any(|rule| rule.allows(to))
        {
            return Ok(());
        }
        Err(Denied {
            destination: destination.map_or_else(|| url.to_string(), |d| d.to_string()),
            cloud: self.at.cloud.clone(),
            region: self.at.region.clone(),
            allowed: self.summary(),
        })
    }

    /// The allowed entries, comma-separated ("nothing" when empty).
    pub fn summary(&self) -> String {
        if self.rules.is_empty() {
            return "nothing".to_owned();
        }
        self.rules
            .iter()
            .map(Rule::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The allowlists of every configured cloud-region, shared by all calls.
#[derive(Debug, Default)]
pub struct EgressPolicies {
    by_location: RwLock<HashMap<CloudRegion, Arc<Allowlist>>>,
}

impl EgressPolicies {
    /// Replaces every allowlist with `lists` (the daemon calls this when it loads config).
    pub fn configure(&self, lists: impl IntoIterator<Item = Allowlist>) {
        let next: HashMap<CloudRegion, Arc<Allowlist>> = lists
            .into_iter()
            .map(|list| (list.at.clone(), Arc::new(list)))
            .collect();
        *self.by_location.write().unwrap_or_else(|e| e.into_inner()) = next;
    }

    /// The allowlist of `at`; a location without config may send nowhere.
    pub fn for_location(&self, at: &CloudRegion) -> Arc<Allowlist> {
        self.by_location
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(at)
            .cloned()
            .unwrap_or_else(|| Arc::new(Allowlist::deny_all(at.clone())))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn region(
        cloud: &str,
        region: &str,
        profile: Option<&str>,
        config: Value,
    ) -> CloudRegionConfig {
        CloudRegionConfig {
            cloud: cloud.to_owned(),
            region: region.to_owned(),
            profile: profile.map(str::to_owned),
            driver: None,
            config,
        }
    }

    fn list(config: Value) -> Allowlist {
        Allowlist::for_region(&region("alpha", "one", None, config), &[]).unwrap()
    }

    fn allows(list: &Allowlist, url: &str) -> bool {
        list.check(&reqwest::Url::parse(url).unwrap()).is_ok()
    }

    #[test]
    fn the_auth_url_allows_its_own_host_and_port_only() {
        let l = list(json!({"auth": {"auth_url": "http://127.0.0.1:8700/alpha/identity"}}));
        assert!(allows(
            &l,
            "http://127.0.0.1:8700/alpha/compute/v2.1/servers"
        ));
        assert!(!allows(&l, "http://127.0.0.1:8701/steal"));
        assert!(!allows(&l, "http://127.0.0.2:8700/"));
        assert!(!allows(&l, "http://localhost:8700/"));
    }

    #[test]
    fn endpoint_overrides_and_endpoint_url_are_allowed_with_the_region_filled_in() {
        let l = list(json!({
            "auth": {"auth_url": "https://keystone.example.com/v3"},
            "compute_endpoint_override": "https://{region_name}.nova.example.com:8774/v2.1",
            "endpoint_url": "http://127.0.0.1:5000",
            "unrelated_url": "https://other.example.com"
        }));
        assert!(allows(&l, "https://keystone.example.com/v3/auth/tokens"));
        assert!(allows(&l, "https://one.nova.example.com:8774/v2.1/servers"));
        assert!(allows(&l, "http://127.0.0.1:5000/"));
        assert!(!allows(&l, "https://other.example.com/"));
        // https on 443 is not http on 80.
        assert!(!allows(&l, "http://keystone.example.com/v3"));
    }

    #[test]
    fn allowed_hosts_entries_take_ports_wildcards_and_urls() {
        let l = list(json!({"allowed_hosts": [
            "images.example.com", "api.example.com:8774", "*.cdn.example.com", "any.example.com:*",
            "https://swift.example.com:8080/v1", "[::1]:9000"
        ]}));
        assert!(allows(&l, "https://images.example.com/x"));
        assert!(allows(&l, "http://images.example.com/x"));
        assert!(!allows(&l, "https://images.example.com:8443/x"));
        assert!(allows(&l, "https://api.example.com:8774/"));
        assert!(!allows(&l, "https://api.example.com/"));
        assert!(allows(&l, "https://a.b.cdn.example.com/"));
        assert!(!allows(&l, "https://cdn.example.com/"));
        assert!(!allows(&l, "https://evilcdn.example.com/"));
        assert!(allows(&l, "http://any.example.com:1234/"));
        assert!(allows(&l, "https://swift.example.com:8080/v1/AUTH_x"));
        assert!(allows(&l, "http://[::1]:9000/"));
        assert!(!allows(&l, "http://[::1]:9001/"));
    }

    #[test]
    fn host_names_match_without_regard_to_case_or_a_trailing_dot() {
        let l = list(json!({"allowed_hosts": ["API.Example.COM."]}));
        assert!(allows(&l, "https://api.example.com/"));
        assert!(allows(&l, "https://Api.Example.Com./"));
    }

    #[test]
    fn a_denial_names_the_destination_the_cloud_and_the_entry_to_add() {
        let l = list(json!({"auth": {"auth_url": "http://127.0.0.1:8700/identity"}}));
        let denied = l
            .check(&reqwest::Url::parse("https://evil.example/steal").unwrap())
            .unwrap_err();
        assert_eq!(denied.destination, "evil.example:443");
        let message = denied.to_string();
        assert!(
            message.contains(
                "add `allowed_hosts: [evil.example:443]` to cloud `alpha` in clouds.yaml"
            ),
            "{message}"
        );
        assert!(message.contains("allowed: 127.0.0.1:8700"), "{message}");
    }

    #[test]
    fn an_aws_cloud_may_reach_its_regional_ec2_endpoint_and_its_endpoint_url() {
        let aws = |r: &str, config: Value| {
            Allowlist::for_region(&region("aws", r, Some("aws"), config), &[]).unwrap()
        };
        let l = aws("eu-west-1", json!({}));
        assert!(allows(&l, "https://ec2.eu-west-1.amazonaws.com/"));
        assert!(!allows(&l, "https://ec2.us-east-1.amazonaws.com/"));
        assert!(!allows(&l, "http://ec2.eu-west-1.amazonaws.com/"));
        let l = aws("cn-north-1", json!({}));
        assert!(allows(&l, "https://ec2.cn-north-1.amazonaws.com.cn/"));
        let l = aws(
            "us-east-1",
            json!({"endpoint_url": "http://127.0.0.1:5000"}),
        );
        assert!(allows(&l, "http://127.0.0.1:5000/"));
        assert!(allows(&l, "https://ec2.us-east-1.amazonaws.com/"));
    }

    #[test]
    fn daemon_config_entries_apply_to_the_cloud_regions_their_globs_match() {
        let entries = vec![
            HostEgress {
                cloud: "alpha".into(),
                region: "o*".into(),
                allowed_hosts: vec!["proxy.internal:3128".into()],
            },
            HostEgress {
                cloud: "beta".into(),
                region: "*".into(),
                allowed_hosts: vec!["beta.internal".into()],
            },
        ];
        let l = Allowlist::for_region(&region("alpha", "one", None, json!({})), &entries).unwrap();
        assert!(allows(&l, "http://proxy.internal:3128/"));
        assert!(!allows(&l, "https://beta.internal/"));
    }

    #[test]
    fn a_malformed_entry_names_its_key_path() {
        let err = Allowlist::for_region(
            &region(
                "alpha",
                "one",
                None,
                json!({"allowed_hosts": ["ok.example", "bad host:80"]}),
            ),
            &[],
        )
        .unwrap_err();
        assert_eq!(err.at, "clouds.alpha.allowed_hosts[1]");
        let err = Allowlist::for_region(
            &region("alpha", "one", None, json!({"allowed_hosts": ["h:99999"]})),
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("port"), "{err}");
        let err = Allowlist::for_region(
            &region("alpha", "one", None, json!({"allowed_hosts": {"a": 1}})),
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("must be a list"), "{err}");
    }

    #[test]
    fn a_location_without_config_may_send_nowhere() {
        let policies = EgressPolicies::default();
        policies.configure([list(json!({"auth": {"auth_url": "http://127.0.0.1:1/"}}))]);
        let known = policies.for_location(&CloudRegion::new("alpha", "one"));
        assert!(allows(&known, "http://127.0.0.1:1/x"));
        let unknown = policies.for_location(&CloudRegion::new("alpha", "two"));
        assert!(!allows(&unknown, "http://127.0.0.1:1/x"));
        assert_eq!(unknown.summary(), "nothing");
    }

    #[test]
    fn rules_display_as_they_are_written() {
        let l = list(json!({"allowed_hosts": ["*.example.com:*", "h", "[::1]:80"]}));
        assert_eq!(l.summary(), "*.example.com:*, h, [::1]:80");
    }
}
