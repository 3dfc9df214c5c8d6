use super::*;
use crate::fake::{FakeHost, error_body, sent, session};

/// moto's DescribeKeyPairs answer with `IncludePublicKey=true`.
const DESCRIBED: &str = r#"<DescribeKeyPairsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><keySet><item><keyPairId>key-1</keyPairId><keyType>ed25519</keyType><tagSet/><publicKey>ssh-ed25519 AAAA test</publicKey><createTime>2026-11-24T23:36:29.000Z</createTime><keyName>k1</keyName><keyFingerprint>73:71:91</keyFingerprint></item></keySet></DescribeKeyPairsResponse>"#;

/// moto's CreateKeyPair answer (the PEM shortened).
const CREATED: &str = "<CreateKeyPairResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\">\
    <keyPairId>key-1</keyPairId><keyName>k1</keyName><keyFingerprint>09:cc:35</keyFingerprint>\
    <keyMaterial>-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n\
    </keyMaterial></CreateKeyPairResponse>";

#[test]
fn list_keypairs_asks_for_public_keys_and_converts_them() {
    let host = FakeHost::default();
    host.on("DescribeKeyPairs", 200, &[], DESCRIBED);
    let keys = session(&host).list_keypairs().unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=DescribeKeyPairs&IncludePublicKey=true"
    );
    let k = &keys[0];
    assert_eq!(k.name, "k1");
    assert_eq!(k.public_key, "ssh-ed25519 AAAA test");
    assert_eq!(k.fingerprint, "73:71:91");
    assert_eq!(k.key_type, "ssh");
    assert_eq!(k.private_key, None);
    assert_eq!(k.created_at, "2026-11-24T23:36:29.000Z");
    assert!(k.properties.contains(&("keyType".into(), "ed25519".into())));
    assert!(k.properties.contains(&("keyPairId".into(), "key-1".into())));
}

#[test]
fn get_keypair_of_an_unknown_name_is_not_found() {
    let host = FakeHost::default();
    host.on(
        "DescribeKeyPairs",
        400,
        &[],
        &error_body("InvalidKeyPair.NotFound", "The keypair does not exist."),
    );
    assert!(matches!(
        session(&host).get_keypair("nope").unwrap_err(),
        Error::NotFound(_)
    ));
    assert_eq!(
        sent(&host, 0),
        "Action=DescribeKeyPairs&IncludePublicKey=true&KeyName.1=nope"
    );
}

#[test]
fn create_keypair_without_a_public_key_returns_the_private_key_and_the_read_public_key() {
    let host = FakeHost::default();
    host.on("CreateKeyPair", 200, &[], CREATED);
    host.on("DescribeKeyPairs", 200, &[], DESCRIBED);
    let spec = KeypairCreate {
        name: "k1".into(),
        public_key: None,
    };
    let k = session(&host).create_keypair(&spec).unwrap();
    assert_eq!(sent(&host, 0), "Action=CreateKeyPair&KeyName=k1");
    assert_eq!(
        k.private_key.as_deref(),
        Some("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n")
    );
    assert_eq!(k.public_key, "ssh-ed25519 AAAA test");
}

#[test]
fn a_created_keypair_keeps_its_private_key_when_reading_it_back_fails() {
    let host = FakeHost::default();
    host.on("CreateKeyPair", 200, &[], CREATED);
    host.on(
        "DescribeKeyPairs",
        503,
        &[],
        &error_body("Unavailable", "down"),
    );
    let spec = KeypairCreate {
        name: "k1".into(),
        public_key: None,
    };
    let k = session(&host).create_keypair(&spec).unwrap();
    assert!(k.private_key.is_some());
    assert_eq!(k.fingerprint, "09:cc:35");
    assert_eq!(k.public_key, "");
}

#[test]
fn create_keypair_with_a_public_key_imports_it_base64_encoded() {
    let host = FakeHost::default();
    host.on(
        "ImportKeyPair",
        200,
        &[],
        "<ImportKeyPairResponse><keyFingerprint>73:71</keyFingerprint><keyName>k2</keyName>\
         <keyPairId>key-2</keyPairId><tagSet/></ImportKeyPairResponse>",
    );
    let spec = KeypairCreate {
        name: "k2".into(),
        public_key: Some("ssh-ed25519 AAAA\n".into()),
    };
    let k = session(&host).create_keypair(&spec).unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=ImportKeyPair&KeyName=k2&PublicKeyMaterial=c3NoLWVkMjU1MTkgQUFBQQ%3D%3D"
    );
    assert_eq!(k.name, "k2");
    assert_eq!(k.public_key, "ssh-ed25519 AAAA");
    assert_eq!(k.private_key, None);
}

#[test]
fn creating_a_keypair_whose_name_is_taken_is_a_conflict() {
    let host = FakeHost::default();
    host.on(
        "CreateKeyPair",
        400,
        &[],
        &error_body(
            "InvalidKeyPair.Duplicate",
            "The keypair 'k1' already exists.",
        ),
    );
    let spec = KeypairCreate {
        name: "k1".into(),
        public_key: None,
    };
    assert!(matches!(
        session(&host).create_keypair(&spec).unwrap_err(),
        Error::Conflict(_)
    ));
}

#[test]
fn delete_keypair_checks_the_key_exists_then_deletes_it() {
    let host = FakeHost::default();
    host.on("DescribeKeyPairs", 200, &[], DESCRIBED);
    host.on(
        "DeleteKeyPair",
        200,
        &[],
        "<DeleteKeyPairResponse><return>true</return></DeleteKeyPairResponse>",
    );
    session(&host).delete_keypair("k1").unwrap();
    assert_eq!(sent(&host, 1), "Action=DeleteKeyPair&KeyName=k1");
}

#[test]
fn delete_keypair_of_an_unknown_name_is_not_found_although_ec2_would_accept_it() {
    let host = FakeHost::default();
    host.on(
        "DescribeKeyPairs",
        200,
        &[],
        "<DescribeKeyPairsResponse><keySet/></DescribeKeyPairsResponse>",
    );
    assert!(matches!(
        session(&host).delete_keypair("nope").unwrap_err(),
        Error::NotFound(_)
    ));
    assert_eq!(host.bodies().len(), 1);
}
