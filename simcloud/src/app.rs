//! The URL layout: one axum router for every cloud and region, by path prefix.
//!
//! - `/{cloud}/identity[/v3[/auth/tokens]]` — keystone
//! - `/{cloud}/{region}/compute[/v2.1/…]` — nova
//! - `/{cloud}/{region}/image[/v2/images[/{id}]]` — glance
//! - `/{cloud}/{region}/network[/v2.0/{networks,subnets}[/{id}]]` — neutron
//! - `/jsoncloud/{cloud}/{region}/v1/…` — a simple non-OpenStack JSON API (see `jsoncloud`)
//! - writes (nova, neutron, cinder `/{cloud}/{region}/volume/v3/{project_id}/…`) — see `write_routes`
//! - `/_admin/…` — the simulator's own controls
//!
//! Requests pass `endpoints::rewrite` before routing (project-scoped catalogs).

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::state::SimState;
use crate::{admin, endpoints, glance, keystone, neutron, nova, reply};

pub fn router(state: Arc<SimState>) -> Router {
    let compute = "/{cloud}/{region}/compute/v2.1";
    let image = "/{cloud}/{region}/image";
    let network = "/{cloud}/{region}/network";
    let routes = Router::new()
        .route("/{cloud}/identity", get(keystone::versions))
        .route("/{cloud}/identity/", get(keystone::versions))
        .route("/{cloud}/identity/v3", get(keystone::version))
        .route("/{cloud}/identity/v3/", get(keystone::version))
        .route(
            "/{cloud}/identity/v3/auth/tokens",
            get(keystone::validate).post(keystone::issue),
        )
        .route("/{cloud}/{region}/compute", get(nova::root))
        .route("/{cloud}/{region}/compute/", get(nova::root))
        .route(compute, get(nova::version))
        .route(&format!("{compute}/"), get(nova::version))
        .route(&format!("{compute}/servers"), get(nova::servers_list))
        .route(
            &format!("{compute}/servers/detail"),
            get(nova::servers_detail),
        )
        .route(&format!("{compute}/servers/{{id}}"), get(nova::server))
        .route(&format!("{compute}/flavors"), get(nova::flavors_list))
        .route(
            &format!("{compute}/flavors/detail"),
            get(nova::flavors_detail),
        )
        .route(&format!("{compute}/flavors/{{id}}"), get(nova::flavor))
        .route(
            &format!("{compute}/flavors/{{id}}/os-extra_specs"),
            get(nova::flavor_extra_specs),
        )
        .route(image, get(glance::versions))
        .route(&format!("{image}/"), get(glance::versions))
        .route(&format!("{image}/v2/images"), get(glance::images))
        .route(&format!("{image}/v2/images/{{id}}"), get(glance::image))
        .route(network, get(neutron::versions))
        .route(&format!("{network}/"), get(neutron::versions))
        .route(&format!("{network}/v2.0"), get(neutron::resources))
        .route(&format!("{network}/v2.0/"), get(neutron::resources))
        .route(&format!("{network}/v2.0/networks"), get(neutron::networks))
        .route(
            &format!("{network}/v2.0/networks/{{id}}"),
            get(neutron::network),
        )
        .route(&format!("{network}/v2.0/subnets"), get(neutron::subnets))
        .route(
            &format!("{network}/v2.0/subnets/{{id}}"),
            get(neutron::subnet),
        )
        .route("/_admin/stats", get(admin::stats))
        .route(
            "/_admin/clouds/{cloud}/regions/{region}",
            get(admin::get_region).put(admin::set_region),
        )
        .merge(crate::storage_routes::router())
        .merge(crate::jsoncloud::routes())
        .merge(crate::write_routes::router())
        .route(
            &format!("{}/{{*path}}", endpoints::UNSCOPED),
            axum::routing::any(endpoints::unscoped),
        )
        .fallback(reply::not_found)
        .with_state(state.clone());
    // An outer router whose only route is the fallback: its layer runs before the inner
    // router matches, so a rewritten path is routed as rewritten.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::map_request_with_state(
            state,
            endpoints::rewrite,
        ))
}
