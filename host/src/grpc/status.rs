//! The one mapping from call-level errors to gRPC statuses, with rich details
//! (google.rpc.BadRequest, ResourceInfo, ErrorInfo) so clients can act on them.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::error::Error;

const DOMAIN: &str = "oaktree.dev";

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let message = error.to_string();
        match error {
            Error::InvalidArgument {
                field,
                message: why,
            } => Status::with_error_details(
                Code::InvalidArgument,
                message,
                ErrorDetails::with_bad_request_violation(field, why),
            ),
            Error::UnknownLocation {
                field,
                message: why,
            } => {
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
                    name_or_id,
                    "",
                    "no resource matched in the selected locations",
                );
                let failed: std::collections::HashMap<String, String> = failures
                    .iter()
                    .map(|s| (s.at.to_string(), format!("{:?}: {}", s.kind, s.message)))
                    .collect();
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
                        "'{name_or_id}' matches {} resources; ask by id",
                        candidates.len()
                    ),
                );
                let listed: std::collections::HashMap<String, String> = candidates
                    .iter()
                    .map(|c| (c.id.clone(), format!("{} at {}", c.name, c.at)))
                    .collect();
                details.set_error_info("AMBIGUOUS", DOMAIN, listed);
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
        }
    }
}
