//! Benchmark: one qcow2 image created in 6 regions of 3 vendor flavours (stock OpenStack
//! takes qcow2, Rackspace-style VHD through task import, OVH-style raw), concurrently and then
//! one location at a time (`max_concurrency: 1`), in one run.
//!
//! Reports the wall time of each, the conversions qemu-img ran (one per needed format), and the daemon process's peak RSS (the bytes stream from disk; they
//! are never held in memory or in Wasm).
//!
//! Run: `cargo bench -p oaktree-tests --bench image_everywhere -- [MiB]` (default 1024).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use oaktree_simcloud::{SimCloudConfig, SimConfig, SimRegionConfig, Vendor};
use oaktree_tests::proto::OperationEvent;
use oaktree_tests::proto::{
    CreateImageRequest, ImageUploadStart, LocationSelector, OperationState,
    create_image_request::Part, operation_event,
};
use oaktree_tests::{World, built_plugin, finished};

fn three_vendors() -> SimConfig {
    let cloud = |name: &str, vendor: Vendor| {
        let mut cloud = SimCloudConfig::new(
            name,
            vec![SimRegionConfig::new("r1"), SimRegionConfig::new("r2")],
        );
        cloud.vendor = vendor;
        cloud
    };
    SimConfig::new(vec![
        cloud("stock", Vendor::OpenStack),
        cloud("rax", Vendor::Rackspace),
        cloud("ovh", Vendor::Ovh),
    ])
}

/// A qcow2 whose `mib` MiB are all data (xorshift noise), so every format really carries them.
fn qcow2_image(dir: &Path, mib: usize) -> PathBuf {
    let raw = dir.join("disk.raw");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&raw).unwrap());
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for word in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        file.write_all(&block).unwrap();
    }
    file.flush().unwrap();
    let qcow2 = dir.join("disk.qcow2");
    let status = std::process::Command::new("qemu-img")
        .args(["convert", "-f", "raw", "-O", "qcow2"])
        .arg(&raw)
        .arg(&qcow2)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_file(raw).unwrap();
    qcow2
}

fn logging_qemu_img(dir: &Path) -> PathBuf {
    let script = dir.join("qemu-img-logged");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$(date +%s.%N) $@\" >> {}\nexec qemu-img \"$@\"\n",
            dir.join("qemu-img.log").display()
        ),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&script, permissions).unwrap();
    script
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Streams the file to the daemon and follows the operation to its end.
async fn run(label: &str, image: &Path, max_concurrency: usize) -> Duration {
    let scratch = tempfile::tempdir().unwrap();
    let qemu_img = logging_qemu_img(scratch.path());
    let work = scratch.path().join("work");
    let world = World::start_full(
        three_vendors(),
        "",
        &[built_plugin("rackspace"), built_plugin("ovh")],
        |host| {
            host.qemu_img = qemu_img;
            host.max_concurrency = max_concurrency;
            host.work_dir = Some(work);
        },
    )
    .await
    .unwrap();
    let mut operations = world.operations().await;
    let started = Instant::now();
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let path = image.to_owned();
    let feeder = tokio::spawn(async move {
        sender
            .send(CreateImageRequest {
                part: Some(Part::Start(ImageUploadStart {
                    name: "golden".into(),
                    selector: Some(LocationSelector::default()),
                    disk_format: "qcow2".into(),
                    timeout_seconds: 3000,
                    ..Default::default()
                })),
            })
            .await
            .unwrap();
        let mut file = tokio::fs::File::open(path).await.unwrap();
        let mut buffer = vec![0u8; 2 << 20];
        loop {
            let read = tokio::io::AsyncReadExt::read(&mut file, &mut buffer)
                .await
                .unwrap();
            if read == 0 {
                break;
            }
            let chunk = buffer[..read].to_vec();
            sender
                .send(CreateImageRequest {
                    part: Some(Part::Chunk(chunk)),
                })
                .await
                .unwrap();
        }
    });
    let events = operations
        .create_image(tokio_stream_from(receiver))
        .await
        .unwrap()
        .into_inner();
    let uploaded = started.elapsed();
    feeder.await.unwrap();
    // Each event with the time it arrived, to show when each location's phases began.
    let mut events = events;
    let mut timed: Vec<(Duration, OperationEvent)> = Vec::new();
    while let Some(event) = events.message().await.unwrap() {
        timed.push((started.elapsed(), event));
    }
    let wall = started.elapsed();
    let events: Vec<OperationEvent> = timed.iter().map(|(_, e)| e.clone()).collect();
    let op = finished(&events);
    assert_eq!(op.state(), OperationState::Succeeded, "{op:?}");

    println!("\n{label} (max_concurrency {max_concurrency}):");
    println!("  client stream to daemon: {:.1} s", uploaded.as_secs_f64());
    println!(
        "  wall time, first byte sent to last image active: {:.1} s",
        wall.as_secs_f64()
    );
    let log = std::fs::read_to_string(scratch.path().join("qemu-img.log")).unwrap_or_default();
    let conversions: Vec<&str> = log.lines().filter(|l| l.contains(" convert ")).collect();
    println!("  qemu-img conversions: {}", conversions.len());
    for c in &conversions {
        let to = c
            .split(" -O ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .unwrap_or("?");
        println!("    → {to}");
    }
    let mut phases: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (at_time, event) in &timed {
        if let Some(operation_event::Event::Progress(p)) = &event.event {
            let at = p
                .location
                .as_ref()
                .map(|l| format!("{}/{}", l.cloud, l.region))
                .unwrap_or_default();
            let seen = phases.entry(at).or_default();
            let label = format!("{} {:.1}s", p.phase, at_time.as_secs_f64());
            if seen.last().map(|l| l.split(' ').next()) != Some(Some(p.phase.as_str())) {
                seen.push(label);
            }
        }
    }
    for (at, seen) in &phases {
        println!("  {at}: {}", seen.join(", "));
    }
    for image in &op.images {
        let l = image.location.as_ref().unwrap();
        println!(
            "  {}/{}: {} {} bytes, status {}",
            l.cloud, l.region, image.disk_format, image.size_bytes, image.status
        );
    }
    wall
}

fn tokio_stream_from(
    mut receiver: tokio::sync::mpsc::Receiver<CreateImageRequest>,
) -> impl futures::Stream<Item = CreateImageRequest> {
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

fn main() {
    let mib: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1024);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let image = qcow2_image(dir.path(), mib);
    println!(
        "source: {} MiB of data as qcow2 ({} bytes), made in {:.1} s",
        mib,
        std::fs::metadata(&image).unwrap().len(),
        started.elapsed().as_secs_f64()
    );
    let concurrent = runtime.block_on(run("concurrent", &image, 64));
    let sequential = runtime.block_on(run("one location at a time", &image, 1));
    println!(
        "\nconcurrent {:.1} s vs one at a time {:.1} s: {:.2}x; peak RSS of this process (daemon + simulator + client) {:.0} MiB",
        concurrent.as_secs_f64(),
        sequential.as_secs_f64(),
        sequential.as_secs_f64() / concurrent.as_secs_f64(),
        peak_rss_mib()
    );
}
