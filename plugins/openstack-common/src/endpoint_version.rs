//! Which base URL a service's requests go to, given its catalog URL: the pure part of
//! version discovery (the requests and the cache are in `discovery`).
//!
//! Catalog URLs come in three shapes: unversioned (`http://h/image/`), versioned (`…/v2`,
//! `…/v2.1`, `…/v2.0`), and versioned with the project after the version (nova
//! `…/v2.1/<project>`, cinder `…/v3/<project>`, swift `…/v1/AUTH_<project>`), sometimes
//! below vendor path segments (`/cloud/glance/ORD/v2/<project>`). As keystoneauth does:
//! 1. [`CatalogUrl::parse`]: a last segment that is the token's project id (or
//!    `AUTH_<id>`), or any last segment right after a version segment, is the project
//!    suffix; what is left is the version root. Requests keep the suffix.
//! 2. [`plan`]: a root whose last segment is a version of a major the driver speaks is used
//!    as catalogued, without a request: the catalog already names the API, and appending a
//!    version to it (or to its project segment) can only break it.
//! 3. Otherwise the driver GETs the [`Plan::Discover`] candidates (an unversioned root,
//!    then its parent; for a root of another major its parent first) for a version
//!    document, reads it with [`offered_versions`] and takes the [`best`] stable version of
//!    a wanted major: its `self` link, plus the suffix, is the base URL.
//! 4. Without a usable document the base is [`CatalogUrl::guess`]: the catalog URL as
//!    given when it carries a version, else with the driver's version appended.

use serde_json::Value;

/// A version as `(major, minor)`: `v2.1` is `(2, 1)`, `v3` is `(3, 0)`.
pub type Version = (u64, u64);

/// What the driver speaks of a service: the majors it accepts (preferred by height, not
/// order) and the version segment to append when discovery finds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Api {
    pub majors: &'static [u64],
    pub default_segment: &'static str,
}

/// The API the driver speaks for a catalog service type; `None` for services whose URL is
/// used as catalogued (identity, unknown types).
pub fn api(service: &str) -> Option<Api> {
    let (majors, default_segment): (&'static [u64], _) = match service {
        "compute" => (&[2], "v2.1"),
        "image" => (&[2], "v2"),
        "network" => (&[2], "v2.0"),
        // cinder v3, or v2 where only that is catalogued (the requests are the same).
        "block-storage" => (&[3, 2], "v3"),
        "object-store" => (&[1], "v1"),
        _ => return None,
    };
    Some(Api {
        majors,
        default_segment,
    })
}

/// A path segment as a version: `v` and one to three dot-separated numbers.
pub fn segment_version(segment: &str) -> Option<Version> {
    let mut parts = segment.strip_prefix('v')?.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = match parts.next() {
        Some(part) => part.parse().ok()?,
        None => 0,
    };
    match (parts.next(), parts.next()) {
        (None, _) => Some((major, minor)),
        (Some(patch), None) if patch.parse::<u64>().is_ok() => Some((major, minor)),
        _ => None,
    }
}

/// A version document's `id` (`v2.1`, also written `2.1`).
fn id_version(id: &str) -> Option<Version> {
    segment_version(id).or_else(|| segment_version(&format!("v{id}")))
}

/// A catalog URL taken apart: origin, version-root path segments, project suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogUrl {
    /// `scheme://host[:port]`.
    origin: String,
    /// The path of the version root, without empty segments.
    segments: Vec<String>,
    /// The project segment after the version root (`<id>`, `AUTH_<id>`), kept in requests.
    pub suffix: Option<String>,
}

impl CatalogUrl {
    /// Splits `url`; `project_id` is the token's project.
    pub fn parse(url: &str, project_id: Option<&str>) -> Self {
        let url = url.split(['?', '#']).next().unwrap_or(url);
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        let path_start = url[after_scheme..]
            .find('/')
            .map_or(url.len(), |i| after_scheme + i);
        let mut segments: Vec<String> = url[path_start..]
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let is_project = |last: &str| {
            project_id
                .filter(|p| !p.is_empty())
                .is_some_and(|p| last == p || last.strip_prefix("AUTH_") == Some(p))
        };
        let after_version = segments.len() >= 2
            && segments
                .get(segments.len() - 2)
                .and_then(|s| segment_version(s))
                .is_some();
        let suffix = match segments.last() {
            Some(last)
                if segment_version(last).is_none() && (is_project(last) || after_version) =>
            {
                segments.pop()
            }
            _ => None,
        };
        CatalogUrl {
            origin: url[..path_start].to_string(),
            segments,
            suffix,
        }
    }

