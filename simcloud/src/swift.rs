//! Swift (object storage) v1 per region, under `/{cloud}/{region}/swift/v1/AUTH_{project_id}`.
//!
//! - account: `HEAD`/`GET` (container listing, JSON with `?format=json`);
//! - container: `PUT` (201 new, 202 existing), `HEAD`, `GET` (object listing), `DELETE` (409
//!   while it holds objects);
//! - object: `PUT` (streamed through [`upload::receive`]: only size, md5 `ETag`, the first
//!   64 KiB and the last 512 bytes are kept), `HEAD`, `GET`, `DELETE`.
//!
//! `GET` of an object larger than 64 KiB answers the kept ends with zeros in between (the
//! simulator never stores whole images); smaller objects come back byte for byte.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tracing::info;

use crate::faults::{self, Access};
use crate::pagination::{QueryPairs, param};
use crate::state::SimState;
use crate::store::{Container, StoredObject};
use crate::time::{naive_micros, now_unix, rfc3339};
use crate::upload::{self, Received};

/// Zeros standing in for the middle of a large object.
static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];

/// Swift's plain error page.
fn error(status: StatusCode, message: &str) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = format!("<html><h1>{reason}</h1><p>{message}</p></html>");
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        body,
    )
        .into_response()
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "The resource could not be found.")
}

/// Runs the fault/token gate and checks the account is the token's project.
async fn enter(
    state: &SimState,
    cloud: &str,
    region: &str,
    account: &str,
    headers: &HeaderMap,
) -> Result<(), Response> {
    faults::enter(state, cloud, region, headers, Access::Token).await?;
    let project = state.clouds.get(cloud).map(|c| c.project_id.as_str());
    if project.is_some_and(|p| account.strip_prefix("AUTH_") == Some(p)) {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            "Access was denied to this resource.",
        ))
    }
}

/// `GET /{cloud}/{region}/swift/info`: the cluster's capabilities, never authenticated.
pub async fn info() -> Response {
    crate::reply::json(
        StatusCode::OK,
        json!({
            "swift": {"version": "2.34.0", "max_file_size": 5_368_709_122_u64,
                      "container_listing_limit": 10_000, "max_object_name_length": 1024},
            "slo": {"max_manifest_segments": 1000, "min_segment_size": 1},
        }),
    )
}

/// `HEAD`/`GET` on the account.
pub async fn account(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, account)): Path<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    if let Err(response) = enter(&state, &cloud, &region, &account, &headers).await {
        return response;
    }
    let (containers, objects, bytes, listing) = state.storage.with(&cloud, &region, |store| {
        let objects: usize = store.containers.values().map(|c| c.objects.len()).sum();
        let bytes: u64 = store.containers.values().map(container_bytes).sum();
        let listing: Vec<Value> = store
            .containers
            .iter()
            .map(|(name, c)| {
                json!({"name": name, "count": c.objects.len(), "bytes": container_bytes(c),
                       "last_modified": naive_micros(c.created)})
            })
            .collect();
        (store.containers.len(), objects, bytes, listing)
    });
    let mut response = listing_response(&method, &query, listing);
    let h = response.headers_mut();
    put_header(h, "x-account-container-count", &containers.to_string());
    put_header(h, "x-account-object-count", &objects.to_string());
    put_header(h, "x-account-bytes-used", &bytes.to_string());
    response
}

fn container_bytes(container: &Container) -> u64 {
    container.objects.values().map(|o| o.data.size).sum()
}

/// `PUT`/`HEAD`/`GET`/`DELETE` on a container.
pub async fn container(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, account, name)): Path<(String, String, String, String)>,
    method: Method,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    if let Err(response) = enter(&state, &cloud, &region, &account, &headers).await {
        return response;
    }
    state.storage.with(&cloud, &region, |store| {
        if method == Method::PUT {
            if store.containers.contains_key(&name) {
                return StatusCode::ACCEPTED.into_response();
            }
            store.containers.insert(
                name.clone(),
                Container {
                    created: now_unix().0,
                    ..Container::default()
                },
            );
            info!(cloud, region, container = name, "container created");
            return StatusCode::CREATED.into_response();
        }
        let Some(container) = store.containers.get(&name) else {
            return not_found();
        };
        if method == Method::DELETE {
            if !container.objects.is_empty() {
                return error(
                    StatusCode::CONFLICT,
                    "There was a conflict when trying to complete your request.",
                );
            }
            store.containers.remove(&name);
            return StatusCode::NO_CONTENT.into_response();
        }
        let count = container.objects.len();
        let bytes = container_bytes(container);
        let listing = container
            .objects
            .iter()
            .map(|(name, o)| {
                json!({"name": name, "hash": o.data.md5, "bytes": o.data.size,
                       "content_type": o.content_type,
                       "last_modified": naive_micros(o.last_modified)})
            })
            .collect();
        let mut response = listing_response(&method, &query, listing);
        let h = response.headers_mut();
        put_header(h, "x-container-object-count", &count.to_string());
        put_header(h, "x-container-bytes-used", &bytes.to_string());
        response
    })
}

