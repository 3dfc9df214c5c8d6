//! Tests for `keypairs.rs` against a fake host: nova's wrapped lists, import and generate.

use serde_json::json;

use super::*;
use crate::fake::{COMPUTE, FakeHost, context};
use crate::oaktree::cloud::http::Method;

fn entry(name: &str) -> serde_json::Value {
    json!({"keypair": {"name": name, "public_key": format!("ssh-ed25519 AAAA {name}"),
                       "fingerprint": "aa:bb", "type": "ssh"}})
}

#[test]
fn keypairs_are_listed_unwrapped_across_pages() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let first = format!("{COMPUTE}/os-keypairs");
    let second = format!("{first}?marker=a");
    host.on(
        "GET",
        &first,
        200,
        &[],
        &json!({"keypairs": [entry("a")], "keypairs_links": [{"rel": "next", "href": second}]}),
    );
    host.on("GET", &second, 200, &[], &json!({"keypairs": [entry("b")]}));
    let keypairs = Session::open(&host, &context())?.list_keypairs()?;
    assert_eq!(
        keypairs.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(keypairs[1].public_key, "ssh-ed25519 AAAA b");
    Ok(())
}

#[test]
fn a_keypair_is_got_by_its_encoded_name_and_a_missing_one_is_not_found() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "GET",
        &format!("{COMPUTE}/os-keypairs/my%20key"),
        200,
        &[],
        &entry("my key"),
    );
    host.on(
        "GET",
        &format!("{COMPUTE}/os-keypairs/nope"),
        404,
        &[],
        &json!({"itemNotFound": {"code": 404, "message": "Keypair nope not found for user u-1"}}),
    );
    let mut session = Session::open(&host, &context())?;
    assert_eq!(session.get_keypair("my key")?.fingerprint, "aa:bb");
    let result = session.get_keypair("nope");
    assert!(matches!(result, Err(Error::NotFound(_))), "{result:?}");
    Ok(())
}

#[test]
fn importing_a_keypair_sends_its_public_key() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{COMPUTE}/os-keypairs");
    host.on("POST", &url, 200, &[], &entry("mine"));
    let keypair = Session::open(&host, &context())?.create_keypair(&KeypairCreate {
        name: "mine".into(),
        public_key: Some("ssh-ed25519 AAAA mine".into()),
    })?;
    assert_eq!(
        host.sent(Method::Post, &url),
        Some(json!({"keypair": {"name": "mine", "public_key": "ssh-ed25519 AAAA mine"}}))
    );
    assert_eq!(keypair.private_key, None);
    Ok(())
}

#[test]
fn a_generated_keypair_comes_back_with_its_private_key() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{COMPUTE}/os-keypairs");
    host.on(
        "POST",
        &url,
        200,
        &[],
        &json!({"keypair": {"name": "gen", "public_key": "ssh-rsa AAAA", "fingerprint": "f",
                            "private_key": "-----BEGIN RSA PRIVATE KEY-----\n", "user_id": "u-1"}}),
    );
    let keypair = Session::open(&host, &context())?.create_keypair(&KeypairCreate {
        name: "gen".into(),
        public_key: None,
    })?;
    assert_eq!(
        host.sent(Method::Post, &url),
        Some(json!({"keypair": {"name": "gen"}}))
    );
    assert_eq!(
        keypair.private_key.as_deref(),
        Some("-----BEGIN RSA PRIVATE KEY-----\n")
    );
    Ok(())
}

#[test]
fn a_keypair_name_in_use_is_a_conflict() -> Result<(), Error> {
    let host = FakeHost::cloud();
    host.on(
        "POST",
        &format!("{COMPUTE}/os-keypairs"),
        409,
        &[],
        &json!({"conflictingRequest": {"code": 409, "message": "Key pair 'gen' already exists."}}),
    );
    let result = Session::open(&host, &context())?.create_keypair(&KeypairCreate {
        name: "gen".into(),
        public_key: None,
    });
    assert!(matches!(result, Err(Error::Conflict(_))), "{result:?}");
    Ok(())
}

#[test]
fn deleting_a_keypair_sends_a_delete_and_a_gone_one_is_not_found() -> Result<(), Error> {
    let host = FakeHost::cloud();
    let url = format!("{COMPUTE}/os-keypairs/gen");
    host.on("DELETE", &url, 202, &[], &json!(null));
    host.on(
        "DELETE",
        &url,
        404,
        &[],
        &json!({"itemNotFound": {"message": "Keypair gen not found"}}),
    );
    let mut session = Session::open(&host, &context())?;
    session.delete_keypair("gen")?;
    let again = session.delete_keypair("gen");
    assert!(matches!(again, Err(Error::NotFound(_))), "{again:?}");
    Ok(())
}
