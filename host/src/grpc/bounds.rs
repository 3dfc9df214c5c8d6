//! Bounds on what a request may carry, checked before anything else looks at it.
//!
//! A request's strings travel far: a `name_or_id` becomes a compiled glob, is copied into
//! every location's task and quoted in error messages. Unbounded, a 4 MB `name_or_id` cost
//! hundreds of MB per call. So every request message says its bounds here ([`Bounded`]), and
//! the handlers check them first: a request over a bound fails with INVALID_ARGUMENT naming
//! the field and its limit, before it is converted, compiled or copied.
//!
//! The limits are generous for real use (OpenStack names are at most 255 characters, nova
//! takes at most 128 metadata items and 64 KiB of user data) and small enough that no call
//! holds more than a few MB because of its request.

use std::collections::HashMap;

use crate::error::Error;
use crate::proto;

/// Largest request message the daemon decodes: a 4 MiB image chunk plus its framing. Larger
/// messages are refused by tonic before they are read.
pub const MAX_REQUEST_BYTES: usize = (4 << 20) + (64 << 10);
/// Largest `chunk` of an image upload, as the proto documents it.
pub const MAX_CHUNK_BYTES: usize = 4 << 20;

/// Names, ids, `name_or_id`, zones, image and flavor references, selector entries.
pub const TEXT_BYTES: usize = 1024;
/// Keys of metadata, properties and filters.
pub const KEY_BYTES: usize = 255;
/// Values of metadata, properties and filters.
pub const VALUE_BYTES: usize = 1024;
/// Free text: descriptions.
pub const DESCRIPTION_BYTES: usize = 4096;
/// A server's user data (nova's own limit is 65,535 bytes of base64).
pub const USER_DATA_BYTES: usize = 64 << 10;
/// An OpenSSH public key (an RSA-16384 key is about 2.8 KB).
pub const PUBLIC_KEY_BYTES: usize = 16 << 10;
/// A client's idempotency key.
pub const REQUEST_ID_BYTES: usize = 128;
/// Entries of a selector's `clouds` or `regions`. Each is a glob matched against every
/// configured cloud-region (about 32 bytes compiled per character), so a selector stays
/// small; many locations are named by patterns (`us-*`), not one by one.
pub const SELECTOR_ENTRIES: usize = 256;
/// One selector entry: cloud and region names are short.
pub const SELECTOR_ENTRY_BYTES: usize = 255;
/// Entries of a filter's properties, of `treat_as_empty`.
pub const FILTER_ENTRIES: usize = 64;
/// Entries of metadata, properties, tags (nova allows 128 metadata items).
pub const MAP_ENTRIES: usize = 128;
/// Entries of a server's networks or security groups, a subnet's DNS servers.
pub const LIST_ENTRIES: usize = 64;

/// A request message that knows its bounds.
pub trait Bounded {
    /// Fails with INVALID_ARGUMENT naming the first field over its bound.
    fn check_bounds(&self) -> Result<(), Error>;
}

fn too_long(field: &str, len: usize, max: usize) -> Error {
    Error::InvalidArgument {
        field: field.to_owned(),
        message: format!("is {len} bytes long; the limit is {max} bytes"),
    }
}

fn too_many(field: &str, len: usize, max: usize) -> Error {
    Error::InvalidArgument {
        field: field.to_owned(),
        message: format!("has {len} entries; the limit is {max} entries"),
    }
}

/// A string of at most `max` bytes.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.len() > max {
        return Err(too_long(field, value.len(), max));
    }
    Ok(())
}

/// At most `entries` strings of at most `max` bytes each.
pub fn list(field: &str, values: &[String], entries: usize, max: usize) -> Result<(), Error> {
    if values.len() > entries {
        return Err(too_many(field, values.len(), entries));
    }
    for (i, value) in values.iter().enumerate() {
        if value.len() > max {
            return Err(too_long(&format!("{field}[{i}]"), value.len(), max));
        }
    }
    Ok(())
}

