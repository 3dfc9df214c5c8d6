//! How a cloud's catalog spells its nova, glance and neutron endpoints, and the requests
//! under project-scoped ones.
//!
//! Real clouds catalogue the same services in different shapes, and a client must find the
//! API version behind each (keystoneauth's version discovery). A cloud's
//! [`EndpointStyle`] picks the shape; every style serves version documents at the
//! unversioned roots (`…/compute/`, `…/image/` with glance's 300, `…/network/`).
//!
//! Under [`EndpointStyle::ProjectScoped`] (Rackspace-like) the catalog puts the project id
//! after the version. [`rewrite`] runs before routing: it drops that segment, so the
//! ordinary routes serve the request, and refuses image and network requests that lack it
//! (404, as a vendor proxy that routes by project would): a client that appends a version
//! to such a URL, or drops the project, fails as it would against the real cloud. nova
//! accepts both forms, as nova does. Links the services print (pagination) carry the
//! project, as real services build them from the request URL.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::reply;
use crate::state::SimState;

/// The shape of a cloud's nova, glance and neutron catalog URLs (block storage is always
/// `volume/v3/<project>` and swift `swift/v1/AUTH_<project>`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointStyle {
    /// devstack's: `compute/v2.1`, and unversioned `image` and `network`.
    #[default]
    Stock,
    /// Every URL carries its version: `compute/v2.1`, `image/v2`, `network/v2.0`.
    Versioned,
    /// No URL carries a version: `compute`, `image`, `network`.
    Unversioned,
    /// The project after the version: `compute/v2.1/<project>`, `image/v2/<project>`,
    /// `network/v2/<project>` (neutron also answers under `v2.0/<project>`, where its
    /// version document points).
    ProjectScoped,
}

/// The services whose catalog URL depends on the style, with their version segments (the
/// first is the one the routes use).
const VERSIONED: [(&str, &[&str]); 3] = [
    ("compute", &["v2.1"]),
    ("image", &["v2"]),
    ("network", &["v2.0", "v2"]),
];

impl EndpointStyle {
    /// The catalog path of `service` under `{base}/{cloud}/{region}`, `None` for the
    /// services whose path does not depend on the style.
    pub fn catalog_path(self, service: &str, project_id: &str) -> Option<String> {
        let path = match (self, service) {
            (Self::Stock, "compute") | (Self::Versioned, "compute") => "compute/v2.1".into(),
            (Self::Stock, "image") | (Self::Unversioned, "image") => "image".into(),
            (Self::Stock, "network") | (Self::Unversioned, "network") => "network".into(),
            (Self::Versioned, "image") => "image/v2".into(),
            (Self::Versioned, "network") => "network/v2.0".into(),
            (Self::Unversioned, "compute") => "compute".into(),
            (Self::ProjectScoped, "compute") => format!("compute/v2.1/{project_id}"),
            (Self::ProjectScoped, "image") => format!("image/v2/{project_id}"),
            (Self::ProjectScoped, "network") => format!("network/v2/{project_id}"),
            _ => return None,
        };
        Some(path)
    }

    /// The path of the versioned API of `service` (compute, network) as the service prints it
    /// in links: `compute/v2.1`, `network/v2.0`, with the project after it when scoped.
    pub fn api_path(self, service: &str, project_id: &str) -> String {
        let version = VERSIONED
            .iter()
            .find(|(s, _)| *s == service)
            .and_then(|(_, versions)| versions.first())
            .copied()
            .unwrap_or("");
        match self {
            Self::ProjectScoped => format!("{service}/{version}/{project_id}"),
            _ => format!("{service}/{version}"),
        }
    }
}

/// Runs before routing: under a project-scoped cloud, drops the project segment after a
/// version segment, and sends image and network requests without it to [`unscoped`].
pub async fn rewrite(State(state): State<Arc<SimState>>, mut request: Request) -> Request {
    if let Some(uri) = rewritten(&state, request.uri()) {
        *request.uri_mut() = uri;
    }
    request
}

/// Where unscoped image and network requests of a project-scoped cloud are sent.
pub const UNSCOPED: &str = "/_unscoped";

fn rewritten(state: &SimState, uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    let segments: Vec<&str> = path.split('/').collect();
    // ["", cloud, region, service, version, project?, ...]
    let (cloud, service, version) = (segments.get(1)?, segments.get(3)?, segments.get(4)?);
    let cloud = state.clouds.get(*cloud)?;
    if cloud.config.endpoints != EndpointStyle::ProjectScoped {
        return None;
    }
    let (_, versions) = VERSIONED.iter().find(|(s, _)| s == service)?;
    if !versions.contains(version) {
        return None;
    }
    let new_path = if segments.get(5) == Some(&cloud.project_id.as_str()) {
        let mut kept: Vec<&str> = segments[..4].to_vec();
        kept.push(versions[0]);
        kept.extend(&segments[6..]);
        kept.join("/")
    } else if *service == "compute" {
        return None;
    } else {
        format!("{UNSCOPED}{path}")
    };
    let with_query = match uri.query() {
        Some(query) => format!("{new_path}?{query}"),
        None => new_path,
    };
    with_query.parse().ok()
}

/// 404 for an image or network request of a project-scoped cloud without the project.
pub async fn unscoped(request: Request<Body>) -> Response {
    let path = request.uri().path();
    let original = path.strip_prefix(UNSCOPED).unwrap_or(path);
    reply::keystone_error(
        StatusCode::NOT_FOUND,
        &format!(
            "{original}: this cloud serves image and network requests only under \
             <version>/<project_id>, as its catalog says"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_style_spells_the_catalog_paths_its_way() {
        let paths = |style: EndpointStyle| {
            ["compute", "image", "network"].map(|s| style.catalog_path(s, "p1").unwrap_or_default())
        };
        assert_eq!(
            paths(EndpointStyle::Stock),
            ["compute/v2.1", "image", "network"]
        );
        assert_eq!(
            paths(EndpointStyle::Versioned),
            ["compute/v2.1", "image/v2", "network/v2.0"]
        );
        assert_eq!(
            paths(EndpointStyle::Unversioned),
            ["compute", "image", "network"]
        );
        assert_eq!(
            paths(EndpointStyle::ProjectScoped),
            ["compute/v2.1/p1", "image/v2/p1", "network/v2/p1"]
        );
        assert_eq!(EndpointStyle::Stock.catalog_path("volumev3", "p1"), None);
    }

    #[test]
    fn links_carry_the_project_only_when_scoped() {
        assert_eq!(
            EndpointStyle::Stock.api_path("network", "p1"),
            "network/v2.0"
        );
        assert_eq!(
            EndpointStyle::ProjectScoped.api_path("compute", "p1"),
            "compute/v2.1/p1"
        );
    }

    #[test]
    fn style_names_parse_in_snake_case() {
        let style: EndpointStyle = serde_yaml::from_str("project_scoped").unwrap_or_default();
        assert_eq!(style, EndpointStyle::ProjectScoped);
    }
}
