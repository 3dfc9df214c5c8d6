//! Hostile input at the daemon's edge: files a client names on the daemon's machine, huge
//! request fields, errors too big for gRPC headers, oversized and broken uploads, and
//! duplicated creates. The daemon runs in this test process, so its memory is ours to read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Duration;

use oaktree_simcloud::{SimCloudConfig, SimConfig, SimRegionConfig};
use oaktree_tests::proto::{
    CallOptions, CloudRegion, CreateImageRequest, CreateServerRequest, Filter, GetRequest,
    ImageUploadStart, ListRequest, LocationSelector, OperationState, create_image_request::Part,
};
use oaktree_tests::{World, drain_operation, finished};
use tonic_types::StatusExt;

const LIMIT: Duration = Duration::from_secs(60);

/// One cloud `alpha` with regions `one` and `two`, `servers` servers each.
fn alpha(servers: usize) -> SimConfig {
    let region = |name: &str| {
        let mut region = SimRegionConfig::new(name);
        region.servers = servers;
        region.lifecycle.build_ms = 200;
        region
    };
    SimConfig::new(vec![SimCloudConfig::new(
        "alpha",
        vec![region("one"), region("two")],
    )])
}

fn start(name: &str, selector: LocationSelector, source_path: &str) -> CreateImageRequest {
    CreateImageRequest {
        part: Some(Part::Start(ImageUploadStart {
            name: name.into(),
            selector: Some(selector),
            disk_format: "raw".into(),
            source_path: source_path.into(),
            timeout_seconds: 60,
            ..Default::default()
        })),
    }
}

fn chunk(bytes: Vec<u8>) -> CreateImageRequest {
    CreateImageRequest {
        part: Some(Part::Chunk(bytes)),
    }
}

fn everywhere() -> LocationSelector {
    LocationSelector::default()
}

fn alpha_one() -> LocationSelector {
    LocationSelector {
        clouds: vec!["alpha".into()],
        regions: vec!["one".into()],
    }
}

/// Files in the world's work directory whose names start `upload-`.
fn upload_files(world: &World) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(world.dir.path().join("work")) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("upload-"))
        })
        .collect()
}

/// The field of the first BadRequest violation of `status`.
fn violated_field(status: &tonic::Status) -> String {
    status
        .get_error_details()
        .bad_request()
        .and_then(|b| b.field_violations.first().map(|v| v.field.clone()))
        .unwrap_or_default()
}

/// A memory figure of this process from /proc/self/status (`VmRSS`, `VmHWM`), in bytes. The
/// daemon runs in this process.
fn memory(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("{key} in /proc/self/status"));
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a figure in kB");
    kib * 1024
}

/// Starts measuring the peak resident memory from now (Linux resets `VmHWM` to the current
/// RSS when "5" is written to clear_refs).
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("clear_refs resets the peak RSS");
}

/// The tests of this file run one at a time: one of them measures the process's memory.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A world whose daemon may read files under `<scratch>/allowed`, which holds `disk.img`, with
/// a `secret` file beside it.
async fn world_with_upload_dir() -> (World, tempfile::TempDir) {
    let scratch = tempfile::tempdir().unwrap();
    let allowed = scratch.path().join("allowed");
    std::fs::create_dir_all(&allowed).unwrap();
    std::fs::write(allowed.join("disk.img"), vec![7u8; 64 << 10]).unwrap();
    std::fs::write(scratch.path().join("secret"), b"do not read").unwrap();
    let world = World::start_with(alpha(2), move |host| host.upload_dirs = vec![allowed])
        .await
        .unwrap();
    (world, scratch)
}

async fn refused_source_path(world: &World, path: &str) -> tonic::Status {
    let mut operations = world.operations().await;
    operations
        .create_image(futures::stream::iter(vec![start(
            "stolen",
            alpha_one(),
            path,
        )]))
        .await
        .expect_err(path)
}

#[tokio::test]
async fn source_paths_outside_upload_dirs_are_refused_with_one_message_whatever_the_path() {
    let _serial = SERIAL.lock().await;
    let (world, scratch) = world_with_upload_dir().await;
    let allowed = scratch.path().join("allowed");
    std::os::unix::fs::symlink(scratch.path().join("secret"), allowed.join("link")).unwrap();

    let mut messages = Vec::new();
    for path in [
        "/etc/passwd".to_owned(),
        allowed.join("link").display().to_string(),
        format!("{}/../secret", allowed.display()),
        allowed.join("missing.img").display().to_string(),
    ] {
        let status = refused_source_path(&world, &path).await;
        assert_eq!(
            status.code(),
            tonic::Code::InvalidArgument,
            "{path}: {status:?}"
        );
        assert_eq!(violated_field(&status), "start.source_path", "{path}");
        assert!(
            status.message().contains("`upload_dirs`"),
            "{}",
            status.message()
        );
        assert!(!status.message().contains(&path), "{}", status.message());
        messages.push(status.message().to_owned());
    }
    messages.dedup();
    assert_eq!(
        messages.len(),
        1,
        "every refusal reads the same: {messages:?}"
    );
}