/// At most `entries` pairs, keys of at most [`KEY_BYTES`], values of at most `value_max`.
pub fn map(
    field: &str,
    pairs: &HashMap<String, String>,
    entries: usize,
    value_max: usize,
) -> Result<(), Error> {
    if pairs.len() > entries {
        return Err(too_many(field, pairs.len(), entries));
    }
    for (key, value) in pairs {
        if key.len() > KEY_BYTES {
            // The key itself may be huge: name the field, not the key.
            return Err(too_long(&format!("{field} (a key)"), key.len(), KEY_BYTES));
        }
        if value.len() > value_max {
            return Err(too_long(&format!("{field}[{key}]"), value.len(), value_max));
        }
    }
    Ok(())
}

fn selector(field: &str, selector: Option<&proto::LocationSelector>) -> Result<(), Error> {
    let Some(selector) = selector else {
        return Ok(());
    };
    list(
        &format!("{field}.clouds"),
        &selector.clouds,
        SELECTOR_ENTRIES,
        SELECTOR_ENTRY_BYTES,
    )?;
    list(
        &format!("{field}.regions"),
        &selector.regions,
        SELECTOR_ENTRIES,
        SELECTOR_ENTRY_BYTES,
    )
}

fn options(options: Option<&proto::CallOptions>) -> Result<(), Error> {
    match options {
        Some(o) if o.treat_as_empty.len() > FILTER_ENTRIES => Err(too_many(
            "options.treat_as_empty",
            o.treat_as_empty.len(),
            FILTER_ENTRIES,
        )),
        _ => Ok(()),
    }
}

fn location(field: &str, at: Option<&proto::CloudRegion>) -> Result<(), Error> {
    let Some(at) = at else {
        return Ok(());
    };
    text(&format!("{field}.cloud"), &at.cloud, TEXT_BYTES)?;
    text(&format!("{field}.region"), &at.region, TEXT_BYTES)
}

fn request_id(value: &str) -> Result<(), Error> {
    text("request_id", value, REQUEST_ID_BYTES)
}

impl Bounded for proto::ListRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        selector("selector", self.selector.as_ref())?;
        if let Some(filter) = &self.filter {
            text("filter.name_or_id", &filter.name_or_id, TEXT_BYTES)?;
            map(
                "filter.properties",
                &filter.properties,
                FILTER_ENTRIES,
                VALUE_BYTES,
            )?;
        }
        options(self.options.as_ref())
    }
}

impl Bounded for proto::GetRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        selector("selector", self.selector.as_ref())?;
        text("name_or_id", &self.name_or_id, TEXT_BYTES)?;
        options(self.options.as_ref())
    }
}

impl Bounded for proto::ListLocationsRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        selector("selector", self.selector.as_ref())
    }
}

impl Bounded for proto::ListPluginsRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        Ok(())
    }
}

impl Bounded for proto::DeleteRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        location("location", self.location.as_ref())?;
        text("id", &self.id, TEXT_BYTES)
    }
}

impl Bounded for proto::CreateFloatingIpRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        location("location", self.location.as_ref())?;
        request_id(&self.request_id)?;
        if let Some(spec) = &self.floating_ip {
            text("floating_ip.network_id", &spec.network_id, TEXT_BYTES)?;
            text("floating_ip.server_id", &spec.server_id, TEXT_BYTES)?;
        }
        Ok(())
    }
}

impl Bounded for proto::AttachFloatingIpRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        location("location", self.location.as_ref())?;
        text("id", &self.id, TEXT_BYTES)?;
        text("server_id", &self.server_id, TEXT_BYTES)
    }
}

impl Bounded for proto::CreateKeypairRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        location("location", self.location.as_ref())?;
        request_id(&self.request_id)?;
        if let Some(spec) = &self.keypair {
            text("keypair.name", &spec.name, TEXT_BYTES)?;
            text("keypair.public_key", &spec.public_key, PUBLIC_KEY_BYTES)?;
        }
        Ok(())
    }
}

