//! Creating one image everywhere.
//!
//! 1. The bytes are on the daemon's disk once (uploaded by the client, or a path it named);
//!    their format is detected with `qemu-img` unless the client said it.
//! 2. Every target's driver says which disk formats its cloud-region accepts
//!    (`image-formats`); each target gets the source format when accepted, else its first
//!    choice. Each needed format is converted exactly once, and hashed once (md5, sha256).
//! 3. Targets proceed concurrently (each within its cloud-region's limits): a target that
//!    already holds an image with this name and these bytes (glance checksum, or the
//!    recorded sha256) is not uploaded again; otherwise the driver's `create-image` gets the
//!    bytes as a host-held blob, and the host polls `get-image` until `active`. Operations
//!    uploading the same image name to the same location take turns there (unless duplicates
//!    are allowed), so concurrent identical uploads make one image.
//! 4. A location that fails has what its driver created (reported through the WIT ledger)
//!    deleted; other locations carry on. The work directory is removed at the end.
//!
//! Every location's final status counts the HTTP attempts of all its calls (formats, the
//! check for a present image, the upload, the polls), through the destination's
//! [`CallTally`].
//!
//! The driver's ledger reports are written through to the durable cleanup ledger as they
//! come (a staging object is on disk before its upload starts), so a daemon killed during
//! an upload leaves them for the next run's sweeper.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::{BoxFuture, Shared};
use futures::{FutureExt, StreamExt};
use tokio::time::Instant;

use super::disk;
use super::ledger::{Created, OperationLedger};
use super::record::OperationKind;
use super::source_path::SourceFile;
use super::upload::UploadFile;
use super::{OperationHandle, Operations};
use crate::error::Error;
use crate::federation::gather::stamp;
use crate::federation::kinds::Images;
use crate::federation::locate::CallTally;
use crate::federation::selector::resolve;
use crate::federation::{CallOptions, LocationStatus, Selector, Target};
use crate::location::{CloudRegion, Located};
use crate::plugin::bindings::wit;
use crate::plugin::blob::Blob;
use crate::plugin::{CallError, LoadedPlugin};

/// How often an upload's progress is reported.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);
/// How often a created image is polled until active.
const IMAGE_POLL: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct CreateImage {
    pub name: String,
    pub selector: Selector,
    /// None: detect with qemu-img.
    pub disk_format: Option<String>,
    pub container_format: String,
    pub min_disk_gib: u64,
    pub min_ram_mib: u64,
    pub visibility: Option<String>,
    pub tags: Vec<String>,
    pub properties: Vec<(String, String)>,
    pub allow_duplicates: bool,
    pub timeout: Duration,
}

/// Where the bytes are.
#[derive(Debug)]
pub enum ImageSource {
    /// A file the client named under the config's `upload_dirs`, held open; read, never removed.
    Path(SourceFile),
    /// A file the daemon wrote from the client's stream; removed when the operation drops it.
    Uploaded(UploadFile),
}

impl ImageSource {
    fn path(&self) -> &PathBuf {
        match self {
            Self::Path(file) => file.path(),
            Self::Uploaded(file) => file.path(),
        }
    }
}

/// The digests of the bytes the client gave, recorded on every image made from them.
#[derive(Debug, Clone)]
struct Identity {
    md5: String,
    sha256: String,
}

/// One target location with its plugin, and what its calls have cost so far.
struct Destination {
    target: Target,
    plugin: Arc<LoadedPlugin>,
    tally: CallTally,
}

impl Destination {
    /// `status` with the HTTP attempts and limiter wait of every call made for this location.
    fn stamped(&self, mut status: LocationStatus) -> LocationStatus {
        self.tally.stamp(&mut status);
        status
    }
}

impl Operations {
    /// Starts creating the image at every selected location.
    pub fn create_image(
        self: &Arc<Self>,
        request: CreateImage,
        source: ImageSource,
    ) -> Result<Arc<OperationHandle>, Error> {
        if request.name.is_empty() {
            return Err(Error::InvalidArgument {
                field: "start.name".to_owned(),
                message: "an image needs a name".to_owned(),
            });
        }
        let targets = resolve(self.federation.targets(), &request.selector)?;
        let locations: Vec<CloudRegion> = targets.iter().map(|t| t.at.clone()).collect();
        let handle = self.registry.start(OperationKind::CreateImage, &locations);
        let operations = self.clone();
        let op = handle.clone();
        self.spawn(async move {
            let error = operations
                .distribute(&op, &request, &source, targets)
                .await
                .err();
            // An uploaded file is removed here, before anyone sees the operation end.
            drop(source);
            op.finish(error);
        });
        Ok(handle)
    }

