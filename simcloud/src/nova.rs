//! Nova (compute v2.1) reads: version discovery, servers (seeded and created, see `views`)
//! and flavors, with nova's marker/limit pagination (`servers_links` / `flavors_links`, page
//! size `min(limit, max_limit)`). Writes live in `nova_write` and `keypairs`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::faults::{self, Access};
use crate::pagination::{self, PageError, QueryPairs, param};
use crate::reply;
use crate::seed::str_field;
use crate::state::SimState;
use crate::views;

/// The newest microversion the simulator speaks (what openstacksdk 4.x asks for).
const MAX_MICROVERSION: (u32, u32) = (2, 96);
/// From 2.75 nova prints `swap: 0` instead of `""` for flavors without swap.
const SWAP_AS_INT: (u32, u32) = (2, 75);

type Loc = Path<(String, String)>;
type Item = Path<(String, String, String)>;

pub(crate) fn compute_url(state: &SimState, cloud: &str, region: &str) -> String {
    format!("{}/{cloud}/{region}/compute/v2.1", state.base_url)
}

fn version_doc(url: &str) -> Value {
    json!({
        "id": "v2.1",
        "status": "CURRENT",
        "version": format!("{}.{}", MAX_MICROVERSION.0, MAX_MICROVERSION.1),
        "min_version": "2.1",
        "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": format!("{url}/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}],
    })
}

/// `GET /{cloud}/{region}/compute[/]`: the version list.
pub async fn root(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = faults::enter(&state, &cloud, &region, &headers, Access::Public).await {
        return response;
    }
    let doc = version_doc(&compute_url(&state, &cloud, &region));
    reply::json(StatusCode::OK, json!({"versions": [doc]}))
}

/// `GET /{cloud}/{region}/compute/v2.1[/]`: the v2.1 version document.
pub async fn version(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = faults::enter(&state, &cloud, &region, &headers, Access::Public).await {
        return response;
    }
    let doc = version_doc(&compute_url(&state, &cloud, &region));
    reply::json(StatusCode::OK, json!({"version": doc}))
}

/// The requested microversion (`OpenStack-API-Version: compute X.Y` or the legacy header),
/// clamped to what the simulator speaks; 2.1 when absent.
pub(crate) fn microversion(headers: &HeaderMap) -> (u32, u32) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let requested = header("openstack-api-version")
        .and_then(|v| {
            v.split(',')
                .filter_map(|part| part.trim().strip_prefix("compute "))
                .next()
        })
        .or_else(|| header("x-openstack-nova-api-version"))
        .map(str::trim);
    let parsed = match requested {
        Some("latest") => Some(MAX_MICROVERSION),
        Some(text) => text
            .split_once('.')
            .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))),
        None => None,
    };
    parsed.unwrap_or((2, 1)).clamp((2, 1), MAX_MICROVERSION)
}

pub(crate) fn with_version(mut response: Response, version: (u32, u32)) -> Response {
    let text = format!("{}.{}", version.0, version.1);
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("compute {text}")) {
        headers.insert("openstack-api-version", v);
    }
    if let Ok(v) = HeaderValue::from_str(&text) {
        headers.insert("x-openstack-nova-api-version", v);
    }
    headers.insert(
        "vary",
        HeaderValue::from_static("OpenStack-API-Version, X-OpenStack-Nova-API-Version"),
    );
    response
}

fn page_error(error: PageError) -> Response {
    reply::nova_error(StatusCode::BAD_REQUEST, "badRequest", &error.to_string())
}

/// Nova's `name` filter is a regular-expression search; literal names behave as substrings.
/// Deleted servers are listed only when asked for (`deleted=true` or `status=DELETED`).
fn server_filter(query: &QueryPairs) -> impl Fn(&Value) -> bool + '_ {
    let asked =
        |key: &str, value: &str| param(query, key).is_some_and(|v| v.eq_ignore_ascii_case(value));
    let show_deleted = asked("deleted", "true") || asked("status", "DELETED");
    move |server| {
        (show_deleted || str_field(server, "status") != "DELETED")
            && param(query, "name").is_none_or(|name| str_field(server, "name").contains(name))
            && param(query, "status")
                .is_none_or(|status| str_field(server, "status").eq_ignore_ascii_case(status))
    }
}

