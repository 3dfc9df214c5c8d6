//! Configuration mistakes are reported with the file, the key and the fix.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use oaktree::config::{CloudsConfig, HostConfig};
use oaktree::daemon::Daemon;
use oaktree::limits::settings::{HostLimit, LimitOverride};
use oaktree_simcloud::{SimCloud, SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::{World, isolated_env};

/// A clouds.yaml entry that passes every startup check.
const GOOD_CLOUD: &str =
    "clouds:\n  alpha:\n    auth:\n      auth_url: http://127.0.0.1:9/identity\n";

/// Writes `clouds` as clouds.yaml and `host` as oaktree.yaml into `dir`, the latter with an
/// empty plugin directory and (unless `host` sets one) a work directory beside it; returns
/// both paths.
fn write_configs(dir: &Path, clouds: &str, host: &str) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir.join("plugins")).unwrap();
    let clouds_file = dir.join("clouds.yaml");
    std::fs::write(&clouds_file, clouds).unwrap();
    let host_file = dir.join("oaktree.yaml");
    let work_dir = if host.contains("work_dir:") {
        ""
    } else {
        "work_dir: work\n"
    };
    std::fs::write(
        &host_file,
        format!("listen: 127.0.0.1:0\nplugin_dir: plugins\n{work_dir}{host}"),
    )
    .unwrap();
    (clouds_file, host_file)
}

/// Starts a daemon with these configs and returns why it refused.
async fn refusal(host: &HostConfig, clouds: &CloudsConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    match Daemon::start(host, clouds, listener).await {
        Ok(_) => panic!("the daemon started"),
        Err(error) => format!("{error:#}"),
    }
}

/// Loads both files written by [`write_configs`] and returns why the daemon refused them.
async fn start_refusal(dir: &Path, clouds: &str, host: &str) -> String {
    let (clouds_file, host_file) = write_configs(dir, clouds, host);
    let clouds = CloudsConfig::load(&isolated_env(&clouds_file, dir)).unwrap();
    let host = HostConfig::load(&host_file).unwrap();
    refusal(&host, &clouds).await
}

fn one_cloud() -> SimConfig {
    SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![SimRegionConfig::new("one")],
    )])
}

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
    assert!(clouds.warnings.is_empty(), "{:?}", clouds.warnings);
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

#[tokio::test]
async fn a_misspelt_clouds_yaml_key_warns_naming_file_and_key_and_the_daemon_still_starts() {
    let typo = "  typo:\n    auth_tpye: password\n    auth:\n      auth_url: http://127.0.0.1:9/identity\n      \
                username: u\n      password: p\n      project_name: p\n";
    let world = World::start_full(one_cloud(), typo, &[], |_| {})
        .await
        .unwrap();
    let file = world.dir.path().join("clouds.yaml");

    let clouds = CloudsConfig::load(&isolated_env(&file, world.dir.path())).unwrap();

    let warnings: Vec<String> = clouds.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!(
            "{}: clouds.typo.auth_tpye: unknown key (did you mean auth_type?)",
            file.display()
        )),
        "{warnings:?}"
    );
    assert!(world.daemon.url().starts_with("http://127.0.0.1:"));
    world.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_simulators_clouds_yaml_of_every_vendor_loads_without_warnings() {
    let sim = SimCloud::start(SimConfig::vendors(), "127.0.0.1:0")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clouds.yaml");
    std::fs::write(&file, sim.clouds_yaml()).unwrap();

    let clouds = CloudsConfig::load(&isolated_env(&file, dir.path())).unwrap();

    assert!(clouds.warnings.is_empty(), "{:?}", clouds.warnings);
    assert_eq!(clouds.openstack_clouds, ["stack", "rax", "ovh"]);
}

#[tokio::test]
async fn zero_clouds_refuse_to_start_naming_the_clouds_file() {
    let dir = tempfile::tempdir().unwrap();

    let error = start_refusal(dir.path(), "clouds: {}\n", "").await;

    let file = dir.path().join("clouds.yaml");
    assert!(
        error.starts_with(&format!("{}: clouds: defines no cloud", file.display())),
        "{error}"
    );
}

#[test]
fn os_cloud_naming_a_missing_cloud_refuses_naming_the_clouds_file() {
    let dir = tempfile::tempdir().unwrap();
    let (clouds_file, _) = write_configs(dir.path(), GOOD_CLOUD, "");
    let mut env = isolated_env(&clouds_file, dir.path());
    env.os_cloud = Some("omega".into());

    let error = CloudsConfig::load(&env).unwrap_err().to_string();

    assert!(error.contains("OS_CLOUD is 'omega'"), "{error}");
    assert!(
        error.contains(&clouds_file.display().to_string()),
        "{error}"
    );
}

