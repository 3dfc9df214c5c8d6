use super::*;

#[test]
fn top_level_aws_keys_and_the_endpoint_url_are_read() {
    let c = Config::parse(
        r#"{"aws_access_key_id":"AK","aws_secret_access_key":"SK","aws_session_token":"T",
            "endpoint_url":"http://127.0.0.1:5000/","auth_type":"password"}"#,
        "eu-west-1",
    )
    .unwrap();
    assert_eq!(c.access_key_id, "AK");
    assert_eq!(c.secret_access_key, "SK");
    assert_eq!(c.session_token.as_deref(), Some("T"));
    assert_eq!(c.endpoint, "http://127.0.0.1:5000");
    assert_eq!(c.url(), "http://127.0.0.1:5000/");
    assert_eq!(c.host_header(), "127.0.0.1:5000");
    assert_eq!(c.region, "eu-west-1");
    assert_eq!(c.image_owners, vec!["self"]);
}

#[test]
fn credentials_under_auth_and_the_regional_default_endpoint_work() {
    let c = Config::parse(
        r#"{"auth":{"access_key_id":"AK","secret_access_key":"SK"},"image_owners":["self","amazon"]}"#,
        "us-east-1",
    )
    .unwrap();
    assert_eq!(c.access_key_id, "AK");
    assert_eq!(c.session_token, None);
    assert_eq!(c.endpoint, "https://ec2.us-east-1.amazonaws.com");
    assert_eq!(c.host_header(), "ec2.us-east-1.amazonaws.com");
    assert_eq!(c.image_owners, vec!["self", "amazon"]);
}

#[test]
fn a_missing_secret_is_invalid_naming_the_key_and_the_fix() {
    let err = Config::parse(r#"{"aws_access_key_id":"AK"}"#, "us-east-1").unwrap_err();
    let Error::Invalid(message) = err else {
        panic!("{err:?}")
    };
    assert!(message.contains("aws_secret_access_key"), "{message}");
    assert!(message.contains("clouds.yaml"), "{message}");
}

#[test]
fn a_cloud_without_a_region_is_invalid() {
    let err = Config::parse(
        r#"{"aws_access_key_id":"A","aws_secret_access_key":"S"}"#,
        "",
    )
    .unwrap_err();
    assert!(matches!(err, Error::Invalid(m) if m.contains("regions")));
}

#[test]
fn default_ports_are_left_out_of_the_host_header() {
    let c = Config::parse(
        r#"{"aws_access_key_id":"A","aws_secret_access_key":"S","endpoint_url":"https://Ec2.Example:443/x"}"#,
        "r",
    )
    .unwrap();
    assert_eq!(c.host_header(), "ec2.example");
}

#[test]
fn vpc_id_is_read_when_given_and_absent_otherwise() {
    let c = Config::parse(
        r#"{"aws_access_key_id":"AK","aws_secret_access_key":"SK","vpc_id":"vpc-1"}"#,
        "us-east-1",
    )
    .unwrap();
    assert_eq!(c.vpc_id.as_deref(), Some("vpc-1"));
    let c = Config::parse(
        r#"{"aws_access_key_id":"AK","aws_secret_access_key":"SK"}"#,
        "us-east-1",
    )
    .unwrap();
    assert_eq!(c.vpc_id, None);
}
