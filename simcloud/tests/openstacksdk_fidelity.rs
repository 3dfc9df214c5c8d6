//! Fidelity proof: openstacksdk (the reference OpenStack client) lists every resource of
//! every simulated cloud-region, across pagination, and sees exactly what the simulator seeded;
//! and its cloud layer creates, waits for and deletes servers (with an automatic floating IP),
//! keypairs, security groups, floating IPs and volumes (`openstacksdk_writes.py`).
//!
//! 1. Start the simulator in-process: 2 clouds × 2 regions, small nova and glance pages, one
//!    region with more servers than a page.
//! 2. Write its clouds.yaml to a temp dir.
//! 3. Run `openstacksdk_lists.py` (bounded by [`SCRIPT_TIMEOUT`]) and compare ids.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use oaktree_simcloud::{Lifecycle, SimCloud, SimCloudConfig, SimConfig, SimRegionConfig};
use serde_json::Value;

/// openstacksdk needs a few seconds per region; anything past this is a hang.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

const SETUP_HINT: &str = "run `python3 -m venv .venv && .venv/bin/pip install openstacksdk` in the repository root \
     (or point OAKTREE_PYTHON at a python with openstacksdk)";

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

fn config() -> SimConfig {
    let region = |name: &str, servers: usize, images: usize| SimRegionConfig {
        servers,
        images,
        ..SimRegionConfig::new(name)
    };
    let mut config = SimConfig::new(vec![
        SimCloudConfig::new(
            "alpha",
            vec![region("us-east-1", 23, 7), region("eu-central-1", 4, 2)],
        ),
        SimCloudConfig::new(
            "beta",
            vec![region("us-west-2", 10, 5), region("ap-south-1", 1, 12)],
        ),
    ]);
    config.page_sizes.nova_max_limit = 8;
    config.page_sizes.glance_default_limit = 3;
    config
}

