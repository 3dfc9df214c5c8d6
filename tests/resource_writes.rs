//! Writes at one location (floating IPs, keypairs, security groups and rules, subnets,
//! volumes) through gRPC, against simulated clouds and the real OpenStack plugin: what a
//! write answers, what lists show afterwards, and how a bad location is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use oaktree_simcloud::SimConfig;
use oaktree_tests::proto::{
    self, CacheSource, CallOptions, CloudRegion, CreateFloatingIpRequest, CreateKeypairRequest,
    CreateSecurityGroupRequest, CreateSecurityGroupRuleRequest, CreateServerRequest,
    CreateSubnetRequest, CreateVolumeRequest, DeleteRequest, FloatingIpSpec, GetRequest,
    KeypairSpec, LocationSelector, OperationState, SecurityGroupRuleSpec, SecurityGroupSpec,
    StatusKind, SubnetSpec, VolumeSpec,
};
use oaktree_tests::{World, drain_operation, finished, list_request, status_at};
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

type Client = proto::cloud_service_client::CloudServiceClient<Channel>;

/// A well-formed OpenSSH ed25519 public key (not a real one).
const PUBLIC_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f oaktree-test";

fn alpha_east() -> Option<CloudRegion> {
    Some(CloudRegion {
        cloud: "alpha".into(),
        region: "us-east-1".into(),
    })
}

fn at_alpha_east(location: Option<&proto::Location>) -> (String, String) {
    let location = location.expect("a written resource carries its location");
    (location.cloud.clone(), location.region.clone())
}

fn alpha_east_pair() -> (String, String) {
    ("alpha".to_owned(), "us-east-1".to_owned())
}

/// The demo clouds, with alpha/us-east-1's servers and volumes settling in a fraction of a
/// second.
fn quick_demo() -> SimConfig {
    let mut config = SimConfig::demo();
    let lifecycle = &mut config.clouds[0].regions[0].lifecycle;
    lifecycle.build_ms = 200;
    lifecycle.volume_ms = 200;
    config
}

