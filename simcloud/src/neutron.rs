//! Neutron v2.0 reads: the version list and every collection (networks, subnets, ports,
//! floating IPs, security groups and rules; writes live in `neutron_write`, `subnets` and
//! `secgroups`). Neutron pages only when the client sends `limit` (or `neutron_max_limit` is
//! configured), with a `<collection>_links` next link.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::faults::{self, Access};
use crate::pagination::{self, PageError, QueryPairs, param};
use crate::reply;
use crate::seed::str_field;
use crate::state::{RegionState, SimState};
use crate::{secgroups, views};

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
    let resources: Vec<Value> = [
        ("network", "networks"),
        ("subnet", "subnets"),
        ("port", "ports"),
        ("floatingip", "floatingips"),
        ("security_group", "security-groups"),
        ("security_group_rule", "security-group-rules"),
    ]
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
pub(crate) enum Collection {
    Networks,
    Subnets,
    Ports,
    FloatingIps,
    SecurityGroups,
    SecurityGroupRules,
}

impl Collection {
    /// Seeded items merged with what clients wrote (see `views`).
    fn items(self, target: &RegionState) -> Vec<Value> {
        let live = target.live.lock();
        match self {
            Collection::Networks => views::networks(target, &live),
            Collection::Subnets => views::subnets(target, &live),
            Collection::Ports => live.ports.clone(),
            Collection::FloatingIps => live.floating_ips.clone(),
            Collection::SecurityGroups => secgroups::render_groups(&live),
            Collection::SecurityGroupRules => live.security_group_rules.clone(),
        }
    }

    /// (collection key, member key, error type name, human name, URL path).
    fn names(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        match self {
            Collection::Networks => (
                "networks",
                "network",
                "NetworkNotFound",
                "Network",
                "networks",
            ),
            Collection::Subnets => ("subnets", "subnet", "SubnetNotFound", "Subnet", "subnets"),
            Collection::Ports => ("ports", "port", "PortNotFound", "Port", "ports"),
            Collection::FloatingIps => (
                "floatingips",
                "floatingip",
                "FloatingIPNotFound",
                "Floating IP",
                "floatingips",
            ),
            Collection::SecurityGroups => (
                "security_groups",
                "security_group",
                "SecurityGroupNotFound",
                "Security group",
                "security-groups",
            ),
            Collection::SecurityGroupRules => (
                "security_group_rules",
                "security_group_rule",
                "SecurityGroupRuleNotFound",
                "Security group rule",
                "security-group-rules",
            ),
        }
    }

    pub(crate) fn not_found(self, id: &str) -> Response {
        let (_, _, kind, human, _) = self.names();
        reply::neutron_error(
            StatusCode::NOT_FOUND,
            kind,
            &format!("{human} {id} could not be found."),
        )
    }
}

pub(crate) async fn list(
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
    let items = collection.items(target);
    let page = match pagination::page(
        &items,
        param(query, "marker"),
        limit.unwrap_or(usize::MAX),
        keep,
    ) {
        Ok(page) => page,
        // Neutron looks the marker up as a resource: an unknown one is that resource's 404.
        Err(PageError::MarkerNotFound(marker)) => return collection.not_found(&marker),
        Err(e) => return page_error(e),
    };
    let (key, _, _, _, path) = collection.names();
    let mut body = json!({ key: page });
    if let Some(limit) = limit {
        let href = format!("{}/{path}", state.api_base(cloud, region, "network"));
        let links: Vec<Value> = pagination::next_marker(&page, limit)
            .map(|next| json!({"rel": "next", "href": format!("{href}?{}", pagination::next_query(query, limit, next))}))
            .into_iter()
            .collect();
        body[format!("{key}_links")] = Value::Array(links);
    }
    reply::json(StatusCode::OK, body)
}

pub(crate) async fn show(
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
    let (_, member, _, _, _) = collection.names();
    match collection
        .items(target)
        .iter()
        .find(|n| str_field(n, "id") == id)
    {
        Some(item) => reply::json(StatusCode::OK, json!({ member: item })),
        None => collection.not_found(id),
    }
}
