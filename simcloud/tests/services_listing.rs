//! Nova, glance and neutron listings: auth, shapes, fixtures and pagination.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;

use common::*;
use oaktree_simcloud::{DUPLICATE_SERVER_NAME, SimCloudConfig, SimConfig, SimRegionConfig};

/// Follows next links (absolute, or glance's `/v2/…` relative to `root`) and collects ids.
async fn collect(first: String, token: &str, key: &str, root: &str) -> (Vec<String>, usize) {
    let mut url = first;
    let mut all = Vec::new();
    for pages in 1..=100 {
        let (status, body) = get(&url, Some(token)).await;
        assert_eq!(status, 200, "{url}: {body}");
        all.extend(ids(&body[key]));
        let next = body[format!("{key}_links")]
            .as_array()
            .and_then(|links| links.iter().find(|l| l["rel"] == "next"))
            .map(|l| l["href"].as_str().unwrap().to_string())
            .or_else(|| body["next"].as_str().map(|n| format!("{root}{n}")));
        match next {
            Some(next) => url = next,
            None => return (all, pages),
        }
    }
    panic!("more than 100 pages");
}

fn assert_unique(ids: &[String]) {
    let set: HashSet<&String> = ids.iter().collect();
    assert_eq!(set.len(), ids.len(), "duplicate ids across pages");
}

#[tokio::test]
async fn service_calls_without_a_valid_token_answer_401() {
    let sim = start(small_config()).await;
    let root = region_url(&sim, "c1", "r1");
    for path in [
        "compute/v2.1/servers/detail",
        "compute/v2.1/flavors",
        "image/v2/images",
        "network/v2.0/networks",
    ] {
        assert_eq!(get(&format!("{root}/{path}"), None).await.0, 401, "{path}");
        assert_eq!(
            get(&format!("{root}/{path}"), Some("bogus")).await.0,
            401,
            "{path}"
        );
    }
}

#[tokio::test]
async fn nova_pages_2500_servers_by_1000_and_returns_each_once() {
    let mut region = SimRegionConfig::new("big");
    region.servers = 2500;
    let sim = start(SimConfig::new(vec![SimCloudConfig::new(
        "c1",
        vec![region],
    )]))
    .await;
    let token = token(&sim, "c1").await;
    let root = region_url(&sim, "c1", "big");
    let (all, pages) = collect(
        format!("{root}/compute/v2.1/servers/detail?limit=1000"),
        &token,
        "servers",
        "",
    )
    .await;
    assert_eq!(all.len(), 2500);
    assert_eq!(pages, 3);
    assert_unique(&all);
    let expected: Vec<String> = sim
        .inventory("c1", "big")
        .unwrap()
        .servers
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(all, expected);
    // Without a limit nova still caps a page at its max_limit of 1000.
    let (status, body) = get(&format!("{root}/compute/v2.1/servers"), Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["servers"].as_array().unwrap().len(), 1000);
    assert!(
        body["servers_links"][0]["href"]
            .as_str()
            .unwrap()
            .contains("marker=")
    );
}

#[tokio::test]
async fn glance_pages_60_images_by_its_default_25() {
    let mut region = SimRegionConfig::new("r1");
    region.images = 60;
    let sim = start(SimConfig::new(vec![SimCloudConfig::new(
        "c1",
        vec![region],
    )]))
    .await;
    let token = token(&sim, "c1").await;
    let image_root = format!("{}/image", region_url(&sim, "c1", "r1"));
    let (first_status, first) = get(&format!("{image_root}/v2/images"), Some(&token)).await;
    assert_eq!(first_status, 200);
    assert_eq!(first["images"].as_array().unwrap().len(), 25);
    assert!(first["next"].as_str().unwrap().starts_with("/v2/images?"));
    let (all, pages) = collect(
        format!("{image_root}/v2/images"),
        &token,
        "images",
        &image_root,
    )
    .await;
    assert_eq!(all.len(), 60);
    assert_eq!(pages, 3);
    assert_unique(&all);
}

#[tokio::test]
async fn neutron_pages_only_when_asked() {
    let mut region = SimRegionConfig::new("r1");
    region.networks = 5;
    let sim = start(SimConfig::new(vec![SimCloudConfig::new(
        "c1",
        vec![region],
    )]))
    .await;
    let token = token(&sim, "c1").await;
    let url = format!("{}/network/v2.0/networks", region_url(&sim, "c1", "r1"));
    let (_, body) = get(&url, Some(&token)).await;
    assert_eq!(body["networks"].as_array().unwrap().len(), 5);
    assert!(body.get("networks_links").is_none());
    let (all, pages) = collect(format!("{url}?limit=2"), &token, "networks", "").await;
    assert_eq!(all.len(), 5);
    assert_eq!(pages, 3);
    assert_unique(&all);
}

