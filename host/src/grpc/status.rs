//! The one mapping from call-level errors to gRPC statuses, with rich details
//! (google.rpc.BadRequest, ResourceInfo, ErrorInfo) so clients can act on them. Messages and
//! details are bounded ([`super::client_text`]) to stay well under gRPC's 16 KB header limit.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use super::client_text::{MAX_ENTRY_BYTES, MAX_LISTED, MAX_MESSAGE_BYTES, client_text, truncated};
use crate::error::Error;
use crate::federation::write::WriteFailure;
use crate::location::CloudRegion;
use crate::plugin::CallError;
use crate::plugin::bindings::wit;

const DOMAIN: &str = "oaktree.dev";

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let message = client_text(&error.to_string(), MAX_MESSAGE_BYTES);
        match error {
            Error::InvalidArgument {
                field,
                message: why,
            } => Status::with_error_details(
                Code::InvalidArgument,
                message,
                ErrorDetails::with_bad_request_violation(field, client_text(&why, MAX_ENTRY_BYTES)),
            ),
            Error::UnknownLocation {
                field,
                message: why,
            } => {
                // `why` lists the known names, which may be a thousand cloud-regions.
                let why = client_text(&why, MAX_MESSAGE_BYTES);
                let mut details = ErrorDetails::with_bad_request_violation(field, why);
                details.set_error_info("UNKNOWN_LOCATION", DOMAIN, []);
                Status::with_error_details(Code::NotFound, message, details)
            }
            Error::NotFound {
                kind,
                name_or_id,
                failures,
            } => {
                let mut details = ErrorDetails::with_resource_info(
                    kind,
                    truncated(&name_or_id, MAX_ENTRY_BYTES),
                    "",
                    "no resource matched in the selected locations",
                );
                let mut failed: std::collections::HashMap<String, String> = failures
                    .iter()
                    .take(MAX_LISTED)
                    .map(|s| {
                        let why = format!("{:?}: {}", s.kind, s.message);
                        (s.at.to_string(), client_text(&why, MAX_ENTRY_BYTES))
                    })
                    .collect();
                if failures.len() > MAX_LISTED {
                    failed.insert("failed_locations".to_owned(), failures.len().to_string());
                }
                details.set_error_info("NOT_FOUND", DOMAIN, failed);
                Status::with_error_details(Code::NotFound, message, details)
            }
            Error::Ambiguous {
                name_or_id,
                candidates,
                ..
            } => {
                let mut details = ErrorDetails::with_bad_request_violation(
                    "name_or_id",
                    format!(
                        "'{}' matches {} resources; ask by id",
                        truncated(&name_or_id, MAX_ENTRY_BYTES),
                        candidates.len()
                    ),
                );
                // At most MAX_LISTED candidates, and how many there were.
                let mut listed: std::collections::HashMap<String, String> = candidates
                    .iter()
                    .take(MAX_LISTED)
                    .map(|c| {
                        let entry = format!("{} at {}", c.name, c.at);
                        (
                            truncated(&c.id, MAX_ENTRY_BYTES).into_owned(),
                            truncated(&entry, MAX_ENTRY_BYTES).into_owned(),
                        )
                    })
                    .collect();
                listed.insert("candidates".to_owned(), candidates.len().to_string());
                details.set_error_info("AMBIGUOUS", DOMAIN, listed);
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            Error::Write {
                at,
                driver,
                operation,
                failure,
            } => write_status(message, &at, &driver, operation, &failure),
        }
    }
}