impl Bounded for proto::CreateSecurityGroupRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        location("location", self.location.as_ref())?;
        request_id(&self.request_id)?;
        if let Some(spec) = &self.security_group {
            text("security_group.name", &spec.name, TEXT_BYTES)?;
            text(
                "security_group.description",
                &spec.description,
                DESCRIPTION_BYTES,
            )?;
        }
        Ok(())
    }
}

impl Bounded for proto::CreateSecurityGroupRuleRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        location("location", self.location.as_ref())?;
        request_id(&self.request_id)?;
        if let Some(rule) = &self.rule {
            for (field, value) in [
                ("rule.security_group_id", &rule.security_group_id),
                ("rule.direction", &rule.direction),
                ("rule.ethertype", &rule.ethertype),
                ("rule.protocol", &rule.protocol),
                ("rule.remote_ip_prefix", &rule.remote_ip_prefix),
                ("rule.remote_group_id", &rule.remote_group_id),
            ] {
                text(field, value, TEXT_BYTES)?;
            }
        }
        Ok(())
    }
}

impl Bounded for proto::CreateSubnetRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        location("location", self.location.as_ref())?;
        request_id(&self.request_id)?;
        if let Some(spec) = &self.subnet {
            for (field, value) in [
                ("subnet.network_id", &spec.network_id),
                ("subnet.name", &spec.name),
                ("subnet.cidr", &spec.cidr),
                ("subnet.gateway_ip", &spec.gateway_ip),
            ] {
                text(field, value, TEXT_BYTES)?;
            }
            list(
                "subnet.dns_nameservers",
                &spec.dns_nameservers,
                LIST_ENTRIES,
                TEXT_BYTES,
            )?;
        }
        Ok(())
    }
}

impl Bounded for proto::CreateVolumeRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        location("location", self.location.as_ref())?;
        request_id(&self.request_id)?;
        if let Some(spec) = &self.volume {
            for (field, value) in [
                ("volume.name", &spec.name),
                ("volume.volume_type", &spec.volume_type),
                ("volume.zone", &spec.zone),
                ("volume.image_id", &spec.image_id),
            ] {
                text(field, value, TEXT_BYTES)?;
            }
            text("volume.description", &spec.description, DESCRIPTION_BYTES)?;
        }
        Ok(())
    }
}

impl Bounded for proto::CreateServerRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        location("location", self.location.as_ref())?;
        request_id(&self.request_id)?;
        for (field, value) in [
            ("name", &self.name),
            ("image", &self.image),
            ("flavor", &self.flavor),
            ("key_name", &self.key_name),
            ("zone", &self.zone),
        ] {
            text(field, value, TEXT_BYTES)?;
        }
        text("user_data", &self.user_data, USER_DATA_BYTES)?;
        list("networks", &self.networks, LIST_ENTRIES, TEXT_BYTES)?;
        list(
            "security_groups",
            &self.security_groups,
            LIST_ENTRIES,
            TEXT_BYTES,
        )?;
        map("metadata", &self.metadata, MAP_ENTRIES, VALUE_BYTES)
    }
}

impl Bounded for proto::DeleteServerRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        location("location", self.location.as_ref())?;
        text("server", &self.server, TEXT_BYTES)
    }
}

impl Bounded for proto::ImageUploadStart {
    fn check_bounds(&self) -> Result<(), Error> {
        selector("start.selector", self.selector.as_ref())?;
        text("start.request_id", &self.request_id, REQUEST_ID_BYTES)?;
        for (field, value) in [
            ("start.name", &self.name),
            ("start.disk_format", &self.disk_format),
            ("start.container_format", &self.container_format),
            ("start.visibility", &self.visibility),
            ("start.source_path", &self.source_path),
        ] {
            text(field, value, TEXT_BYTES)?;
        }
        list("start.tags", &self.tags, MAP_ENTRIES, VALUE_BYTES)?;
        map(
            "start.properties",
            &self.properties,
            MAP_ENTRIES,
            VALUE_BYTES,
        )
    }
}