#[tokio::test]
async fn configured_page_sizes_force_small_pages() {
    let mut config = small_config();
    config.page_sizes.nova_max_limit = 3;
    config.page_sizes.glance_default_limit = 2;
    let sim = start(config).await;
    let token = token(&sim, "c1").await;
    let root = region_url(&sim, "c1", "r1");
    let (servers, pages) = collect(
        format!("{root}/compute/v2.1/servers/detail?limit=50"),
        &token,
        "servers",
        "",
    )
    .await;
    assert_eq!((servers.len(), pages), (10, 4));
    let (images, pages) = collect(
        format!("{root}/image/v2/images"),
        &token,
        "images",
        &format!("{root}/image"),
    )
    .await;
    // 5 images by 2: the third page has one image; glance links only after full pages.
    assert_eq!((images.len(), pages), (5, 3));
}

#[tokio::test]
async fn an_unknown_marker_is_a_bad_request() {
    let sim = start(small_config()).await;
    let token = token(&sim, "c1").await;
    let root = region_url(&sim, "c1", "r1");
    let (status, body) = get(
        &format!("{root}/compute/v2.1/servers/detail?marker=nope"),
        Some(&token),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["badRequest"]["code"], 400);
    assert_eq!(
        get(&format!("{root}/image/v2/images?marker=nope"), Some(&token))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn exactly_two_servers_per_region_share_the_duplicate_name() {
    let sim = start(small_config()).await;
    let token = token(&sim, "c1").await;
    let root = region_url(&sim, "c1", "r1");
    let (_, body) = get(
        &format!("{root}/compute/v2.1/servers/detail?name={DUPLICATE_SERVER_NAME}"),
        Some(&token),
    )
    .await;
    assert_eq!(body["servers"].as_array().unwrap().len(), 2);
    let names: Vec<String> = sim
        .inventory("c1", "r1")
        .unwrap()
        .servers
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        names.iter().filter(|n| *n == DUPLICATE_SERVER_NAME).count(),
        2
    );
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len() - 1);
}

#[tokio::test]
async fn resources_are_found_by_id_and_unknown_ids_are_404() {
    let sim = start(small_config()).await;
    let token = token(&sim, "c1").await;
    let inventory = sim.inventory("c1", "r1").unwrap();
    let root = region_url(&sim, "c1", "r1");
    let server = &inventory.servers[9];
    let (status, body) = get(
        &format!("{root}/compute/v2.1/servers/{}", server.id),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["server"]["status"], "ERROR");
    assert_eq!(body["server"]["fault"]["code"], 500);
    let (status, body) = get(&format!("{root}/compute/v2.1/servers/nope"), Some(&token)).await;
    assert_eq!(status, 404);
    assert_eq!(body["itemNotFound"]["code"], 404);
    let image = inventory.images.last().unwrap();
    let (status, body) = get(
        &format!("{root}/image/v2/images/{}", image.id),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200);
    assert_ne!(
        body["owner"].as_str().unwrap(),
        inventory.project_id,
        "last image belongs to another project"
    );
    assert_eq!(
        get(&format!("{root}/image/v2/images/nope"), Some(&token))
            .await
            .0,
        404
    );
    let flavor = &inventory.flavors[0];
    let (status, body) = get(
        &format!("{root}/compute/v2.1/flavors/{}", flavor.id),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["flavor"]["name"], "m1.tiny");
    assert_eq!(
        body["flavor"]["swap"], "",
        "nova below 2.75 prints empty swap as \"\""
    );
    let network = &inventory.networks[0];
    let (status, body) = get(
        &format!("{root}/network/v2.0/networks/{}", network.id),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["network"]["router:external"], true);
    assert_eq!(
        get(&format!("{root}/network/v2.0/networks/nope"), Some(&token))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn seeded_data_is_identical_across_restarts() {
    let first = start(SimConfig::demo()).await;
    let second = start(SimConfig::demo()).await;
    assert_eq!(
        first.inventory("beta", "eu-west-1").unwrap(),
        second.inventory("beta", "eu-west-1").unwrap()
    );
}