    async fn distribute(
        self: &Arc<Self>,
        op: &Arc<OperationHandle>,
        request: &CreateImage,
        source: &ImageSource,
        targets: Vec<Target>,
    ) -> Result<(), String> {
        let deadline = Instant::now() + request.timeout;
        let started = Instant::now();
        let qemu_img = &self.settings.qemu_img;
        let source_format = match &request.disk_format {
            Some(format) => format.clone(),
            None => disk::detect(qemu_img, source.path())
                .await
                .map_err(|e| e.to_string())?,
        };

        // Which format each location gets.
        let mut destinations: Vec<(Destination, String)> = Vec::new();
        for target in targets {
            let at = target.at.clone();
            let plugin = match self.federation.plugin_for(&target) {
                Ok(plugin) => plugin,
                Err(error) => {
                    op.finish_location(LocationStatus::no_plugin(at, &error));
                    continue;
                }
            };
            if !plugin
                .info
                .capabilities
                .contains(&wit::Capability::CreateImage)
            {
                let error = CallError::Driver(wit::Error::Unsupported(format!(
                    "the {} driver does not create images",
                    plugin.name
                )));
                op.finish_location(LocationStatus::failed(at, &error, started.elapsed()));
                continue;
            }
            let tally = CallTally::default();
            let call = tally.track(self.federation.driver_call(
                &target,
                plugin.clone(),
                deadline.min(Instant::now() + Duration::from_secs(30)),
            ));
            let formats = call.image_formats().await;
            drop(call);
            let finish = |status: LocationStatus| {
                let mut status = status;
                tally.stamp(&mut status);
                op.finish_location(status);
            };
            match formats {
                Ok(formats) if formats.is_empty() => {
                    let error = CallError::Driver(wit::Error::Unsupported(
                        "the cloud-region accepts no image uploads".to_owned(),
                    ));
                    finish(LocationStatus::failed(at, &error, started.elapsed()));
                }
                Ok(formats) => {
                    let format = if formats.contains(&source_format) {
                        source_format.clone()
                    } else {
                        formats[0].clone()
                    };
                    op.phase(&at, "planned", format!("as {format}"));
                    let destination = Destination {
                        target,
                        plugin,
                        tally,
                    };
                    destinations.push((destination, format));
                }
                Err(error) => {
                    finish(LocationStatus::failed(at, &error, started.elapsed()));
                }
            }
        }

        // The source's digests identify the image everywhere, whatever its conversions
        // (a VHD conversion stamps a time in its footer, so converted bytes differ per run).
        let source_blob = hash(source.path().clone(), &source_format).await?;
        let identity = Identity {
            md5: source_blob.file().md5.clone(),
            sha256: source_blob.file().sha256.clone(),
        };

        // Locations that already hold these bytes under this name are done. Uploads of this
        // name to one location take turns, so this check sees the image a concurrent
        // identical upload has just made; each turn lasts until that location's upload ends.
        let mut destinations: Vec<(Destination, String, Option<Turn>)> = destinations
            .into_iter()
            .map(|(d, f)| (d, f, None))
            .collect();
        if !request.allow_duplicates {
            let waiting = std::mem::take(&mut destinations);
            let turns = self.take_turns(op, &request.name, waiting, deadline).await;
            let checks = futures::stream::iter(turns)
                .map(|(destination, format, turn)| {
                    let operations = self.clone();
                    let identity = identity.clone();
                    async move {
                        let present = operations
                            .find_present(op, &destination, &request.name, &identity, deadline)
                            .await;
                        (destination, format, turn, present)
                    }
                })
                .buffer_unordered(self.federation.settings().max_concurrency.max(1))
                .collect::<Vec<_>>()
                .await;
            for (destination, format, turn, present) in checks {
                let at = destination.target.at.clone();
                match present {
                    Ok(Some(image)) => {
                        op.progress(&at, |p| {
                            p.phase = "present".to_owned();
                            p.message =
                                format!("image {} already holds these bytes", image.resource.id);
                            p.resource_id = image.resource.id.clone();
                        });
                        op.image(image);
                        let status = LocationStatus::ok(at, 1, started.elapsed());
                        op.finish_location(destination.stamped(status));
                    }
                    Ok(None) => destinations.push((destination, format, turn)),
                    Err(status) => op.finish_location(destination.stamped(status)),
                }
            }
        }

        // One blob per needed format: the source as is, or one conversion.
        let work = self.settings.work_dir.join(op.id());
        tokio::fs::create_dir_all(&work).await.map_err(|e| {
            format!(
                "could not create the work directory {}: {e}",
                work.display()
            )
        })?;
        // One blob per needed format: the source as is, or one conversion. Conversions run
        // concurrently with each other and with the uploads that need none; each
        // destination waits only for its own format.
        let mut blobs: BTreeMap<String, Prepared> = BTreeMap::new();
        let needed: Vec<String> = {
            let mut formats: Vec<String> = destinations.iter().map(|(_, f, _)| f.clone()).collect();
            formats.sort();
            formats.dedup();
            formats
        };
        for format in needed {
            let waiting: Vec<CloudRegion> = destinations
                .iter()
                .filter(|(_, f, _)| *f == format)
                .map(|(d, _, _)| d.target.at.clone())
                .collect();
            let prepared: BoxFuture<'static, Result<Blob, String>> = if format == source_format {
                futures::future::ready(Ok(source_blob.clone())).boxed()
            } else {
                let conversion = Conversion {
                    qemu_img: qemu_img.clone(),
                    source: source.path().clone(),
                    from: source_format.clone(),
                    dest: work.join(format!("image.{format}")),
                    to: format.clone(),
                };
                conversion.run(op.clone(), waiting).boxed()
            };
            blobs.insert(format, prepared.shared());
        }

