use super::*;
use crate::fake::FakeHost;

fn config() -> Config {
    Config::parse(
        r#"{"aws_access_key_id":"AKIDEXAMPLE","aws_secret_access_key":"SECRET",
            "endpoint_url":"http://127.0.0.1:5000"}"#,
        "us-east-1",
    )
    .unwrap()
}

fn fixed_date() -> String {
    "20260101T000000Z".into()
}

fn error_body(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
         <Message>{message}</Message></Error></Errors><RequestID>ea966190</RequestID></Response>"
    )
}

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Error {
    let host = FakeHost::default();
    host.on("DescribeInstances", status, headers, body);
    Client::with_clock(&host, config(), fixed_date)
        .call("DescribeInstances", &[])
        .unwrap_err()
}

#[test]
fn a_request_is_a_signed_form_post_for_ec2_in_the_region() {
    let host = FakeHost::default();
    host.on("DescribeImages", 200, &[], "<DescribeImagesResponse/>");
    let client = Client::with_clock(&host, config(), fixed_date);
    client
        .call("DescribeImages", &[("Owner.1".into(), "self".into())])
        .unwrap();
    let requests = host.requests.borrow();
    let request = &requests[0];
    assert_eq!(request.url, "http://127.0.0.1:5000/");
    assert_eq!(request.service, "ec2");
    assert_eq!(
        host.bodies()[0],
        "Action=DescribeImages&Version=2016-11-15&Owner.1=self"
    );
    let auth = &request
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .unwrap()
        .1;
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/ec2/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature="
        ),
        "{auth}"
    );
    assert!(request.headers.iter().all(|(k, _)| k != "host"));
}

#[test]
fn a_session_token_is_sent_and_signed() {
    let host = FakeHost::default();
    host.on("DescribeVpcs", 200, &[], "<DescribeVpcsResponse/>");
    let mut config = config();
    config.session_token = Some("TOKEN".into());
    Client::with_clock(&host, config, fixed_date)
        .call("DescribeVpcs", &[])
        .unwrap();
    let requests = host.requests.borrow();
    let headers = &requests[0].headers;
    assert!(headers.contains(&("x-amz-security-token".into(), "TOKEN".into())));
    let auth = &headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .unwrap()
        .1;
    assert!(auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"));
}

#[test]
fn signature_failures_are_unauthorized_with_the_aws_message() {
    // moto's answer to a wrong secret, verbatim.
    let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors><Error><Code>\
                AuthFailure</Code><Message>AWS was not able to validate the provided access \
                credentials</Message><Type>Sender</Type></Error></Errors></ErrorResponse>";
    let err = answer(401, &[], body);
    let Error::Unauthorized(message) = err else {
        panic!("{err:?}")
    };
    assert!(message.contains("AuthFailure"), "{message}");
    assert!(message.contains("not able to validate"), "{message}");
    for code in [
        "SignatureDoesNotMatch",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
    ] {
        assert!(
            matches!(
                answer(403, &[], &error_body(code, "no")),
                Error::Unauthorized(_)
            ),
            "{code}"
        );
    }
}

#[test]
fn aws_error_codes_map_to_the_wit_errors() {
    type Check = fn(&Error) -> bool;
    let cases: &[(&str, u16, Check)] = &[
        ("UnauthorizedOperation", 403, |e| {
            matches!(e, Error::Forbidden(_))
        }),
        ("InvalidInstanceID.NotFound", 400, |e| {
            matches!(e, Error::NotFound(_))
        }),
        ("InvalidAMIID.NotFound", 400, |e| {
            matches!(e, Error::NotFound(_))
        }),
        ("InvalidVpcID.NotFound", 400, |e| {
            matches!(e, Error::NotFound(_))
        }),
        ("InvalidInstanceID.Malformed", 400, |e| {
            matches!(e, Error::Invalid(_))
        }),
        ("InvalidParameterValue", 400, |e| {
            matches!(e, Error::Invalid(_))
        }),
        ("InternalError", 500, |e| matches!(e, Error::Unavailable(_))),
        ("IncorrectInstanceState", 400, |e| {
            matches!(e, Error::Conflict(_))
        }),
        ("InvalidKeyPair.Duplicate", 400, |e| {
            matches!(e, Error::Conflict(_))
        }),
        ("InvalidGroup.Duplicate", 400, |e| {
            matches!(e, Error::Conflict(_))
        }),
        ("InvalidPermission.Duplicate", 400, |e| {
            matches!(e, Error::Conflict(_))
        }),
        ("InvalidSubnet.Conflict", 400, |e| {
            matches!(e, Error::Conflict(_))
        }),
        ("VolumeInUse", 400, |e| matches!(e, Error::Conflict(_))),
        ("InvalidGroup.InUse", 400, |e| {
            matches!(e, Error::Conflict(_))
        }),
        ("InsufficientInstanceCapacity", 500, |e| {
            matches!(e, Error::Unavailable(_))
        }),
        ("InstanceLimitExceeded", 400, |e| {
            matches!(e, Error::Forbidden(_))
        }),
        ("VcpuLimitExceeded", 400, |e| {
            matches!(e, Error::Forbidden(_))
        }),
        ("InvalidPermission.NotFound", 400, |e| {
            matches!(e, Error::NotFound(_))
        }),
        ("SomethingNew", 400, |e| matches!(e, Error::Invalid(_))),
        ("SomethingNew", 418, |e| matches!(e, Error::Other(_))),
    ];
    for (code, status, check) in cases {
        let err = answer(*status, &[], &error_body(code, "msg"));
        assert!(check(&err), "{code}: {err:?}");
    }
}

#[test]
fn throttling_carries_retry_after_when_aws_sends_it() {
    let err = answer(
        503,
        &[("retry-after", "3")],
        &error_body("RequestLimitExceeded", "Request limit exceeded."),
    );
    assert_eq!(
        err,
        Error::Throttled(Throttle {
            retry_after_ms: Some(3_000),
            message: "ec2 DescribeInstances answered 503 RequestLimitExceeded: Request limit \
                      exceeded."
                .into()
        })
    );
    let err = answer(400, &[], &error_body("Throttling", "Rate exceeded"));
    assert!(matches!(
        err,
        Error::Throttled(Throttle {
            retry_after_ms: None,
            ..
        })
    ));
}

#[test]
fn a_5xx_html_page_is_unavailable_with_its_text() {
    let err = answer(
        500,
        &[],
        "<html><body><h1>Internal Server Error</h1></body></html>",
    );
    let Error::Unavailable(message) = err else {
        panic!("{err:?}")
    };
    assert!(message.contains("500: Internal Server Error"), "{message}");
}

#[test]
fn a_405_or_501_without_an_aws_code_is_unsupported_not_other() {
    for status in [405, 501] {
        let err = answer(status, &[], "<html><body>Method Not Allowed</body></html>");
        assert!(matches!(err, Error::Unsupported(_)), "{status}: {err:?}");
    }
}

#[test]
fn transport_failures_map_like_the_openstack_driver() {
    let host = FakeHost::default();
    let err = Client::with_clock(&host, config(), fixed_date)
        .call("DescribeVpcs", &[])
        .unwrap_err();
    assert!(matches!(err, Error::Unavailable(m) if m.contains("cannot connect")));
}
