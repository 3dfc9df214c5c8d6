//! A client generated from proto/ in another language (Python, grpcio-tools, every proto
//! file) lists servers everywhere with their locations, and the daemon's operations.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::Duration;

use oaktree_simcloud::SimConfig;
use oaktree_tests::proto::{CloudRegion, CreateServerRequest, OperationState};
use oaktree_tests::{World, drain_operation, finished, python, repo_root};

/// Runs a command with a bound on its duration; returns stdout or fails with stderr.
async fn run(mut command: Command, limit: Duration) -> String {
    let description = format!("{command:?}");
    let mut child = tokio::process::Command::from(command_with_pipes(&mut command))
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {description}: {e}; run scripts/setup.sh to create .venv")
        });
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let read = async {
        use tokio::io::AsyncReadExt;
        let (mut out, mut err) = (String::new(), String::new());
        let (mut so, mut se) = (stdout, stderr);
        let _ = tokio::join!(so.read_to_string(&mut out), se.read_to_string(&mut err));
        (out, err, child.wait().await.unwrap())
    };
    let (out, err, status) = tokio::time::timeout(limit, read)
        .await
        .unwrap_or_else(|_| panic!("{description} did not finish within {limit:?}"));
    assert!(
        status.success(),
        "{description} failed ({status}):\n{err}\n{out}"
    );
    out
}

fn command_with_pipes(command: &mut Command) -> Command {
    let mut copy = Command::new(command.get_program());
    copy.args(command.get_args());
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            copy.env(key, value);
        }
    }
    if let Some(dir) = command.get_current_dir() {
        copy.current_dir(dir);
    }
    copy.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    copy
}

/// Generates the Python client into the world's scratch directory; returns the interpreter
/// and the directory.
async fn generate(world: &World) -> (std::path::PathBuf, std::path::PathBuf) {
    let python = python();
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup.sh (creates .venv with grpcio-tools)",
        python.display()
    );
    let gen_dir = world.dir.path().join("gen");
    let mut generate = Command::new("bash");
    generate
        .arg(repo_root().join("examples/python/generate.sh"))
        .arg(&gen_dir)
        .env("PYTHON", &python);
    run(generate, Duration::from_secs(120)).await;
    (python, gen_dir)
}

#[tokio::test]
async fn the_python_client_lists_servers_everywhere_with_their_locations() {
    let config = SimConfig::demo();
    let world = World::start(config.clone()).await.unwrap();
    let (python, gen_dir) = generate(&world).await;

    let mut list = Command::new(&python);
    list.arg(repo_root().join("examples/python/list_servers.py"))
        .args(["--addr", &world.daemon.addr.to_string(), "--json", "--gen"])
        .arg(&gen_dir);
    let output = run(list, Duration::from_secs(60)).await;
    let answer: serde_json::Value = serde_json::from_str(&output)
        .unwrap_or_else(|e| panic!("the client printed no JSON ({e}):\n{output}"));

    let servers = answer["servers"].as_array().unwrap();
    let expected: usize = config
        .clouds
        .iter()
        .flat_map(|c| &c.regions)
        .map(|r| r.servers)
        .sum();
    assert_eq!(servers.len(), expected);
    for server in servers {
        let location = &server["location"];
        assert!(!location["cloud"].as_str().unwrap().is_empty(), "{server}");
        assert!(!location["region"].as_str().unwrap().is_empty(), "{server}");
    }
    let statuses = answer["statuses"].as_array().unwrap();
    assert_eq!(statuses.len(), 12);
    assert!(
        statuses
            .iter()
            .all(|s| s["kind"].as_str().unwrap().ends_with("OK")),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn the_python_client_lists_operations_with_each_locations_status() {
    let config = SimConfig::demo();
    let world = World::start(config.clone()).await.unwrap();
    let (cloud, region) = (&config.clouds[0].name, &config.clouds[0].regions[0].name);
    let inventory = world.sim.inventory(cloud, region).unwrap();
    let mut operations = world.operations().await;
    let events = operations
        .create_server(CreateServerRequest {
            location: Some(CloudRegion {
                cloud: cloud.clone(),
                region: region.clone(),
            }),
            name: "from-rust".into(),
            image: inventory.images[0].id.clone(),
            flavor: inventory.flavors[0].id.clone(),
            wait: false,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let booted = finished(&drain_operation(events, Duration::from_secs(60)).await);
    assert_eq!(booted.state(), OperationState::Succeeded, "{booted:?}");
    let (python, gen_dir) = generate(&world).await;

    let mut list = Command::new(&python);
    list.arg(repo_root().join("examples/python/list_operations.py"))
        .args(["--addr", &world.daemon.addr.to_string(), "--json", "--gen"])
        .arg(&gen_dir);
    let output = run(list, Duration::from_secs(60)).await;
    let answer: serde_json::Value = serde_json::from_str(&output)
        .unwrap_or_else(|e| panic!("the client printed no JSON ({e}):\n{output}"));

    let listed = answer["operations"].as_array().unwrap();
    let op = listed
        .iter()
        .find(|op| op["id"] == booted.id.as_str())
        .unwrap_or_else(|| panic!("operation {} is listed: {answer}", booted.id));
    assert_eq!(op["kind"], "create-server");
    assert_eq!(op["state"], "SUCCEEDED");
    let location = &op["locations"][0];
    assert_eq!(location["cloud"], cloud.as_str());
    assert_eq!(location["kind"], "OK", "{location}");
    assert!(
        location["http_attempts"].as_u64().unwrap() > 0,
        "{location}"
    );
    assert_eq!(answer["cleanup"], serde_json::json!([]));
}
