//! The AWS EC2 plugin against moto (signature checking on), federated with OpenStack clouds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use oaktree_simcloud::{SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::{Location, StatusKind};
use oaktree_tests::{Moto, World, at, built_plugin, list_request};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// moto's one account.
const ACCOUNT: &str = "123456789012";

fn one_openstack_cloud() -> SimConfig {
    SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![SimRegionConfig::new("one")],
    )])
}

async fn world_with(clouds: &str) -> World {
    World::start_full(
        one_openstack_cloud(),
        clouds,
        &[built_plugin("aws_ec2")],
        |_| {},
    )
    .await
    .unwrap()
}

fn assert_aws_location(location: &Option<Location>, cloud: &str) -> (String, String) {
    let l = location.as_ref().unwrap();
    assert_eq!(l.cloud, cloud);
    assert!(REGIONS.contains(&l.region.as_str()), "{l:?}");
    assert_eq!(
        l.project.as_ref().map(|p| p.id.as_str()),
        Some(ACCOUNT),
        "{l:?}"
    );
    (l.region.clone(), l.zone.clone())
}

#[tokio::test]
async fn one_list_servers_returns_openstack_servers_and_ec2_instances_of_two_regions() {
    let moto = Moto::start(&REGIONS).unwrap();
    let world = world_with(&moto.clouds_yaml("aws", &REGIONS, None)).await;
    let mut client = world.client().await;

    let reply = client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    for status in &reply.statuses {
        assert_eq!(
            status.kind(),
            StatusKind::Ok,
            "{}: {}",
            at(status),
            status.message
        );
    }
    let mut at_statuses: Vec<String> = reply.statuses.iter().map(at).collect();
    at_statuses.sort();
    assert_eq!(at_statuses, ["alpha/one", "aws/eu-west-1", "aws/us-east-1"]);
    let openstack = reply
        .servers
        .iter()
        .filter(|s| s.location.as_ref().unwrap().cloud == "alpha")
        .count();
    assert_eq!(openstack, SimRegionConfig::new("x").servers);
    for region in REGIONS {
        let seeded = moto.ids("instances", region);
        let mut found: Vec<String> = reply
            .servers
            .iter()
            .filter(|s| {
                let l = s.location.as_ref().unwrap();
                l.cloud == "aws" && l.region == region
            })
            .map(|s| s.id.clone())
            .collect();
        found.sort();
        let mut expected = seeded.clone();
        expected.sort();
        assert_eq!(found, expected, "{region}");
    }
    for server in reply.servers.iter().filter(|s| s.id.starts_with("i-")) {
        let (region, zone) = assert_aws_location(&server.location, "aws");
        assert_eq!(zone, format!("{region}b"));
        assert_eq!(server.name, format!("web-{region}"));
        assert_eq!(server.status, "ACTIVE");
        assert_eq!(server.flavor_name, "t3.micro");
        assert_eq!(server.key_name, "oaktree");
        assert!(
            server.private_v4.starts_with("10."),
            "{}",
            server.private_v4
        );
        assert_eq!(
            server.metadata.get("team").map(String::as_str),
            Some("oaktree")
        );
        assert!(!server.security_groups.is_empty());
    }
}

#[tokio::test]
async fn an_aws_cloud_with_a_wrong_secret_is_unauthorized_while_the_others_answer() {
    let moto = Moto::start(&REGIONS[..1]).unwrap();
    let clouds = moto.clouds_yaml("aws", &REGIONS[..1], None)
        + &moto.clouds_yaml("aws-bad", &REGIONS[..1], Some("not-the-secret"));
    let world = world_with(&clouds).await;
    let mut client = world.client().await;

    let reply = client
        .list_servers(list_request(&[], &[], ""))
        .await
        .unwrap()
        .into_inner();

    let bad = reply
        .statuses
        .iter()
        .find(|s| at(s) == "aws-bad/us-east-1")
        .unwrap();
    assert_eq!(bad.kind(), StatusKind::Unauthorized, "{}", bad.message);
    assert!(bad.message.contains("AuthFailure"), "{}", bad.message);
    for good in ["alpha/one", "aws/us-east-1"] {
        let s = reply.statuses.iter().find(|s| at(s) == good).unwrap();
        assert_eq!(s.kind(), StatusKind::Ok, "{good}: {}", s.message);
    }
    assert_eq!(
        reply
            .servers
            .iter()
            .filter(|s| s.id.starts_with("i-"))
            .count(),
        2
    );
}

