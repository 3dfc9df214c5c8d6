//! One image created everywhere through OperationService: a qcow2 upload reaches stock
//! OpenStack (qcow2), Rackspace-flavoured (VHD, task import) and OVH-flavoured (raw) clouds,
//! each conversion happens once, and a second upload of the same bytes uploads nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use oaktree_simcloud::{Fault, SimCloudConfig, SimConfig, SimRegionConfig, Vendor};
use oaktree_tests::proto::{
    CreateImageRequest, ImageUploadStart, LocationSelector, OperationState, StatusKind,
    create_image_request::Part,
};
use oaktree_tests::{World, at, built_plugin, drain_operation, finished, list_request};

const LIMIT: Duration = Duration::from_secs(120);

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

/// A qcow2 image with 2 MiB of data in a 16 MiB disk, made by the real qemu-img.
fn qcow2_image(dir: &Path) -> PathBuf {
    let raw = dir.join("disk.raw");
    let mut bytes = vec![0u8; 16 << 20];
    for (i, byte) in bytes.iter_mut().take(2 << 20).enumerate() {
        *byte = (i * 7 % 251) as u8 + 1;
    }
    std::fs::write(&raw, bytes).unwrap();
    let qcow2 = dir.join("disk.qcow2");
    let status = std::process::Command::new("qemu-img")
        .args(["convert", "-f", "raw", "-O", "qcow2"])
        .arg(&raw)
        .arg(&qcow2)
        .status()
        .unwrap();
    assert!(status.success());
    qcow2
}

/// A qemu-img that logs each invocation's arguments to `log` before running the real one.
fn logging_qemu_img(dir: &Path, log: &Path) -> PathBuf {
    let script = dir.join("qemu-img-logged");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" >> {}\nexec qemu-img \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&script, permissions).unwrap();
    script
}

async fn world(scratch: &Path) -> World {
    let log = scratch.join("qemu-img.log");
    let qemu_img = logging_qemu_img(scratch, &log);
    World::start_full(
        three_vendors(),
        "",
        &[built_plugin("rackspace"), built_plugin("ovh")],
        |host| host.qemu_img = qemu_img,
    )
    .await
    .unwrap()
}

fn upload(name: &str, file: &Path) -> Vec<CreateImageRequest> {
    let bytes = std::fs::read(file).unwrap();
    let mut messages = vec![CreateImageRequest {
        part: Some(Part::Start(ImageUploadStart {
            name: name.into(),
            selector: Some(LocationSelector::default()),
            timeout_seconds: 100,
            ..Default::default()
        })),
    }];
    for chunk in bytes.chunks(1 << 20) {
        messages.push(CreateImageRequest {
            part: Some(Part::Chunk(chunk.to_vec())),
        });
    }
    messages
}

