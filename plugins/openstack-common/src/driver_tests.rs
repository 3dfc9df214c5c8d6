//! Tests for `driver.rs` against a fake host: auth, caching, re-auth, pagination, errors.

use serde_json::json;

use super::*;
use crate::fake::{FakeHost, versions};

const TOKENS: &str = "http://k/identity/v3/auth/tokens";
const SERVERS: &str = "http://n/compute/v2.1/servers/detail";

fn ctx() -> CallContext {
    let config = json!({
        "auth_type": "password",
        "auth": {"auth_url": "http://k/identity", "username": "demo", "password": "secret",
                 "project_name": "demo", "user_domain_name": "Default", "project_domain_name": "Default"},
        "region_name": "r1", "interface": "public", "profile": "openstack"
    });
    CallContext {
        cloud: "alpha".into(),
        region: "r1".into(),
        config: config.to_string(),
    }
}

fn keystone(host: &FakeHost, token: &str) {
    let body = json!({"token": {
    "expires_at": "2999-01-01T00:00:00.000000Z",
    "project": {"id": "p1", "name": "demo", "domain": {"id": "default", "name": "Default"}},
    "catalog": [
        {"type": "compute", "endpoints": [{"interface": "public", "region": "r1", "url": "http://n/compute/v2.1"}]},
        {"type": "image", "endpoints": [{"interface": "public", "region": "r1", "url": "http://g/image"}]},
        {"type": "network", "endpoints": [{"interface": "public", "region": "r1", "url": "http://q:9696"}]}
    ]}});
    host.on("POST", TOKENS, 201, &[("x-subject-token", token)], &body);
    // The unversioned image and network endpoints are discovered at their roots.
    let image = versions(&[("v2.16", "CURRENT", "http://g/image/v2/")]);
    host.on("GET", "http://g/image/", 300, &[], &image);
    let network = versions(&[("v2.0", "CURRENT", "http://q:9696/v2.0/")]);
    host.on("GET", "http://q:9696/", 200, &[], &network);
}

fn servers_page(ids: std::ops::Range<usize>, next: Option<&str>) -> Value {
    let servers: Vec<Value> = ids
        .map(|i| json!({"id": format!("s{i}"), "status": "ACTIVE", "tenant_id": "p1"}))
        .collect();
    match next {
        Some(href) => json!({"servers": servers, "servers_links": [{"rel": "next", "href": href}]}),
        None => json!({"servers": servers}),
    }
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    client::header(&request.headers, name)
}

#[test]
fn listing_servers_authenticates_then_follows_every_page() -> Result<(), Error> {
    let host = FakeHost::default();
    keystone(&host, "tok-1");
    host.on(
        "GET",
        SERVERS,
        200,
        &[],
        &servers_page(0..2, Some("http://n/compute/v2.1/servers/detail?marker=s1")),
    );
    host.on(
        "GET",
        "http://n/compute/v2.1/servers/detail?marker=s1",
        200,
        &[],
        &servers_page(2..3, Some("http://n/compute/v2.1/servers/detail?marker=s2")),
    );
    host.on(
        "GET",
        "http://n/compute/v2.1/servers/detail?marker=s2",
        200,
        &[],
        &servers_page(3..4, None),
    );
    let servers = Session::open(&host, &ctx())?.list_servers()?;
    assert_eq!(
        servers.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["s0", "s1", "s2", "s3"]
    );
    assert_eq!(
        servers[0]
            .placement
            .project
            .as_ref()
            .and_then(|p| p.name.as_deref()),
        Some("demo")
    );
    let requests = host.requests.borrow();
    let auth = &requests[0];
    assert_eq!(
        (auth.service.as_str(), header(auth, "content-type")),
        ("identity", Some("application/json"))
    );
    let list = &requests[1];
    assert_eq!(list.service, "compute");
    assert_eq!(header(list, "x-auth-token"), Some("tok-1"));
    assert_eq!(header(list, "accept"), Some("application/json"));
    assert_eq!(header(list, "user-agent"), Some(client::USER_AGENT));
    Ok(())
}

#[test]
fn the_token_is_cached_with_a_ttl_and_reused_by_the_next_call() -> Result<(), Error> {
    let host = FakeHost::default();
    keystone(&host, "tok-1");
    host.on("GET", SERVERS, 200, &[], &servers_page(0..1, None));
    Session::open(&host, &ctx())?.list_servers()?;
    Session::open(&host, &ctx())?.list_servers()?;
    assert_eq!(host.urls(Method::Post).len(), 1);
    let state = host.state.borrow();
    let (key, (value, ttl)) = state
        .iter()
        .next()
        .ok_or_else(|| Error::Other("nothing cached".into()))?;
    assert!(key.starts_with("keystone-token/v1/"), "{key}");
    assert!(ttl.is_some_and(|t| t > 1_000_000), "{ttl:?}");
    let cached: Value = serde_json::from_slice(value).map_err(|e| Error::Other(e.to_string()))?;
    assert_eq!(
        (cached["token"].as_str(), cached["project"]["id"].as_str()),
        (Some("tok-1"), Some("p1"))
    );
    assert!(
        host.logs
            .borrow()
            .iter()
            .any(|l| l.contains("reusing cached keystone token"))
    );
    Ok(())
}

