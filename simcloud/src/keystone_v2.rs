//! Keystone v2.0 for clouds whose vendor speaks it (Rackspace); other clouds answer 404 here,
//! as a v3-only keystone does.
//!
//! Token issue (`POST /{cloud}/identity/v2.0/tokens`):
//! 1. Refuse everything when the cloud has `refuse_auth`.
//! 2. Check `passwordCredentials` {username, password}, Rackspace's
//!    `RAX-KSKEY:apiKeyCredentials` {username, apiKey} (the API key is the cloud's password),
//!    or `token` {id}.
//! 3. `tenantName`/`tenantId` must name the cloud's project; without them the token is scoped
//!    to the user's default tenant, as Rackspace does.
//! 4. Record the token (it passes the same `X-Auth-Token` checks as a v3 token) and answer 200
//!    with `access: {token, serviceCatalog, user, metadata}`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use tracing::info;

use crate::reply;
use crate::seed::str_field;
use crate::state::{CloudState, SimState, TokenRecord};
use crate::time::{now_unix, rfc3339};

/// The cloud, if it exists and speaks keystone v2.0; else the 404 to answer.
fn v2_cloud<'s>(state: &'s SimState, cloud: &str) -> Result<&'s CloudState, Box<Response>> {
    match state.clouds.get(cloud) {
        Some(c) if c.config.vendor.identity_version() == 2 => Ok(c),
        Some(_) => Err(Box::new(reply::keystone_error(
            StatusCode::NOT_FOUND,
            "The resource could not be found.",
        ))),
        None => Err(Box::new(reply::unknown_cloud(cloud))),
    }
}

/// The v2.0 version document, as listed at the identity root of a v2.0 cloud.
pub fn version_doc(state: &SimState, cloud: &str) -> Value {
    json!({
        "id": "v2.0",
        "status": "deprecated",
        "updated": "2014-04-17T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{}/v2.0/", state.auth_url(cloud))}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v2.0+json"}],
    })
}

/// `GET /{cloud}/identity/v2.0`: the version document (200), never authenticated.
pub async fn version(State(state): State<Arc<SimState>>, Path(cloud): Path<String>) -> Response {
    if let Err(response) = v2_cloud(&state, &cloud) {
        return *response;
    }
    reply::json(
        StatusCode::OK,
        json!({"version": version_doc(&state, &cloud)}),
    )
}

/// `POST /{cloud}/identity/v2.0/tokens`.
pub async fn issue(
    State(state): State<Arc<SimState>>,
    Path(cloud_name): Path<String>,
    body: Bytes,
) -> Response {
    let cloud = match v2_cloud(&state, &cloud_name) {
        Ok(cloud) => cloud,
        Err(response) => return *response,
    };
    let request: Value = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return reply::keystone_error(StatusCode::BAD_REQUEST, &format!("Malformed JSON: {e}"));
        }
    };
    let method = match authenticate(&state, cloud, &request["auth"]) {
        Ok(method) => method,
        Err(message) => {
            info!(cloud = cloud_name, %message, "v2.0 token refused");
            return reply::keystone_error(StatusCode::UNAUTHORIZED, &message);
        }
    };
    let expires = SystemTime::now() + state.token_ttl.min(Duration::from_secs(10 * 365 * 86_400));
    let ttl = i64::try_from(state.token_ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let now = now_unix().0;
    // The id is only known once the token is recorded; record first, then fill it in.
    let mut access = access_body(cloud, method, now, now.saturating_add(ttl));
    let id = state.tokens.issue(TokenRecord {
        cloud: cloud_name.clone(),
        project_scoped: true,
        expires,
        body: access.clone(),
    });
    access["access"]["token"]["id"] = json!(id);
    info!(cloud = cloud_name, method, "v2.0 token issued");
    reply::json(StatusCode::OK, access)
}