/// Polls (past the cache) until the volume is `available`.
async fn wait_until_available(client: &mut Client, id: &str) -> proto::Volume {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut request = get_request(id);
        request.options = Some(CallOptions {
            bypass_cache: true,
            ..CallOptions::default()
        });
        let volume = client
            .get_volume(request)
            .await
            .unwrap()
            .into_inner()
            .volume
            .unwrap();
        if volume.status == "available" {
            return volume;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "volume {id} is still {}",
            volume.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn get_request(name_or_id: &str) -> GetRequest {
    GetRequest {
        selector: Some(LocationSelector {
            clouds: vec!["alpha".into()],
            regions: vec!["us-east-1".into()],
        }),
        name_or_id: name_or_id.to_owned(),
        options: None,
    }
}

fn delete_request(id: &str) -> DeleteRequest {
    DeleteRequest {
        location: alpha_east(),
        id: id.to_owned(),
    }
}

#[tokio::test]
async fn an_imported_keypair_is_listed_with_its_location_and_without_a_private_key() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;

    let created = client
        .create_keypair(CreateKeypairRequest {
            request_id: String::new(),
            location: alpha_east(),
            keypair: Some(KeypairSpec {
                name: "deploy".into(),
                public_key: PUBLIC_KEY.into(),
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .keypair
        .unwrap();

    assert_eq!(created.name, "deploy");
    assert_eq!(at_alpha_east(created.location.as_ref()), alpha_east_pair());
    assert_eq!(
        created.private_key, "",
        "an imported key has no private key"
    );
    assert!(!created.fingerprint.is_empty());
    let listed = client
        .list_keypairs(list_request(&["alpha"], &["us-east-1"], "deploy"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.keypairs.len(), 1);
    assert_eq!(
        at_alpha_east(listed.keypairs[0].location.as_ref()),
        alpha_east_pair()
    );
    assert_eq!(listed.keypairs[0].public_key, PUBLIC_KEY);
    let elsewhere = client
        .list_keypairs(list_request(&["alpha"], &["us-west-1"], "deploy"))
        .await
        .unwrap()
        .into_inner();
    assert!(elsewhere.keypairs.is_empty(), "{:?}", elsewhere.keypairs);
}

#[tokio::test]
async fn a_generated_keypair_answers_its_private_key_once_and_is_gone_after_delete() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;

    let created = client
        .create_keypair(CreateKeypairRequest {
            request_id: String::new(),
            location: alpha_east(),
            keypair: Some(KeypairSpec {
                name: "generated".into(),
                public_key: String::new(),
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .keypair
        .unwrap();
    assert!(
        created.private_key.contains("PRIVATE KEY"),
        "{}",
        created.private_key
    );
    let got = client
        .get_keypair(get_request("generated"))
        .await
        .unwrap()
        .into_inner()
        .keypair
        .unwrap();
    assert_eq!(
        got.private_key, "",
        "a listed keypair never shows a private key"
    );

    let deleted = client
        .delete_keypair(delete_request("generated"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deleted.id, "generated");
    let error = client
        .get_keypair(get_request("generated"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound, "{error:?}");
    let again = client
        .delete_keypair(delete_request("generated"))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::NotFound, "{again:?}");
}

#[tokio::test]
async fn a_security_group_and_its_rule_are_created_and_listed_together() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;

    let group = client
        .create_security_group(CreateSecurityGroupRequest {
            request_id: String::new(),
            location: alpha_east(),
            security_group: Some(SecurityGroupSpec {
                name: "web".into(),
                description: "web servers".into(),
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .security_group
        .unwrap();
    assert_eq!(at_alpha_east(group.location.as_ref()), alpha_east_pair());
    let rule = client
        .create_security_group_rule(CreateSecurityGroupRuleRequest {
            request_id: String::new(),
            location: alpha_east(),
            rule: Some(SecurityGroupRuleSpec {
                security_group_id: group.id.clone(),
                protocol: "tcp".into(),
                port_range_min: Some(443),
                port_range_max: Some(443),
                remote_ip_prefix: "0.0.0.0/0".into(),
                ..SecurityGroupRuleSpec::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .rule
        .unwrap();
    assert_eq!(rule.security_group_id, group.id);
    assert_eq!(
        (rule.direction.as_str(), rule.ethertype.as_str()),
        ("ingress", "IPv4")
    );
    assert_eq!(at_alpha_east(rule.location.as_ref()), alpha_east_pair());

    let listed = client
        .get_security_group(get_request(&group.id))
        .await
        .unwrap()
        .into_inner()
        .security_group
        .unwrap();
    assert_eq!(listed.name, "web");
    let https = listed
        .rules
        .iter()
        .find(|r| r.id == rule.id)
        .expect("the new rule is listed in its group");
    assert_eq!((https.port_range_min, https.port_range_max), (443, 443));

    client
        .delete_security_group_rule(delete_request(&rule.id))
        .await
        .unwrap();
    let after = client
        .get_security_group(get_request(&group.id))
        .await
        .unwrap()
        .into_inner()
        .security_group
        .unwrap();
    assert!(after.rules.iter().all(|r| r.id != rule.id));
    client
        .delete_security_group(delete_request(&group.id))
        .await
        .unwrap();
    let gone = client
        .get_security_group(get_request(&group.id))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound, "{gone:?}");
}

#[tokio::test]
async fn a_subnet_is_created_on_a_seeded_network_and_deleted() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let inventory = world.sim.inventory("alpha", "us-east-1").unwrap();
    let network = inventory
        .networks
        .iter()
        .find(|n| n.name == "private")
        .expect("the simulator seeds a private network");
    let mut client = world.client().await;

    let subnet = client
        .create_subnet(CreateSubnetRequest {
            request_id: String::new(),
            location: alpha_east(),
            subnet: Some(SubnetSpec {
                network_id: network.id.clone(),
                name: "extra".into(),
                cidr: "192.168.77.0/24".into(),
                dns_nameservers: vec!["9.9.9.9".into()],
                ..SubnetSpec::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .subnet
        .unwrap();

    assert_eq!(at_alpha_east(subnet.location.as_ref()), alpha_east_pair());
    assert_eq!(
        (subnet.network_id.as_str(), subnet.cidr.as_str()),
        (network.id.as_str(), "192.168.77.0/24")
    );
    assert_eq!(subnet.ip_version, 4);
    assert!(subnet.is_dhcp_enabled, "DHCP is on unless asked otherwise");
    let listed = client
        .list_subnets(list_request(&["alpha"], &["us-east-1"], "extra"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.subnets.len(), 1);
    assert_eq!(listed.subnets[0].id, subnet.id);

    client
        .delete_subnet(delete_request(&subnet.id))
        .await
        .unwrap();
    let after = client
        .list_subnets(list_request(&["alpha"], &["us-east-1"], "extra"))
        .await
        .unwrap()
        .into_inner();
    assert!(after.subnets.is_empty(), "{:?}", after.subnets);
}

#[tokio::test]
async fn a_volume_is_created_becomes_available_and_is_deleted() {
    let world = World::start(quick_demo()).await.unwrap();
    let mut client = world.client().await;

    let volume = client
        .create_volume(CreateVolumeRequest {
            request_id: String::new(),
            location: alpha_east(),
            volume: Some(VolumeSpec {
                name: "data".into(),
                size_gib: 10,
                description: "scratch".into(),
                ..VolumeSpec::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .volume
        .unwrap();

    assert_eq!(at_alpha_east(volume.location.as_ref()), alpha_east_pair());
    assert_eq!((volume.name.as_str(), volume.size_gib), ("data", 10));
    assert!(!volume.status.is_empty());
    let listed = client
        .list_volumes(list_request(&["alpha"], &["us-east-1"], "data"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.volumes.len(), 1);
    assert_eq!(listed.volumes[0].id, volume.id);
    let available = wait_until_available(&mut client, &volume.id).await;
    assert_eq!(
        at_alpha_east(available.location.as_ref()),
        alpha_east_pair()
    );

    client
        .delete_volume(delete_request(&volume.id))
        .await
        .unwrap();
    let after = client
        .list_volumes(list_request(&["alpha"], &["us-east-1"], &volume.id))
        .await
        .unwrap()
        .into_inner();
    assert!(
        after
            .volumes
            .iter()
            .all(|v| v.status == "deleting" || v.id != volume.id),
        "{:?}",
        after.volumes
    );
}

#[tokio::test]
async fn a_floating_ip_is_created_attached_to_a_server_and_deleted() {
    let world = World::start(quick_demo()).await.unwrap();
    let inventory = world.sim.inventory("alpha", "us-east-1").unwrap();
    // Seeded servers have no neutron ports: boot one that has.
    let events = world
        .operations()
        .await
        .create_server(CreateServerRequest {
            location: alpha_east(),
            name: "fip-target".into(),
            image: inventory.images[0].id.clone(),
            flavor: inventory.flavors[0].id.clone(),
            networks: vec!["private".into()],
            wait: true,
            poll_interval_ms: 100,
            timeout_seconds: 60,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let booted = finished(&drain_operation(events, Duration::from_secs(60)).await);
    assert_eq!(booted.state(), OperationState::Succeeded, "{booted:?}");
    let server = booted.servers.last().unwrap().clone();
    let mut client = world.client().await;

    let created = client
        .create_floating_ip(CreateFloatingIpRequest {
            request_id: String::new(),
            location: alpha_east(),
            floating_ip: Some(FloatingIpSpec::default()),
        })
        .await
        .unwrap()
        .into_inner()
        .floating_ip
        .unwrap();
    assert_eq!(at_alpha_east(created.location.as_ref()), alpha_east_pair());
    assert!(!created.floating_ip_address.is_empty());
    assert!(!created.is_attached);

    let attached = client
        .attach_floating_ip(proto::AttachFloatingIpRequest {
            location: alpha_east(),
            id: created.id.clone(),
            server_id: server.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .floating_ip
        .unwrap();
    assert_eq!(attached.id, created.id);
    assert!(attached.is_attached, "{attached:?}");
    assert!(!attached.fixed_ip_address.is_empty(), "{attached:?}");
    let listed = client
        .get_floating_ip(get_request(&created.floating_ip_address))
        .await
        .unwrap()
        .into_inner()
        .floating_ip
        .unwrap();
    assert_eq!(listed.id, created.id);
    assert!(listed.is_attached);

    client
        .delete_floating_ip(delete_request(&created.id))
        .await
        .unwrap();
    let gone = client
        .get_floating_ip(get_request(&created.id))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound, "{gone:?}");
}

#[tokio::test]
async fn a_cached_listing_is_dropped_by_a_write_at_its_location() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;
    let list = || list_request(&["alpha"], &["us-east-1"], "");

    let first = client.list_keypairs(list()).await.unwrap().into_inner();
    let cached = client.list_keypairs(list()).await.unwrap().into_inner();
    assert_eq!(
        status_at(&cached.statuses, "alpha/us-east-1").cache(),
        CacheSource::Hit,
        "the second listing comes from the cache"
    );
    assert_eq!(
        status_at(&first.statuses, "alpha/us-east-1").kind(),
        StatusKind::Ok
    );

    client
        .create_keypair(CreateKeypairRequest {
            request_id: String::new(),
            location: alpha_east(),
            keypair: Some(KeypairSpec {
                name: "fresh".into(),
                public_key: PUBLIC_KEY.into(),
            }),
        })
        .await
        .unwrap();

    let after = client.list_keypairs(list()).await.unwrap().into_inner();
    assert_eq!(
        status_at(&after.statuses, "alpha/us-east-1").cache(),
        CacheSource::Miss,
        "the write dropped the cached listing"
    );
    assert!(after.keypairs.iter().any(|k| k.name == "fresh"));
    assert_eq!(after.keypairs.len(), first.keypairs.len() + 1);
}

#[tokio::test]
async fn a_write_to_an_unknown_location_is_not_found_naming_the_known_ones() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;
    let create_at = |cloud: &str, region: &str| CreateVolumeRequest {
        request_id: String::new(),
        location: Some(CloudRegion {
            cloud: cloud.into(),
            region: region.into(),
        }),
        volume: Some(VolumeSpec {
            size_gib: 1,
            ..VolumeSpec::default()
        }),
    };

    let unknown_cloud = client
        .create_volume(create_at("omega", "us-east-1"))
        .await
        .unwrap_err();
    assert_eq!(unknown_cloud.code(), Code::NotFound, "{unknown_cloud:?}");
    assert!(
        unknown_cloud.message().contains("alpha/us-east-1"),
        "{}",
        unknown_cloud.message()
    );
    let unknown_region = client
        .create_volume(create_at("alpha", "mars-1"))
        .await
        .unwrap_err();
    assert_eq!(unknown_region.code(), Code::NotFound, "{unknown_region:?}");
    let details = unknown_region.get_error_details();
    assert_eq!(
        details.error_info().map(|i| i.reason.as_str()),
        Some("UNKNOWN_LOCATION")
    );
}

#[tokio::test]
async fn a_write_must_name_its_cloud_and_a_region_of_a_multi_region_cloud() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;
    let delete_at = |cloud: &str, region: &str| DeleteRequest {
        location: Some(CloudRegion {
            cloud: cloud.into(),
            region: region.into(),
        }),
        id: "anything".into(),
    };

    let no_cloud = client.delete_volume(delete_at("", "")).await.unwrap_err();
    assert_eq!(no_cloud.code(), Code::InvalidArgument, "{no_cloud:?}");
    let no_region = client
        .delete_volume(delete_at("alpha", ""))
        .await
        .unwrap_err();
    assert_eq!(no_region.code(), Code::InvalidArgument, "{no_region:?}");
    assert!(
        no_region.message().contains("us-west-1"),
        "the regions are listed: {}",
        no_region.message()
    );
    let no_id = client
        .delete_volume(DeleteRequest {
            location: alpha_east(),
            id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(no_id.code(), Code::InvalidArgument, "{no_id:?}");
}

#[tokio::test]
async fn a_bad_spec_is_refused_before_any_cloud_is_asked() {
    let world = World::start(SimConfig::demo()).await.unwrap();
    let mut client = world.client().await;

    let error = client
        .create_subnet(CreateSubnetRequest {
            request_id: String::new(),
            location: alpha_east(),
            subnet: Some(SubnetSpec {
                network_id: "net".into(),
                cidr: "10.0.0.0".into(),
                ..SubnetSpec::default()
            }),
        })
        .await
        .unwrap_err();

    assert_eq!(error.code(), Code::InvalidArgument, "{error:?}");
    let violations = error
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.clone())
        .unwrap_or_default();
    assert_eq!(violations[0].field, "subnet.cidr");
}

/// A cloud served by the echo test driver, which declares only `list-networks`.
const ECHO_CLOUD: &str = "  mirror:\n    profile: echo\n    auth:\n      auth_url: http://127.0.0.1:9/identity\n    regions: [one]\n";

#[tokio::test]
async fn a_write_where_the_driver_lacks_the_capability_is_a_failed_precondition_naming_both() {
    let echo = oaktree_tests::built_plugin("echo");
    let world = World::start_full(SimConfig::demo(), ECHO_CLOUD, &[echo], |_| {})
        .await
        .unwrap();
    let mut client = world.client().await;

    // The cloud has one region, so the write may leave it out.
    let error = client
        .create_keypair(CreateKeypairRequest {
            request_id: String::new(),
            location: Some(CloudRegion {
                cloud: "mirror".into(),
                region: String::new(),
            }),
            keypair: Some(KeypairSpec {
                name: "deploy".into(),
                public_key: PUBLIC_KEY.into(),
            }),
        })
        .await
        .unwrap_err();

    assert_eq!(error.code(), Code::FailedPrecondition, "{error:?}");
    assert!(
        error.message().contains("echo") && error.message().contains("create-keypair"),
        "{}",
        error.message()
    );
    let details = error.get_error_details();
    assert_eq!(
        details.error_info().map(|i| i.reason.as_str()),
        Some("UNSUPPORTED")
    );
}
