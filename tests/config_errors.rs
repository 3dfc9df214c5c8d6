//! Configuration mistakes are reported with the file, the key and the fix.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use oaktree::config::{CloudsConfig, HostConfig};
use oaktree::daemon::Daemon;
use oaktree_tests::isolated_env;

#[test]
fn a_misspelt_region_key_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clouds.yaml");
    std::fs::write(
        &file,
        "clouds:\n  alpha:\n    auth:\n      auth_url: http://127.0.0.1:1/identity\n    regions:\n      - one\n      - nmae: two\n",
    )
    .unwrap();

    let error = CloudsConfig::load(&isolated_env(&file, dir.path()))
        .unwrap_err()
        .to_string();

    assert!(error.contains(&file.display().to_string()), "{error}");
    assert!(error.contains("clouds.alpha.regions[1]"), "{error}");
    assert!(error.contains("nmae"), "{error}");
}

#[test]
fn yaml_syntax_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clouds.yaml");
    std::fs::write(&file, "clouds:\n  alpha:\n    auth: [unclosed\n").unwrap();

    let error = CloudsConfig::load(&isolated_env(&file, dir.path()))
        .unwrap_err()
        .to_string();

    assert!(error.contains(&file.display().to_string()), "{error}");
    assert!(error.contains("line"), "{error}");
}

#[test]
fn an_unknown_key_in_the_daemon_config_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("oaktree.yaml");
    std::fs::write(&file, "listn: 127.0.0.1:1\n").unwrap();

    let error = HostConfig::load(&file).unwrap_err().to_string();

    assert!(error.contains("oaktree.yaml"), "{error}");
    assert!(error.contains("listn"), "{error}");
}

#[tokio::test]
async fn the_daemon_refuses_to_start_without_plugins_and_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let clouds = dir.path().join("clouds.yaml");
    std::fs::write(
        &clouds,
        "clouds:\n  alpha:\n    auth:\n      auth_url: http://127.0.0.1:1/identity\n",
    )
    .unwrap();
    let empty = dir.path().join("no-plugins");
    std::fs::create_dir(&empty).unwrap();
    let host = HostConfig {
        plugin_dir: empty.clone(),
        ..HostConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let clouds = CloudsConfig::load(&isolated_env(&clouds, dir.path())).unwrap();

    let error = Daemon::start(&host, &clouds, listener)
        .await
        .err()
        .unwrap()
        .to_string();

    assert!(error.contains(&empty.display().to_string()), "{error}");
    assert!(error.contains("wasm32-wasip2"), "{error}");
}

#[test]
fn the_example_configs_load_with_secrets_merged_from_secure_yaml() {
    let examples = oaktree_tests::repo_root().join("examples");
    let scratch = tempfile::tempdir().unwrap();
    let mut env = isolated_env(&examples.join("clouds.yaml"), scratch.path());
    env.explicit_file = None;
    env.os_client_config_file = Some(examples.join("clouds.yaml"));
    env.os_client_secure_file = Some(examples.join("secure.yaml"));

    let clouds = CloudsConfig::load(&env).unwrap();
    let host = HostConfig::load(&examples.join("oaktree.yaml")).unwrap();

    assert_eq!(clouds.regions.len(), 12);
    assert!(
        clouds
            .regions
            .iter()
            .all(|r| r.config["auth"]["password"] == "secret")
    );
    assert!(
        host.plugin_dir
            .ends_with("plugins/target/wasm32-wasip2/release")
    );
}
