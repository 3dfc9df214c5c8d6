//! Response builders in each service's own error format.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tracing::warn;

/// A JSON body with `status`.
pub fn json(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// Keystone (and keystonemiddleware) errors: `{"error":{"code","title","message"}}`.
pub fn keystone_error(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    json(
        status,
        json!({"error": {"code": status.as_u16(), "title": title, "message": message}}),
    )
}

/// What keystonemiddleware answers in front of a service when the token is missing or bad.
pub fn service_unauthorized(auth_url: &str) -> Response {
    let mut response = keystone_error(
        StatusCode::UNAUTHORIZED,
        "The request you have made requires authentication.",
    );
    if let Ok(value) = HeaderValue::from_str(&format!("Keystone uri=\"{auth_url}\"")) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Nova errors: `{"<kind>":{"code","message"}}` with kind `itemNotFound`, `badRequest`, …
pub fn nova_error(status: StatusCode, kind: &str, message: &str) -> Response {
    json(
        status,
        json!({kind: {"code": status.as_u16(), "message": message}}),
    )
}

/// Glance errors are webob plain-text pages.
pub fn glance_error(status: StatusCode, message: &str) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = format!("{} {reason}\n\n{message}\n\n   ", status.as_u16());
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=UTF-8")],
        body,
    )
        .into_response()
}

/// Neutron errors: `{"NeutronError":{"type","message","detail"}}`.
pub fn neutron_error(status: StatusCode, kind: &str, message: &str) -> Response {
    json(
        status,
        json!({"NeutronError": {"type": kind, "message": message, "detail": ""}}),
    )
}

/// Answer for any path the simulator does not serve (logged: a client asking for a path
/// the simulator lacks is a fidelity gap worth seeing).
pub async fn not_found(method: Method, uri: Uri) -> Response {
    warn!(%method, %uri, "no such simulated path");
    keystone_error(StatusCode::NOT_FOUND, "The resource could not be found.")
}

/// 404 for a cloud the simulator does not serve.
pub fn unknown_cloud(cloud: &str) -> Response {
    keystone_error(
        StatusCode::NOT_FOUND,
        &format!("No simulated cloud {cloud:?}."),
    )
}
