//! Tests for `discovery.rs` against a fake host: which URLs are fetched, what is remembered.

use serde_json::{Value, json};

use crate::driver::Session;
use crate::fake::{FakeHost, context, versions};
use crate::oaktree::cloud::http::Method;
use crate::oaktree::cloud::types::Error;

const TOKENS: &str = "http://k/identity/v3/auth/tokens";

/// A host whose keystone issues a token for project p1 with `(type, url)` endpoints in r1.
fn cloud(endpoints: &[(&str, &str)]) -> FakeHost {
    let host = FakeHost::default();
    let catalog: Vec<Value> = endpoints
        .iter()
        .map(|(kind, url)| {
            json!({"type": kind, "endpoints": [{"interface": "public", "region": "r1", "url": url}]})
        })
        .collect();
    let body = json!({"token": {"expires_at": "2999-01-01T00:00:00Z",
        "project": {"id": "p1", "name": "demo"}, "catalog": catalog}});
    host.on("POST", TOKENS, 201, &[("x-subject-token", "tok-1")], &body);
    host
}

fn image_ids(host: &FakeHost) -> Result<Vec<String>, Error> {
    let images = Session::open(host, &context())?.list_images()?;
    Ok(images.into_iter().map(|i| i.id).collect())
}

fn gets(host: &FakeHost) -> Vec<String> {
    host.urls(Method::Get)
}

fn remembered(host: &FakeHost) -> Vec<(String, Option<u64>)> {
    host.state
        .borrow()
        .iter()
        .filter(|(k, _)| k.starts_with("endpoint-version/v1/"))
        .map(|(_, (v, ttl))| (String::from_utf8_lossy(v).into_owned(), *ttl))
        .collect()
}

#[test]
fn an_unversioned_endpoint_is_discovered_once_per_token_without_sending_the_token()
-> Result<(), Error> {
    let host = cloud(&[("image", "http://g/image/")]);
    let doc = versions(&[
        ("v2.16", "CURRENT", "http://g/image/v2/"),
        ("v2.0", "SUPPORTED", "http://g/image/v2/"),
    ]);
    host.on("GET", "http://g/image/", 300, &[], &doc);
    host.on(
        "GET",
        "http://g/image/v2/images",
        200,
        &[],
        &json!({"images": [{"id": "i1"}]}),
    );

    assert_eq!(image_ids(&host)?, ["i1"]);
    assert_eq!(image_ids(&host)?, ["i1"]);

    assert_eq!(
        gets(&host),
        [
            "http://g/image/",
            "http://g/image/v2/images",
            "http://g/image/v2/images"
        ]
    );
    let requests = host.requests.borrow();
    let discovery = requests.iter().find(|r| r.url == "http://g/image/");
    assert!(
        discovery.is_some_and(|r| !r.headers.iter().any(|(k, _)| k == "x-auth-token")),
        "discovery is sent without the token"
    );
    assert_eq!(discovery.map(|r| r.service.as_str()), Some("image"));
    let cached = remembered(&host);
    assert_eq!(cached.len(), 1);
    assert_eq!(cached[0].0, "http://g/image/v2");
    assert!(
        cached[0].1.is_some_and(|ttl| ttl > 1_000_000),
        "kept as long as the token"
    );
    Ok(())
}

#[test]
fn a_project_scoped_catalog_keeps_its_project_segment_and_needs_no_discovery() -> Result<(), Error>
{
    let host = cloud(&[
        ("compute", "http://n/compute/v2.1/p1"),
        ("image", "http://g/cloud/glance/ORD/v2/p1"),
        ("network", "http://q/network/v2/p1/"),
    ]);
    host.on(
        "GET",
        "http://g/cloud/glance/ORD/v2/p1/images",
        200,
        &[],
        &json!({"images": [{"id": "i1"}], "next": "/v2/images?marker=i1"}),
    );
    host.on(
        "GET",
        "http://g/cloud/glance/ORD/v2/p1/images?marker=i1",
        200,
        &[],
        &json!({"images": [{"id": "i2"}]}),
    );
    host.on(
        "GET",
        "http://q/network/v2/p1/networks",
        200,
        &[],
        &json!({"networks": [{"id": "n1"}]}),
    );
    host.on(
        "GET",
        "http://n/compute/v2.1/p1/servers/detail",
        200,
        &[],
        &json!({"servers": []}),
    );

    assert_eq!(image_ids(&host)?, ["i1", "i2"]);
    let mut session = Session::open(&host, &context())?;
    assert_eq!(session.list_networks()?.len(), 1);
    assert!(session.list_servers()?.is_empty());

    assert_eq!(
        gets(&host),
        [
            "http://g/cloud/glance/ORD/v2/p1/images",
            "http://g/cloud/glance/ORD/v2/p1/images?marker=i1",
            "http://q/network/v2/p1/networks",
            "http://n/compute/v2.1/p1/servers/detail",
        ]
    );
    Ok(())
}

