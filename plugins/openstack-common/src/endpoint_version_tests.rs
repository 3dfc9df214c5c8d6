//! Tests for `endpoint_version.rs`: the three catalog shapes, documents, choice, fallback.

use serde_json::json;

use super::*;

const PROJECT: Option<&str> = Some("p1");

fn planned(url: &str, service: &str) -> Plan {
    let majors = api(service).map(|a| a.majors).unwrap_or_default();
    plan(&CatalogUrl::parse(url, PROJECT), majors)
}

#[test]
fn version_segments_need_a_v_and_numbers() {
    assert_eq!(segment_version("v2"), Some((2, 0)));
    assert_eq!(segment_version("v2.1"), Some((2, 1)));
    assert_eq!(segment_version("v2.0"), Some((2, 0)));
    assert_eq!(segment_version("v1.20.3"), Some((1, 20)));
    for not_a_version in ["2", "v", "vx", "v2.x", "volume", "v1.2.3.4", "AUTH_p1"] {
        assert_eq!(segment_version(not_a_version), None, "{not_a_version}");
    }
}

#[test]
fn a_versioned_url_with_the_project_after_it_is_used_as_catalogued() {
    for (service, url) in [
        ("image", "http://h/image/v2/p1"),
        ("network", "http://h/network/v2.0/p1"),
        ("network", "http://h/network/v2/p1/"),
        ("compute", "http://h:8774/v2.1/p1"),
        ("block-storage", "http://h/volume/v3/p1"),
        ("object-store", "http://h/swift/v1/AUTH_p1"),
        ("image", "https://h/cloud/glance/ORD/v2/p1"),
    ] {
        assert_eq!(
            planned(url, service),
            Plan::Use(url.trim_end_matches('/').into()),
            "{url}"
        );
    }
}

#[test]
fn a_project_segment_is_recognised_by_the_token_project_or_by_following_a_version() {
    let url = CatalogUrl::parse("http://h/image/v2/p1", PROJECT);
    assert_eq!(
        (url.root(), url.suffix.as_deref()),
        ("http://h/image/v2".into(), Some("p1"))
    );
    let swift = CatalogUrl::parse("http://h/v1/AUTH_p1", PROJECT);
    assert_eq!(swift.suffix.as_deref(), Some("AUTH_p1"));
    // Rackspace's swift account is not the tenant id, but it follows the version.
    let mosso = CatalogUrl::parse("https://dfw.files/v1/MossoCloudFS_x", PROJECT);
    assert_eq!(
        (mosso.root(), mosso.suffix.as_deref()),
        ("https://dfw.files/v1".into(), Some("MossoCloudFS_x"))
    );
    // The project alone (no version before it) is still the project.
    let bare = CatalogUrl::parse("http://h/images/p1", PROJECT);
    assert_eq!(bare.suffix.as_deref(), Some("p1"));
    let unversioned = CatalogUrl::parse("http://h/cloud/glance/ORD/", PROJECT);
    assert_eq!(
        (unversioned.root(), unversioned.suffix),
        ("http://h/cloud/glance/ORD".into(), None)
    );
}

#[test]
fn a_versioned_url_of_a_spoken_major_needs_no_request() {
    assert_eq!(
        planned("http://h/compute/v2.1/", "compute"),
        Plan::Use("http://h/compute/v2.1".into())
    );
    assert_eq!(
        planned("http://h:9696/v2.0", "network"),
        Plan::Use("http://h:9696/v2.0".into())
    );
    assert_eq!(
        planned("https://rax/v2/", "block-storage"),
        Plan::Use("https://rax/v2".into())
    );
}

#[test]
fn an_unversioned_url_is_discovered_at_its_root_then_its_parent() {
    assert_eq!(
        planned("http://h/image/", "image"),
        Plan::Discover(vec!["http://h/image/".into(), "http://h/".into()])
    );
    assert_eq!(
        planned("http://h:9696", "network"),
        Plan::Discover(vec!["http://h:9696/".into()])
    );
}

#[test]
fn a_url_of_another_major_is_discovered_at_its_parent_first() {
    assert_eq!(
        planned("http://h/image/v1/p1", "image"),
        Plan::Discover(vec!["http://h/image/".into(), "http://h/image/v1/".into()])
    );
}

#[test]
fn unknown_services_keep_their_catalog_url() {
    assert_eq!(api("identity"), None);
    assert_eq!(api("dns"), None);
}

