//! The conformance kit (`oaktree plugin check`) on every driver in the repository: the real
//! drivers conform, against the simulator of their flavour (or moto, for AWS, through
//! `--clouds`), and the deliberately broken `faulty` driver does not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::OnceLock;

use oaktree::conformance::{Options, Outcome, Report, run};
use oaktree_tests::{Moto, built_plugin, repo_root};

/// A language plugin (`jsoncloud_py`, `jsoncloud_js`), built once per test run by
/// `scripts/build-lang-plugins.sh` (which keeps what is up to date).
fn lang_plugin(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT
        .get_or_init(|| {
            let root = repo_root();
            let output = std::process::Command::new(root.join("scripts/build-lang-plugins.sh"))
                .current_dir(&root)
                .output()
                .map_err(|e| format!("cannot run scripts/build-lang-plugins.sh: {e}"))?;
            if !output.status.success() {
                return Err(format!(
                    "building the language plugins failed (did scripts/setup.sh run?):\n{}",
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            Ok(root.join("plugins/target/lang"))
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"));
    dir.join(format!("oaktree_{name}.wasm"))
}

async fn check(file: PathBuf) -> Report {
    run(&Options {
        file,
        ..Options::default()
    })
    .await
    .unwrap()
}

/// Asserts no check failed, showing the whole report when one did.
fn assert_conforms(report: &Report) {
    assert!(report.passed(), "{}", report.to_text());
}

fn outcome_of(report: &Report, name: &str) -> Outcome {
    report
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}:\n{}", report.to_text()))
        .outcome
}

#[tokio::test]
async fn the_openstack_driver_conforms_including_pagination_faults_and_writes() {
    let report = check(built_plugin("openstack")).await;
    assert_conforms(&report);
    for name in [
        "list-servers.pagination",
        "get-image.unknown-id",
        "errors.unauthorized",
        "errors.unavailable",
        "deadline",
        "writes.server",
    ] {
        assert_eq!(outcome_of(&report, name), Outcome::Pass, "{name}");
    }
}

#[tokio::test]
async fn the_rackspace_driver_conforms_against_the_rackspace_flavour() {
    let report = check(built_plugin("rackspace")).await;
    assert_conforms(&report);
    assert_eq!(report.profile.as_deref(), Some("rackspace"));
    assert_eq!(
        outcome_of(&report, "list-servers.pagination"),
        Outcome::Pass
    );
}

#[tokio::test]
async fn the_ovh_driver_conforms_against_the_ovh_flavour() {
    let report = check(built_plugin("ovh")).await;
    assert_conforms(&report);
    assert_eq!(report.profile.as_deref(), Some("ovh"));
}

#[tokio::test]
async fn the_python_jsoncloud_driver_conforms_against_the_jsoncloud_api() {
    let report = check(lang_plugin("jsoncloud_py")).await;
    assert_conforms(&report);
    assert_eq!(
        outcome_of(&report, "list-servers.pagination"),
        Outcome::Pass
    );
}

#[tokio::test]
async fn the_js_jsoncloud_driver_conforms_against_the_jsoncloud_api() {
    let report = check(lang_plugin("jsoncloud_js")).await;
    assert_conforms(&report);
    assert_eq!(outcome_of(&report, "deadline"), Outcome::Pass);
}

#[tokio::test]
async fn the_aws_driver_has_no_simulator_and_says_how_to_point_the_kit_at_a_cloud() {
    let report = check(built_plugin("aws_ec2")).await;
    assert_conforms(&report);
    let reads = report.checks.iter().find(|c| c.name == "reads").unwrap();
    assert_eq!(reads.outcome, Outcome::Skip);
    assert!(reads.detail.contains("--clouds"), "{}", reads.detail);
}

#[tokio::test]
async fn the_aws_driver_conforms_against_moto_given_with_clouds() {
    let moto = tokio::task::spawn_blocking(|| Moto::start(&["us-east-1"]))
        .await
        .unwrap()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clouds = dir.path().join("clouds.yaml");
    std::fs::write(
        &clouds,
        format!("clouds:\n{}", moto.clouds_yaml("aws", &["us-east-1"], None)),
    )
    .unwrap();
    let report = run(&Options {
        file: built_plugin("aws_ec2"),
        clouds: Some(clouds),
        cloud: Some("aws".to_owned()),
        ..Options::default()
    })
    .await
    .unwrap();
    assert_conforms(&report);
    assert_eq!(outcome_of(&report, "list-servers"), Outcome::Pass);
    assert_eq!(outcome_of(&report, "get-server"), Outcome::Pass);
}

#[tokio::test]
async fn the_faulty_driver_fails_the_kit_naming_the_checks_it_breaks() {
    let report = check(built_plugin("faulty")).await;
    assert!(!report.passed(), "{}", report.to_text());
    let failed: Vec<&str> = report.failures().map(|c| c.name.as_str()).collect();
    assert_eq!(
        failed,
        ["undeclared", "unreachable-cloud"],
        "{}",
        report.to_text()
    );
    let unreachable = report.failures().nth(1).unwrap();
    assert!(
        unreachable.detail.contains("list-servers answered a trap"),
        "{}",
        unreachable.detail
    );
    assert!(
        unreachable
            .detail
            .contains("list-images answered no answer within the deadline")
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_component_fails_the_load_check() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.wasm");
    std::fs::write(&file, b"not wasm").unwrap();
    let report = check(file).await;
    assert_eq!(outcome_of(&report, "load"), Outcome::Fail);
    assert!(
        report
            .to_text()
            .contains("not a valid WebAssembly component")
    );
}