impl Bounded for proto::GetOperationRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        text("id", &self.id, TEXT_BYTES)
    }
}

impl Bounded for proto::WatchOperationRequest {
    fn check_bounds(&self) -> Result<(), Error> {
        text("id", &self.id, TEXT_BYTES)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn field_and_message(error: Error) -> (String, String) {
        match error {
            Error::InvalidArgument { field, message } => (field, message),
            other => panic!("not an invalid argument: {other}"),
        }
    }

    #[test]
    fn a_huge_name_or_id_names_the_field_and_its_limit_without_quoting_it() {
        let request = proto::GetRequest {
            name_or_id: "x".repeat(4 << 20),
            ..Default::default()
        };
        let (field, message) = field_and_message(request.check_bounds().unwrap_err());
        assert_eq!(field, "name_or_id");
        assert_eq!(message, "is 4194304 bytes long; the limit is 1024 bytes");
    }

    #[test]
    fn selectors_and_filters_are_bounded_in_entries_and_length() {
        let request = proto::ListRequest {
            selector: Some(proto::LocationSelector {
                clouds: vec!["c".to_owned(); SELECTOR_ENTRIES + 1],
                regions: Vec::new(),
            }),
            ..Default::default()
        };
        let (field, message) = field_and_message(request.check_bounds().unwrap_err());
        assert_eq!(field, "selector.clouds");
        assert!(message.contains("the limit is 256 entries"), "{message}");

        let request = proto::ListRequest {
            selector: Some(proto::LocationSelector {
                clouds: vec!["ok".to_owned(), "r".repeat(SELECTOR_ENTRY_BYTES + 1)],
                regions: Vec::new(),
            }),
            ..Default::default()
        };
        let (field, _) = field_and_message(request.check_bounds().unwrap_err());
        assert_eq!(field, "selector.clouds[1]");

        let mut properties = HashMap::new();
        properties.insert("k".repeat(KEY_BYTES + 1), "v".to_owned());
        let request = proto::ListRequest {
            filter: Some(proto::Filter {
                name_or_id: String::new(),
                properties,
            }),
            ..Default::default()
        };
        let (field, message) = field_and_message(request.check_bounds().unwrap_err());
        assert_eq!(field, "filter.properties (a key)");
        assert!(message.contains("the limit is 255 bytes"), "{message}");
    }

    #[test]
    fn server_metadata_user_data_and_request_id_are_bounded() {
        let metadata: HashMap<String, String> = (0..=MAP_ENTRIES)
            .map(|i| (format!("k{i}"), String::new()))
            .collect();
        let request = proto::CreateServerRequest {
            metadata,
            ..Default::default()
        };
        let (field, _) = field_and_message(request.check_bounds().unwrap_err());
        assert_eq!(field, "metadata");
        let request = proto::CreateServerRequest {
            user_data: "u".repeat(USER_DATA_BYTES + 1),
            ..Default::default()
        };
        assert_eq!(
            field_and_message(request.check_bounds().unwrap_err()).0,
            "user_data"
        );
        let request = proto::CreateServerRequest {
            request_id: "r".repeat(REQUEST_ID_BYTES + 1),
            ..Default::default()
        };
        assert_eq!(
            field_and_message(request.check_bounds().unwrap_err()).0,
            "request_id"
        );
    }

    #[test]
    fn ordinary_requests_pass() {
        let request = proto::CreateServerRequest {
            name: "web-1".to_owned(),
            image: "cirros".to_owned(),
            flavor: "m1.small".to_owned(),
            user_data: "#cloud-config\n".to_owned(),
            metadata: [("role".to_owned(), "web".to_owned())].into(),
            request_id: "9b2f6c1e-2d7a-4f0e-b1a3-5c8d9e0f1a2b".to_owned(),
            ..Default::default()
        };
        assert!(request.check_bounds().is_ok());
        assert!(proto::ListRequest::default().check_bounds().is_ok());
    }
}
