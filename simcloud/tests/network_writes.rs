//! Neutron writes against a started simulator: floating IPs on server ports, security groups
//! and rules, subnets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::*;
use oaktree_simcloud::SimCloud;
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

fn network(sim: &SimCloud) -> String {
    format!("{}/network/v2.0", region_url(sim, "c1", "r1"))
}

/// Boots a server on `private` with `groups` and waits until it is ACTIVE; returns its id.
async fn active_server(sim: &SimCloud, token: &str, groups: Value) -> String {
    let seeded = sim.inventory("c1", "r1").unwrap();
    let compute = format!("{}/compute/v2.1/servers", region_url(sim, "c1", "r1"));
    let body = json!({"server": {
        "name": "net-test", "imageRef": seeded.images[0].id, "flavorRef": seeded.flavors[0].id,
        "networks": [{"uuid": seeded.networks[1].id}], "security_groups": groups,
    }});
    let (status, created) = send(Method::POST, &compute, token, Some(body)).await;
    assert_eq!(status, 202, "{created}");
    let id = created["server"]["id"].as_str().unwrap().to_string();
    poll_until(&format!("{compute}/{id}"), token, |_, b| {
        b["server"]["status"] == "ACTIVE"
    })
    .await;
    id
}

#[tokio::test]
async fn a_floating_ip_attached_to_a_server_port_shows_in_its_addresses() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    let server = active_server(&sim, &token, json!([{"name": "default"}])).await;
    let (_, ports) = get(
        &format!("{}/ports?device_id={server}", network(&sim)),
        Some(&token),
    )
    .await;
    let port_id = ports["ports"][0]["id"].as_str().unwrap().to_string();
    let external = sim.inventory("c1", "r1").unwrap().networks[0].id.clone();

    let fips = format!("{}/floatingips", network(&sim));
    let (status, created) = send(
        Method::POST,
        &fips,
        &token,
        Some(json!({"floatingip": {"floating_network_id": external}})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let fip = &created["floatingip"];
    assert_eq!(
        (fip["status"].as_str(), fip["port_id"].is_null()),
        (Some("DOWN"), true)
    );
    let fip_url = format!("{fips}/{}", fip["id"].as_str().unwrap());
    let (status, attached) = send(
        Method::PUT,
        &fip_url,
        &token,
        Some(json!({"floatingip": {"port_id": port_id}})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(attached["floatingip"]["status"], "ACTIVE");

    let server_url = format!(
        "{}/compute/v2.1/servers/{server}",
        region_url(&sim, "c1", "r1")
    );
    let (_, shown) = get(&server_url, Some(&token)).await;
    let addresses = shown["server"]["addresses"]["private"]
        .as_array()
        .unwrap()
        .clone();
    let floating: Vec<&Value> = addresses
        .iter()
        .filter(|a| a["OS-EXT-IPS:type"] == "floating")
        .collect();
    assert_eq!(floating.len(), 1);
    assert_eq!(floating[0]["addr"], fip["floating_ip_address"]);
    assert_eq!(shown["server"]["accessIPv4"], "");

    send(
        Method::PUT,
        &fip_url,
        &token,
        Some(json!({"floatingip": {"port_id": null}})),
    )
    .await;
    let (_, shown) = get(&server_url, Some(&token)).await;
    assert_eq!(
        shown["server"]["addresses"]["private"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let private = sim.inventory("c1", "r1").unwrap().networks[1].id.clone();
    let not_external = json!({"floatingip": {"floating_network_id": private}});
    assert_eq!(
        send(Method::POST, &fips, &token, Some(not_external))
            .await
            .0,
        400
    );
    assert_eq!(send(Method::DELETE, &fip_url, &token, None).await.0, 204);
    assert_eq!(get(&fip_url, Some(&token)).await.0, 404);
}

#[tokio::test]
async fn a_security_group_gets_default_egress_rules_takes_a_rule_and_cannot_go_while_used() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    let groups = format!("{}/security-groups", network(&sim));
    let (status, created) = send(
        Method::POST,
        &groups,
        &token,
        Some(json!({"security_group": {"name": "web", "description": "http"}})),
    )
    .await;
    assert_eq!(status, 201);
    let group = &created["security_group"];
    let group_id = group["id"].as_str().unwrap().to_string();
    let rules = group["security_group_rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert!(rules.iter().all(|r| r["direction"] == "egress"));

    let rule = json!({"security_group_rule": {"security_group_id": group_id, "direction": "ingress",
        "protocol": "tcp", "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "0.0.0.0/0"}});
    let rules_url = format!("{}/security-group-rules", network(&sim));
    let (status, added) = send(Method::POST, &rules_url, &token, Some(rule.clone())).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(
        send(Method::POST, &rules_url, &token, Some(rule)).await.0,
        409
    );
    let (_, shown) = get(&format!("{groups}/{group_id}"), Some(&token)).await;
    assert_eq!(
        shown["security_group"]["security_group_rules"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let server = active_server(&sim, &token, json!([{"name": "web"}])).await;
    let (status, refused) = send(
        Method::DELETE,
        &format!("{groups}/{group_id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(refused["NeutronError"]["type"], "SecurityGroupInUse");
    let server_url = format!(
        "{}/compute/v2.1/servers/{server}",
        region_url(&sim, "c1", "r1")
    );
    send(Method::DELETE, &server_url, &token, None).await;
    assert_eq!(
        send(
            Method::DELETE,
            &format!("{groups}/{group_id}"),
            &token,
            None
        )
        .await
        .0,
        204
    );
    let (_, left) = get(
        &format!("{rules_url}?security_group_id={group_id}"),
        Some(&token),
    )
    .await;
    assert_eq!(left["security_group_rules"], json!([]));
}

#[tokio::test]
async fn a_subnet_is_created_on_an_existing_network_and_deleted_unless_in_use() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    let seeded = sim.inventory("c1", "r1").unwrap();
    let subnets = format!("{}/subnets", network(&sim));
    let body = |network: &str, cidr: &str| json!({"subnet": {"network_id": network, "cidr": cidr, "ip_version": 4, "name": "extra"}});
    let (status, created) = send(
        Method::POST,
        &subnets,
        &token,
        Some(body(&seeded.networks[1].id, "192.168.7.0/24")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["subnet"]["gateway_ip"], "192.168.7.1");
    let id = created["subnet"]["id"].as_str().unwrap().to_string();
    let (_, net) = get(
        &format!("{}/networks/{}", network(&sim), seeded.networks[1].id),
        Some(&token),
    )
    .await;
    assert!(
        net["network"]["subnets"]
            .as_array()
            .unwrap()
            .contains(&json!(id))
    );

    let (status, bad) = send(
        Method::POST,
        &subnets,
        &token,
        Some(body(&seeded.networks[1].id, "192.168.7.9/24")),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        bad["NeutronError"]["message"]
            .as_str()
            .unwrap()
            .contains("192.168.7.0/24")
    );
    assert_eq!(
        send(
            Method::POST,
            &subnets,
            &token,
            Some(body("no-net", "10.9.0.0/16"))
        )
        .await
        .0,
        404
    );

    let private_subnet = get(
        &format!("{subnets}?network_id={}", seeded.networks[1].id),
        Some(&token),
    )
    .await
    .1["subnets"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        send(
            Method::DELETE,
            &format!("{subnets}/{private_subnet}"),
            &token,
            None
        )
        .await
        .0,
        409
    );
    assert_eq!(
        send(Method::DELETE, &format!("{subnets}/{id}"), &token, None)
            .await
            .0,
        204
    );
    assert_eq!(get(&format!("{subnets}/{id}"), Some(&token)).await.0, 404);
}