fn ids(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Runs `tests/<script>` with `args` against the clouds in `clouds_yaml` (bounded by
/// [`SCRIPT_TIMEOUT`]) and parses the JSON it prints.
async fn run_script(
    python: &std::path::Path,
    script: &str,
    clouds_yaml: &std::path::Path,
    args: &[String],
) -> Value {
    let dir = clouds_yaml.parent().unwrap();
    let child = tokio::process::Command::new(python)
        .arg(format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .env("OS_CLIENT_CONFIG_FILE", clouds_yaml)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; {SETUP_HINT}", python.display()));
    let output = tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script} still running after {SCRIPT_TIMEOUT:?}; killed"))
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(3), "{stderr}\n{SETUP_HINT}");
    assert!(output.status.success(), "{script} failed:\n{stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openstacksdk_lists_exactly_the_seeded_resources_of_every_region() {
    let python = python();
    let sim = SimCloud::start(config(), "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clouds_yaml = dir.path().join("clouds.yaml");
    std::fs::write(&clouds_yaml, sim.clouds_yaml()).unwrap();
    let targets: Vec<String> = sim
        .config()
        .clouds
        .iter()
        .flat_map(|c| {
            c.regions
                .iter()
                .map(move |r| format!("{}:{}", c.name, r.name))
        })
        .collect();

    let report = run_script(&python, "openstacksdk_lists.py", &clouds_yaml, &targets).await;
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), targets.len());
    for result in results {
        let cloud = result["cloud"].as_str().unwrap();
        let region = result["region"].as_str().unwrap();
        let seeded = sim.inventory(cloud, region).unwrap();
        let expect = |items: &[oaktree_simcloud::SeededItem]| {
            items.iter().map(|i| i.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&result["servers"]),
            expect(&seeded.servers),
            "{cloud}/{region} servers"
        );
        assert_eq!(
            ids(&result["images"]),
            expect(&seeded.images),
            "{cloud}/{region} images"
        );
        assert_eq!(
            ids(&result["flavors"]),
            expect(&seeded.flavors),
            "{cloud}/{region} flavors"
        );
        assert_eq!(
            ids(&result["networks"]),
            expect(&seeded.networks),
            "{cloud}/{region} networks"
        );
    }
    // The big region took several nova and glance pages.
    assert!(sim.request_count("alpha", "us-east-1") > 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openstacksdk_creates_waits_for_and_deletes_servers_ips_keys_groups_and_volumes() {
    let python = python();
    let region = SimRegionConfig {
        lifecycle: Lifecycle {
            build_ms: 1500,
            delete_ms: 500,
            volume_ms: 500,
            ..Lifecycle::default()
        },
        ..SimRegionConfig::new("us-east-1")
    };
    let config = SimConfig::new(vec![SimCloudConfig::new("alpha", vec![region])]);
    let sim = SimCloud::start(config, "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clouds_yaml = dir.path().join("clouds.yaml");
    std::fs::write(&clouds_yaml, sim.clouds_yaml()).unwrap();

    let seen = run_script(
        &python,
        "openstacksdk_writes.py",
        &clouds_yaml,
        &["alpha:us-east-1".to_string()],
    )
    .await;
    assert_eq!(seen["keypair_private_key"], true, "{seen}");
    assert_eq!(seen["rule_port"], 22);
    assert_eq!(seen["server_status"], "ACTIVE");
    let private = seen["server_private_v4"].as_str().unwrap();
    let public = seen["server_public_v4"].as_str().unwrap();
    assert!(private.starts_with("10.0."), "{seen}");
    // create_server's auto_ip gave the server a floating IP from the seeded `public` network.
    assert!(public.starts_with("172.24.4."), "{seen}");
    assert_eq!(seen["spare_fip_status"], "DOWN");
    assert_eq!(
        (seen["volume_status"].as_str(), seen["volume_size"].as_u64()),
        (Some("available"), Some(1))
    );
    assert_eq!(seen["servers_left"], serde_json::json!([]));
    assert_eq!(
        (
            &seen["fips_left"],
            &seen["volumes_left"],
            &seen["keypairs_left"]
        ),
        (
            &serde_json::json!(0),
            &serde_json::json!(0),
            &serde_json::json!(0)
        )
    );
}

/// A Rackspace-like cloud whose catalog puts the project after the version (nova
/// `…/compute/v2.1/<project>`, glance `…/image/v2/<project>`, neutron `…/network/v2/<project>`):
/// keystoneauth's discovery finds glance's version list at the unversioned root and keeps the
/// project, and every id matches what the simulator seeded, across glance pages.
///
/// openstacksdk itself appends `v2.0` to every network endpoint whose last segment is not
/// `v2.0` (`CloudRegion._get_hardcoded_endpoint`), which breaks a project-scoped neutron URL;
/// its users set `network_endpoint_override` to the catalog's URL, and so does this test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openstacksdk_lists_a_project_scoped_cloud_through_version_discovery() {
    let python = python();
    let region = SimRegionConfig {
        servers: 5,
        images: 7,
        ..SimRegionConfig::new("ORD")
    };
    let mut config = SimConfig::new(vec![SimCloudConfig {
        endpoints: oaktree_simcloud::EndpointStyle::ProjectScoped,
        ..SimCloudConfig::new("rax", vec![region])
    }]);
    config.page_sizes.glance_default_limit = 3;
    config.page_sizes.neutron_max_limit = Some(1);
    let sim = SimCloud::start(config, "127.0.0.1:0").await.unwrap();
    let project = sim.config().clouds[0].project_id();
    let mut yaml: serde_yaml::Value = serde_yaml::from_str(&sim.clouds_yaml()).unwrap();
    yaml["clouds"]["rax"]["network_endpoint_override"] =
        serde_yaml::Value::from(format!("{}/rax/ORD/network/v2/{project}", sim.base_url()));
    let dir = tempfile::tempdir().unwrap();
    let clouds_yaml = dir.path().join("clouds.yaml");
    std::fs::write(&clouds_yaml, serde_yaml::to_string(&yaml).unwrap()).unwrap();

    let report = run_script(
        &python,
        "openstacksdk_lists.py",
        &clouds_yaml,
        &["rax:ORD".to_string()],
    )
    .await;

    let result = &report["results"][0];
    let seeded = sim.inventory("rax", "ORD").unwrap();
    let expect = |items: &[oaktree_simcloud::SeededItem]| {
        items.iter().map(|i| i.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&result["servers"]), expect(&seeded.servers));
    assert_eq!(ids(&result["images"]), expect(&seeded.images));
    assert_eq!(ids(&result["flavors"]), expect(&seeded.flavors));
    assert_eq!(ids(&result["networks"]), expect(&seeded.networks));
}
