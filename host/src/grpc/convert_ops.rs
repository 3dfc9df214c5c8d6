//! Operations: proto requests → domain requests, domain records and events → proto.

use std::time::{Duration, SystemTime};

use super::convert;
use crate::error::Error;
use crate::location::CloudRegion;
use crate::operations::images::CreateImage;
use crate::operations::servers::{CreateServer, DeleteServer};
use crate::operations::{
    CleanupEntry, Event, EventBody, OperationRecord, OperationState, Progress,
};
use crate::proto;

const SERVER_TIMEOUT: Duration = Duration::from_secs(600);
const IMAGE_TIMEOUT: Duration = Duration::from_secs(3600);
const POLL_DEFAULT: Duration = Duration::from_millis(1000);
const POLL_MIN: Duration = Duration::from_millis(100);

fn location(field: &str, at: Option<proto::CloudRegion>) -> Result<CloudRegion, Error> {
    let at = at.ok_or_else(|| Error::InvalidArgument {
        field: field.to_owned(),
        message: "name the cloud and region to act in".to_owned(),
    })?;
    Ok(CloudRegion::new(at.cloud, at.region))
}

fn timeout(seconds: u32, default: Duration) -> Duration {
    if seconds == 0 {
        default
    } else {
        Duration::from_secs(u64::from(seconds))
    }
}

fn poll(ms: u32) -> Duration {
    if ms == 0 {
        POLL_DEFAULT
    } else {
        Duration::from_millis(u64::from(ms)).max(POLL_MIN)
    }
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

pub fn create_server(request: proto::CreateServerRequest) -> Result<CreateServer, Error> {
    let mut metadata: Vec<(String, String)> = request.metadata.into_iter().collect();
    metadata.sort();
    Ok(CreateServer {
        at: location("location", request.location)?,
        name: request.name,
        image: request.image,
        flavor: request.flavor,
        networks: request.networks,
        key_name: non_empty(request.key_name),
        user_data: non_empty(request.user_data),
        metadata,
        security_groups: request.security_groups,
        zone: non_empty(request.zone),
        wait: request.wait,
        auto_ip: request.auto_ip,
        keep_failed: request.keep_failed,
        timeout: timeout(request.timeout_seconds, SERVER_TIMEOUT),
        poll_interval: poll(request.poll_interval_ms),
    })
}

pub fn delete_server(request: proto::DeleteServerRequest) -> Result<DeleteServer, Error> {
    Ok(DeleteServer {
        at: location("location", request.location)?,
        server: request.server,
        wait: request.wait,
        delete_floating_ips: request.delete_floating_ips,
        timeout: timeout(request.timeout_seconds, SERVER_TIMEOUT),
        poll_interval: poll(request.poll_interval_ms),
    })
}

pub fn create_image(start: proto::ImageUploadStart) -> CreateImage {
    let mut properties: Vec<(String, String)> = start.properties.into_iter().collect();
    properties.sort();
    CreateImage {
        name: start.name,
        selector: convert::selector(start.selector),
        disk_format: non_empty(start.disk_format),
        container_format: start.container_format,
        min_disk_gib: start.min_disk_gib,
        min_ram_mib: start.min_ram_mib,
        visibility: non_empty(start.visibility),
        tags: start.tags,
        properties,
        allow_duplicates: start.allow_duplicates,
        timeout: timeout(start.timeout_seconds, IMAGE_TIMEOUT),
    }
}

fn unix_ms(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn progress(progress: &Progress) -> proto::LocationProgress {
    proto::LocationProgress {
        location: Some(convert::cloud_region(&progress.at)),
        phase: progress.phase.clone(),
        message: progress.message.clone(),
        bytes_done: progress.bytes_done,
        bytes_total: progress.bytes_total,
        resource_id: progress.resource_id.clone(),
        status: progress.status.as_ref().map(convert::status),
    }
}

fn cleanup_entry(entry: &CleanupEntry) -> proto::CleanupEntry {
    proto::CleanupEntry {
        location: Some(convert::cloud_region(&entry.at)),
        kind: entry.kind.clone(),
        id: entry.id.clone(),
        operation_id: entry.operation_id.clone(),
        state: entry.state.label().to_owned(),
        attempts: entry.attempts,
        last_error: entry.last_error.clone(),
    }
}

pub fn cleanup_entries(entries: &[CleanupEntry]) -> Vec<proto::CleanupEntry> {
    entries.iter().map(cleanup_entry).collect()
}

fn state(state: OperationState) -> proto::OperationState {
    match state {
        OperationState::Running => proto::OperationState::Running,
        OperationState::Succeeded => proto::OperationState::Succeeded,
        OperationState::Partial => proto::OperationState::Partial,
        OperationState::Failed => proto::OperationState::Failed,
    }
}

pub fn operation(record: &OperationRecord) -> proto::Operation {
    proto::Operation {
        id: record.id.clone(),
        kind: record.kind.label().to_owned(),
        state: state(record.state) as i32,
        locations: record.locations.iter().map(progress).collect(),
        started_at_unix_ms: unix_ms(record.started_at),
        finished_at_unix_ms: record.finished_at.map(unix_ms).unwrap_or(0),
        error: record.error.clone(),
        servers: record
            .servers
            .iter()
            .cloned()
            .map(convert::server)
            .collect(),
        images: record.images.iter().cloned().map(convert::image).collect(),
        cleanup: cleanup_entries(&record.cleanup),
        interrupted: record.interrupted,
    }
}

pub fn event(event: Event) -> proto::OperationEvent {
    use proto::operation_event::Event as E;
    proto::OperationEvent {
        operation_id: event.operation_id,
        sequence: event.sequence,
        event: Some(match event.body {
            EventBody::Progress(p) => E::Progress(progress(&p)),
            EventBody::Server(server) => E::Server(convert::server(*server)),
            EventBody::Image(image) => E::Image(convert::image(*image)),
            EventBody::Finished(record) => E::Finished(operation(&record)),
        }),
    }
}
