//! Nova writes against a started simulator: boot, build, fail, quota, delete, keypairs, and
//! the direct-public-IP vendor flavour.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use std::time::Instant;

use common::*;
use oaktree_simcloud::{BootFault, SimCloud, Vendor};
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

fn compute(sim: &SimCloud) -> String {
    format!("{}/compute/v2.1", region_url(sim, "c1", "r1"))
}

/// A valid boot request for `name` on the seeded `private` network.
fn boot(sim: &SimCloud, name: &str) -> Value {
    let seeded = sim.inventory("c1", "r1").unwrap();
    json!({"server": {
        "name": name,
        "imageRef": seeded.images[0].id,
        "flavorRef": seeded.flavors[1].id,
        "networks": [{"uuid": seeded.networks[1].id}],
        "metadata": {"role": "test"},
        "user_data": "IyEvYmluL3NoCmVjaG8gaGk=",
    }})
}

async fn create(sim: &SimCloud, token: &str, body: Value) -> (u16, Value) {
    send(
        Method::POST,
        &format!("{}/servers", compute(sim)),
        token,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_new_server_builds_then_becomes_active_with_a_fixed_ip_and_a_port() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    let began = Instant::now();
    let (status, created) = create(&sim, &token, boot(&sim, "app-1")).await;
    assert_eq!(status, 202, "{created}");
    let server = &created["server"];
    assert_eq!(server["OS-DCF:diskConfig"], "MANUAL");
    assert_eq!(server["security_groups"], json!([{"name": "default"}]));
    assert!(server["adminPass"].as_str().unwrap().len() >= 8);
    let id = server["id"].as_str().unwrap();
    let url = format!("{}/servers/{id}", compute(&sim));

    let (_, first) = get(&url, Some(&token)).await;
    assert_eq!(first["server"]["status"], "BUILD");
    assert!(first["server"]["OS-EXT-STS:task_state"].is_string());
    let active = poll_until(&url, &token, |_, b| b["server"]["status"] == "ACTIVE").await;
    assert!(began.elapsed().as_millis() >= u128::from(BUILD_MS));
    let server = &active["server"];
    assert_eq!(server["OS-EXT-STS:task_state"], Value::Null);
    assert_eq!(server["metadata"]["role"], "test");
    let private = &server["addresses"]["private"][0];
    assert_eq!(private["OS-EXT-IPS:type"], "fixed");
    assert!(private["addr"].as_str().unwrap().starts_with("10.0."));
    assert!(
        private["OS-EXT-IPS-MAC:mac_addr"]
            .as_str()
            .unwrap()
            .starts_with("fa:16:3e:")
    );

    let ports_url = format!(
        "{}/network/v2.0/ports?device_id={id}",
        region_url(&sim, "c1", "r1")
    );
    let (_, ports) = get(&ports_url, Some(&token)).await;
    let port = &ports["ports"][0];
    assert_eq!(port["fixed_ips"][0]["ip_address"], private["addr"]);
    assert_eq!(port["mac_address"], private["OS-EXT-IPS-MAC:mac_addr"]);
    let (_, listed) = get(&format!("{}/servers/detail", compute(&sim)), Some(&token)).await;
    assert_eq!(listed["servers"].as_array().unwrap().len(), 11);
}

#[tokio::test]
async fn a_region_told_to_fail_the_next_boot_ends_it_in_error_with_a_fault_and_recovers() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    sim.set_boot_fault("c1", "r1", BootFault::Next(1)).unwrap();
    let (_, failing) = create(&sim, &token, boot(&sim, "doomed")).await;
    let (_, fine) = create(&sim, &token, boot(&sim, "fine")).await;
    let url = |v: &Value| {
        format!(
            "{}/servers/{}",
            compute(&sim),
            v["server"]["id"].as_str().unwrap()
        )
    };
    let settled = |_: u16, b: &Value| b["server"]["status"] != "BUILD";
    let failed = poll_until(&url(&failing), &token, settled).await;
    assert_eq!(failed["server"]["status"], "ERROR");
    assert_eq!(failed["server"]["fault"]["code"], 500);
    assert!(
        failed["server"]["fault"]["message"]
            .as_str()
            .unwrap()
            .contains("No valid host")
    );
    let fine = poll_until(&url(&fine), &token, settled).await;
    assert_eq!(fine["server"]["status"], "ACTIVE");
}

#[tokio::test]
async fn a_boot_past_the_quota_is_forbidden_in_novas_words() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    sim.set_server_quota("c1", "r1", Some(10)).unwrap();
    let (status, body) = create(&sim, &token, boot(&sim, "one-too-many")).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"}})
    );
    sim.set_server_quota("c1", "r1", None).unwrap();
    assert_eq!(create(&sim, &token, boot(&sim, "fits")).await.0, 202);
}

#[tokio::test]
async fn a_deleted_server_shows_deleted_then_answers_404() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    let (_, created) = create(&sim, &token, boot(&sim, "short-lived")).await;
    let id = created["server"]["id"].as_str().unwrap().to_string();
    let url = format!("{}/servers/{id}", compute(&sim));
    assert_eq!(send(Method::DELETE, &url, &token, None).await.0, 204);
    let (status, deleting) = get(&url, Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            &deleting["server"]["status"],
            &deleting["server"]["OS-EXT-STS:task_state"]
        ),
        (&json!("DELETED"), &json!("deleting"))
    );
    // Like nova, lists leave deleted servers out unless asked for them.
    let detail = format!("{}/servers/detail", compute(&sim));
    let (_, listed) = get(&detail, Some(&token)).await;
    assert!(!ids(&listed["servers"]).contains(&id));
    let (_, asked) = get(&format!("{detail}?deleted=true"), Some(&token)).await;
    assert!(ids(&asked["servers"]).contains(&id));
    let gone = poll_until(&url, &token, |status, _| status == 404).await;
    assert_eq!(gone["itemNotFound"]["code"], 404);
    let ports_url = format!(
        "{}/network/v2.0/ports?device_id={id}",
        region_url(&sim, "c1", "r1")
    );
    assert_eq!(get(&ports_url, Some(&token)).await.1["ports"], json!([]));
    // Seeded servers can be deleted too.
    let seeded = sim.inventory("c1", "r1").unwrap().servers[3].id.clone();
    let seeded_url = format!("{}/servers/{seeded}", compute(&sim));
    assert_eq!(send(Method::DELETE, &seeded_url, &token, None).await.0, 204);
    poll_until(&seeded_url, &token, |status, _| status == 404).await;
}

