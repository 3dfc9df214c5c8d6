//! Tests for `client.rs`: vendor messages, status mapping and pagination.

use std::collections::HashMap;

use super::*;
use serde_json::json;

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
    Response {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn vendor_messages_are_found_in_every_usual_shape() {
    let cases = [
        (
            r#"{"error": {"message": "The request you have made requires authentication.", "code": 401}}"#,
            "The request you have made requires authentication.",
        ),
        (
            r#"{"itemNotFound": {"message": "Instance abc could not be found.", "code": 404}}"#,
            "Instance abc could not be found.",
        ),
        (
            r#"{"NeutronError": {"type": "NetworkNotFound", "message": "Network n could not be found.", "detail": ""}}"#,
            "Network n could not be found.",
        ),
        (r#"{"message": "flat message"}"#, "flat message"),
        (
            "<html>\n <head><title>404 Not Found</title></head>\n <body><h1>404 Not Found</h1>\n No image found with ID x<br /><br />\n </body>\n</html>",
            "404 Not Found 404 Not Found No image found with ID x",
        ),
        ("  plain\n text  ", "plain text"),
        ("", "(no message)"),
    ];
    for (body, expected) in cases {
        assert_eq!(vendor_message(body.as_bytes()), expected, "{body}");
    }
}

#[test]
fn long_vendor_messages_are_cut_to_two_hundred_characters() {
    let message = vendor_message("x".repeat(5_000).as_bytes());
    assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
    assert!(message.ends_with('…'));
}

#[test]
fn statuses_map_to_the_wit_error_they_mean() {
    let kind = |status: u16| match status_error(
        "compute",
        "GET",
        "http://n/x",
        &response(status, &[], "{}"),
    ) {
        Error::Invalid(_) => "invalid",
        Error::Unauthorized(_) => "unauthorized",
        Error::Forbidden(_) => "forbidden",
        Error::NotFound(_) => "not-found",
        Error::Conflict(_) => "conflict",
        Error::Throttled(_) => "throttled",
        Error::Unavailable(_) => "unavailable",
        Error::Timeout(_) => "timeout",
        Error::Unsupported(_) => "unsupported",
        Error::Other(_) => "other",
    };
    let expected = [
        (400, "invalid"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "not-found"),
        (405, "unsupported"),
        (409, "conflict"),
        (413, "throttled"),
        (429, "throttled"),
        (500, "unavailable"),
        (501, "unsupported"),
        (503, "unavailable"),
        (302, "other"),
    ];
    for (status, name) in expected {
        assert_eq!(kind(status), name, "{status}");
    }
}

#[test]
fn server_errors_carry_the_status_and_the_vendor_message() {
    let error = status_error(
        "compute",
        "GET",
        "http://n/servers/detail",
        &response(
            503,
            &[],
            r#"{"computeFault": {"message": "nova-api is restarting", "code": 503}}"#,
        ),
    );
    assert_eq!(
        error,
        Error::Unavailable(
            "compute: GET http://n/servers/detail answered 503: nova-api is restarting".into()
        )
    );
}

#[test]
fn throttling_reports_retry_after_in_milliseconds() {
    let from_header = status_error(
        "image",
        "GET",
        "u",
        &response(429, &[("retry-after", "3")], "slow down"),
    );
    assert!(matches!(
        from_header,
        Error::Throttled(Throttle {
            retry_after_ms: Some(3_000),
            ..
        })
    ));
    let from_body = status_error(
        "compute",
        "GET",
        "u",
        &response(
            413,
            &[],
            r#"{"overLimit": {"message": "Rate limited", "retryAfter": "5"}}"#,
        ),
    );
    assert!(matches!(
        from_body,
        Error::Throttled(Throttle {
            retry_after_ms: Some(5_000),
            ..
        })
    ));
    let unknown = status_error("compute", "GET", "u", &response(429, &[], ""));
    assert!(matches!(
        unknown,
        Error::Throttled(Throttle {
            retry_after_ms: None,
            ..
        })
    ));
}

#[test]
fn transport_failures_map_by_kind() {
    assert!(matches!(
        transport_error("image", "u", HttpError::Timeout("t".into())),
        Error::Timeout(_)
    ));
    assert!(matches!(
        transport_error("image", "u", HttpError::Connect("c".into())),
        Error::Unavailable(_)
    ));
    assert!(matches!(
        transport_error("image", "u", HttpError::Other("o".into())),
        Error::Unavailable(_)
    ));
    match transport_error(
        "image",
        "http://x",
        HttpError::Denied("egress policy".into()),
    ) {
        Error::Invalid(m) => assert!(m.contains("refused") && m.contains("egress policy"), "{m}"),
        other => assert_eq!(format!("{other:?}"), "invalid"),
    }
}

#[test]
fn successful_empty_bodies_are_null_and_bad_json_is_an_error() -> Result<(), Error> {
    assert_eq!(
        check("compute", "GET", "u", &response(204, &[], ""))?,
        Value::Null
    );
    assert!(matches!(
        check("compute", "GET", "u", &response(200, &[], "{nope")),
        Err(Error::Other(_))
    ));
    Ok(())
}

#[test]
fn glance_next_links_replace_their_version_segment_with_the_versioned_endpoint() {
    let next = Next::Glance {
        base: "http://h:8700/alpha/image/v2".into(),
    };
    assert_eq!(
        next.url(&json!({"images": [], "next": "/v2/images?marker=X"})),
        Some("http://h:8700/alpha/image/v2/images?marker=X".into())
    );
    let scoped = Next::Glance {
        base: "http://h/cloud/glance/ORD/v2/p1".into(),
    };
    assert_eq!(
        scoped.url(&json!({"next": "/v2/images?marker=X"})),
        Some("http://h/cloud/glance/ORD/v2/p1/images?marker=X".into())
    );
    assert_eq!(
        join_glance("http://h:9292/v2", "images?marker=Z"),
        "http://h:9292/v2/images?marker=Z"
    );
    assert_eq!(
        join_glance("http://h:9292/v2", "https://other/v2/images?marker=Y"),
        "https://other/v2/images?marker=Y"
    );
}

#[test]
fn nova_and_neutron_next_links_are_the_rel_next_href() {
    let page = json!({"servers_links": [{"rel": "prev", "href": "p"}, {"rel": "next", "href": "http://n/servers/detail?marker=9"}]});
    assert_eq!(
        Next::Links("servers_links").url(&page),
        Some("http://n/servers/detail?marker=9".into())
    );
    assert_eq!(Next::Links("networks_links").url(&page), None);
}

/// A fake HTTP source: URL → page, recording the URLs fetched.
fn fake(pages: &[(&str, Value)]) -> (HashMap<String, Value>, Vec<String>) {
    (
        pages
            .iter()
            .map(|(u, p)| ((*u).to_string(), p.clone()))
            .collect(),
        Vec::new(),
    )
}

#[test]
fn collect_pages_follows_three_pages_to_the_end_in_order() -> Result<(), Error> {
    let (pages, mut fetched) = fake(&[
        (
            "http://n/servers/detail",
            json!({"servers": [{"id": "1"}, {"id": "2"}],
            "servers_links": [{"rel": "next", "href": "http://n/servers/detail?marker=2"}]}),
        ),
        (
            "http://n/servers/detail?marker=2",
            json!({"servers": [{"id": "3"}],
            "servers_links": [{"rel": "next", "href": "http://n/servers/detail?marker=3"}]}),
        ),
        (
            "http://n/servers/detail?marker=3",
            json!({"servers": [{"id": "4"}]}),
        ),
    ]);
    let items = collect_pages(
        "http://n/servers/detail",
        "servers",
        &Next::Links("servers_links"),
        |url| {
            fetched.push(url.to_string());
            pages
                .get(url)
                .cloned()
                .ok_or_else(|| Error::NotFound(url.into()))
        },
    )?;
    let ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);
    assert_eq!(fetched.len(), 3);
    Ok(())
}

#[test]
fn collect_pages_reports_a_repeating_next_link_as_an_error() {
    let (pages, _) = fake(&[
        (
            "http://g/v2/images",
            json!({"images": [{"id": "a"}], "next": "/v2/images?marker=a"}),
        ),
        (
            "http://g/v2/images?marker=a",
            json!({"images": [{"id": "b"}], "next": "/v2/images?marker=a"}),
        ),
    ]);
    let result = collect_pages(
        "http://g/v2/images",
        "images",
        &Next::Glance {
            base: "http://g/v2".into(),
        },
        |url| {
            pages
                .get(url)
                .cloned()
                .ok_or_else(|| Error::NotFound(url.into()))
        },
    );
    match result {
        Err(Error::Other(m)) => assert!(m.starts_with("pagination loop"), "{m}"),
        other => assert!(other.is_err(), "expected a loop error, got {other:?}"),
    }
}

#[test]
fn collect_pages_passes_fetch_errors_through() {
    let result = collect_pages(
        "http://n/x",
        "servers",
        &Next::Links("servers_links"),
        |_| Err(Error::Forbidden("no".into())),
    );
    assert_eq!(result, Err(Error::Forbidden("no".into())));
}

#[test]
fn ids_are_percent_encoded_as_one_path_segment() {
    assert_eq!(encode_segment("abc-123_x.y~z"), "abc-123_x.y~z");
    assert_eq!(encode_segment("a b/c?d"), "a%20b%2Fc%3Fd");
}
