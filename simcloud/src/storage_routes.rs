//! Routes of the write paths and vendor extras, merged into the main router (`app`):
//!
//! - `/{cloud}/identity/v2.0[/tokens[/{id}]]` — keystone v2.0 (Rackspace clouds)
//! - `/{cloud}/{region}/image/v2/images[/{id}[/file]]` — glance create, update, upload, delete
//! - `/{cloud}/{region}/image/v2/tasks[/{id}]` — glance import tasks (Rackspace clouds)
//! - `/{cloud}/{region}/swift/info`, `/{cloud}/{region}/swift/v1/AUTH_{project}[/{container}[/{object}]]`
//!   — swift

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post, put};

use crate::state::SimState;
use crate::{glance_patch, glance_write, keystone_v2, swift, tasks};

pub fn router() -> Router<Arc<SimState>> {
    let image = "/{cloud}/{region}/image/v2";
    let swift = "/{cloud}/{region}/swift";
    let account = format!("{swift}/v1/{{account}}");
    Router::new()
        .route("/{cloud}/identity/v2.0", get(keystone_v2::version))
        .route("/{cloud}/identity/v2.0/", get(keystone_v2::version))
        .route("/{cloud}/identity/v2.0/tokens", post(keystone_v2::issue))
        .route(
            "/{cloud}/identity/v2.0/tokens/{id}",
            get(keystone_v2::validate),
        )
        .route(&format!("{image}/images"), post(glance_write::create))
        .route(
            &format!("{image}/images/{{id}}"),
            axum::routing::delete(glance_write::delete).patch(glance_patch::patch),
        )
        .route(
            &format!("{image}/images/{{id}}/file"),
            put(glance_write::upload),
        )
        .route(
            &format!("{image}/tasks"),
            get(tasks::list).post(tasks::create),
        )
        .route(&format!("{image}/tasks/{{id}}"), get(tasks::show))
        .route(&format!("{swift}/info"), get(swift::info))
        .route(&account, get(swift::account).head(swift::account))
        .route(
            &format!("{account}/{{container}}"),
            get(swift::container)
                .head(swift::container)
                .put(swift::container)
                .delete(swift::container),
        )
        .route(
            &format!("{account}/{{container}}/{{*object}}"),
            get(swift::object)
                .head(swift::object)
                .put(swift::object)
                .delete(swift::object),
        )
}