#[tokio::test]
async fn one_qcow2_upload_becomes_an_image_in_every_vendors_format_converting_once_per_format() {
    let scratch = tempfile::tempdir().unwrap();
    let world = world(scratch.path()).await;
    let image = qcow2_image(scratch.path());
    let mut operations = world.operations().await;

    let events = operations
        .create_image(futures::stream::iter(upload("golden", &image)))
        .await
        .unwrap()
        .into_inner();
    let op = finished(&drain_operation(events, LIMIT).await);

    for location in &op.locations {
        let status = location.status.as_ref().unwrap();
        assert_eq!(
            status.kind(),
            StatusKind::Ok,
            "{}: {}",
            at(status),
            status.message
        );
        // At least the check for a present image, the upload and one poll.
        assert!(
            status.http_attempts >= 3,
            "{}: every HTTP attempt counts: {status:?}",
            at(status)
        );
    }
    assert_eq!(op.state(), OperationState::Succeeded);
    let mut formats: Vec<(String, String)> = op
        .images
        .iter()
        .map(|i| {
            let l = i.location.as_ref().unwrap();
            (format!("{}/{}", l.cloud, l.region), i.disk_format.clone())
        })
        .collect();
    formats.sort();
    assert_eq!(
        formats,
        [
            ("ovh/r1", "raw"),
            ("ovh/r2", "raw"),
            ("rax/r1", "vhd"),
            ("rax/r2", "vhd"),
            ("stock/r1", "qcow2"),
            ("stock/r2", "qcow2"),
        ]
        .map(|(a, f)| (a.to_owned(), f.to_owned()))
    );
    assert!(
        op.images.iter().all(|i| i.status == "active"),
        "{:?}",
        op.images
    );
    let log = std::fs::read_to_string(scratch.path().join("qemu-img.log")).unwrap();
    let conversions: Vec<&str> = log.lines().filter(|l| l.starts_with("convert")).collect();
    assert_eq!(
        conversions.len(),
        2,
        "one conversion per needed format: {log}"
    );
    assert!(conversions.iter().any(|c| c.contains("-O vpc")), "{log}");
    assert!(conversions.iter().any(|c| c.contains("-O raw")), "{log}");

    // The same bytes again: every location already holds them.
    let events = operations
        .create_image(futures::stream::iter(upload("golden", &image)))
        .await
        .unwrap()
        .into_inner();
    let events = drain_operation(events, LIMIT).await;
    let again = finished(&events);
    assert_eq!(again.state(), OperationState::Succeeded);
    let present = events
        .iter()
        .filter(|e| {
            matches!(&e.event, Some(oaktree_tests::proto::operation_event::Event::Progress(p)) if p.phase == "present")
        })
        .count();
    let phases: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.event {
            Some(oaktree_tests::proto::operation_event::Event::Progress(p)) => Some(format!(
                "{}/{} {} {}",
                p.location.as_ref().unwrap().cloud,
                p.location.as_ref().unwrap().region,
                p.phase,
                p.message
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        present, 6,
        "no location uploaded again: {phases:#?}\n{:#?}",
        op.images
    );
    let mut client = world.client().await;
    let listed = client
        .list_images(list_request(&[], &[], "golden"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.images.len(), 6, "still one image per location");
}

#[tokio::test]
async fn a_region_that_refuses_the_upload_fails_alone_and_the_operation_is_partial() {
    let scratch = tempfile::tempdir().unwrap();
    let world = world(scratch.path()).await;
    world
        .sim
        .set_fault("ovh", "r2", Fault::Unavailable, 0)
        .unwrap();
    let image = qcow2_image(scratch.path());
    let mut operations = world.operations().await;

    let events = operations
        .create_image(futures::stream::iter(upload("partial", &image)))
        .await
        .unwrap()
        .into_inner();
    let op = finished(&drain_operation(events, LIMIT).await);

    assert_eq!(op.state(), OperationState::Partial, "{op:?}");
    for location in &op.locations {
        let status = location.status.as_ref().unwrap();
        let expected = if at(status) == "ovh/r2" {
            StatusKind::Unavailable
        } else {
            StatusKind::Ok
        };
        assert_eq!(
            status.kind(),
            expected,
            "{}: {}",
            at(status),
            status.message
        );
    }
    assert_eq!(op.images.len(), 5);
}

#[tokio::test]
async fn an_upload_with_no_bytes_is_refused_with_the_fix() {
    let scratch = tempfile::tempdir().unwrap();
    let world = world(scratch.path()).await;
    let mut operations = world.operations().await;
    let only_start = vec![CreateImageRequest {
        part: Some(Part::Start(ImageUploadStart {
            name: "empty".into(),
            ..Default::default()
        })),
    }];

    let error = operations
        .create_image(futures::stream::iter(only_start))
        .await
        .unwrap_err();

    assert_eq!(error.code(), tonic::Code::InvalidArgument);
    assert!(
        error.message().contains("source_path"),
        "{}",
        error.message()
    );
}