#[tokio::test]
async fn bad_references_are_refused_with_novas_bad_request() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    let cases = [
        (
            "imageRef",
            json!("no-such-image"),
            "Image no-such-image could not be found.",
        ),
        (
            "flavorRef",
            json!("nope"),
            "Flavor nope could not be found.",
        ),
        (
            "networks",
            json!([{"uuid": "no-net"}]),
            "Network no-net could not be found.",
        ),
        (
            "key_name",
            json!("missing-key"),
            "Invalid key_name provided.",
        ),
        (
            "user_data",
            json!("not base64!"),
            "User data needs to be valid base 64.",
        ),
    ];
    for (key, value, message) in cases {
        let mut body = boot(&sim, "bad");
        body["server"][key] = value;
        let (status, answer) = create(&sim, &token, body).await;
        assert_eq!(status, 400, "{key}");
        assert_eq!(answer["badRequest"]["message"], message, "{key}");
    }
    let mut body = boot(&sim, "bad");
    body["server"]["security_groups"] = json!([{"name": "nope"}]);
    assert_eq!(create(&sim, &token, body).await.0, 400);
}

#[tokio::test]
async fn a_generated_keypair_comes_with_a_private_key_and_can_boot_a_server() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    let keypairs = format!("{}/os-keypairs", compute(&sim));
    let (status, created) = send(
        Method::POST,
        &keypairs,
        &token,
        Some(json!({"keypair": {"name": "gen"}})),
    )
    .await;
    assert_eq!(status, 200);
    let key = &created["keypair"];
    assert!(
        key["private_key"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----")
    );
    assert!(
        key["public_key"]
            .as_str()
            .unwrap()
            .starts_with("ssh-rsa AAAA")
    );
    assert_eq!(key["fingerprint"].as_str().unwrap().split(':').count(), 16);
    let (_, listed) = get(&keypairs, Some(&token)).await;
    assert_eq!(listed["keypairs"][0]["keypair"]["name"], "gen");
    let duplicate = send(
        Method::POST,
        &keypairs,
        &token,
        Some(json!({"keypair": {"name": "gen"}})),
    )
    .await;
    assert_eq!(duplicate.0, 409);
    let mut body = boot(&sim, "with-key");
    body["server"]["key_name"] = json!("gen");
    assert_eq!(create(&sim, &token, body).await.0, 202);
    let one = format!("{keypairs}/gen");
    assert_eq!(
        get(&one, Some(&token)).await.1["keypair"]["public_key"],
        key["public_key"]
    );
    assert_eq!(send(Method::DELETE, &one, &token, None).await.0, 202);
    assert_eq!(get(&one, Some(&token)).await.0, 404);
}

#[tokio::test]
async fn the_admin_api_makes_every_boot_fail_and_caps_servers() {
    let sim = start(quick_config()).await;
    let token = token(&sim, "c1").await;
    let admin = format!("{}/_admin/clouds/c1/regions/r1/lifecycle", sim.base_url());
    let body = json!({"boot_fault": "all", "server_quota": 12, "build_ms": 100});
    let (status, state) = send(Method::PUT, &admin, "", Some(body)).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(
        (state["boot_fault"].clone(), state["server_quota"].clone()),
        (json!("all"), json!(12))
    );
    for name in ["a", "b"] {
        let (_, created) = create(&sim, &token, boot(&sim, name)).await;
        let url = format!(
            "{}/servers/{}",
            compute(&sim),
            created["server"]["id"].as_str().unwrap()
        );
        let done = poll_until(&url, &token, |_, b| b["server"]["status"] != "BUILD").await;
        assert_eq!(done["server"]["status"], "ERROR");
    }
    assert_eq!(create(&sim, &token, boot(&sim, "c")).await.0, 403);
    assert_eq!(
        send(Method::PUT, &admin, "", Some(json!({"nope": 1})))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn a_direct_public_ip_vendor_gives_servers_a_public_address_and_has_no_floating_ips() {
    let mut config = quick_config();
    config.clouds[0].vendor = Vendor::Ovh;
    let sim = start(config).await;
    let token = token(&sim, "c1").await;
    let (_, created) = create(&sim, &token, boot(&sim, "vps")).await;
    let url = format!(
        "{}/servers/{}",
        compute(&sim),
        created["server"]["id"].as_str().unwrap()
    );
    let active = poll_until(&url, &token, |_, b| b["server"]["status"] == "ACTIVE").await;
    let public = &active["server"]["addresses"]["public"][0];
    assert!(
        public["addr"].as_str().unwrap().starts_with("172.24.4."),
        "{active}"
    );
    assert_eq!(public["OS-EXT-IPS:type"], "fixed");
    assert_eq!(active["server"]["accessIPv4"], "");
    let fips = format!("{}/network/v2.0/floatingips", region_url(&sim, "c1", "r1"));
    assert_eq!(get(&fips, Some(&token)).await.0, 404);
}