        // Every remaining destination concurrently.
        let concurrency = self.federation.settings().max_concurrency.max(1);
        futures::stream::iter(destinations)
            .map(|(destination, format, turn)| {
                let blob = blobs.get(&format).cloned();
                let operations = self.clone();
                let op = op.clone();
                let request = request.clone();
                let identity = identity.clone();
                async move {
                    let at = destination.target.at.clone();
                    let started = Instant::now();
                    let blob = match blob {
                        Some(prepared) => Some(prepared.await),
                        None => None,
                    };
                    let status = match blob {
                        Some(Ok(blob)) => {
                            match operations
                                .upload(&op, &destination, &request, &identity, &blob, deadline)
                                .await
                            {
                                Ok(()) => LocationStatus::ok(at, 1, started.elapsed()),
                                Err(error) => LocationStatus::failed(at, &error, started.elapsed()),
                            }
                        }
                        Some(Err(message)) => {
                            let error = CallError::Host(format!(
                                "the {format} image could not be prepared: {message}"
                            ));
                            LocationStatus::failed(at, &error, started.elapsed())
                        }
                        None => {
                            let error = CallError::Host(format!("no {format} image was prepared"));
                            LocationStatus::failed(at, &error, started.elapsed())
                        }
                    };
                    op.finish_location(destination.stamped(status));
                    drop(turn);
                }
            })
            .buffer_unordered(concurrency)
            .collect::<Vec<()>>()
            .await;
        let _ = tokio::fs::remove_dir_all(&work).await;
        Ok(())
    }

    /// Waits for this operation's turn at every destination for image `name`. Turns are taken
    /// one location at a time in one global order (cloud, region), so two operations never
    /// each hold a location the other waits for. A location whose turn does not come before
    /// the deadline fails.
    async fn take_turns(
        &self,
        op: &OperationHandle,
        name: &str,
        mut destinations: Vec<(Destination, String, Option<Turn>)>,
        deadline: Instant,
    ) -> Vec<(Destination, String, Option<Turn>)> {
        destinations.sort_by(|(a, _, _), (b, _, _)| a.target.at.cmp(&b.target.at));
        let started = Instant::now();
        let mut ready = Vec::with_capacity(destinations.len());
        for (destination, format, _) in destinations {
            let key = (destination.target.at.clone(), name.to_owned());
            match tokio::time::timeout_at(deadline, self.image_locks.lock(key)).await {
                Ok(turn) => ready.push((destination, format, Some(turn))),
                Err(_) => {
                    let error = CallError::Driver(wit::Error::Timeout(format!(
                        "another upload of image '{name}' to this location was still running at \
                         the operation's deadline"
                    )));
                    let at = destination.target.at.clone();
                    let status = LocationStatus::failed(at, &error, started.elapsed());
                    op.finish_location(destination.stamped(status));
                }
            }
        }
        ready
    }

    /// An image at the destination with this name whose recorded source digest (or glance
    /// checksum) matches.
    async fn find_present(
        &self,
        op: &OperationHandle,
        destination: &Destination,
        name: &str,
        identity: &Identity,
        deadline: Instant,
    ) -> Result<Option<Located<wit::Image>>, LocationStatus> {
        let at = &destination.target.at;
        let started = Instant::now();
        op.phase(at, "checking", "for the same image");
        let selector = Selector::one(&at.cloud, &at.region);
        let fresh = CallOptions {
            bypass_cache: true,
            ..CallOptions::default()
        };
        let listed = self
            .federation
            .list::<Images>(
                &selector,
                &crate::federation::Filter::default(),
                &fresh,
                deadline.min(Instant::now() + Duration::from_secs(60)),
            )
            .await
            .map_err(|e| {
                LocationStatus::failed(
                    at.clone(),
                    &CallError::Host(e.to_string()),
                    started.elapsed(),
                )
            })?;
        destination.tally.add(&listed.statuses);
        // The location's own failure (kind and message) is the upload's.
        if let Some(status) = listed.statuses.into_iter().next()
            && !status.is_ok()
        {
            return Err(status);
        }
        Ok(listed.items.into_iter().find(|image| {
            let i = &image.resource;
            i.name == name
                && (i.checksum.as_deref() == Some(identity.md5.as_str())
                    || i.properties.iter().any(|(k, v)| {
                        k == "owner_specified.openstack.sha256" && *v == identity.sha256
                    }))
        }))
    }

    /// One location: create, wait for active, clean up on failure.
    async fn upload(
        &self,
        op: &OperationHandle,
        destination: &Destination,
        request: &CreateImage,
        identity: &Identity,
        blob: &Blob,
        deadline: Instant,
    ) -> Result<(), CallError> {
        let target = &destination.target;
        let at = &target.at;
        let federation = &self.federation;
        let file = blob.file();
        let mut properties = request.properties.clone();
        properties.push((
            "owner_specified.openstack.md5".to_owned(),
            identity.md5.clone(),
        ));
        properties.push((
            "owner_specified.openstack.sha256".to_owned(),
            identity.sha256.clone(),
        ));
        properties.push((
            "owner_specified.openstack.object".to_owned(),
            format!("images/{}", request.name),
        ));
        let spec = wit::ImageCreate {
            name: request.name.clone(),
            disk_format: file.disk_format.clone(),
            container_format: if request.container_format.is_empty() {
                "bare".to_owned()
            } else {
                request.container_format.clone()
            },
            min_disk_gib: request.min_disk_gib,
            min_ram_mib: request.min_ram_mib,
            visibility: request.visibility.clone(),
            tags: request.tags.clone(),
            properties,
        };
        let sent = Arc::new(AtomicU64::new(0));
        let counting = blob.counting(sent.clone());
        let mut call = federation.driver_call(target, destination.plugin.clone(), deadline);
        call.stats = Arc::new(crate::plugin::CallStats::with_ledger(Arc::new(
            OperationLedger {
                ledger: self.ledger.clone(),
                operation_id: op.id(),
                at: at.clone(),
            },
        )));
        let call = destination.tally.track(call);
        op.progress(at, |p| {
            p.phase = "uploading".to_owned();
            p.message = format!("{} bytes as {}", file.size, file.disk_format);
            p.bytes_done = 0;
            p.bytes_total = file.size;
        });
        let upload = call.create_image(&spec, &counting);
        tokio::pin!(upload);
        let mut ticker = tokio::time::interval(PROGRESS_EVERY);
        let created = loop {
            tokio::select! {
                outcome = &mut upload => break outcome,
                _ = ticker.tick() => {
                    let done = sent.load(Ordering::Relaxed);
                    op.progress(at, |p| p.bytes_done = done);
                }
            }
        };
        let driver_created: Vec<Created> = call
            .stats
            .unsettled()
            .into_iter()
            .map(|(kind, id)| Created {
                at: at.clone(),
                kind,
                id,
            })
            .collect();
        federation.forget::<Images>(at);
        let outcome = match created {
            Ok(image) => {
                op.progress(at, |p| {
                    p.bytes_done = file.size;
                    p.resource_id = image.id.clone();
                });
                self.wait_active(op, destination, &image.id, deadline).await
            }
            Err(error) => Err(error),
        };
        let result = match outcome {
            Ok(image) => {
                op.image(Located {
                    location: stamp(target, &image.placement),
                    resource: image,
                });
                Ok(())
            }
            Err(error) => {
                if !driver_created.is_empty() {
                    op.phase(
                        at,
                        "cleaning-up",
                        format!("{} item(s)", driver_created.len()),
                    );
                    let entries = self.ledger.clean(&op.id(), driver_created).await;
                    op.cleanup(entries);
                }
                Err(error)
            }
        };
        // Kept, or cleaned (what could not be deleted is pending now): nothing stays open.
        self.ledger.release(&op.id(), at);
        result
    }

    async fn wait_active(
        &self,
        op: &OperationHandle,
        destination: &Destination,
        id: &str,
        deadline: Instant,
    ) -> Result<wit::Image, CallError> {
        let at = &destination.target.at;
        let mut last = String::new();
        loop {
            let call = destination.tally.track(self.federation.driver_call(
                &destination.target,
                destination.plugin.clone(),
                deadline.min(Instant::now() + Duration::from_secs(30)),
            ));
            let image = call.get_image(id).await?;
            if image.status != last {
                last = image.status.clone();
                op.phase(at, &image.status, "");
            }
            match image.status.as_str() {
                "active" => return Ok(image),
                "killed" | "deleted" | "pending_delete" => {
                    return Err(CallError::Driver(wit::Error::Other(format!(
                        "image {id} ended {}",
                        image.status
                    ))));
                }
                _ => {}
            }
            if Instant::now() + IMAGE_POLL > deadline {
                return Err(CallError::Driver(wit::Error::Timeout(format!(
                    "image {id} was not active before the operation's deadline (last status {last})"
                ))));
            }
            tokio::time::sleep(IMAGE_POLL).await;
        }
    }
}

