//! The write RPCs of `oaktree.v1.CloudService` (create, attach, delete of floating IPs,
//! keypairs, security groups and rules, subnets and volumes), delegated to from
//! [`super::cloud_service`].
//!
//! Each one: convert and validate the request → [`Federation::write`] at its one location →
//! stamp the answer's Location and convert back. Failures go through the one Error → Status
//! mapping.

use std::future::Future;
use std::sync::Arc;

use tokio::time::Instant;
use tonic::Status;

use super::convert::cloud_region;
use super::convert_resources as convert;
use crate::federation::Federation;
use crate::federation::write::{self, Write};
use crate::plugin::{CallError, DriverCall};
use crate::proto;

pub async fn create_floating_ip(
    federation: &Arc<Federation>,
    deadline: Instant,
    request: proto::CreateFloatingIpRequest,
) -> Result<proto::CreateFloatingIpResponse, Status> {
    let at = convert::write_location(request.location);
    let spec = convert::floating_ip_create(request.floating_ip);
    let written = federation
        .write(
            &at,
            write::CREATE_FLOATING_IP,
            deadline,
            move |call| async move { call.create_floating_ip(&spec).await },
        )
        .await?;
    Ok(proto::CreateFloatingIpResponse {
        floating_ip: Some(convert::floating_ip(written.located(|f| &f.placement))),
    })
}

pub async fn attach_floating_ip(
    federation: &Arc<Federation>,
    deadline: Instant,
    request: proto::AttachFloatingIpRequest,
) -> Result<proto::AttachFloatingIpResponse, Status> {
    let at = convert::write_location(request.location);
    let id = convert::id("id", request.id, "floating IP")?;
    let server_id = convert::id("server_id", request.server_id, "server")?;
    let written = federation
        .write(
            &at,
            write::ATTACH_FLOATING_IP,
            deadline,
            move |call| async move { call.attach_floating_ip(&id, &server_id).await },
        )
        .await?;
    Ok(proto::AttachFloatingIpResponse {
        floating_ip: Some(convert::floating_ip(written.located(|f| &f.placement))),
    })
}

pub async fn create_keypair(
    federation: &Arc<Federation>,
    deadline: Instant,
    request: proto::CreateKeypairRequest,
) -> Result<proto::CreateKeypairResponse, Status> {
    let at = convert::write_location(request.location);
    let spec = convert::keypair_create(request.keypair)?;
    let imported = spec.public_key.is_some();
    let written = federation
        .write(
            &at,
            write::CREATE_KEYPAIR,
            deadline,
            move |call| async move { call.create_keypair(&spec).await },
        )
        .await?;
    let mut keypair = written.located(|k| &k.placement);
    if imported {
        // The contract: a private key only when the cloud generated it.
        keypair.resource.private_key = None;
    }
    Ok(proto::CreateKeypairResponse {
        keypair: Some(convert::keypair(keypair)),
    })
}

pub async fn create_security_group(
    federation: &Arc<Federation>,
    deadline: Instant,
    request: proto::CreateSecurityGroupRequest,
) -> Result<proto::CreateSecurityGroupResponse, Status> {
    let at = convert::write_location(request.location);
    let spec = convert::security_group_create(request.security_group)?;
    let written = federation
        .write(
            &at,
            write::CREATE_SECURITY_GROUP,
            deadline,
            move |call| async move { call.create_security_group(&spec).await },
        )
        .await?;
    Ok(proto::CreateSecurityGroupResponse {
        security_group: Some(convert::security_group(written.located(|g| &g.placement))),
    })
}

pub async fn create_security_group_rule(
    federation: &Arc<Federation>,
    deadline: Instant,
    request: proto::CreateSecurityGroupRuleRequest,
) -> Result<proto::CreateSecurityGroupRuleResponse, Status> {
    let at = convert::write_location(request.location);
    let spec = convert::security_group_rule_create(request.rule)?;
    let written = federation
        .write(
            &at,
            write::CREATE_SECURITY_GROUP_RULE,
            deadline,
            move |call| async move { call.create_security_group_rule(&spec).await },
        )
        .await?;
    Ok(proto::CreateSecurityGroupRuleResponse {
        rule: Some(convert::located_rule(written.at_target())),
    })
}

pub async fn create_subnet(
    federation: &Arc<Federation>,
    deadline: Instant,
    request: proto::CreateSubnetRequest,
) -> Result<proto::CreateSubnetResponse, Status> {
    let at = convert::write_location(request.location);
    let spec = convert::subnet_create(request.subnet)?;
    let written = federation
        .write(
            &at,
            write::CREATE_SUBNET,
            deadline,
            move |call| async move { call.create_subnet(&spec).await },
        )
        .await?;
    Ok(proto::CreateSubnetResponse {
        subnet: Some(convert::subnet(written.located(|s| &s.placement))),
    })
}

pub async fn create_volume(
    federation: &Arc<Federation>,
    deadline: Instant,
    request: proto::CreateVolumeRequest,
) -> Result<proto::CreateVolumeResponse, Status> {
    let at = convert::write_location(request.location);
    let spec = convert::volume_create(request.volume)?;
    let written = federation
        .write(
            &at,
            write::CREATE_VOLUME,
            deadline,
            move |call| async move { call.create_volume(&spec).await },
        )
        .await?;
    Ok(proto::CreateVolumeResponse {
        volume: Some(convert::volume(written.located(|v| &v.placement))),
    })
}

/// One Delete* RPC per kind: its write, its noun and its driver function.
macro_rules! deletes {
    ($($name:ident => $write:ident, $noun:literal;)*) => {
        $(
            pub async fn $name(
                federation: &Arc<Federation>,
                deadline: Instant,
                request: proto::DeleteRequest,
            ) -> Result<proto::DeleteResponse, Status> {
                delete(federation, deadline, request, write::$write, $noun, |call, id| async move {
                    call.$name(&id).await
                })
                .await
            }
        )*
    };
}

deletes! {
    delete_floating_ip => DELETE_FLOATING_IP, "floating IP";
    delete_keypair => DELETE_KEYPAIR, "keypair";
    delete_security_group => DELETE_SECURITY_GROUP, "security group";
    delete_security_group_rule => DELETE_SECURITY_GROUP_RULE, "security group rule";
    delete_subnet => DELETE_SUBNET, "subnet";
    delete_volume => DELETE_VOLUME, "volume";
}

/// Deletes one resource by id at one location.
async fn delete<F, Fut>(
    federation: &Arc<Federation>,
    deadline: Instant,
    request: proto::DeleteRequest,
    write: Write,
    noun: &str,
    run: F,
) -> Result<proto::DeleteResponse, Status>
where
    F: FnOnce(DriverCall, String) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), CallError>> + Send + 'static,
{
    let at = convert::write_location(request.location);
    let id = convert::id("id", request.id, noun)?;
    let asked = id.clone();
    let written = federation
        .write(&at, write, deadline, move |call| run(call, asked))
        .await?;
    Ok(proto::DeleteResponse {
        location: Some(cloud_region(&written.target.at)),
        id,
    })
}