#[tokio::test]
async fn a_cloud_without_auth_url_refuses_to_start_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let clouds = "clouds:\n  alpha:\n    auth: {username: u, password: p, project_name: p}\n    \
                  regions: [one]\n";

    let error = start_refusal(dir.path(), clouds, "").await;

    let file = dir.path().join("clouds.yaml");
    assert!(
        error.starts_with(&format!(
            "{}: clouds.alpha.auth.auth_url: missing (region one): auth_type password",
            file.display()
        )),
        "{error}"
    );
}

#[test]
fn a_bad_limits_glob_refuses_naming_the_daemon_config_and_limits_0_cloud() {
    let dir = tempfile::tempdir().unwrap();
    let (_, host_file) = write_configs(
        dir.path(),
        GOOD_CLOUD,
        "limits:\n  - {cloud: '[alpha', calls_per_second: 2}\n",
    );

    let error = HostConfig::load(&host_file).unwrap_err().to_string();

    assert!(
        error.starts_with(&format!(
            "{}: limits[0].cloud: \"[alpha\" is not a valid glob",
            host_file.display()
        )),
        "{error}"
    );
}

#[tokio::test]
async fn a_bad_limits_entry_names_the_daemon_config_not_clouds_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let (clouds_file, host_file) = write_configs(
        dir.path(),
        GOOD_CLOUD,
        "limits:\n  - {cloud: alpha, burst: 0}\n",
    );

    let error = HostConfig::load(&host_file).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!(
            "{}: limits[0].burst: must be at least 1",
            host_file.display()
        )),
        "{error}"
    );

    // The same entry set in code after loading is caught at start, against the same file.
    let ok_file = dir.path().join("ok.yaml");
    std::fs::write(&ok_file, "plugin_dir: plugins\nwork_dir: work\n").unwrap();
    let mut host = HostConfig::load(&ok_file).unwrap();
    host.limits = vec![HostLimit {
        cloud: "alpha".into(),
        region: "*".into(),
        service: None,
        set: LimitOverride {
            burst: Some(0),
            ..LimitOverride::default()
        },
    }];
    let clouds = CloudsConfig::load(&isolated_env(&clouds_file, dir.path())).unwrap();

    let error = refusal(&host, &clouds).await;

    assert!(
        error.starts_with(&format!("{}: limits[0].burst: ", ok_file.display())),
        "{error}"
    );
    assert!(!error.contains("clouds.yaml"), "{error}");
}

#[tokio::test]
async fn a_missing_qemu_img_refuses_to_start_saying_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("bin/qemu-img");

    let error = start_refusal(
        dir.path(),
        GOOD_CLOUD,
        &format!("qemu_img: {}\n", missing.display()),
    )
    .await;

    let host_file = dir.path().join("oaktree.yaml");
    assert!(
        error.starts_with(&format!(
            "{}: qemu_img: cannot find {}",
            host_file.display(),
            missing.display()
        )),
        "{error}"
    );
    assert!(error.contains("apt-get install qemu-utils"), "{error}");
}

#[tokio::test]
async fn a_work_dir_that_is_a_file_refuses_to_start_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("not-a-dir"), "x").unwrap();

    let error = start_refusal(dir.path(), GOOD_CLOUD, "work_dir: not-a-dir\n").await;

    let host_file = dir.path().join("oaktree.yaml");
    assert!(
        error.starts_with(&format!("{}: work_dir: ", host_file.display())),
        "{error}"
    );
    assert!(error.contains("is not a directory"), "{error}");
}

#[tokio::test]
async fn an_oversized_plugin_memory_limit_names_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let (clouds_file, host_file) =
        write_configs(dir.path(), GOOD_CLOUD, "plugin_memory_limit_mb: 65536\n");

    let error = HostConfig::load(&host_file).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!(
            "{}: plugin_memory_limit_mb: 65536 MiB is more than a plugin can use",
            host_file.display()
        )),
        "{error}"
    );

    // Set in code, it is refused at start before the plugin runtime is built.
    let host = HostConfig {
        plugin_dir: dir.path().join("plugins"),
        work_dir: Some(dir.path().join("work")),
        plugin_memory_limit_mb: 65536,
        ..HostConfig::default()
    };
    let clouds = CloudsConfig::load(&isolated_env(&clouds_file, dir.path())).unwrap();
    let error = refusal(&host, &clouds).await;
    assert!(
        error.contains("plugin_memory_limit_mb: 65536 MiB is more than a plugin can use"),
        "{error}"
    );
}