    /// The version root: the URL without its project suffix and trailing slash.
    pub fn root(&self) -> String {
        join(&self.origin, &self.segments)
    }

    /// The version the root ends in, if it does.
    pub fn version(&self) -> Option<Version> {
        self.segments.last().and_then(|s| segment_version(s))
    }

    /// The root one segment up; `None` at the host.
    fn parent(&self) -> Option<String> {
        let (_, up) = self.segments.split_last()?;
        Some(join(&self.origin, up))
    }

    /// `base` (a discovered root) with the catalog's project suffix put back.
    pub fn with_suffix(&self, base: &str) -> String {
        let base = base.trim_end_matches('/');
        match &self.suffix {
            Some(suffix) => format!("{base}/{suffix}"),
            None => base.to_string(),
        }
    }

    /// The catalog URL as given (normalised: no trailing slash).
    pub fn as_given(&self) -> String {
        self.with_suffix(&self.root())
    }

    /// The base when discovery found nothing: as given when versioned, else with
    /// `default_segment` appended to the root (before any suffix).
    pub fn guess(&self, default_segment: &str) -> String {
        if self.version().is_some() {
            self.as_given()
        } else {
            self.with_suffix(&format!("{}/{default_segment}", self.root()))
        }
    }
}

fn join(origin: &str, segments: &[String]) -> String {
    if segments.is_empty() {
        origin.to_string()
    } else {
        format!("{origin}/{}", segments.join("/"))
    }
}

/// What to do with a catalog URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Use this base URL; no request is needed.
    Use(String),
    /// GET these URLs, in order, for a version document.
    Discover(Vec<String>),
}

/// The plan for `url` when the driver speaks `majors`.
pub fn plan(url: &CatalogUrl, majors: &[u64]) -> Plan {
    let with_slash = |u: String| format!("{u}/");
    match url.version() {
        Some((major, _)) if majors.contains(&major) => Plan::Use(url.as_given()),
        Some(_) => Plan::Discover(
            url.parent()
                .into_iter()
                .chain([url.root()])
                .map(with_slash)
                .collect(),
        ),
        None => Plan::Discover(
            [url.root()]
                .into_iter()
                .chain(url.parent())
                .map(with_slash)
                .collect(),
        ),
    }
}

/// One version a document offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    pub version: Version,
    /// Lower case: current, stable, supported, deprecated, experimental, …
    pub status: String,
    /// The absolute `self` link.
    pub url: String,
}

/// The versions in a document fetched from `doc_url`: `{"versions": [...]}`,
/// `{"versions": {"values": [...]}}` or `{"version": {...}}`. Entries without a readable
/// id, a status or a `self` link are skipped.
pub fn offered_versions(doc: &Value, doc_url: &str) -> Vec<Offered> {
    let entries: Vec<&Value> = match (doc.get("versions"), doc.get("version")) {
        (Some(Value::Array(list)), _) => list.iter().collect(),
        (Some(versions), _) => versions
            .get("values")
            .and_then(Value::as_array)
            .map(|list| list.iter().collect())
            .unwrap_or_default(),
        (None, Some(one @ Value::Object(_))) => vec![one],
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .filter_map(|entry| {
            let version = entry
                .get("id")
                .and_then(Value::as_str)
                .and_then(id_version)?;
            let status = entry.get("status").and_then(Value::as_str)?;
            let href = entry
                .get("links")?
                .as_array()?
                .iter()
                .find(|l| {
                    l.get("rel")
                        .and_then(Value::as_str)
                        .is_some_and(|r| r.eq_ignore_ascii_case("self"))
                })?
                .get("href")?
                .as_str()?;
            Some(Offered {
                version,
                status: status.to_ascii_lowercase(),
                url: absolute(doc_url, href),
            })
        })
        .collect()
}

/// The highest usable version of a wanted major: current, stable, supported or deprecated
/// (experimental and unknown statuses are skipped, as keystoneauth does).
pub fn best<'a>(offered: &'a [Offered], majors: &[u64]) -> Option<&'a Offered> {
    offered
        .iter()
        .filter(|o| majors.contains(&o.version.0))
        .filter(|o| {
            matches!(
                o.status.as_str(),
                "current" | "stable" | "supported" | "deprecated"
            )
        })
        .max_by_key(|o| o.version)
}

/// `href` resolved against the URL of the document it came from.
fn absolute(doc_url: &str, href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        return href.to_string();
    }
    if href.starts_with('/') {
        let origin = CatalogUrl::parse(doc_url, None).origin;
        return format!("{origin}{href}");
    }
    format!("{}/{href}", doc_url.trim_end_matches('/'))
}

#[cfg(test)]
#[path = "endpoint_version_tests.rs"]
mod tests;
