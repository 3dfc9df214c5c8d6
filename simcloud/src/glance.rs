//! Glance v2 reads: the unversioned version list (300) and images (seeded, then created; see
//! `store`), with glance's pagination
//! (default page `glance_default_limit`, cap `glance_max_limit`, body `next` relative to the
//! image endpoint root: `/v2/images?limit=N&marker=ID`).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::faults::{self, Access};
use crate::pagination::{self, PageError, QueryPairs, param};
use crate::reply;
use crate::seed::str_field;
use crate::state::SimState;

/// Query keys glance treats as exact-match filters on image fields.
const FILTERS: [&str; 5] = ["name", "visibility", "status", "owner", "disk_format"];

/// `GET /{cloud}/{region}/image[/]`: 300 with the supported versions, never authenticated.
pub async fn versions(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = faults::enter(&state, &cloud, &region, &headers, Access::Public).await {
        return response;
    }
    let href = format!("{}/{cloud}/{region}/image/v2/", state.base_url);
    let versions: Vec<Value> = [("v2.16", "CURRENT"), ("v2.15", "SUPPORTED"), ("v2.0", "SUPPORTED")]
        .iter()
        .map(|(id, status)| json!({"id": id, "status": status, "links": [{"rel": "self", "href": href}]}))
        .collect();
    reply::json(
        StatusCode::MULTIPLE_CHOICES,
        json!({ "versions": versions }),
    )
}

fn page_error(error: PageError) -> Response {
    let message = match &error {
        PageError::MarkerNotFound(marker) => format!("marker [{marker}] not found"),
        PageError::BadLimit(_) => error.to_string(),
    };
    reply::glance_error(StatusCode::BAD_REQUEST, &message)
}

/// `GET /{cloud}/{region}/image/v2/images`.
pub async fn images(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let sizes = state.page_sizes;
    let limit = match pagination::parse_limit(&query) {
        Ok(limit) => limit
            .unwrap_or(sizes.glance_default_limit)
            .min(sizes.glance_max_limit),
        Err(e) => return page_error(e),
    };
    let keep = |image: &Value| {
        FILTERS
            .iter()
            .all(|key| param(&query, key).is_none_or(|wanted| str_field(image, key) == wanted))
    };
    let images = state.storage.with(&cloud, &region, |store| {
        store.images.list(&target.data.images)
    });
    let page = match pagination::page(&images, param(&query, "marker"), limit, keep) {
        Ok(page) => page,
        Err(e) => return page_error(e),
    };
    let filters: Vec<(&str, String)> = query
        .iter()
        .filter(|(k, _)| k != "marker")
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let first = if filters.is_empty() {
        "/v2/images".to_string()
    } else {
        format!("/v2/images?{}", pagination::encode(&filters))
    };
    let mut body = json!({
        "images": page,
        "first": first,
        "schema": "/v2/schemas/images",
    });
    if let Some(marker) = pagination::next_marker(&page, limit) {
        body["next"] = json!(format!(
            "/v2/images?{}",
            pagination::next_query(&query, limit, marker)
        ));
    }
    reply::json(StatusCode::OK, body)
}

/// `GET /{cloud}/{region}/image/v2/images/{id}`.
pub async fn image(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let image = state.storage.with(&cloud, &region, |store| {
        store.images.get(&target.data.images, &id)
    });
    match image {
        Some(image) => reply::json(StatusCode::OK, image),
        None => reply::glance_error(
            StatusCode::NOT_FOUND,
            &format!("No image found with ID {id}"),
        ),
    }
}
