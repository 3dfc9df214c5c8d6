//! Catalog endpoint styles: how each spells nova, glance and neutron, the version documents
//! at the unversioned roots, and the project-scoped style's paths and links.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use oaktree_simcloud::{
    EndpointStyle, PageSizes, SimCloud, SimCloudConfig, SimConfig, SimRegionConfig,
};
use serde_json::Value;

fn styled(style: EndpointStyle) -> SimConfig {
    let mut config = SimConfig::new(vec![SimCloudConfig {
        endpoints: style,
        ..SimCloudConfig::new("c1", vec![SimRegionConfig::new("r1")])
    }]);
    config.page_sizes = PageSizes {
        neutron_max_limit: Some(1),
        ..PageSizes::default()
    };
    config
}

/// The public URL of `kind` in r1 from a token's catalog.
fn catalog_url(token_body: &Value, kind: &str) -> String {
    token_body["token"]["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == kind)
        .and_then(|s| s["endpoints"].as_array())
        .and_then(|e| e.iter().find(|e| e["interface"] == "public"))
        .map(|e| e["url"].as_str().unwrap().to_string())
        .unwrap()
}

async fn catalog(sim: &SimCloud) -> Value {
    let (status, _, body) = post_token(sim, "c1", &password_auth("demo", "secret")).await;
    assert_eq!(status, 201);
    body
}

fn project(sim: &SimCloud) -> String {
    sim.config().clouds[0].project_id()
}

#[tokio::test]
async fn each_style_catalogues_nova_glance_and_neutron_its_own_way() {
    for (style, paths) in [
        (EndpointStyle::Stock, ["compute/v2.1", "image", "network"]),
        (
            EndpointStyle::Versioned,
            ["compute/v2.1", "image/v2", "network/v2.0"],
        ),
        (EndpointStyle::Unversioned, ["compute", "image", "network"]),
        (
            EndpointStyle::ProjectScoped,
            ["compute/v2.1/{p}", "image/v2/{p}", "network/v2/{p}"],
        ),
    ] {
        let sim = start(styled(style)).await;
        let body = catalog(&sim).await;
        let root = region_url(&sim, "c1", "r1");
        for (kind, path) in ["compute", "image", "network"].iter().zip(paths) {
            let expected = format!("{root}/{}", path.replace("{p}", &project(&sim)));
            assert_eq!(catalog_url(&body, kind), expected, "{style:?} {kind}");
        }
        let p = project(&sim);
        assert_eq!(
            catalog_url(&body, "volumev3"),
            format!("{root}/volume/v3/{p}"),
            "block storage keeps its shape"
        );
    }
}

#[tokio::test]
async fn every_style_serves_version_documents_at_the_unversioned_roots() {
    for style in [EndpointStyle::Stock, EndpointStyle::ProjectScoped] {
        let sim = start(styled(style)).await;
        let root = region_url(&sim, "c1", "r1");
        for (service, status, id, href) in [
            ("compute", 200, "v2.1", "compute/v2.1/"),
            ("image", 300, "v2.16", "image/v2/"),
            ("network", 200, "v2.0", "network/v2.0/"),
        ] {
            let (got, body) = get(&format!("{root}/{service}/"), None).await;
            assert_eq!(got, status, "{style:?} {service}: {body}");
            let first = &body["versions"][0];
            assert_eq!(first["id"], id, "{style:?} {service}");
            assert_eq!(first["links"][0]["rel"], "self");
            assert_eq!(first["links"][0]["href"], format!("{root}/{href}"));
        }
    }
}

#[tokio::test]
async fn a_project_scoped_cloud_serves_image_and_network_only_under_the_project() {
    let sim = start(styled(EndpointStyle::ProjectScoped)).await;
    let token = token(&sim, "c1").await;
    let root = region_url(&sim, "c1", "r1");
    let p = project(&sim);
    for (path, status) in [
        (format!("image/v2/{p}/images"), 200),
        (format!("image/v2/{p}/images/{}", "no-such-image"), 404),
        ("image/v2/images".to_string(), 404),
        (format!("network/v2/{p}/networks"), 200),
        (format!("network/v2.0/{p}/networks"), 200),
        ("network/v2.0/networks".to_string(), 404),
        // The old driver's mistake: a version appended after the project.
        (format!("network/v2/{p}/v2.0/networks"), 404),
        (format!("compute/v2.1/{p}/servers/detail"), 200),
        ("compute/v2.1/servers/detail".to_string(), 200),
    ] {
        let (got, body) = get(&format!("{root}/{path}"), Some(&token)).await;
        assert_eq!(got, status, "{path}: {body}");
    }
    let (_, body) = get(&format!("{root}/image/v2/images"), Some(&token)).await;
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("only under <version>/<project_id>"),
        "{message}"
    );
    let (status, page) = get(&format!("{root}/image/v2/{p}/images?limit=2"), Some(&token)).await;
    assert_eq!((status, ids(&page["images"]).len()), (200, 2));
    assert!(
        page["next"].as_str().unwrap().starts_with("/v2/images?"),
        "{page}"
    );
}

#[tokio::test]
async fn pagination_links_of_a_project_scoped_cloud_carry_the_project() {
    let sim = start(styled(EndpointStyle::ProjectScoped)).await;
    let token = token(&sim, "c1").await;
    let root = region_url(&sim, "c1", "r1");
    let p = project(&sim);
    let (_, page) = get(&format!("{root}/network/v2/{p}/networks"), Some(&token)).await;
    let next = page["networks_links"][0]["href"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        next.starts_with(&format!("{root}/network/v2.0/{p}/networks?")),
        "{next}"
    );
    let (status, second) = get(&next, Some(&token)).await;
    assert_eq!((status, ids(&second["networks"]).len()), (200, 1));
    let (_, servers) = get(
        &format!("{root}/compute/v2.1/{p}/servers?limit=2"),
        Some(&token),
    )
    .await;
    let next = servers["servers_links"][0]["href"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{root}/compute/v2.1/{p}/servers?")),
        "{next}"
    );
}