#[test]
fn documents_are_read_in_all_three_shapes_with_relative_links_resolved() {
    let list = json!({"versions": [
        {"id": "v2.16", "status": "CURRENT", "links": [{"rel": "self", "href": "http://h/image/v2/"}]},
        {"id": "v2.0", "status": "SUPPORTED", "links": [{"rel": "self", "href": "/image/v2/"}]},
        {"id": "v3.0", "status": "EXPERIMENTAL", "links": [{"rel": "self", "href": "v3/"}]},
        {"id": "v9", "links": [{"rel": "self", "href": "v9/"}]},
        {"id": "v8", "status": "CURRENT", "links": [{"rel": "describedby", "href": "v8/"}]}
    ]});
    let offered = offered_versions(&list, "http://h/image/");
    assert_eq!(
        offered,
        [
            Offered {
                version: (2, 16),
                status: "current".into(),
                url: "http://h/image/v2/".into()
            },
            Offered {
                version: (2, 0),
                status: "supported".into(),
                url: "http://h/image/v2/".into()
            },
            Offered {
                version: (3, 0),
                status: "experimental".into(),
                url: "http://h/image/v3/".into()
            },
        ]
    );
    let values = json!({"versions": {"values": [
        {"id": "v3.14", "status": "stable", "links": [{"rel": "self", "href": "http://k/v3/"}]}]}});
    assert_eq!(offered_versions(&values, "http://k/")[0].version, (3, 14));
    let single = json!({"version": {"id": "v2.1", "status": "CURRENT", "min_version": "2.1",
        "version": "2.90", "links": [{"rel": "self", "href": "http://n/v2.1/"}]}});
    assert_eq!(
        offered_versions(&single, "http://n/v2.1/")[0].url,
        "http://n/v2.1/"
    );
    assert!(offered_versions(&json!(["a", "b"]), "http://s/").is_empty());
    assert!(offered_versions(&json!({"servers": []}), "http://n/").is_empty());
}

#[test]
fn the_highest_stable_version_of_a_wanted_major_is_chosen() {
    let nova = json!({"versions": [
        {"id": "v2.0", "status": "SUPPORTED", "links": [{"rel": "self", "href": "http://n/v2/"}]},
        {"id": "v2.1", "status": "CURRENT", "links": [{"rel": "self", "href": "http://n/v2.1/"}]},
        {"id": "v3.0", "status": "EXPERIMENTAL", "links": [{"rel": "self", "href": "http://n/v3/"}]}
    ]});
    let offered = offered_versions(&nova, "http://n/");
    assert_eq!(
        best(&offered, &[2]).map(|o| o.url.as_str()),
        Some("http://n/v2.1/")
    );
    assert_eq!(
        best(&offered, &[3]),
        None,
        "experimental versions are not used"
    );
    let cinder = json!({"versions": [
        {"id": "v2.0", "status": "DEPRECATED", "links": [{"rel": "self", "href": "http://c/v2/"}]},
        {"id": "v3.0", "status": "CURRENT", "links": [{"rel": "self", "href": "http://c/v3/"}]}
    ]});
    let offered = offered_versions(&cinder, "http://c/");
    assert_eq!(best(&offered, &[3, 2]).map(|o| o.version), Some((3, 0)));
    assert_eq!(best(&offered, &[2]).map(|o| o.version), Some((2, 0)));
}

#[test]
fn a_discovered_root_gets_the_project_suffix_back() {
    let url = CatalogUrl::parse("http://h/image/v1/p1", PROJECT);
    assert_eq!(
        url.with_suffix("http://h/image/v2/"),
        "http://h/image/v2/p1"
    );
    let plain = CatalogUrl::parse("http://h/image", PROJECT);
    assert_eq!(plain.with_suffix("http://h/image/v2/"), "http://h/image/v2");
}

#[test]
fn without_a_document_the_version_is_appended_only_to_an_unversioned_url() {
    let guess = |url: &str, service: &str| {
        let api = api(service).map(|a| a.default_segment).unwrap_or_default();
        CatalogUrl::parse(url, PROJECT).guess(api)
    };
    assert_eq!(guess("http://h/image/", "image"), "http://h/image/v2");
    assert_eq!(guess("http://h:9696", "network"), "http://h:9696/v2.0");
    assert_eq!(
        guess("http://h/image/v2/p1", "image"),
        "http://h/image/v2/p1"
    );
    assert_eq!(
        guess("http://h/image/v1/p1", "image"),
        "http://h/image/v1/p1"
    );
    assert_eq!(
        guess("http://h/compute", "compute"),
        "http://h/compute/v2.1"
    );
}
