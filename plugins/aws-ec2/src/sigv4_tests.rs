use super::*;

/// AWS's published example: "GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"
/// from the Signature Version 4 documentation ("Create a signed AWS API request").
#[test]
fn the_published_iam_list_users_example_signs_to_the_published_signature() {
    let headers = vec![
        (
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        ),
        ("Host".to_string(), "iam.amazonaws.com".to_string()),
        ("X-Amz-Date".to_string(), "20150830T123600Z".to_string()),
    ];
    let request = Unsigned {
        method: "GET",
        path: "/",
        query: "Version=2010-05-08&Action=ListUsers",
        headers: &headers,
        body: b"",
    };
    let (canonical, signed) = canonical_request(&request);
    assert_eq!(signed, "content-type;host;x-amz-date");
    assert_eq!(
        hex(&Sha256::digest(canonical.as_bytes())),
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    );
    let signer = Signer {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region: "us-east-1",
        service: "iam",
    };
    assert_eq!(
        signer.authorization(&request, "20150830T123600Z"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, \
         Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    );
}

#[test]
fn amz_date_formats_unix_seconds_in_utc() {
    assert_eq!(amz_date(0), "19700101T000000Z");
    assert_eq!(amz_date(1_440_938_160), "20150830T123600Z");
    // A leap day.
    assert_eq!(amz_date(1_709_210_096), "20240229T123456Z");
}

#[test]
fn uri_encode_keeps_only_unreserved_characters() {
    assert_eq!(uri_encode("a-b_c.d~e"), "a-b_c.d~e");
    assert_eq!(uri_encode("x y/z+=&"), "x%20y%2Fz%2B%3D%26");
}