/// A listing answer: JSON with `format=json`, else one name per line; `prefix`, `marker` and
/// `limit` apply. `HEAD` answers 204 without a body.
fn listing_response(method: &Method, query: &QueryPairs, items: Vec<Value>) -> Response {
    if *method == Method::HEAD {
        return StatusCode::NO_CONTENT.into_response();
    }
    let prefix = param(query, "prefix").unwrap_or("");
    let marker = param(query, "marker").unwrap_or("");
    let limit = param(query, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10_000usize);
    let name = |item: &Value| item["name"].as_str().unwrap_or("").to_string();
    let items: Vec<Value> = items
        .into_iter()
        .filter(|i| name(i).starts_with(prefix) && name(i).as_str() > marker)
        .take(limit)
        .collect();
    if param(query, "format") == Some("json") {
        return crate::reply::json(StatusCode::OK, Value::Array(items));
    }
    if items.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let text: String = items.iter().map(|i| name(i) + "\n").collect();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// `PUT`/`HEAD`/`GET`/`DELETE` on an object.
pub async fn object(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, account, container, name)): Path<(String, String, String, String, String)>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(response) = enter(&state, &cloud, &region, &account, &headers).await {
        return response;
    }
    let exists = state
        .storage
        .with(&cloud, &region, |s| s.containers.contains_key(&container));
    if !exists {
        return not_found();
    }
    if method == Method::PUT {
        return put_object(&state, (&cloud, &region, &container, &name), &headers, body).await;
    }
    let found = state.storage.with(&cloud, &region, |store| {
        let objects = &mut store.containers.get_mut(&container)?.objects;
        if method == Method::DELETE {
            objects.remove(&name)
        } else {
            objects.get(&name).cloned()
        }
    });
    let Some(object) = found else {
        return not_found();
    };
    if method == Method::DELETE {
        info!(cloud, region, container, object = name, "object deleted");
        return StatusCode::NO_CONTENT.into_response();
    }
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        object_body(&object.data)
    };
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    put_header(h, "content-length", &object.data.size.to_string());
    put_header(h, "content-type", &object.content_type);
    put_header(h, "etag", &object.data.md5);
    put_header(h, "last-modified", &http_date(object.last_modified));
    put_header(h, "x-timestamp", &format!("{}.00000", object.last_modified));
    for (key, value) in &object.metadata {
        put_header(h, key, value);
    }
    response
}

async fn put_object(
    state: &SimState,
    (cloud, region, container, name): (&str, &str, &str, &str),
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let data = match upload::receive(body).await {
        Ok(data) => data,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Error reading the body: {e}"),
            );
        }
    };
    let header_text = |key: &str| headers.get(key).and_then(|v| v.to_str().ok());
    if let Some(etag) = header_text("etag")
        && !etag.trim_matches('"').eq_ignore_ascii_case(&data.md5)
    {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity");
    }
    let metadata = headers
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("x-object-meta-"))
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let etag = data.md5.clone();
    let object = StoredObject {
        content_type: header_text("content-type")
            .unwrap_or("application/octet-stream")
            .to_string(),
        last_modified: now_unix().0,
        metadata,
        data,
    };
    let size = object.data.size;
    let stored = state.storage.with(cloud, region, |store| {
        let container = store.containers.get_mut(container)?;
        container.objects.insert(name.to_string(), object);
        Some(())
    });
    if stored.is_none() {
        return not_found();
    }
    info!(
        cloud,
        region,
        container,
        object = name,
        size,
        "object stored"
    );
    let mut response = StatusCode::CREATED.into_response();
    put_header(response.headers_mut(), "etag", &etag);
    response
}

/// The object's bytes as far as they were kept: whole when small, else the head, zeros and
/// the tail, streamed.
fn object_body(data: &Received) -> Body {
    if data.is_whole() {
        return Body::from(data.head.clone());
    }
    let head_len = data.head.len() as u64;
    let tail_len = data.tail.len() as u64;
    let middle = data.size.saturating_sub(head_len + tail_len);
    // A body shorter than head + tail overlaps; drop the tail's overlapping start.
    let overlap = usize::try_from((head_len + tail_len).saturating_sub(data.size)).unwrap_or(0);
    let tail = Bytes::from(data.tail.get(overlap..).unwrap_or_default().to_vec());
    let full = middle / ZEROS.len() as u64;
    let rest = usize::try_from(middle % ZEROS.len() as u64).unwrap_or(0);
    let zeros = (0..full)
        .map(|_| Bytes::from_static(&ZEROS))
        .chain(std::iter::once(Bytes::from_static(&ZEROS[..rest])));
    let chunks = std::iter::once(Bytes::from(data.head.clone()))
        .chain(zeros)
        .chain(std::iter::once(tail))
        .map(Ok::<_, std::io::Error>);
    Body::from_stream(futures::stream::iter(chunks))
}

fn put_header(headers: &mut HeaderMap, key: &str, value: &str) {
    if let (Ok(key), Ok(value)) = (
        key.parse::<header::HeaderName>(),
        HeaderValue::from_str(value),
    ) {
        headers.insert(key, value);
    }
}

/// RFC 7231 date: `Wed, 27 Jul 2016 20:53:43 GMT`.
fn http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let text = rfc3339(secs); // YYYY-MM-DDTHH:MM:SSZ
    let month: usize = text.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    let weekday = DAYS[usize::try_from(secs.div_euclid(86_400).rem_euclid(7)).unwrap_or(0)];
    format!(
        "{weekday}, {} {} {} {} GMT",
        text.get(8..10).unwrap_or("01"),
        MONTHS[month.clamp(1, 12) - 1],
        text.get(0..4).unwrap_or("1970"),
        text.get(11..19).unwrap_or("00:00:00"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_name_the_weekday() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_704_067_200), "Mon, 01 Jan 2024 00:00:00 GMT");
    }
}