#[test]
fn a_401_on_a_cached_token_re_authenticates_and_retries_once() -> Result<(), Error> {
    let host = FakeHost::default();
    keystone(&host, "tok-1");
    keystone(&host, "tok-2");
    host.on("GET", SERVERS, 200, &[], &servers_page(0..1, None));
    host.on(
        "GET",
        SERVERS,
        401,
        &[],
        &json!({"error": {"message": "token revoked"}}),
    );
    host.on("GET", SERVERS, 200, &[], &servers_page(0..2, None));
    Session::open(&host, &ctx())?.list_servers()?;
    let servers = Session::open(&host, &ctx())?.list_servers()?;
    assert_eq!(servers.len(), 2);
    assert_eq!(host.urls(Method::Post).len(), 2);
    let tokens: Vec<Option<String>> = host
        .requests
        .borrow()
        .iter()
        .filter(|r| r.method == Method::Get)
        .map(|r| header(r, "x-auth-token").map(String::from))
        .collect();
    assert_eq!(
        tokens,
        [
            Some("tok-1".into()),
            Some("tok-1".into()),
            Some("tok-2".into())
        ]
    );
    Ok(())
}

#[test]
fn a_401_on_a_fresh_token_is_unauthorized_without_retry() -> Result<(), Error> {
    let host = FakeHost::default();
    keystone(&host, "tok-1");
    host.on(
        "GET",
        SERVERS,
        401,
        &[],
        &json!({"error": {"message": "nope"}}),
    );
    let result = Session::open(&host, &ctx())?.list_servers();
    assert!(
        matches!(result, Err(Error::Unauthorized(ref m)) if m.ends_with("answered 401: nope")),
        "{result:?}"
    );
    assert_eq!(host.urls(Method::Post).len(), 1);
    Ok(())
}

#[test]
fn refused_credentials_are_unauthorized_with_keystones_message() {
    let host = FakeHost::default();
    host.on("POST", TOKENS, 401, &[], &json!({"error": {"code": 401, "message": "The request you have made requires authentication."}}));
    let result = Session::open(&host, &ctx()).map(|_| ());
    assert_eq!(
        result,
        Err(Error::Unauthorized(format!(
            "identity: POST {TOKENS} answered 401: The request you have made requires authentication."
        )))
    );
}

#[test]
fn five_thousand_servers_are_listed_whole() -> Result<(), Error> {
    let host = FakeHost::default();
    keystone(&host, "tok-1");
    for page in 0..5 {
        let url = if page == 0 {
            SERVERS.to_string()
        } else {
            format!("{SERVERS}?marker=s{}", page * 1000 - 1)
        };
        let next = (page < 4).then(|| format!("{SERVERS}?marker=s{}", page * 1000 + 999));
        host.on(
            "GET",
            &url,
            200,
            &[],
            &servers_page(page * 1000..page * 1000 + 1000, next.as_deref()),
        );
    }
    let servers = Session::open(&host, &ctx())?.list_servers()?;
    assert_eq!(servers.len(), 5_000);
    assert_eq!(servers.last().map(|s| s.id.as_str()), Some("s4999"));
    Ok(())
}

#[test]
fn glance_lists_follow_next_paths_relative_to_the_versioned_endpoint() -> Result<(), Error> {
    let host = FakeHost::default();
    keystone(&host, "tok-1");
    host.on(
        "GET",
        "http://g/image/v2/images",
        200,
        &[],
        &json!({"images": [{"id": "a", "owner": "p1"}], "next": "/v2/images?marker=a"}),
    );
    host.on(
        "GET",
        "http://g/image/v2/images?marker=a",
        200,
        &[],
        &json!({"images": [{"id": "b", "owner": "p9"}]}),
    );
    let images = Session::open(&host, &ctx())?.list_images()?;
    assert_eq!(
        images.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(
        images[1]
            .placement
            .project
            .as_ref()
            .and_then(|p| p.name.clone()),
        None
    );
    assert_eq!(
        host.requests.borrow().last().map(|r| r.service.clone()),
        Some("image".into())
    );
    Ok(())
}

#[test]
fn gets_percent_encode_the_id_and_map_404_to_not_found() -> Result<(), Error> {
    let host = FakeHost::default();
    keystone(&host, "tok-1");
    host.on(
        "GET",
        "http://q:9696/v2.0/networks/a%2Fb",
        404,
        &[],
        &json!({"NeutronError": {"message": "Network a/b could not be found."}}),
    );
    host.on(
        "GET",
        "http://n/compute/v2.1/flavors/42",
        200,
        &[],
        &json!({"flavor": {"id": "42", "name": "m1", "swap": ""}}),
    );
    let mut session = Session::open(&host, &ctx())?;
    let result = session.get_network("a/b");
    assert!(
        matches!(result, Err(Error::NotFound(ref m)) if m.contains("Network a/b could not be found.")),
        "{result:?}"
    );
    assert_eq!(session.get_flavor("42")?.name, "m1");
    Ok(())
}
