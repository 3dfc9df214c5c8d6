//! Endpoint version discovery end to end: the OpenStack driver against clouds whose catalogs
//! spell nova, glance and neutron in each shape — with the project after the version
//! (Rackspace-like: `…/v2/<project>`), versioned, and unversioned — lists and boots there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use oaktree_simcloud::{EndpointStyle, SimCloudConfig, SimConfig, SimRegionConfig, Vendor};
use oaktree_tests::proto::{
    CallOptions, CloudRegion, CreateServerRequest, ListRequest, OperationState, StatusKind,
};
use oaktree_tests::{World, built_plugin, drain_operation, finished, list_request, status_at};

const LIMIT: Duration = Duration::from_secs(60);

fn cloud(name: &str, vendor: Vendor, endpoints: EndpointStyle) -> SimCloudConfig {
    let mut region = SimRegionConfig::new("ORD");
    region.lifecycle.build_ms = 300;
    SimCloudConfig {
        vendor,
        endpoints,
        ..SimCloudConfig::new(name, vec![region])
    }
}

/// `rax`: Rackspace (keystone v2.0, direct public IPs; served by the rackspace driver, which
/// shares the OpenStack library) with a project-scoped catalog; `scoped`: a stock OpenStack
/// (floating IPs through neutron) with the same catalog shape.
fn project_scoped() -> SimConfig {
    let mut config = SimConfig::new(vec![
        cloud("rax", Vendor::Rackspace, EndpointStyle::ProjectScoped),
        cloud("scoped", Vendor::OpenStack, EndpointStyle::ProjectScoped),
    ]);
    // Several glance and neutron pages, whose links must keep the project.
    config.page_sizes.glance_default_limit = 2;
    config.page_sizes.neutron_max_limit = Some(1);
    config
}

/// A world with the OpenStack and Rackspace drivers.
async fn with_rackspace(config: SimConfig) -> World {
    World::start_full(config, "", &[built_plugin("rackspace")], |_| {})
        .await
        .unwrap()
}

fn fresh(mut request: ListRequest) -> ListRequest {
    request.options = Some(CallOptions {
        bypass_cache: true,
        treat_as_empty: vec![],
    });
    request
}

fn ids<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut ids: Vec<String> = items.map(String::from).collect();
    ids.sort();
    ids
}

fn seeded(
    world: &World,
    cloud: &str,
    pick: fn(&oaktree_simcloud::Inventory) -> &[oaktree_simcloud::SeededItem],
) -> Vec<String> {
    let inventory = world.sim.inventory(cloud, "ORD").unwrap();
    ids(pick(&inventory).iter().map(|i| i.id.as_str()))
}

/// Lists images, networks and servers of `cloud` and checks each against the seeded ids.
async fn lists_match_the_seed(world: &World, cloud: &str) {
    let mut client = world.client().await;
    let at = format!("{cloud}/ORD");
    let request = || list_request(&[cloud], &[], "");

    let images = client.list_images(request()).await.unwrap().into_inner();
    let status = status_at(&images.statuses, &at);
    assert_eq!(
        status.kind(),
        StatusKind::Ok,
        "images at {at}: {}",
        status.message
    );
    assert_eq!(
        ids(images.images.iter().map(|i| i.id.as_str())),
        seeded(world, cloud, |i| &i.images),
        "images at {at}"
    );

    let networks = client.list_networks(request()).await.unwrap().into_inner();
    let status = status_at(&networks.statuses, &at);
    assert_eq!(
        status.kind(),
        StatusKind::Ok,
        "networks at {at}: {}",
        status.message
    );
    assert_eq!(
        ids(networks.networks.iter().map(|n| n.id.as_str())),
        seeded(world, cloud, |i| &i.networks),
        "networks at {at}"
    );

    let servers = client.list_servers(request()).await.unwrap().into_inner();
    let status = status_at(&servers.statuses, &at);
    assert_eq!(
        status.kind(),
        StatusKind::Ok,
        "servers at {at}: {}",
        status.message
    );
    assert_eq!(
        ids(servers.servers.iter().map(|s| s.id.as_str())),
        seeded(world, cloud, |i| &i.servers),
        "servers at {at}"
    );
}

/// Boots a server at `cloud` with the image, flavor and network given by name, and waits.
async fn boot_by_name(world: &World, cloud: &str, auto_ip: bool) {
    let inventory = world.sim.inventory(cloud, "ORD").unwrap();
    let mut operations = world.operations().await;
    let request = CreateServerRequest {
        location: Some(CloudRegion {
            cloud: cloud.into(),
            region: "ORD".into(),
        }),
        name: format!("web-{cloud}"),
        image: inventory.images[0].name.clone(),
        flavor: inventory.flavors[0].name.clone(),
        networks: vec!["private".into()],
        wait: true,
        auto_ip,
        poll_interval_ms: 100,
        timeout_seconds: 60,
        ..Default::default()
    };

    let events = operations
        .create_server(request)
        .await
        .unwrap()
        .into_inner();
    let op = finished(&drain_operation(events, LIMIT).await);

    assert_eq!(
        op.state(),
        OperationState::Succeeded,
        "boot at {cloud}: {op:?}"
    );
    let server = op.servers.last().unwrap();
    assert_eq!(
        (server.name.as_str(), server.status.as_str()),
        (format!("web-{cloud}").as_str(), "ACTIVE")
    );
    assert_eq!(
        server.image_id, inventory.images[0].id,
        "the image name was resolved through glance"
    );
}

#[tokio::test]
async fn images_networks_and_servers_list_at_a_project_scoped_rackspace_like_cloud() {
    let world = with_rackspace(project_scoped()).await;

    lists_match_the_seed(&world, "rax").await;
    lists_match_the_seed(&world, "scoped").await;
}

#[tokio::test]
async fn a_server_boots_by_image_and_network_name_at_project_scoped_clouds() {
    let world = with_rackspace(project_scoped()).await;

    boot_by_name(&world, "rax", false).await;
    boot_by_name(&world, "scoped", true).await;
}

#[tokio::test]
async fn versioned_and_unversioned_catalogs_list_and_boot_too() {
    let world = World::start(SimConfig::new(vec![
        cloud("versioned", Vendor::OpenStack, EndpointStyle::Versioned),
        cloud("unversioned", Vendor::OpenStack, EndpointStyle::Unversioned),
    ]))
    .await
    .unwrap();

    for name in ["versioned", "unversioned"] {
        lists_match_the_seed(&world, name).await;
        boot_by_name(&world, name, true).await;
    }
}

#[tokio::test]
async fn an_unversioned_endpoint_is_discovered_once_and_then_costs_no_request() {
    let world = World::start(SimConfig::new(vec![cloud(
        "unversioned",
        Vendor::OpenStack,
        EndpointStyle::Unversioned,
    )]))
    .await
    .unwrap();
    let mut client = world.client().await;
    let count = || world.sim.request_count("unversioned", "ORD");

    let before = count();
    let first = client
        .list_images(fresh(list_request(&[], &[], "")))
        .await
        .unwrap()
        .into_inner();
    let after_first = count();
    let second = client
        .list_images(fresh(list_request(&[], &[], "")))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        first.statuses[0].kind(),
        StatusKind::Ok,
        "{}",
        first.statuses[0].message
    );
    assert_eq!(second.images.len(), first.images.len());
    assert_eq!(
        after_first - before,
        2,
        "glance's version list, then the images"
    );
    assert_eq!(
        count() - after_first,
        1,
        "the discovered endpoint was remembered"
    );
}