/// One page of `items` as `{"<key>": [...], "<key>_links": [next]}`.
fn list_page(
    state: &SimState,
    items: &[Value],
    key: &str,
    href_path: &str,
    query: &QueryPairs,
    keep: impl Fn(&Value) -> bool,
    render: impl Fn(&Value) -> Value,
) -> Result<Value, PageError> {
    let max = state.page_sizes.nova_max_limit;
    let limit = pagination::parse_limit(query)?.unwrap_or(max).min(max);
    let page = pagination::page(items, param(query, "marker"), limit, keep)?;
    let mut body = json!({ key: page.iter().map(|v| render(v)).collect::<Vec<_>>() });
    if let Some(marker) = pagination::next_marker(&page, limit) {
        let href = format!(
            "{href_path}?{}",
            pagination::next_query(query, limit, marker)
        );
        body[format!("{key}_links")] = json!([{"rel": "next", "href": href}]);
    }
    Ok(body)
}

fn summary(item: &Value) -> Value {
    json!({"id": item["id"], "name": item["name"], "links": item["links"]})
}

/// `GET …/servers/detail` and `GET …/servers`.
async fn servers(
    state: Arc<SimState>,
    cloud: String,
    region: String,
    headers: HeaderMap,
    query: QueryPairs,
    detail: bool,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let version = microversion(&headers);
    let suffix = if detail {
        "/servers/detail"
    } else {
        "/servers"
    };
    let href = format!("{}{suffix}", state.api_base(&cloud, &region, "compute"));
    let render = |v: &Value| if detail { v.clone() } else { summary(v) };
    let all = views::servers(target, &mut target.live.lock());
    let body = list_page(
        &state,
        &all,
        "servers",
        &href,
        &query,
        server_filter(&query),
        render,
    );
    match body {
        Ok(body) => with_version(reply::json(StatusCode::OK, body), version),
        Err(e) => page_error(e),
    }
}

pub async fn servers_detail(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    servers(state, cloud, region, headers, query, true).await
}

pub async fn servers_list(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    servers(state, cloud, region, headers, query, false).await
}

/// `GET …/servers/{id}`.
pub async fn server(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    match views::server(target, &mut target.live.lock(), &id) {
        Some(server) => with_version(
            reply::json(StatusCode::OK, json!({"server": server})),
            microversion(&headers),
        ),
        None => reply::nova_error(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            &format!("Instance {id} could not be found."),
        ),
    }
}

/// A stored flavor as the requested microversion prints it.
fn render_flavor(flavor: &Value, version: (u32, u32)) -> Value {
    let mut flavor = flavor.clone();
    if version < SWAP_AS_INT && flavor["swap"] == json!(0) {
        flavor["swap"] = json!("");
    }
    flavor
}

/// `GET …/flavors/detail` and `GET …/flavors`.
async fn flavors(
    state: Arc<SimState>,
    cloud: String,
    region: String,
    headers: HeaderMap,
    query: QueryPairs,
    detail: bool,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let version = microversion(&headers);
    let suffix = if detail {
        "/flavors/detail"
    } else {
        "/flavors"
    };
    let href = format!("{}{suffix}", state.api_base(&cloud, &region, "compute"));
    let render = |v: &Value| {
        if detail {
            render_flavor(v, version)
        } else {
            json!({"id": v["id"], "name": v["name"], "description": v["description"], "links": v["links"]})
        }
    };
    match list_page(
        &state,
        &target.data.flavors,
        "flavors",
        &href,
        &query,
        |_| true,
        render,
    ) {
        Ok(body) => with_version(reply::json(StatusCode::OK, body), version),
        Err(e) => page_error(e),
    }
}

pub async fn flavors_detail(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    flavors(state, cloud, region, headers, query, true).await
}

pub async fn flavors_list(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    flavors(state, cloud, region, headers, query, false).await
}

/// `GET …/flavors/{id}`.
pub async fn flavor(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let version = microversion(&headers);
    match target
        .data
        .flavors
        .iter()
        .find(|f| str_field(f, "id") == id)
    {
        Some(flavor) => with_version(
            reply::json(
                StatusCode::OK,
                json!({"flavor": render_flavor(flavor, version)}),
            ),
            version,
        ),
        None => reply::nova_error(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            &format!("Flavor {id} could not be found."),
        ),
    }
}

/// `GET …/flavors/{id}/os-extra_specs`.
pub async fn flavor_extra_specs(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    match target
        .data
        .flavors
        .iter()
        .find(|f| str_field(f, "id") == id)
    {
        Some(flavor) => reply::json(
            StatusCode::OK,
            json!({"extra_specs": flavor["extra_specs"]}),
        ),
        None => reply::nova_error(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            &format!("Flavor {id} could not be found."),
        ),
    }
}
