//! Talking to the daemon: connecting, setting the deadline on each request, and explaining
//! a failed call with its google.rpc details.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Context;
use tonic::transport::Endpoint;
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;

use super::args::ConnArgs;
use super::kinds::Client;

/// Extra time the client waits past the call's deadline before giving up on its own: the
/// daemon answers at the deadline with TIMEOUT statuses, which are worth more than a
/// client-side error, but a daemon that never answers must not hang the command.
const CLIENT_GRACE: Duration = Duration::from_secs(5);

/// Connects to `--addr`, accepting `host:port` without a scheme.
pub async fn connect(conn: &ConnArgs) -> anyhow::Result<Client> {
    let addr = if conn.addr.contains("://") {
        conn.addr.clone()
    } else {
        format!("http://{}", conn.addr)
    };
    let endpoint = Endpoint::from_shared(addr.clone())
        .with_context(|| format!("invalid --addr '{}'", conn.addr))?
        .connect_timeout(conn.timeout)
        .timeout(conn.timeout + CLIENT_GRACE);
    let channel = endpoint
        .connect()
        .await
        .with_context(|| format!("cannot connect to the oaktree daemon at {addr}"))?;
    Ok(Client::new(channel))
}

/// A request carrying the call's deadline (`grpc-timeout`).
pub fn request<T>(message: T, conn: &ConnArgs) -> Request<T> {
    let mut request = Request::new(message);
    request.set_timeout(conn.timeout);
    request
}

/// The canonical gRPC name of a code, as in the gRPC docs and other clients.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// A failed call as text: code and message, then every decodable detail
/// (BadRequest, ErrorInfo, ResourceInfo, RetryInfo, Help, DebugInfo).
pub fn describe_error(status: &Status) -> String {
    let mut out = format!(
        "error: {}: {}\n",
        code_name(status.code()),
        status.message()
    );
    let details = status.get_error_details();
    if let Some(bad) = details.bad_request() {
        for violation in &bad.field_violations {
            let _ = writeln!(
                out,
                "  invalid {}: {}",
                violation.field, violation.description
            );
        }
    }
    if let Some(resource) = details.resource_info() {
        let _ = writeln!(
            out,
            "  resource: {} '{}'{}",
            resource.resource_type,
            resource.resource_name,
            if resource.description.is_empty() {
                String::new()
            } else {
                format!(": {}", resource.description)
            }
        );
    }
    if let Some(info) = details.error_info() {
        let _ = writeln!(out, "  reason: {} ({})", info.reason, info.domain);
        let mut metadata: Vec<_> = info.metadata.iter().collect();
        metadata.sort();
        for (key, value) in metadata {
            let _ = writeln!(out, "    {key}: {value}");
        }
    }
    if let Some(retry) = details.retry_info()
        && let Some(delay) = retry.retry_delay
    {
        let _ = writeln!(out, "  retry after: {} ms", delay.as_millis());
    }
    if let Some(help) = details.help() {
        for link in &help.links {
            let _ = writeln!(out, "  see: {} <{}>", link.description, link.url);
        }
    }
    if let Some(debug) = details.debug_info()
        && !debug.detail.is_empty()
    {
        let _ = writeln!(out, "  debug: {}", debug.detail);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::ErrorDetails;

    #[test]
    fn error_shows_code_field_violations_and_error_info_metadata() {
        let mut details =
            ErrorDetails::with_bad_request_violation("selector.clouds", "no cloud 'x'");
        details.set_error_info(
            "UNKNOWN_LOCATION",
            "oaktree.dev",
            [("known".to_string(), "alpha, beta".to_string())],
        );
        let status = Status::with_error_details(Code::NotFound, "unknown cloud 'x'", details);
        assert_eq!(
            describe_error(&status),
            "error: NOT_FOUND: unknown cloud 'x'\n  \
             invalid selector.clouds: no cloud 'x'\n  \
             reason: UNKNOWN_LOCATION (oaktree.dev)\n    \
             known: alpha, beta\n"
        );
    }

    #[test]
    fn error_without_details_is_one_line() {
        let status = Status::unavailable("daemon shutting down");
        assert_eq!(
            describe_error(&status),
            "error: UNAVAILABLE: daemon shutting down\n"
        );
    }
}