#[test]
fn a_catalog_url_of_another_major_is_discovered_and_its_project_put_back() -> Result<(), Error> {
    let host = cloud(&[("image", "http://g/image/v1/p1")]);
    let doc = versions(&[
        ("v1.1", "DEPRECATED", "http://g/image/v1/"),
        ("v2.9", "CURRENT", "http://g/image/v2/"),
    ]);
    host.on("GET", "http://g/image/", 300, &[], &doc);
    host.on(
        "GET",
        "http://g/image/v2/p1/images",
        200,
        &[],
        &json!({"images": [{"id": "i1"}]}),
    );

    assert_eq!(image_ids(&host)?, ["i1"]);
    assert_eq!(
        gets(&host),
        ["http://g/image/", "http://g/image/v2/p1/images"]
    );
    Ok(())
}

#[test]
fn the_parent_is_asked_when_the_root_has_no_document() -> Result<(), Error> {
    let host = cloud(&[("network", "http://q/network")]);
    host.on(
        "GET",
        "http://q/network/",
        404,
        &[],
        &json!({"message": "no"}),
    );
    host.on(
        "GET",
        "http://q/",
        200,
        &[],
        &versions(&[("v2.0", "CURRENT", "/network/v2.0/")]),
    );
    host.on(
        "GET",
        "http://q/network/v2.0/networks",
        200,
        &[],
        &json!({"networks": []}),
    );

    assert!(
        Session::open(&host, &context())?
            .list_networks()?
            .is_empty()
    );
    assert_eq!(
        gets(&host),
        [
            "http://q/network/",
            "http://q/",
            "http://q/network/v2.0/networks"
        ]
    );
    Ok(())
}

#[test]
fn without_any_document_the_version_is_appended_remembered_and_logged() -> Result<(), Error> {
    let host = cloud(&[("image", "http://g/image")]);
    host.on("GET", "http://g/image/", 404, &[], &json!({}));
    host.on("GET", "http://g/", 200, &[], &json!({"servers": []}));
    host.on(
        "GET",
        "http://g/image/v2/images",
        200,
        &[],
        &json!({"images": []}),
    );

    assert!(image_ids(&host)?.is_empty());
    assert!(image_ids(&host)?.is_empty());

    assert_eq!(
        gets(&host),
        [
            "http://g/image/",
            "http://g/",
            "http://g/image/v2/images",
            "http://g/image/v2/images"
        ]
    );
    assert_eq!(remembered(&host)[0].0, "http://g/image/v2");
    assert!(
        host.logs
            .borrow()
            .iter()
            .any(|l| l.contains("no usable version document at http://g/image/, http://g/")),
        "{:?}",
        host.logs.borrow()
    );
    Ok(())
}

#[test]
fn a_service_that_does_not_answer_discovery_fails_the_call_and_is_asked_again_later()
-> Result<(), Error> {
    let host = cloud(&[("image", "http://g/image")]);
    host.on(
        "GET",
        "http://g/image/",
        503,
        &[],
        &json!({"message": "down"}),
    );
    host.on(
        "GET",
        "http://g/image/",
        300,
        &[],
        &versions(&[("v2.16", "CURRENT", "http://g/image/v2/")]),
    );
    host.on(
        "GET",
        "http://g/image/v2/images",
        200,
        &[],
        &json!({"images": []}),
    );

    match image_ids(&host) {
        Err(Error::Unavailable(message)) => {
            assert!(
                message.contains("http://g/image/ answered 503"),
                "{message}"
            );
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert!(remembered(&host).is_empty());
    assert!(image_ids(&host)?.is_empty());
    assert_eq!(remembered(&host)[0].0, "http://g/image/v2");
    Ok(())
}

#[test]
fn a_discovery_refused_without_the_token_is_asked_again_with_it() -> Result<(), Error> {
    let host = cloud(&[("image", "http://g/image")]);
    host.on("GET", "http://g/image/", 401, &[], &json!({}));
    host.on(
        "GET",
        "http://g/image/",
        300,
        &[],
        &versions(&[("v2.16", "CURRENT", "http://g/image/v2/")]),
    );
    host.on(
        "GET",
        "http://g/image/v2/images",
        200,
        &[],
        &json!({"images": []}),
    );

    assert!(image_ids(&host)?.is_empty());
    let requests = host.requests.borrow();
    let with_token: Vec<bool> = requests
        .iter()
        .filter(|r| r.url == "http://g/image/")
        .map(|r| {
            r.headers
                .iter()
                .any(|(k, v)| k == "x-auth-token" && v == "tok-1")
        })
        .collect();
    assert_eq!(with_token, [false, true]);
    Ok(())
}