#[tokio::test]
async fn without_upload_dirs_every_source_path_is_refused_naming_the_key() {
    let _serial = SERIAL.lock().await;
    let world = World::start(alpha(2)).await.unwrap();
    let status = refused_source_path(&world, "/etc/passwd").await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(violated_field(&status), "start.source_path");
    assert!(
        status.message().contains("lists no `upload_dirs`"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_file_under_an_allowed_directory_becomes_an_image() {
    let _serial = SERIAL.lock().await;
    let (world, scratch) = world_with_upload_dir().await;
    let path = scratch.path().join("allowed/disk.img");
    let mut operations = world.operations().await;

    let events = operations
        .create_image(futures::stream::iter(vec![start(
            "from-disk",
            alpha_one(),
            &path.display().to_string(),
        )]))
        .await
        .unwrap()
        .into_inner();
    let op = finished(&drain_operation(events, LIMIT).await);

    assert_eq!(op.state(), OperationState::Succeeded, "{op:?}");
    assert_eq!(op.images.len(), 1);
    assert!(path.exists(), "a named file is read, never removed");
}

#[tokio::test]
async fn a_4_mb_name_or_id_is_refused_naming_the_field_and_limit_without_growing_memory() {
    let _serial = SERIAL.lock().await;
    let world = World::start(alpha(2)).await.unwrap();
    let huge = "x".repeat(4_000_000);
    let get = |client: oaktree_tests::proto::cloud_service_client::CloudServiceClient<_>| {
        let huge = huge.clone();
        async move {
            let mut client = client;
            client
                .get_server(GetRequest {
                    name_or_id: huge,
                    ..Default::default()
                })
                .await
                .unwrap_err()
        }
    };
    // Warm up connections and buffers once.
    let client = world.client().await;
    let warm = get(client.clone()).await;
    assert_eq!(warm.code(), tonic::Code::InvalidArgument, "{warm:?}");
    assert_eq!(violated_field(&warm), "name_or_id");
    assert!(
        warm.message().contains("the limit is 1024 bytes"),
        "{}",
        warm.message()
    );
    assert!(warm.message().len() < 1024, "the value is not echoed");

    let before = memory("VmRSS:");
    reset_peak();
    for _ in 0..3 {
        let calls = (0..4).map(|_| get(client.clone()));
        for status in futures::future::join_all(calls).await {
            assert_eq!(status.code(), tonic::Code::InvalidArgument);
        }
        let mut client = client.clone();
        let listed = client
            .list_servers(ListRequest {
                filter: Some(Filter {
                    name_or_id: huge.clone(),
                    properties: Default::default(),
                }),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(violated_field(&listed), "filter.name_or_id");
    }
    let peak = memory("VmHWM:").saturating_sub(before);
    let grown = memory("VmRSS:").saturating_sub(before);
    eprintln!(
        "RSS {} MiB before; across 12 concurrent 4 MB gets and 3 lists: peak +{} KiB, after +{} KiB",
        before >> 20,
        peak >> 10,
        grown >> 10
    );
    assert!(
        peak < 64 << 20,
        "15 calls of 4 MB raised the peak RSS by {} MiB",
        peak >> 20
    );
}

#[tokio::test]
async fn an_ambiguous_get_lists_twenty_candidates_and_counts_the_rest_in_under_8_kb() {
    let _serial = SERIAL.lock().await;
    let world = World::start(alpha(200)).await.unwrap();
    let mut client = world.client().await;

    let status = client
        .get_server(GetRequest {
            name_or_id: "*".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();

    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    let size = status.message().len() + status.details().len();
    assert!(size < 8 << 10, "message and details take {size} bytes");
    assert!(
        status.message().contains("matches 400 servers")
            && status.message().contains("and 380 more"),
        "{}",
        status.message()
    );
    let details = status.get_error_details();
    let info = details.error_info().expect("an ErrorInfo detail");
    assert_eq!(
        info.metadata.get("candidates").map(String::as_str),
        Some("400")
    );
    assert!(info.metadata.len() <= 21, "{}", info.metadata.len());
}

#[tokio::test]
async fn a_trapping_plugin_shows_clients_its_reason_but_not_its_backtrace() {
    let _serial = SERIAL.lock().await;
    let broken = "  broken:\n    profile: faulty\n    auth:\n      auth_url: http://127.0.0.1:9/identity\n    regions: [one]\n";
    let world = World::start_full(
        alpha(2),
        broken,
        &[oaktree_tests::built_plugin("faulty")],
        |_| {},
    )
    .await
    .unwrap();
    let mut client = world.client().await;

    let reply = client
        .list_servers(oaktree_tests::list_request(&["broken"], &[], ""))
        .await
        .unwrap()
        .into_inner();

    let status = oaktree_tests::status_at(&reply.statuses, "broken/one");
    assert!(status.message.contains("trapped"), "{}", status.message);
    assert!(
        status.message.contains("backtrace in the daemon's log"),
        "{}",
        status.message
    );
    assert!(
        !status.message.contains("0x"),
        "no frames: {}",
        status.message
    );
    assert!(status.message.len() <= 1024, "{}", status.message.len());
}

#[tokio::test]
async fn a_4_mib_chunk_is_accepted_and_a_larger_one_is_refused_naming_the_limit() {
    let _serial = SERIAL.lock().await;
    let world = World::start(alpha(2)).await.unwrap();
    let mut operations = world.operations().await;

    let events = operations
        .create_image(futures::stream::iter(vec![
            start("four-mib", alpha_one(), ""),
            chunk(vec![1u8; 4 << 20]),
        ]))
        .await
        .expect("a 4 MiB chunk is within the documented limit")
        .into_inner();
    let op = finished(&drain_operation(events, LIMIT).await);
    assert_eq!(op.state(), OperationState::Succeeded, "{op:?}");

    let status = operations
        .create_image(futures::stream::iter(vec![
            start("over", alpha_one(), ""),
            chunk(vec![1u8; (4 << 20) + 1]),
        ]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert_eq!(violated_field(&status), "chunk");
    assert!(
        status.message().contains("4194304 bytes"),
        "{}",
        status.message()
    );
    assert!(
        upload_files(&world).is_empty(),
        "{:?}",
        upload_files(&world)
    );
}

#[tokio::test]
async fn an_upload_over_max_upload_bytes_is_refused_naming_the_key_and_leaves_no_file() {
    let _serial = SERIAL.lock().await;
    let world = World::start_with(alpha(2), |host| host.max_upload_bytes = 1 << 20)
        .await
        .unwrap();
    let mut operations = world.operations().await;

    let status = operations
        .create_image(futures::stream::iter(vec![
            start("big", alpha_one(), ""),
            chunk(vec![1u8; 1 << 20]),
            chunk(vec![1u8; 1]),
        ]))
        .await
        .unwrap_err();

    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert!(
        status.message().contains("`max_upload_bytes`"),
        "{}",
        status.message()
    );
    assert!(
        upload_files(&world).is_empty(),
        "{:?}",
        upload_files(&world)
    );
}

#[tokio::test]
async fn a_client_that_breaks_the_upload_stream_midway_leaves_no_file_in_the_work_dir() {
    let _serial = SERIAL.lock().await;
    let world = World::start(alpha(2)).await.unwrap();
    let mut operations = world.operations().await;
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    sender.send(start("broken", alpha_one(), "")).await.unwrap();
    sender.send(chunk(vec![1u8; 1 << 20])).await.unwrap();
    let call = tokio::spawn(async move {
        let parts = tokio_stream_of(receiver);
        operations.create_image(parts).await
    });

    // The daemon has started storing the bytes.
    let mut waited = 0;
    while upload_files(&world).is_empty() {
        assert!(waited < 500, "the upload file never appeared");
        waited += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The client goes away mid-stream (its call is dropped: the stream is reset).
    call.abort();
    let _ = call.await;
    drop(sender);

    let mut waited = 0;
    while !upload_files(&world).is_empty() {
        assert!(
            waited < 500,
            "the partial upload stayed: {:?}",
            upload_files(&world)
        );
        waited += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn tokio_stream_of(
    mut receiver: tokio::sync::mpsc::Receiver<CreateImageRequest>,
) -> impl futures::Stream<Item = CreateImageRequest> {
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

fn boot(world: &World, name: &str, request_id: &str) -> CreateServerRequest {
    let inventory = world.sim.inventory("alpha", "one").unwrap();
    CreateServerRequest {
        location: Some(CloudRegion {
            cloud: "alpha".into(),
            region: "one".into(),
        }),
        name: name.into(),
        image: inventory.images[0].id.clone(),
        flavor: inventory.flavors[0].id.clone(),
        networks: vec!["private".into()],
        request_id: request_id.into(),
        ..Default::default()
    }
}

/// How many resources of `name` the clouds hold now (asked afresh), per location.
async fn servers_named(world: &World, name: &str) -> usize {
    let mut client = world.client().await;
    client
        .list_servers(ListRequest {
            filter: Some(Filter {
                name_or_id: name.into(),
                properties: Default::default(),
            }),
            options: Some(CallOptions {
                bypass_cache: true,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .servers
        .len()
}

#[tokio::test]
async fn eight_concurrent_create_servers_with_one_request_id_make_one_server() {
    let _serial = SERIAL.lock().await;
    let world = World::start(alpha(2)).await.unwrap();
    let request = boot(&world, "once", "4f1c2b9e-request");

    let calls = (0..8).map(|_| {
        let request = request.clone();
        let world = &world;
        async move {
            let mut operations = world.operations().await;
            let mut events = operations
                .create_server(request)
                .await
                .unwrap()
                .into_inner();
            events.message().await.unwrap().unwrap().operation_id
        }
    });
    let mut ids = futures::future::join_all(calls).await;
    ids.dedup();

    assert_eq!(
        ids.len(),
        1,
        "every repeat answers the first operation: {ids:?}"
    );
    let mut operations = world.operations().await;
    let watched = operations
        .watch_operation(oaktree_tests::proto::WatchOperationRequest { id: ids[0].clone() })
        .await
        .unwrap()
        .into_inner();
    let op = finished(&drain_operation(watched, LIMIT).await);
    assert_eq!(op.state(), OperationState::Succeeded, "{op:?}");
    assert_eq!(servers_named(&world, "once").await, 1);

    // The same id for another request is refused.
    let mut other = boot(&world, "twice", "4f1c2b9e-request");
    other.zone = "elsewhere".into();
    let status = world
        .operations()
        .await
        .create_server(other)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert_eq!(violated_field(&status), "request_id");
}

#[tokio::test]
async fn six_concurrent_identical_uploads_make_one_image_per_location() {
    let _serial = SERIAL.lock().await;
    let world = World::start(alpha(2)).await.unwrap();
    let bytes = vec![3u8; 256 << 10];

    let uploads = (0..6).map(|_| {
        let bytes = bytes.clone();
        let world = &world;
        async move {
            let mut operations = world.operations().await;
            let events = operations
                .create_image(futures::stream::iter(vec![
                    start("same", everywhere(), ""),
                    chunk(bytes),
                ]))
                .await
                .unwrap()
                .into_inner();
            finished(&drain_operation(events, LIMIT).await)
        }
    });
    for op in futures::future::join_all(uploads).await {
        assert_eq!(op.state(), OperationState::Succeeded, "{op:?}");
    }

    let mut client = world.client().await;
    let images = client
        .list_images(ListRequest {
            filter: Some(Filter {
                name_or_id: "same".into(),
                properties: Default::default(),
            }),
            options: Some(CallOptions {
                bypass_cache: true,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .images;
    let mut at: Vec<String> = images
        .iter()
        .map(|i| {
            let l = i.location.as_ref().unwrap();
            format!("{}/{}", l.cloud, l.region)
        })
        .collect();
    at.sort();
    assert_eq!(at, vec!["alpha/one", "alpha/two"], "one image per location");
}

#[tokio::test]
async fn concurrent_create_volumes_with_one_request_id_make_one_volume() {
    let _serial = SERIAL.lock().await;
    let world = World::start(alpha(2)).await.unwrap();
    let request = oaktree_tests::proto::CreateVolumeRequest {
        location: Some(CloudRegion {
            cloud: "alpha".into(),
            region: "one".into(),
        }),
        volume: Some(oaktree_tests::proto::VolumeSpec {
            name: "data".into(),
            size_gib: 1,
            ..Default::default()
        }),
        request_id: "c0ffee-volume".into(),
    };

    let calls = (0..5).map(|_| {
        let request = request.clone();
        let world = &world;
        async move {
            let mut client = world.client().await;
            client
                .create_volume(request)
                .await
                .unwrap()
                .into_inner()
                .volume
                .unwrap()
                .id
        }
    });
    let mut ids = futures::future::join_all(calls).await;
    ids.dedup();

    assert_eq!(
        ids.len(),
        1,
        "every repeat answers the first volume: {ids:?}"
    );
    let mut client = world.client().await;
    let volumes = client
        .list_volumes(ListRequest {
            filter: Some(Filter {
                name_or_id: "data".into(),
                properties: Default::default(),
            }),
            options: Some(CallOptions {
                bypass_cache: true,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .volumes;
    assert_eq!(volumes.len(), 1, "{volumes:?}");
}
