//! Glance's image schema as far as writes need it: read-only properties, enums (with the
//! vendor's `disk_format`s), and the types of additional properties (strings only).

use axum::http::StatusCode;
use serde_json::Value;

use crate::glance_write::Refusal;
use crate::vendor::Vendor;

/// Properties glance computes; a client may not set them.
pub const READ_ONLY: [&str; 13] = [
    "id",
    "status",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "owner",
    "created_at",
    "updated_at",
    "self",
    "file",
    "schema",
];

/// Container formats glance accepts by default.
const CONTAINER_FORMATS: [&str; 8] = [
    "bare",
    "ovf",
    "ami",
    "aki",
    "ari",
    "ova",
    "docker",
    "compressed",
];

const VISIBILITIES: [&str; 4] = ["public", "private", "shared", "community"];

/// The 400 glance answers for a value outside a schema enum.
pub fn schema_error(value: &str, allowed: &[&str]) -> Refusal {
    Refusal::new(
        StatusCode::BAD_REQUEST,
        format!(
            "Provided object does not match schema 'image': {value:?} is not one of {allowed:?}"
        ),
    )
}

/// Checks `disk_format` against what the cloud's vendor accepts.
pub fn check_disk_format(vendor: Vendor, value: &Value) -> Result<(), Refusal> {
    match value {
        Value::Null => Ok(()),
        Value::String(format) if vendor.accepts_disk_format(format) => Ok(()),
        other => Err(schema_error(
            other.as_str().unwrap_or(&other.to_string()),
            vendor.disk_formats(),
        )),
    }
}

/// Checks the value of one client-settable property.
pub fn check_property(vendor: Vendor, key: &str, value: &Value) -> Result<(), Refusal> {
    let bad = |what: &str| {
        Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("Provided object does not match schema 'image': {key} {what}"),
        ))
    };
    if READ_ONLY.contains(&key) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            format!("Attribute '{key}' is read-only."),
        ));
    }
    match key {
        "disk_format" => check_disk_format(vendor, value),
        "container_format" => match value.as_str() {
            Some(f) if CONTAINER_FORMATS.contains(&f) => Ok(()),
            None if value.is_null() => Ok(()),
            _ => Err(schema_error(&value.to_string(), &CONTAINER_FORMATS)),
        },
        "visibility" => match value.as_str() {
            Some(v) if VISIBILITIES.contains(&v) => Ok(()),
            _ => Err(schema_error(&value.to_string(), &VISIBILITIES)),
        },
        "min_disk" | "min_ram" if !value.is_u64() => bad("must be a non-negative integer"),
        "protected" | "os_hidden" if !value.is_boolean() => bad("must be a boolean"),
        "tags"
            if !value
                .as_array()
                .is_some_and(|t| t.iter().all(Value::is_string)) =>
        {
            bad("must be a list of strings")
        }
        "name" if !(value.is_string() || value.is_null()) => bad("must be a string or null"),
        "min_disk" | "min_ram" | "protected" | "os_hidden" | "tags" | "name" => Ok(()),
        _ if !value.is_string() => bad("is an additional property and must be a string"),
        _ => Ok(()),
    }
}
