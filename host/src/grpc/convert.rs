//! Conversions between `oaktree.v1` messages and the domain (driver records + Location).

use std::collections::HashMap;
use std::time::UNIX_EPOCH;

use crate::error::Error;
use crate::federation::{AnswerSource, CallOptions, Filter, LocationStatus, Selector, StatusKind};
use crate::location::{CloudRegion, Located, Location};
use crate::plugin::LoadedPlugin;
use crate::plugin::bindings::wit;
use crate::proto;

pub fn selector(selector: Option<proto::LocationSelector>) -> Selector {
    let selector = selector.unwrap_or_default();
    Selector {
        clouds: selector.clouds,
        regions: selector.regions,
    }
}

pub fn filter(filter: Option<proto::Filter>) -> Result<Filter, Error> {
    let filter = filter.unwrap_or_default();
    Filter::new(&filter.name_or_id, filter.properties.into_iter().collect())
}

pub fn options(options: Option<proto::CallOptions>) -> CallOptions {
    let options = options.unwrap_or_default();
    CallOptions {
        bypass_cache: options.bypass_cache,
        treat_as_empty: status_kinds(&options.treat_as_empty),
    }
}

pub fn cloud_region(at: &CloudRegion) -> proto::CloudRegion {
    proto::CloudRegion {
        cloud: at.cloud.clone(),
        region: at.region.clone(),
    }
}

pub fn location(location: &Location) -> proto::Location {
    let project = &location.project;
    proto::Location {
        cloud: location.cloud.clone(),
        region: location.region.clone(),
        zone: location.zone.clone().unwrap_or_default(),
        project: Some(proto::Project {
            id: project.id.clone().unwrap_or_default(),
            name: project.name.clone().unwrap_or_default(),
            domain_id: project.domain_id.clone().unwrap_or_default(),
            domain_name: project.domain_name.clone().unwrap_or_default(),
        }),
    }
}

fn status_kind(kind: StatusKind) -> proto::StatusKind {
    match kind {
        StatusKind::Ok => proto::StatusKind::Ok,
        StatusKind::Unavailable => proto::StatusKind::Unavailable,
        StatusKind::Unauthorized => proto::StatusKind::Unauthorized,
        StatusKind::Forbidden => proto::StatusKind::Forbidden,
        StatusKind::Timeout => proto::StatusKind::Timeout,
        StatusKind::Throttled => proto::StatusKind::Throttled,
        StatusKind::Invalid => proto::StatusKind::Invalid,
        StatusKind::Internal => proto::StatusKind::Internal,
        StatusKind::Unsupported => proto::StatusKind::Unsupported,
        StatusKind::NotFound => proto::StatusKind::NotFound,
        StatusKind::CloudFault => proto::StatusKind::CloudFault,
    }
}

/// The failure kinds a request asks to treat as empty; OK and unknown values are ignored.
pub fn status_kinds(kinds: &[i32]) -> Vec<StatusKind> {
    kinds
        .iter()
        .filter_map(|k| match proto::StatusKind::try_from(*k).ok()? {
            proto::StatusKind::Unavailable => Some(StatusKind::Unavailable),
            proto::StatusKind::Unauthorized => Some(StatusKind::Unauthorized),
            proto::StatusKind::Forbidden => Some(StatusKind::Forbidden),
            proto::StatusKind::Timeout => Some(StatusKind::Timeout),
            proto::StatusKind::Throttled => Some(StatusKind::Throttled),
            proto::StatusKind::Invalid => Some(StatusKind::Invalid),
            proto::StatusKind::Internal => Some(StatusKind::Internal),
            proto::StatusKind::Unsupported => Some(StatusKind::Unsupported),
            proto::StatusKind::NotFound => Some(StatusKind::NotFound),
            proto::StatusKind::CloudFault => Some(StatusKind::CloudFault),
            proto::StatusKind::Ok | proto::StatusKind::Unspecified => None,
        })
        .collect()
}

