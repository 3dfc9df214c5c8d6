//! Fidelity proof for image uploads: openstacksdk's `create_image` against the simulated
//! OpenStack-flavoured cloud (glance POST + PUT of a real qcow2 file) and the Rackspace-flavoured
//! one (keystone v2.0, swift staging and an import task of a real VHD), then `delete_image`.
//!
//! 1. Start the vendors world in-process; write its clouds.yaml to a temp dir.
//! 2. Make the disk image with `qemu-img`.
//! 3. Run `openstacksdk_images.py` (bounded by [`SCRIPT_TIMEOUT`]) and check what it saw.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod uploads;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use oaktree_simcloud::SimCloud;
use reqwest::Method;
use serde_json::Value;
use uploads::{disk_image, glance, md5_hex, rax_token, send, start_vendors, swift};

/// openstacksdk needs a few seconds per upload; anything past this is a hang.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

const SETUP_HINT: &str = "run `python3 -m venv .venv && .venv/bin/pip install openstacksdk` in \
     the repository root (or point OAKTREE_PYTHON at a python with openstacksdk)";

fn python() -> PathBuf {
    let path = std::env::var_os("OAKTREE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python"))
        });
    assert!(
        path.exists(),
        "no python at {}: {SETUP_HINT}",
        path.display()
    );
    path
}

/// Uploads `bytes` as `file_name` to `target` (`cloud:region`) through openstacksdk.
async fn upload_with_openstacksdk(
    target: &str,
    file_name: &str,
    bytes: &[u8],
) -> (SimCloud, Value) {
    let sim = start_vendors().await;
    let dir = tempfile::tempdir().unwrap();
    let clouds_yaml = dir.path().join("clouds.yaml");
    std::fs::write(&clouds_yaml, sim.clouds_yaml()).unwrap();
    let file = dir.path().join(file_name);
    std::fs::write(&file, bytes).unwrap();
    let seen = run_script(&clouds_yaml, target, &file).await;
    (sim, seen)
}

async fn run_script(clouds_yaml: &Path, target: &str, file: &Path) -> Value {
    let python = python();
    let child = tokio::process::Command::new(&python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/openstacksdk_images.py"
        ))
        .arg(target)
        .arg(file)
        .env("OS_CLIENT_CONFIG_FILE", clouds_yaml)
        .current_dir(clouds_yaml.parent().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; {SETUP_HINT}", python.display()));
    let output = tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("the upload still ran after {SCRIPT_TIMEOUT:?}; killed"))
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(3), "{stderr}\n{SETUP_HINT}");
    assert!(
        output.status.success(),
        "openstacksdk_images.py failed:\n{stderr}"
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openstacksdk_uploads_a_qcow2_to_the_openstack_cloud_with_glance_put() {
    let bytes = disk_image("qcow2");
    let (_sim, seen) = upload_with_openstacksdk("stack:RegionOne", "tiny.qcow2", &bytes).await;
    assert_eq!(seen["status"], "active", "{seen}");
    assert_eq!(seen["disk_format"], "qcow2");
    assert_eq!(seen["checksum"], md5_hex(&bytes));
    assert_eq!(seen["size"], bytes.len());
    assert_eq!(
        (&seen["listed"], &seen["deleted"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openstacksdk_imports_a_vhd_to_the_rackspace_cloud_through_swift_and_a_task() {
    let bytes = disk_image("vpc");
    let (sim, seen) = upload_with_openstacksdk("rax:DFW", "tiny.vhd", &bytes).await;
    assert_eq!(seen["status"], "active", "{seen}");
    assert_eq!(seen["disk_format"], "vhd");
    assert_eq!(seen["checksum"], md5_hex(&bytes));
    assert_eq!(
        (&seen["listed"], &seen["deleted"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    // The upload went through an import task, and the staged object was cleaned up.
    let token = rax_token(&sim).await;
    let tasks_url = format!("{}/tasks", glance(&sim, "rax", "DFW"));
    let (_, tasks) = send(Method::GET, &tasks_url, Some(&token), None).await;
    assert_eq!(tasks["tasks"][0]["status"], "success", "{tasks}");
    let staged_url = format!("{}/images?format=json", swift(&sim, "rax", "DFW"));
    let (_, staged) = send(Method::GET, &staged_url, Some(&token), None).await;
    assert_eq!(staged, serde_json::json!([]));
}
