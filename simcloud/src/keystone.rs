//! Keystone v3 per cloud: unauthenticated discovery, token issue and validation. Clouds that
//! speak only v2.0 (Rackspace) list v2.0 at the root and answer 404 here (see `keystone_v2`).
//!
//! Token issue (`POST /{cloud}/identity/v3/auth/tokens`):
//! 1. Refuse everything when the cloud has `refuse_auth`.
//! 2. Check every listed method (`password`, `token`, `application_credential`).
//! 3. Resolve the scope: the project (by id, or name + domain), inherited from a token, implied
//!    by an application credential, or none (an unscoped token cannot call services).
//! 4. Record the token with its expiry and answer 201 with `X-Subject-Token`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use tracing::info;

use crate::reply;
use crate::state::{CloudState, SimState, TokenRecord};
use crate::time::{now_unix, rfc3339_micros};

/// `GET /{cloud}/identity`: the version list (300), never authenticated.
pub async fn versions(State(state): State<Arc<SimState>>, Path(cloud): Path<String>) -> Response {
    let Some(config) = state.clouds.get(&cloud).map(|c| &c.config) else {
        return reply::unknown_cloud(&cloud);
    };
    let doc = if config.vendor.identity_version() == 2 {
        crate::keystone_v2::version_doc(&state, &cloud)
    } else {
        version_doc(&state, &cloud)
    };
    let body = json!({"versions": {"values": [doc]}});
    reply::json(StatusCode::MULTIPLE_CHOICES, body)
}

/// `GET /{cloud}/identity/v3`: the v3 version document (200), never authenticated.
pub async fn version(State(state): State<Arc<SimState>>, Path(cloud): Path<String>) -> Response {
    if let Some(response) = v3_unavailable(&state, &cloud) {
        return response;
    }
    reply::json(
        StatusCode::OK,
        json!({"version": version_doc(&state, &cloud)}),
    )
}

/// 404 for an unknown cloud or one that speaks only keystone v2.0 (Rackspace).
fn v3_unavailable(state: &SimState, cloud: &str) -> Option<Response> {
    match state.clouds.get(cloud) {
        None => Some(reply::unknown_cloud(cloud)),
        Some(c) if c.config.vendor.identity_version() == 2 => Some(reply::keystone_error(
            StatusCode::NOT_FOUND,
            "The resource could not be found.",
        )),
        Some(_) => None,
    }
}

fn version_doc(state: &SimState, cloud: &str) -> Value {
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{}/v3/", state.auth_url(cloud))}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    })
}

/// A refused authentication: 400 for a malformed request, 401 for wrong credentials.
enum AuthError {
    BadRequest(String),
    Unauthorized(String),
}

/// Who authenticated, how, and for which scope.
struct Authenticated {
    methods: Vec<String>,
    project_scoped: bool,
    application_credential: bool,
}

/// `POST /{cloud}/identity/v3/auth/tokens`.
pub async fn issue(
    State(state): State<Arc<SimState>>,
    Path(cloud_name): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(response) = v3_unavailable(&state, &cloud_name) {
        return response;
    }
    let Some(cloud) = state.clouds.get(&cloud_name) else {
        return reply::unknown_cloud(&cloud_name);
    };
    let outcome = if cloud.config.refuse_auth {
        Err(AuthError::Unauthorized(
            "Authentication is refused (simulated).".into(),
        ))
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(request) => authenticate(&state, cloud, &request),
            Err(e) => Err(AuthError::BadRequest(format!("Malformed JSON: {e}"))),
        }
    };
    let auth = match outcome {
        Ok(auth) => auth,
        Err(AuthError::BadRequest(message)) => {
            return reply::keystone_error(StatusCode::BAD_REQUEST, &message);
        }
        Err(AuthError::Unauthorized(message)) => {
            info!(cloud = cloud_name, %message, "token refused");
            return reply::keystone_error(StatusCode::UNAUTHORIZED, &message);
        }
    };
    let (token_body, expires) = token_body(&state, cloud, &auth);
    let id = state.tokens.issue(TokenRecord {
        cloud: cloud_name.clone(),
        project_scoped: auth.project_scoped,
        expires,
        body: token_body.clone(),
    });
    info!(
        cloud = cloud_name,
        methods = ?auth.methods,
        scoped = auth.project_scoped,
        "token issued"
    );
    let mut response = reply::json(StatusCode::CREATED, token_body);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-subject-token", value);
    }
    response
}