fn cache_source(source: AnswerSource) -> proto::CacheSource {
    match source {
        AnswerSource::Cloud => proto::CacheSource::Miss,
        AnswerSource::CacheHit => proto::CacheSource::Hit,
        AnswerSource::CacheStale => proto::CacheSource::Stale,
        AnswerSource::Shared => proto::CacheSource::Shared,
        AnswerSource::Bypass => proto::CacheSource::Bypass,
    }
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

pub fn status(status: &LocationStatus) -> proto::LocationStatus {
    proto::LocationStatus {
        location: Some(cloud_region(&status.at)),
        kind: status_kind(status.kind) as i32,
        // Long vendor errors and plugin backtraces go to the log, not to every client.
        message: super::client_text::client_text(
            &status.message,
            super::client_text::MAX_LOCATION_MESSAGE_BYTES,
        ),
        item_count: status.item_count,
        elapsed_ms: millis(status.elapsed),
        retry_after_ms: status.retry_after_ms.unwrap_or(0),
        limiter_wait_ms: millis(status.limiter_wait),
        cache: cache_source(status.source) as i32,
        ignored_failure: status.ignored_failure.map_or(0, |k| status_kind(k) as i32),
        http_attempts: status.http_attempts,
        circuit: status.circuit.as_ref().map(circuit_state),
    }
}

fn circuit_state(circuit: &crate::limits::CircuitSnapshot) -> proto::CircuitState {
    use crate::limits::breaker::Phase;
    let unix_ms = |at: std::time::SystemTime| {
        at.duration_since(std::time::UNIX_EPOCH)
            .map(millis)
            .unwrap_or(0)
    };
    proto::CircuitState {
        phase: match circuit.phase {
            Phase::Closed => proto::CircuitPhase::Closed,
            Phase::Open => proto::CircuitPhase::Open,
            Phase::HalfOpen => proto::CircuitPhase::HalfOpen,
        } as i32,
        service: circuit.service.clone(),
        open_since_unix_ms: unix_ms(circuit.open_since),
        last_error: circuit.last_error.clone(),
        next_probe_unix_ms: unix_ms(circuit.next_probe),
        failures: circuit.failures,
    }
}

pub fn statuses(statuses: &[LocationStatus]) -> Vec<proto::LocationStatus> {
    statuses.iter().map(status).collect()
}

fn map(pairs: Vec<(String, String)>) -> HashMap<String, String> {
    pairs.into_iter().collect()
}

pub fn image(item: Located<wit::Image>) -> proto::Image {
    let Located {
        location: at,
        resource: i,
    } = item;
    proto::Image {
        location: Some(location(&at)),
        is_public: i.visibility == "public",
        id: i.id,
        name: i.name,
        status: i.status,
        visibility: i.visibility,
        is_protected: i.is_protected,
        disk_format: i.disk_format.unwrap_or_default(),
        container_format: i.container_format.unwrap_or_default(),
        size_bytes: i.size_bytes.unwrap_or(0),
        virtual_size_bytes: i.virtual_size_bytes.unwrap_or(0),
        min_disk_gib: i.min_disk_gib,
        min_ram_mib: i.min_ram_mib,
        checksum: i.checksum.unwrap_or_default(),
        owner: i.owner.unwrap_or_default(),
        tags: i.tags,
        created_at: i.created_at,
        updated_at: i.updated_at,
        properties: map(i.properties),
    }
}

pub fn flavor(item: Located<wit::Flavor>) -> proto::Flavor {
    let Located {
        location: at,
        resource: f,
    } = item;
    proto::Flavor {
        location: Some(location(&at)),
        id: f.id,
        name: f.name,
        vcpus: f.vcpus,
        ram_mib: f.ram_mib,
        disk_gib: f.disk_gib,
        ephemeral_gib: f.ephemeral_gib,
        swap_mib: f.swap_mib,
        is_public: f.is_public,
        is_disabled: f.is_disabled,
        extra_specs: map(f.extra_specs),
        properties: map(f.properties),
    }
}

fn address(a: wit::Address) -> proto::Address {
    let kind = match a.kind {
        wit::AddressKind::Fixed => proto::address::Kind::Fixed,
        wit::AddressKind::Floating => proto::address::Kind::Floating,
        wit::AddressKind::Unknown => proto::address::Kind::Unspecified,
    };
    proto::Address {
        network: a.network,
        address: a.address,
        ip_version: u32::from(a.ip_version),
        kind: kind as i32,
        mac: a.mac.unwrap_or_default(),
    }
}

pub fn server(item: Located<wit::Server>) -> proto::Server {
    let Located {
        location: at,
        resource: s,
    } = item;
    let interface_ip = s
        .public_v4
        .clone()
        .or_else(|| s.public_v6.clone())
        .or_else(|| s.private_v4.clone())
        .unwrap_or_default();
    proto::Server {
        location: Some(location(&at)),
        id: s.id,
        name: s.name,
        status: s.status,
        image_id: s.image_id.unwrap_or_default(),
        flavor_id: s.flavor_id.unwrap_or_default(),
        flavor_name: s.flavor_name.unwrap_or_default(),
        addresses: s.addresses.into_iter().map(address).collect(),
        public_v4: s.public_v4.unwrap_or_default(),
        public_v6: s.public_v6.unwrap_or_default(),
        private_v4: s.private_v4.unwrap_or_default(),
        interface_ip,
        key_name: s.key_name.unwrap_or_default(),
        metadata: map(s.metadata),
        security_groups: s.security_groups,
        user_id: s.user_id.unwrap_or_default(),
        host_id: s.host_id.unwrap_or_default(),
        power_state: s.power_state.unwrap_or_default(),
        task_state: s.task_state.unwrap_or_default(),
        vm_state: s.vm_state.unwrap_or_default(),
        progress: s.progress.unwrap_or(0),
        fault: s.fault.unwrap_or_default(),
        created_at: s.created_at,
        updated_at: s.updated_at,
        launched_at: s.launched_at.unwrap_or_default(),
        properties: map(s.properties),
    }
}

pub fn network(item: Located<wit::Network>) -> proto::Network {
    let Located {
        location: at,
        resource: n,
    } = item;
    proto::Network {
        location: Some(location(&at)),
        id: n.id,
        name: n.name,
        status: n.status,
        is_shared: n.is_shared,
        is_router_external: n.is_router_external,
        is_admin_state_up: n.is_admin_state_up,
        mtu: n.mtu.unwrap_or(0),
        subnet_ids: n.subnet_ids,
        availability_zones: n.availability_zones,
        created_at: n.created_at,
        updated_at: n.updated_at,
        properties: map(n.properties),
    }
}

pub fn plugin(plugin: &LoadedPlugin) -> proto::PluginInfo {
    let info = &plugin.info;
    proto::PluginInfo {
        name: plugin.name.to_string(),
        version: info.version.clone(),
        file: plugin.file.display().to_string(),
        profiles: info.profiles.clone(),
        capabilities: info
            .capabilities
            .iter()
            .map(|c| crate::plugin::bindings::capability_name(*c).to_owned())
            .collect(),
        image_disk_formats: info.image_disk_formats.clone(),
        floating_ips: floating_ip_model_name(info.floating_ips).to_owned(),
        rate_limits: info
            .rate_limits
            .iter()
            .map(|limit| proto::PluginRateLimit {
                service: limit.service.clone().unwrap_or_default(),
                calls_per_second: limit.calls_per_second,
                burst: limit.burst,
                max_in_flight: limit.max_in_flight,
            })
            .collect(),
        loaded_at_unix_ms: plugin
            .loaded_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| {
                i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
            }),
    }
}

fn floating_ip_model_name(model: wit::FloatingIpModel) -> &'static str {
    match model {
        wit::FloatingIpModel::Floating => "floating",
        wit::FloatingIpModel::Direct => "direct",
        wit::FloatingIpModel::None => "none",
    }
}