/// A failed write at one location: one code per failure kind (documented in services.proto),
/// an ErrorInfo whose metadata names the location, driver and operation, and RetryInfo or a
/// PreconditionFailure where they apply.
fn write_status(
    message: String,
    at: &CloudRegion,
    driver: &str,
    operation: &str,
    failure: &WriteFailure,
) -> Status {
    let mut details = ErrorDetails::new();
    let (code, reason) = match failure {
        WriteFailure::NoDriver(_) => (Code::FailedPrecondition, "NO_DRIVER"),
        WriteFailure::Undeclared { .. } => {
            details.add_precondition_failure_violation(
                "CAPABILITY",
                format!("{driver}@{at}"),
                format!("driver '{driver}' does not declare {operation}"),
            );
            (Code::FailedPrecondition, "UNSUPPORTED")
        }
        WriteFailure::Call(CallError::Driver(error)) => match error {
            wit::Error::NotFound(_) => (Code::NotFound, "NOT_FOUND"),
            wit::Error::Unauthorized(_) => (Code::Unauthenticated, "CLOUD_UNAUTHORIZED"),
            wit::Error::Forbidden(_) => (Code::PermissionDenied, "CLOUD_FORBIDDEN"),
            wit::Error::Conflict(_) => (Code::FailedPrecondition, "CONFLICT"),
            wit::Error::Throttled(throttle) => {
                details.set_retry_info(
                    throttle
                        .retry_after_ms
                        .map(std::time::Duration::from_millis),
                );
                (Code::ResourceExhausted, "THROTTLED")
            }
            wit::Error::Unavailable(_) => (Code::Unavailable, "UNAVAILABLE"),
            wit::Error::Timeout(_) => (Code::DeadlineExceeded, "TIMEOUT"),
            wit::Error::Invalid(why) => {
                details.add_bad_request_violation(operation, client_text(why, MAX_ENTRY_BYTES));
                (Code::InvalidArgument, "INVALID")
            }
            wit::Error::Unsupported(_) => {
                details.add_precondition_failure_violation(
                    "CAPABILITY",
                    format!("{driver}@{at}"),
                    format!("driver '{driver}' does not offer {operation} at this location"),
                );
                (Code::FailedPrecondition, "UNSUPPORTED")
            }
            wit::Error::Other(_) => (Code::Unknown, "VENDOR_ERROR"),
        },
        WriteFailure::Call(CallError::Deadline) => (Code::DeadlineExceeded, "TIMEOUT"),
        WriteFailure::Call(
            CallError::Trap { .. } | CallError::Instantiate { .. } | CallError::Host(_),
        ) => (Code::Internal, "INTERNAL"),
    };
    details.set_error_info(
        reason,
        DOMAIN,
        [
            ("cloud".to_owned(), at.cloud.clone()),
            ("region".to_owned(), at.region.clone()),
            ("driver".to_owned(), driver.to_owned()),
            ("operation".to_owned(), operation.to_owned()),
        ],
    );
    Status::with_error_details(code, message, details)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_error(failure: WriteFailure) -> Status {
        Status::from(Error::Write {
            at: CloudRegion::new("alpha", "us-east-1"),
            driver: "openstack".to_owned(),
            operation: "create-keypair",
            failure: Box::new(failure),
        })
    }

    #[test]
    fn an_undeclared_capability_is_a_failed_precondition_naming_driver_and_capability() {
        let status = write_error(WriteFailure::Undeclared {
            driver: "openstack".to_owned(),
            operation: "create-keypair",
        });
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert!(
            status.message().contains("openstack") && status.message().contains("create-keypair"),
            "{}",
            status.message()
        );
        let details = status.get_error_details();
        let info = details.error_info().expect("an ErrorInfo detail");
        assert_eq!(info.reason, "UNSUPPORTED");
        assert_eq!(
            info.metadata.get("region").map(String::as_str),
            Some("us-east-1")
        );
        assert!(details.precondition_failure().is_some());
    }

    #[test]
    fn driver_failures_of_a_write_map_to_one_code_each() {
        let code = |error| write_error(WriteFailure::Call(CallError::Driver(error))).code();
        assert_eq!(code(wit::Error::NotFound("x".into())), Code::NotFound);
        assert_eq!(
            code(wit::Error::Conflict("x".into())),
            Code::FailedPrecondition
        );
        assert_eq!(code(wit::Error::Invalid("x".into())), Code::InvalidArgument);
        assert_eq!(code(wit::Error::Unavailable("x".into())), Code::Unavailable);
        assert_eq!(
            code(wit::Error::Unsupported("x".into())),
            Code::FailedPrecondition
        );
        let throttled = write_error(WriteFailure::Call(CallError::Driver(
            wit::Error::Throttled(wit::Throttle {
                retry_after_ms: Some(1500),
                message: "slow down".into(),
            }),
        )));
        assert_eq!(throttled.code(), Code::ResourceExhausted);
        assert_eq!(
            throttled
                .get_error_details()
                .retry_info()
                .and_then(|r| r.retry_delay),
            Some(std::time::Duration::from_millis(1500))
        );
        assert_eq!(
            write_error(WriteFailure::Call(CallError::Deadline)).code(),
            Code::DeadlineExceeded
        );
    }

    #[test]
    fn a_trap_backtrace_stays_out_of_a_write_status() {
        let frames: String = (0..2000)
            .map(|i| format!("\n    {i}: 0x{i:x} - oaktree_openstack::frame{i}"))
            .collect();
        let status = write_error(WriteFailure::Call(CallError::Trap {
            plugin: "openstack".to_owned(),
            message: format!(
                "error while executing at wasm backtrace:{frames}: wasm trap: out of bounds memory access"
            ),
        }));
        assert_eq!(status.code(), Code::Internal);
        assert!(!status.message().contains("frame1"), "{}", status.message());
        assert!(
            status.message().contains("out of bounds memory access"),
            "{}",
            status.message()
        );
        assert!(status.message().len() + status.details().len() < 4096);
    }

    #[test]
    fn an_ambiguous_get_with_a_thousand_candidates_fits_in_a_few_kilobytes() {
        let candidates = (0..1000)
            .map(|i| crate::error::Candidate {
                id: format!("{i:08}-5c1e-4b7a-9d3f-0123456789ab"),
                name: format!("web-{i}"),
                at: CloudRegion::new("alpha", format!("region-{}", i % 40)),
            })
            .collect();
        let status = Status::from(Error::Ambiguous {
            kind: "server",
            name_or_id: "web-*".to_owned(),
            candidates,
        });
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status.message().contains("matches 1000 servers")
                && status.message().contains("and 980 more"),
            "{}",
            status.message()
        );
        let size = status.message().len() + status.details().len();
        assert!(size < 8 << 10, "{size} bytes");
        let details = status.get_error_details();
        let info = details.error_info().expect("an ErrorInfo detail");
        assert_eq!(
            info.metadata.get("candidates").map(String::as_str),
            Some("1000")
        );
    }
}