/// This operation's turn to upload an image name to one location.
type Turn = tokio::sync::OwnedMutexGuard<()>;

/// A blob being prepared, awaited by every destination that needs its format.
type Prepared = Shared<BoxFuture<'static, Result<Blob, String>>>;

/// One `qemu-img convert` of the source into another format.
struct Conversion {
    qemu_img: PathBuf,
    source: PathBuf,
    from: String,
    dest: PathBuf,
    to: String,
}

impl Conversion {
    /// Converts, reporting progress to the locations waiting for it, then hashes the result.
    async fn run(
        self,
        op: Arc<OperationHandle>,
        waiting: Vec<CloudRegion>,
    ) -> Result<Blob, String> {
        for at in &waiting {
            op.phase(at, "converting", format!("{} → {}", self.from, self.to));
        }
        let mut last = None;
        disk::convert(
            &self.qemu_img,
            &self.source,
            &self.from,
            &self.dest,
            &self.to,
            |percent| {
                let whole = percent as u64;
                if last != Some(whole) {
                    last = Some(whole);
                    for at in &waiting {
                        op.progress(at, |p| {
                            p.bytes_done = whole;
                            p.bytes_total = 100;
                        });
                    }
                }
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        hash(self.dest, &self.to).await
    }
}

/// Measures and hashes a file off the async threads.
async fn hash(path: PathBuf, format: &str) -> Result<Blob, String> {
    let format = format.to_owned();
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || Blob::from_file(&path, &format))
        .await
        .map_err(|e| format!("hashing {shown} failed: {e}"))?
        .map_err(|e| format!("could not read {shown}: {e}"))
}
