//! Tests for `config.rs`: one per auth type, the domain fan-out and the error messages.

use super::*;
use serde_json::json;

fn parse(config: Value) -> Result<Config, Error> {
    Config::parse(&config.to_string(), "us-east")
}

fn message(result: Result<Config, Error>) -> String {
    match result {
        Err(Error::Invalid(m) | Error::Unsupported(m)) => m,
        other => format!("unexpected: {other:?}"),
    }
}

fn password_config() -> Value {
    json!({
        "auth": {
            "auth_url": "http://127.0.0.1:8700/alpha/identity",
            "username": "demo", "password": "secret", "project_name": "demo",
            "user_domain_name": "Default", "project_domain_name": "Default"
        },
        "region_name": "us-east", "interface": "public", "profile": "openstack",
        "compute_endpoint_override": "http://nova/{region_name}/v2.1"
    })
}

#[test]
fn password_is_the_default_auth_type_with_named_user_and_project() -> Result<(), Error> {
    let config = parse(password_config())?;
    assert_eq!(config.auth_type, "password");
    assert_eq!(config.auth_url, "http://127.0.0.1:8700/alpha/identity");
    assert_eq!(
        config.credentials,
        Credentials::Password {
            user: User::Name {
                name: "demo".into(),
                domain: Domain::Name("Default".into())
            },
            password: "secret".into(),
            scope: Scope::ProjectName {
                name: "demo".into(),
                domain: Domain::Name("Default".into())
            },
        }
    );
    assert_eq!(config.region, "us-east");
    Ok(())
}

#[test]
fn domain_id_fans_out_to_user_and_project_and_ids_win_over_names() -> Result<(), Error> {
    let config = parse(json!({
        "auth_type": "v3password",
        "auth": {"auth_url": "http://k/v3", "user_id": "u1", "username": "ignored",
                 "password": 1234, "project_name": "p", "domain_id": "d1"}
    }))?;
    assert_eq!(
        config.credentials,
        Credentials::Password {
            user: User::Id("u1".into()),
            password: "1234".into(),
            scope: Scope::ProjectName {
                name: "p".into(),
                domain: Domain::Id("d1".into())
            },
        }
    );
    Ok(())
}

#[test]
fn token_auth_reads_auth_token_and_a_project_id() -> Result<(), Error> {
    let config = parse(json!({
        "auth_type": "token",
        "auth": {"auth_url": "http://k", "token": "gAAAA", "project_id": "p1"}
    }))?;
    assert_eq!(
        config.credentials,
        Credentials::Token {
            token: "gAAAA".into(),
            scope: Scope::ProjectId("p1".into())
        }
    );
    Ok(())
}

#[test]
fn application_credentials_by_id_need_no_user_or_project() -> Result<(), Error> {
    let config = parse(json!({
        "auth_type": "v3applicationcredential",
        "auth": {"auth_url": "http://k", "application_credential_id": "ac",
                 "application_credential_secret": "s"}
    }))?;
    assert_eq!(
        config.credentials,
        Credentials::ApplicationCredentialId {
            id: "ac".into(),
            secret: "s".into()
        }
    );
    Ok(())
}

#[test]
fn application_credentials_by_name_need_the_user_and_its_domain() -> Result<(), Error> {
    let config = parse(json!({
        "auth_type": "application-credential",
        "auth": {"auth_url": "http://k", "application_credential_name": "ci",
                 "application_credential_secret": "s", "username": "demo", "user_domain_id": "default"}
    }))?;
    assert_eq!(
        config.credentials,
        Credentials::ApplicationCredentialName {
            name: "ci".into(),
            user: User::Name {
                name: "demo".into(),
                domain: Domain::Id("default".into())
            },
            secret: "s".into(),
        }
    );
    Ok(())
}

#[test]
fn a_missing_password_names_the_key_and_where_to_put_it() {
    let mut config = password_config();
    if let Some(auth) = config["auth"].as_object_mut() {
        auth.remove("password");
    }
    assert_eq!(
        message(parse(config)),
        "auth.password is missing for auth_type password: add it to clouds.yaml or secure.yaml"
    );
}

#[test]
fn a_missing_auth_url_or_project_or_domain_is_invalid_and_named() {
    assert!(
        message(parse(json!({"auth": {"username": "u"}}))).starts_with("auth.auth_url is missing")
    );
    let no_project = json!({"auth": {"auth_url": "http://k", "username": "u", "password": "p",
                                     "user_domain_name": "Default"}});
    assert!(
        message(parse(no_project)).starts_with("auth.project_name (or auth.project_id) is missing")
    );
    let no_domain = json!({"auth": {"auth_url": "http://k", "username": "u", "password": "p",
                                    "project_name": "x"}});
    assert!(message(parse(no_domain)).starts_with("auth.user_domain_name"));
    let no_secret = json!({"auth_type": "v3applicationcredential",
                           "auth": {"auth_url": "http://k", "application_credential_id": "a"}});
    assert!(message(parse(no_secret)).starts_with("auth.application_credential_secret is missing"));
}

#[test]
fn unknown_auth_types_are_unsupported() {
    let config = json!({"auth_type": "v3oidcpassword", "auth": {"auth_url": "http://k"}});
    assert!(message(parse(config)).starts_with("auth_type v3oidcpassword is not supported"));
}

#[test]
fn hyphenated_keys_and_templated_auth_urls_are_normalised() -> Result<(), Error> {
    let config = parse(json!({
        "auth-type": "token",
        "auth": {"auth-url": "https://{region_name}.example.com:5000/v3", "token": "t", "project-id": "p"},
        "compute-interface": "internalURL"
    }))?;
    assert_eq!(config.auth_url, "https://us-east.example.com:5000/v3");
    assert_eq!(config.interface("compute"), "internal");
    assert_eq!(config.interface("image"), "public");
    Ok(())
}

#[test]
fn the_call_region_wins_and_region_name_is_the_fallback() -> Result<(), Error> {
    let config = Config::parse(&password_config().to_string(), "")?;
    assert_eq!(config.region, "us-east");
    let config = Config::parse(&password_config().to_string(), "eu-west")?;
    assert_eq!(config.region, "eu-west");
    Ok(())
}