/// `GET /{cloud}/identity/v2.0/tokens/{id}`: validates a token for a caller holding one.
pub async fn validate(
    State(state): State<Arc<SimState>>,
    Path((cloud, subject)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = v2_cloud(&state, &cloud) {
        return *response;
    }
    let caller = headers.get("x-auth-token").and_then(|v| v.to_str().ok());
    if caller.and_then(|t| state.tokens.valid(t, &cloud)).is_none() {
        return reply::service_unauthorized(&state.auth_url(&cloud));
    }
    match state.tokens.valid(&subject, &cloud) {
        Some(record) => {
            let mut body = record.body;
            body["access"]["token"]["id"] = json!(subject);
            reply::json(StatusCode::OK, body)
        }
        None => reply::keystone_error(StatusCode::NOT_FOUND, "Could not find token."),
    }
}

/// Checks the credentials and tenant; `Ok` names the method for `RAX-AUTH:authenticatedBy`.
fn authenticate(
    state: &SimState,
    cloud: &CloudState,
    auth: &Value,
) -> Result<&'static str, String> {
    if cloud.config.refuse_auth {
        return Err("Authentication is refused (simulated).".into());
    }
    let denied = || "Unable to authenticate user with credentials provided.".to_string();
    let password = &auth["passwordCredentials"];
    let api_key = &auth["RAX-KSKEY:apiKeyCredentials"];
    let method = if password.is_object() {
        let ok = str_field(password, "username") == cloud.config.username
            && str_field(password, "password") == cloud.config.password;
        ok.then_some("PASSWORD").ok_or_else(denied)?
    } else if api_key.is_object() {
        let ok = str_field(api_key, "username") == cloud.config.username
            && str_field(api_key, "apiKey") == cloud.config.password;
        ok.then_some("APIKEY").ok_or_else(denied)?
    } else if auth["token"].is_object() {
        let id = str_field(&auth["token"], "id");
        state
            .tokens
            .valid(id, &cloud.config.name)
            .map(|_| "TOKEN")
            .ok_or_else(|| "The token is unknown or expired.".to_string())?
    } else {
        return Err(
            "No credentials: send passwordCredentials or RAX-KSKEY:apiKeyCredentials.".into(),
        );
    };
    let tenant_ok = match (auth["tenantId"].as_str(), auth["tenantName"].as_str()) {
        (Some(id), _) => id == cloud.project_id,
        (None, Some(name)) => name == cloud.config.project_name,
        (None, None) => true,
    };
    if !tenant_ok {
        return Err("The user has no access to the requested tenant.".into());
    }
    Ok(method)
}

/// The `access` document of a token issued at `now` that expires at `expires` (Unix seconds).
fn access_body(cloud: &CloudState, method: &str, now: i64, expires: i64) -> Value {
    let tenant = json!({
        "id": cloud.project_id,
        "name": cloud.config.project_name,
        "enabled": true,
        "description": null,
    });
    let default_region = cloud
        .config
        .regions
        .first()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    json!({"access": {
        "token": {
            "id": "",
            "issued_at": rfc3339(now),
            "expires": rfc3339(expires),
            "tenant": tenant,
            "audit_ids": [crate::ids::hex(&[&cloud.config.name, "v2", &now.to_string()], 22)],
            "RAX-AUTH:authenticatedBy": [method],
        },
        "serviceCatalog": v2_catalog(&cloud.catalog),
        "user": {
            "id": cloud.user_id,
            "name": cloud.config.username,
            "username": cloud.config.username,
            "roles": [
                {"id": crate::ids::hex(&["role", "member"], 32), "name": "member"},
                {"id": crate::ids::hex(&["role", "reader"], 32), "name": "reader"},
            ],
            "roles_links": [],
            "RAX-AUTH:defaultRegion": default_region,
        },
        "metadata": {"is_admin": 0, "roles": []},
    }})
}

/// The v2.0 form of a v3 catalog: one endpoint per region with `publicURL`, `internalURL`
/// and `adminURL`.
pub fn v2_catalog(v3: &Value) -> Value {
    let services = v3.as_array().map(Vec::as_slice).unwrap_or_default();
    let services: Vec<Value> = services
        .iter()
        .map(|service| {
            let endpoints = service["endpoints"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            let mut regions: Vec<&str> = Vec::new();
            for endpoint in endpoints {
                let region = str_field(endpoint, "region");
                if !regions.contains(&region) {
                    regions.push(region);
                }
            }
            let v2_endpoints: Vec<Value> = regions
                .iter()
                .map(|region| {
                    let url = |interface: &str| {
                        endpoints
                            .iter()
                            .find(|e| e["region"] == *region && e["interface"] == interface)
                            .map(|e| e["url"].clone())
                            .unwrap_or(Value::Null)
                    };
                    json!({
                        "region": region,
                        "tenantId": null,
                        "publicURL": url("public"),
                        "internalURL": url("internal"),
                        "adminURL": url("admin"),
                    })
                })
                .collect();
            json!({
                "type": service["type"],
                "name": service["name"],
                "endpoints": v2_endpoints,
                "endpoints_links": [],
            })
        })
        .collect();
    Value::Array(services)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_v3_catalog_becomes_one_v2_endpoint_per_region() {
        let v3 = json!([{"type": "compute", "name": "nova", "endpoints": [
            {"interface": "public", "region": "r1", "url": "http://p/r1"},
            {"interface": "internal", "region": "r1", "url": "http://i/r1"},
            {"interface": "admin", "region": "r1", "url": "http://a/r1"},
            {"interface": "public", "region": "r2", "url": "http://p/r2"},
        ]}]);
        let v2 = v2_catalog(&v3);
        let endpoints = v2[0]["endpoints"].as_array().unwrap();
        assert_eq!(endpoints.len(), 2);
        assert_eq!(endpoints[0]["internalURL"], "http://i/r1");
        assert_eq!(endpoints[1]["publicURL"], "http://p/r2");
        assert_eq!(v2[0]["type"], "compute");
    }
}
