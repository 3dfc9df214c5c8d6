//! Keystone v2.0 on the Rackspace-flavoured cloud: password and API-key tokens that work
//! against the services, refusals, and v3 being absent there (and v2.0 absent elsewhere).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod uploads;

use reqwest::Method;
use serde_json::json;
use uploads::*;

#[tokio::test]
async fn a_password_token_has_a_tenant_and_a_v2_catalog_and_opens_the_services() {
    let sim = start_vendors().await;
    let auth = json!({"passwordCredentials": {"username": "demo", "password": "secret"},
                      "tenantName": "demo"});
    let (status, body) = post_v2_token(&sim, "rax", auth).await;
    assert_eq!(status, 200, "{body}");
    let access = &body["access"];
    assert_eq!(access["token"]["tenant"]["name"], "demo");
    assert!(access["token"]["expires"].as_str().unwrap().ends_with('Z'));
    assert_eq!(access["user"]["name"], "demo");
    let catalog = access["serviceCatalog"].as_array().unwrap();
    let compute = catalog.iter().find(|s| s["type"] == "compute").unwrap();
    assert_eq!(compute["name"], "cloudServersOpenStack");
    let dfw = &compute["endpoints"][0];
    assert_eq!(dfw["region"], "DFW");
    assert_eq!(
        dfw["publicURL"],
        format!("{}/rax/DFW/compute/v2.1", sim.base_url())
    );
    assert!(dfw["internalURL"].is_string() && dfw["adminURL"].is_string());
    for kind in ["object-store", "volumev3", "image", "network"] {
        assert!(
            catalog.iter().any(|s| s["type"] == kind),
            "no {kind} in the catalog"
        );
    }
    let token = access["token"]["id"].as_str().unwrap();
    let (status, _) = send(
        Method::GET,
        &format!("{}/images", glance(&sim, "rax", "ORD")),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_rackspace_api_key_gives_a_token_and_a_wrong_key_gives_401() {
    let sim = start_vendors().await;
    let good = json!({"RAX-KSKEY:apiKeyCredentials": {"username": "demo", "apiKey": "secret"}});
    let (status, body) = post_v2_token(&sim, "rax", good).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["access"]["token"]["RAX-AUTH:authenticatedBy"][0],
        "APIKEY"
    );
    let token = body["access"]["token"]["id"].as_str().unwrap();
    let (status, _) = send(Method::HEAD, &swift(&sim, "rax", "DFW"), Some(token), None).await;
    assert_eq!(status, 204);

    let wrong = json!({"RAX-KSKEY:apiKeyCredentials": {"username": "demo", "apiKey": "nope"}});
    assert_eq!(post_v2_token(&sim, "rax", wrong).await.0, 401);
    let wrong_password = json!({"passwordCredentials": {"username": "demo", "password": "nope"}});
    assert_eq!(post_v2_token(&sim, "rax", wrong_password).await.0, 401);
    let wrong_tenant = json!({"passwordCredentials": {"username": "demo", "password": "secret"},
                              "tenantId": "someone-else"});
    assert_eq!(post_v2_token(&sim, "rax", wrong_tenant).await.0, 401);
}

#[tokio::test]
async fn rackspace_has_no_keystone_v3_and_the_v3_clouds_have_no_v2() {
    let sim = start_vendors().await;
    let url = format!("{}/v3/auth/tokens", sim.auth_url("rax"));
    let (status, _) = send(Method::POST, &url, None, Some(json!({"auth": {}}))).await;
    assert_eq!(status, 404);
    let (status, body) = send(Method::GET, &sim.auth_url("rax"), None, None).await;
    assert_eq!(status, 300);
    assert_eq!(body["versions"]["values"][0]["id"], "v2.0");

    let auth = json!({"passwordCredentials": {"username": "demo", "password": "secret"}});
    assert_eq!(post_v2_token(&sim, "stack", auth.clone()).await.0, 404);
    assert_eq!(post_v2_token(&sim, "ovh", auth).await.0, 404);
}

#[tokio::test]
async fn a_v2_token_of_one_cloud_does_not_open_another() {
    let sim = start_vendors().await;
    let token = rax_token(&sim).await;
    let (status, _) = send(
        Method::GET,
        &format!("{}/images", glance(&sim, "stack", "RegionOne")),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn clouds_yaml_gives_each_vendor_its_profile_and_keys() {
    let sim = start_vendors().await;
    let yaml: serde_yaml::Value = serde_yaml::from_str(&sim.clouds_yaml()).unwrap();
    let clouds = &yaml["clouds"];
    let rax = &clouds["rax"];
    assert_eq!(rax["profile"], "rackspace");
    assert_eq!(rax["identity_api_version"], 2);
    assert_eq!(
        rax["auth"]["auth_url"].as_str().unwrap(),
        format!("{}/v2.0", sim.auth_url("rax"))
    );
    assert!(rax["auth"].get("user_domain_name").is_none());
    assert_eq!(rax["image_format"], "vhd");
    assert_eq!(rax["image_api_use_tasks"], true);
    assert_eq!(rax["floating_ip_source"], "None");
    let override_url = rax["block_storage_endpoint_override"].as_str().unwrap();
    assert!(override_url.starts_with(&sim.base_url()), "{override_url}");
    let ovh = &clouds["ovh"];
    assert_eq!(ovh["profile"], "ovh");
    assert_eq!(ovh["identity_api_version"], 3);
    assert_eq!(ovh["image_format"], "raw");
    assert_eq!(ovh["floating_ip_source"], "None");
    let stack = &clouds["stack"];
    assert!(stack.get("profile").is_none());
    assert_eq!(stack["image_format"], "qcow2");
    assert!(stack.get("floating_ip_source").is_none());
}