/// `GET /{cloud}/identity/v3/auth/tokens`: validates `X-Subject-Token` for a caller holding a
/// valid `X-Auth-Token`.
pub async fn validate(
    State(state): State<Arc<SimState>>,
    Path(cloud): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(response) = v3_unavailable(&state, &cloud) {
        return response;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("x-auth-token")
        .and_then(|t| state.tokens.valid(t, &cloud))
        .is_none()
    {
        return reply::service_unauthorized(&state.auth_url(&cloud));
    }
    let Some(subject_id) = header("x-subject-token") else {
        return reply::keystone_error(StatusCode::BAD_REQUEST, "X-Subject-Token is missing.");
    };
    let Some(subject) = state.tokens.valid(subject_id, &cloud) else {
        return reply::keystone_error(
            StatusCode::NOT_FOUND,
            "Could not find token: the token is unknown or expired.",
        );
    };
    let mut response = reply::json(StatusCode::OK, subject.body);
    if let Ok(value) = HeaderValue::from_str(subject_id) {
        response.headers_mut().insert("x-subject-token", value);
    }
    response
}

fn authenticate(
    state: &SimState,
    cloud: &CloudState,
    request: &Value,
) -> Result<Authenticated, AuthError> {
    let identity = &request["auth"]["identity"];
    let methods: Vec<String> = identity["methods"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    if methods.is_empty() {
        return Err(AuthError::BadRequest(
            "auth.identity.methods must list at least one method".into(),
        ));
    }
    let mut inherited_scope = None;
    let mut application_credential = false;
    for method in &methods {
        match method.as_str() {
            "password" => check_password(cloud, &identity["password"]["user"])?,
            "token" => {
                let id = identity["token"]["id"].as_str().unwrap_or("");
                let record = state
                    .tokens
                    .valid(id, &cloud.config.name)
                    .ok_or_else(|| unauthorized("The token is unknown or expired."))?;
                inherited_scope = Some(record.project_scoped);
            }
            "application_credential" => {
                check_application_credential(cloud, &identity["application_credential"])?;
                application_credential = true;
            }
            other => return Err(unauthorized(&format!("Unsupported auth method {other:?}."))),
        }
    }
    let scope = &request["auth"]["scope"];
    let project_scoped = if scope.is_null() {
        application_credential || inherited_scope.unwrap_or(false)
    } else if application_credential {
        return Err(unauthorized(
            "Application credentials cannot request a scope.",
        ));
    } else if !scope["project"].is_null() {
        check_project(cloud, &scope["project"])?;
        true
    } else {
        // Domain and system scopes are accepted but cannot call the services.
        false
    };
    Ok(Authenticated {
        methods,
        project_scoped,
        application_credential,
    })
}

fn unauthorized(message: &str) -> AuthError {
    AuthError::Unauthorized(message.to_string())
}

fn domain_matches(cloud: &CloudState, domain: &Value) -> bool {
    domain["id"].as_str() == Some(cloud.domain_id.as_str())
        || domain["name"].as_str() == Some(cloud.config.domain.as_str())
}

fn check_password(cloud: &CloudState, user: &Value) -> Result<(), AuthError> {
    let user_ok = match (user["id"].as_str(), user["name"].as_str()) {
        (Some(id), _) => id == cloud.user_id,
        (None, Some(name)) => {
            name == cloud.config.username && domain_matches(cloud, &user["domain"])
        }
        (None, None) => {
            return Err(AuthError::BadRequest(
                "password.user needs an id or a name".into(),
            ));
        }
    };
    if user_ok && user["password"].as_str() == Some(cloud.config.password.as_str()) {
        Ok(())
    } else {
        Err(unauthorized(
            "The request you have made requires authentication.",
        ))
    }
}

fn check_application_credential(cloud: &CloudState, credential: &Value) -> Result<(), AuthError> {
    let expected = cloud.config.application_credential_id();
    let known = credential["id"].as_str() == Some(expected.as_str())
        || (credential["name"].as_str() == Some(expected.as_str())
            && (credential["user"]["id"].as_str() == Some(cloud.user_id.as_str())
                || (credential["user"]["name"].as_str() == Some(cloud.config.username.as_str())
                    && domain_matches(cloud, &credential["user"]["domain"]))));
    if known && credential["secret"].as_str() == Some(cloud.config.password.as_str()) {
        Ok(())
    } else {
        Err(unauthorized(
            "The application credential is unknown or the secret is wrong.",
        ))
    }
}

fn check_project(cloud: &CloudState, project: &Value) -> Result<(), AuthError> {
    let ok = match (project["id"].as_str(), project["name"].as_str()) {
        (Some(id), _) => id == cloud.project_id,
        (None, Some(name)) => {
            name == cloud.config.project_name && domain_matches(cloud, &project["domain"])
        }
        (None, None) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(unauthorized(
            "The user has no role on the requested project.",
        ))
    }
}

fn token_body(state: &SimState, cloud: &CloudState, auth: &Authenticated) -> (Value, SystemTime) {
    let (now, micros) = now_unix();
    let ttl = i64::try_from(state.token_ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let expires = SystemTime::now() + state.token_ttl.min(Duration::from_secs(10 * 365 * 86_400));
    let domain = json!({"id": cloud.domain_id, "name": cloud.config.domain});
    let mut token = json!({
        "expires_at": rfc3339_micros(now.saturating_add(ttl), micros),
        "issued_at": rfc3339_micros(now, micros),
        "methods": auth.methods,
        "audit_ids": [crate::ids::hex(&[&cloud.config.name, &now.to_string(), &micros.to_string()], 22)],
        "user": {
            "id": cloud.user_id,
            "name": cloud.config.username,
            "domain": domain,
            "password_expires_at": null,
        },
        "is_domain": false,
    });
    if auth.project_scoped {
        token["project"] = json!({
            "id": cloud.project_id,
            "name": cloud.config.project_name,
            "domain": domain,
        });
        token["roles"] = json!([
            {"id": crate::ids::hex(&["role", "member"], 32), "name": "member"},
            {"id": crate::ids::hex(&["role", "reader"], 32), "name": "reader"},
        ]);
        token["catalog"] = cloud.catalog.clone();
    }
    if auth.application_credential {
        token["application_credential"] = json!({
            "id": cloud.config.application_credential_id(),
            "name": cloud.config.application_credential_id(),
            "restricted": true,
        });
    }
    (json!({ "token": token }), expires)
}