#[tokio::test]
async fn images_flavors_and_networks_list_from_moto_with_their_locations() {
    let moto = Moto::start(&REGIONS).unwrap();
    let world = world_with(&moto.clouds_yaml("aws", &REGIONS, None)).await;
    let mut client = world.client().await;
    let only_aws = || list_request(&["aws"], &[], "");

    let images = client.list_images(only_aws()).await.unwrap().into_inner();
    assert!(
        images.statuses.iter().all(|s| s.kind() == StatusKind::Ok),
        "{:?}",
        images.statuses
    );
    for region in REGIONS {
        let here: Vec<_> = images
            .images
            .iter()
            .filter(|i| i.location.as_ref().unwrap().region == region)
            .collect();
        let ids: Vec<String> = here.iter().map(|i| i.id.clone()).collect();
        assert_eq!(ids, moto.ids("images", region), "{region}");
        assert_eq!(here[0].name, format!("golden-{region}"));
        assert_eq!(here[0].status, "available");
        assert_eq!(here[0].visibility, "private");
        assert_aws_location(&here[0].location, "aws");
    }

    let flavors = client.list_flavors(only_aws()).await.unwrap().into_inner();
    assert!(
        flavors.statuses.iter().all(|s| s.kind() == StatusKind::Ok),
        "{:?}",
        flavors.statuses
    );
    let micro = flavors
        .flavors
        .iter()
        .find(|f| f.id == "t3.micro" && f.location.as_ref().unwrap().region == "eu-west-1")
        .unwrap();
    assert_eq!((micro.vcpus, micro.ram_mib), (2, 1024));
    assert_eq!(micro.location.as_ref().unwrap().cloud, "aws");

    let networks = client.list_networks(only_aws()).await.unwrap().into_inner();
    assert!(
        networks.statuses.iter().all(|s| s.kind() == StatusKind::Ok),
        "{:?}",
        networks.statuses
    );
    for region in REGIONS {
        let vpc = &moto.ids("vpcs", region)[0];
        let network = networks
            .networks
            .iter()
            .find(|n| &n.id == vpc)
            .unwrap_or_else(|| panic!("{vpc} in {region}"));
        assert_eq!(network.name, format!("oaktree-{region}"));
        assert_eq!(network.status, "ACTIVE");
        assert_eq!(network.subnet_ids.len(), 1);
        assert_eq!(network.availability_zones, [format!("{region}b")]);
        let (r, _) = assert_aws_location(&network.location, "aws");
        assert_eq!(r, region);
    }
}

#[tokio::test]
async fn an_ec2_instance_is_created_and_terminated_through_the_api_with_streamed_waits() {
    use oaktree_tests::proto::{
        CloudRegion, CreateServerRequest, DeleteServerRequest, OperationState,
    };
    use oaktree_tests::{drain_operation, finished, server_statuses};
    use std::time::Duration;

    let moto = Moto::start(&REGIONS[..1]).unwrap();
    let world = world_with(&moto.clouds_yaml("aws", &REGIONS[..1], None)).await;
    let mut operations = world.operations().await;
    let region = REGIONS[0];
    let location = CloudRegion {
        cloud: "aws".into(),
        region: region.into(),
    };
    let ami = moto.ids("images", region)[0].clone();

    let events = operations
        .create_server(CreateServerRequest {
            location: Some(location.clone()),
            name: "made-by-oaktree".into(),
            image: ami.clone(),
            flavor: "t3.micro".into(),
            key_name: "oaktree".into(),
            wait: true,
            poll_interval_ms: 100,
            timeout_seconds: 60,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let events = drain_operation(events, Duration::from_secs(90)).await;
    let created = finished(&events);
    assert_eq!(created.state(), OperationState::Succeeded, "{created:?}");
    assert_eq!(
        server_statuses(&events).first().map(String::as_str),
        Some("BUILD"),
        "{events:?}"
    );
    assert_eq!(
        server_statuses(&events).last().map(String::as_str),
        Some("ACTIVE")
    );
    let server = created.servers.last().unwrap();
    assert!(server.id.starts_with("i-"), "{server:?}");
    assert_eq!(server.name, "made-by-oaktree");
    assert_eq!(server.image_id, ami);
    let (found_region, _) = assert_aws_location(&server.location, "aws");
    assert_eq!(found_region, region);

    let events = operations
        .delete_server(DeleteServerRequest {
            location: Some(location),
            server: server.id.clone(),
            wait: true,
            poll_interval_ms: 100,
            timeout_seconds: 60,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let events = drain_operation(events, Duration::from_secs(90)).await;
    let deleted = finished(&events);
    assert_eq!(deleted.state(), OperationState::Succeeded, "{deleted:?}");
    let mut client = world.client().await;
    let mut request = list_request(&["aws"], &[region], &server.id);
    request.options = Some(oaktree_tests::proto::CallOptions {
        bypass_cache: true,
        ..Default::default()
    });
    let listed = client.list_servers(request).await.unwrap().into_inner();
    let statuses: Vec<&str> = listed.servers.iter().map(|s| s.status.as_str()).collect();
    assert!(
        statuses.iter().all(|s| *s == "DELETED"),
        "after the delete's wait the instance is terminated: {statuses:?}"
    );
}
