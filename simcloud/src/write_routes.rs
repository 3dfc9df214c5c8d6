//! Routes of the write APIs (nova servers and keypairs, neutron ports, floating IPs,
//! security groups and subnets, cinder volumes) and their admin controls, merged into the
//! main router by `app` (methods are merged onto the read routes of the same paths).
//!
//! - `/{cloud}/{region}/compute/v2.1/servers` POST, `…/servers/{id}` DELETE
//! - `/{cloud}/{region}/compute/v2.1/os-keypairs[/{name}]`
//! - `/{cloud}/{region}/network/v2.0/{ports,floatingips,security-groups,security-group-rules}[/{id}]`
//! - `/{cloud}/{region}/network/v2.0/subnets` POST, `…/subnets/{id}` DELETE
//! - `/{cloud}/{region}/volume[/v3[/{project_id}[/volumes[/detail|/{id}]]]]`
//! - `/_admin/clouds/{cloud}/regions/{region}/lifecycle`

use std::sync::Arc;

use axum::Router;
use axum::routing::{delete, get, post};

use crate::state::SimState;
use crate::{admin_lifecycle, cinder, keypairs, neutron_write, nova_write, secgroups, subnets};

pub fn router() -> Router<Arc<SimState>> {
    let compute = "/{cloud}/{region}/compute/v2.1";
    let network = "/{cloud}/{region}/network/v2.0";
    let volume = "/{cloud}/{region}/volume";
    let volumes = "/{cloud}/{region}/volume/v3/{project}/volumes";
    Router::new()
        .route(
            &format!("{compute}/servers"),
            post(nova_write::create_server),
        )
        .route(
            &format!("{compute}/servers/{{id}}"),
            delete(nova_write::delete_server),
        )
        .route(
            &format!("{compute}/os-keypairs"),
            get(keypairs::list).post(keypairs::create),
        )
        .route(
            &format!("{compute}/os-keypairs/{{id}}"),
            get(keypairs::show).delete(keypairs::delete),
        )
        .route(&format!("{network}/ports"), get(neutron_write::ports))
        .route(&format!("{network}/ports/{{id}}"), get(neutron_write::port))
        .route(
            &format!("{network}/floatingips"),
            get(neutron_write::floating_ips).post(neutron_write::create_floating_ip),
        )
        .route(
            &format!("{network}/floatingips/{{id}}"),
            get(neutron_write::floating_ip)
                .put(neutron_write::update_floating_ip)
                .delete(neutron_write::delete_floating_ip),
        )
        .route(
            &format!("{network}/security-groups"),
            get(neutron_write::security_groups).post(secgroups::create_group),
        )
        .route(
            &format!("{network}/security-groups/{{id}}"),
            get(neutron_write::security_group).delete(secgroups::delete_group),
        )
        .route(
            &format!("{network}/security-group-rules"),
            get(neutron_write::security_group_rules).post(secgroups::create_rule),
        )
        .route(
            &format!("{network}/security-group-rules/{{id}}"),
            get(neutron_write::security_group_rule).delete(secgroups::delete_rule),
        )
        .route(&format!("{network}/subnets"), post(subnets::create_subnet))
        .route(
            &format!("{network}/subnets/{{id}}"),
            delete(subnets::delete_subnet),
        )
        .route(volume, get(cinder::versions))
        .route(&format!("{volume}/"), get(cinder::versions))
        .route(&format!("{volume}/v3"), get(cinder::version))
        .route(&format!("{volume}/v3/"), get(cinder::version))
        .route(&format!("{volume}/v3/{{project}}"), get(cinder::version))
        .route(volumes, get(cinder::list).post(cinder::create))
        .route(&format!("{volumes}/detail"), get(cinder::detail))
        .route(
            &format!("{volumes}/{{id}}"),
            get(cinder::show).delete(cinder::delete),
        )
        .route(
            "/_admin/clouds/{cloud}/regions/{region}/lifecycle",
            get(admin_lifecycle::get_lifecycle).put(admin_lifecycle::set_lifecycle),
        )
}
