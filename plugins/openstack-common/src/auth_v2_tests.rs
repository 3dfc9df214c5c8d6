//! Tests for `auth_v2.rs`: request bodies, the v2.0 catalog, caching, and when v2.0 is used.

use serde_json::json;

use super::*;
use crate::catalog;
use crate::driver::Session;
use crate::fake::FakeHost;
use crate::oaktree::cloud::types::CallContext;

const TOKENS: &str = "https://identity.example.com/v2.0/tokens";

fn ctx(auth_type: &str, auth: Value) -> CallContext {
    let mut auth = auth;
    auth["auth_url"] = json!("https://identity.example.com/v2.0/");
    let config = json!({"auth_type": auth_type, "auth": auth, "region_name": "DFW"});
    CallContext {
        cloud: "rax".into(),
        region: "DFW".into(),
        config: config.to_string(),
    }
}

fn access() -> Value {
    json!({"access": {
        "token": {"id": "v2-tok", "expires": "2999-01-01T00:00:00.000-06:00",
                  "tenant": {"id": "123456", "name": "123456"}},
        "serviceCatalog": [
            {"type": "compute", "name": "cloudServersOpenStack", "endpoints": [
                {"region": "ORD", "publicURL": "https://ord.servers/v2/123456", "tenantId": "123456"},
                {"region": "DFW", "publicURL": "https://dfw.servers/v2/123456",
                 "internalURL": "https://dfw.internal/v2/123456"}]},
            {"type": "object-store", "name": "cloudFiles", "endpoints": [
                {"region": "DFW", "publicURL": "https://dfw.files/v1/MossoCloudFS_x",
                 "internalURL": "https://snet-dfw.files/v1/MossoCloudFS_x"}]},
            {"type": "image", "name": "cloudImages", "endpoints": [
                {"region": "DFW", "publicURL": "https://dfw.images/v2"}]}
        ],
        "user": {"id": "u1", "name": "demo"}}})
}

#[test]
fn a_password_request_sends_password_credentials_and_the_tenant_name() {
    let body = request_body(&Credentials::V2Password {
        username: "demo".into(),
        password: "secret".into(),
        tenant: Some(Tenant::Name("demo-project".into())),
    });
    assert_eq!(
        body,
        json!({"auth": {"passwordCredentials": {"username": "demo", "password": "secret"},
                        "tenantName": "demo-project"}})
    );
}

#[test]
fn an_api_key_request_sends_rackspace_api_key_credentials_and_the_tenant_id() {
    let body = request_body(&Credentials::V2ApiKey {
        username: "demo".into(),
        api_key: "0123abcd".into(),
        tenant: Some(Tenant::Id("123456".into())),
    });
    assert_eq!(
        body,
        json!({"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "demo", "apiKey": "0123abcd"},
                        "tenantId": "123456"}})
    );
}

#[test]
fn token_urls_end_in_v2_0_tokens_for_versioned_and_unversioned_auth_urls() {
    for url in [
        "https://k",
        "https://k/",
        "https://k/v2.0",
        "https://k/v2.0/",
    ] {
        assert_eq!(token_url(url), "https://k/v2.0/tokens", "{url}");
    }
}

#[test]
fn the_v2_catalog_becomes_one_endpoint_per_interface() -> Result<(), serde_json::Error> {
    let token = token_from(access())?;
    assert_eq!(token.token, "v2-tok");
    assert_eq!(token.expires_at, "2999-01-01T00:00:00.000-06:00");
    assert_eq!(
        (token.project.id.as_deref(), token.project.name.as_deref()),
        (Some("123456"), Some("123456"))
    );
    let compute = &token.catalog[0];
    assert_eq!(compute.name.as_deref(), Some("cloudServersOpenStack"));
    let endpoints: Vec<(&str, Option<&str>, &str)> = compute
        .endpoints
        .iter()
        .map(|e| (e.interface.as_str(), e.region.as_deref(), e.url.as_str()))
        .collect();
    assert_eq!(
        endpoints,
        [
            ("public", Some("ORD"), "https://ord.servers/v2/123456"),
            ("public", Some("DFW"), "https://dfw.servers/v2/123456"),
            ("internal", Some("DFW"), "https://dfw.internal/v2/123456"),
        ]
    );
    Ok(())
}

#[test]
fn an_api_key_session_authenticates_with_v2_0_caches_the_token_and_finds_endpoints()
-> Result<(), Error> {
    let host = FakeHost::default();
    host.on("POST", TOKENS, 200, &[], &access());
    let context = ctx(
        "rackspace_apikey",
        json!({"username": "demo", "api_key": "k"}),
    );
    let session = Session::open(&host, &context)?;
    assert_eq!(session.token.token, "v2-tok");
    let requests = host.requests.borrow();
    let sent: Value = requests[0]
        .body
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_default();
    assert_eq!(
        sent,
        json!({"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "demo", "apiKey": "k"}}})
    );
    assert_eq!(
        catalog::endpoint(&session.token.catalog, &session.config, "object-store")?,
        "https://dfw.files/v1/MossoCloudFS_x"
    );
    assert_eq!(
        catalog::endpoint(&session.token.catalog, &session.config, "image")?,
        "https://dfw.images/v2"
    );
    drop(requests);
    Session::open(&host, &context)?;
    assert_eq!(
        host.requests.borrow().len(),
        1,
        "the second call reuses the cached token"
    );
    let (_, ttl) = host
        .state
        .borrow()
        .values()
        .next()
        .cloned()
        .ok_or_else(|| Error::Other("nothing cached".into()))?;
    assert!(ttl.is_some_and(|t| t > 1_000_000), "{ttl:?}");
    Ok(())
}

#[test]
fn identity_v2_is_chosen_by_api_version_auth_url_or_auth_type() -> Result<(), Error> {
    let password = |extra: Value, url: &str| {
        let mut config = json!({"auth": {"auth_url": url, "username": "demo",
                                         "password": "secret", "project_name": "demo"}});
        if let (Some(map), Some(extra)) = (config.as_object_mut(), extra.as_object()) {
            map.extend(extra.clone());
        }
        Config::parse(&config.to_string(), "r1")
    };
    let v2 = Credentials::V2Password {
        username: "demo".into(),
        password: "secret".into(),
        tenant: Some(Tenant::Name("demo".into())),
    };
    assert_eq!(password(json!({}), "https://k/v2.0")?.credentials, v2);
    assert_eq!(
        password(json!({"identity_api_version": "2.0"}), "https://k")?.credentials,
        v2
    );
    assert_eq!(
        password(json!({"identity_api_version": 2}), "https://k")?.credentials,
        v2
    );
    let v3 = password(
        json!({"user_domain_name": "Default", "project_domain_name": "Default"}),
        "https://k/v3",
    )?;
    assert!(!v3.credentials.is_v2());
    let key = json!({"auth_type": "rackspace_apikey",
                     "auth": {"auth_url": "https://k", "username": "u", "api_key": "k"}});
    assert!(Config::parse(&key.to_string(), "")?.credentials.is_v2());
    Ok(())
}

#[test]
fn an_api_key_without_its_key_names_what_is_missing() {
    let config = json!({"auth_type": "rackspace_apikey",
                        "auth": {"auth_url": "https://k/v2.0", "username": "u"}});
    match Config::parse(&config.to_string(), "") {
        Err(Error::Invalid(m)) => assert!(m.starts_with("auth.api_key is missing"), "{m}"),
        other => panic!("expected invalid, got {other:?}"),
    }
}
