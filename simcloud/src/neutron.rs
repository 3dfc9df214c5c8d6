//! Neutron v2.0: the version list, networks and subnets. Neutron pages only when the client sends
//! `limit` (or `neutron_max_limit` is configured), with a `networks_links` next link.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::faults::{self, Access};
use crate::pagination::{self, PageError, QueryPairs, param};
use crate::reply;
use crate::seed::{RegionData, str_field};
use crate::state::SimState;

/// Query keys that steer the listing rather than filter it.
const NON_FILTERS: [&str; 6] = [
    "limit",
    "marker",
    "fields",
    "sort_key",
    "sort_dir",
    "page_reverse",
];

type Loc = Path<(String, String)>;
type Item = Path<(String, String, String)>;

fn network_root(state: &SimState, cloud: &str, region: &str) -> String {
    format!("{}/{cloud}/{region}/network", state.base_url)
}

/// `GET /{cloud}/{region}/network[/]`: the version list, never authenticated.
pub async fn versions(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = faults::enter(&state, &cloud, &region, &headers, Access::Public).await {
        return response;
    }
    let href = format!("{}/v2.0/", network_root(&state, &cloud, &region));
    reply::json(
        StatusCode::OK,
        json!({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [{"rel": "self", "href": href}]}]}),
    )
}

/// `GET /{cloud}/{region}/network/v2.0[/]`: the resource list of the v2.0 API.
pub async fn resources(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        return response;
    }
    let root = network_root(&state, &cloud, &region);
    let resources: Vec<Value> = [("network", "networks"), ("subnet", "subnets")]
        .iter()
        .map(|(name, collection)| {
            let href = format!("{root}/v2.0/{collection}");
            json!({"name": name, "collection": collection, "links": [{"rel": "self", "href": href}]})
        })
        .collect();
    reply::json(StatusCode::OK, json!({ "resources": resources }))
}

/// Neutron filters compare the field's printed value (`True`/`true` both match a boolean).
fn matches(network: &Value, key: &str, wanted: &str) -> bool {
    match network.get(key) {
        Some(Value::String(s)) => s == wanted,
        Some(Value::Bool(b)) => wanted.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Some(Value::Array(list)) => list.iter().any(|v| v.as_str() == Some(wanted)),
        Some(other) => *other.to_string() == *wanted,
        None => false,
    }
}

fn page_error(error: PageError) -> Response {
    reply::neutron_error(StatusCode::BAD_REQUEST, "BadRequest", &error.to_string())
}

/// `GET /{cloud}/{region}/network/v2.0/networks`.
pub async fn networks(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    list(
        &state,
        &cloud,
        &region,
        &headers,
        &query,
        Collection::Networks,
    )
    .await
}

/// `GET /{cloud}/{region}/network/v2.0/subnets`.
pub async fn subnets(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    Query(query): Query<QueryPairs>,
) -> Response {
    list(
        &state,
        &cloud,
        &region,
        &headers,
        &query,
        Collection::Subnets,
    )
    .await
}

/// `GET /{cloud}/{region}/network/v2.0/networks/{id}`.
pub async fn network(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    show(&state, &cloud, &region, &headers, &id, Collection::Networks).await
}

/// `GET /{cloud}/{region}/network/v2.0/subnets/{id}`.
pub async fn subnet(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, id)): Item,
    headers: HeaderMap,
) -> Response {
    show(&state, &cloud, &region, &headers, &id, Collection::Subnets).await
}

/// The neutron collections the simulator serves.
#[derive(Debug, Clone, Copy)]
enum Collection {
    Networks,
    Subnets,
}

impl Collection {
    fn items(self, data: &RegionData) -> &[Value] {
        match self {
            Collection::Networks => &data.networks,
            Collection::Subnets => &data.subnets,
        }
    }

    /// (collection key, member key, error type name, human name).
    fn names(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Collection::Networks => ("networks", "network", "NetworkNotFound", "Network"),
            Collection::Subnets => ("subnets", "subnet", "SubnetNotFound", "Subnet"),
        }
    }

    fn not_found(self, id: &str) -> Response {
        let (_, _, kind, human) = self.names();
        reply::neutron_error(
            StatusCode::NOT_FOUND,
            kind,
            &format!("{human} {id} could not be found."),
        )
    }
}

async fn list(
    state: &SimState,
    cloud: &str,
    region: &str,
    headers: &HeaderMap,
    query: &QueryPairs,
    collection: Collection,
) -> Response {
    let target = match faults::enter(state, cloud, region, headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let requested = match pagination::parse_limit(query) {
        Ok(limit) => limit,
        Err(e) => return page_error(e),
    };
    let max = state.page_sizes.neutron_max_limit;
    let limit = match (requested, max) {
        (Some(l), Some(m)) => Some(l.min(m)),
        (Some(l), None) => Some(l),
        (None, m) => m,
    };
    let keep = |item: &Value| {
        query
            .iter()
            .filter(|(k, _)| !NON_FILTERS.contains(&k.as_str()))
            .all(|(k, v)| matches(item, k, v))
    };
    let items = collection.items(&target.data);
    let page = match pagination::page(
        items,
        param(query, "marker"),
        limit.unwrap_or(usize::MAX),
        keep,
    ) {
        Ok(page) => page,
        // Neutron looks the marker up as a resource: an unknown one is that resource's 404.
        Err(PageError::MarkerNotFound(marker)) => return collection.not_found(&marker),
        Err(e) => return page_error(e),
    };
    let (key, _, _, _) = collection.names();
    let mut body = json!({ key: page });
    if let Some(limit) = limit {
        let href = format!("{}/v2.0/{key}", network_root(state, cloud, region));
        let links: Vec<Value> = pagination::next_marker(&page, limit)
            .map(|next| json!({"rel": "next", "href": format!("{href}?{}", pagination::next_query(query, limit, next))}))
            .into_iter()
            .collect();
        body[format!("{key}_links")] = Value::Array(links);
    }
    reply::json(StatusCode::OK, body)
}

async fn show(
    state: &SimState,
    cloud: &str,
    region: &str,
    headers: &HeaderMap,
    id: &str,
    collection: Collection,
) -> Response {
    let target = match faults::enter(state, cloud, region, headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let (_, member, _, _) = collection.names();
    match collection
        .items(&target.data)
        .iter()
        .find(|n| str_field(n, "id") == id)
    {
        Some(item) => reply::json(StatusCode::OK, json!({ member: item })),
        None => collection.not_found(id),
    }
}
