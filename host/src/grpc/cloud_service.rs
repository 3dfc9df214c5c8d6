//! `oaktree.v1.CloudService`: validate → convert → federation → convert back.
//!
//! The read RPCs of the nine kinds share three generic shapes (list, stream, get); each trait
//! method only names its kind and its message conversions (the shapes are in
//! [`super::resource_reads`]). The write RPCs (one location each) delegate to
//! [`super::resource_writes`].

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use tonic::{Request, Response, Status};

use super::bounds::Bounded;
use super::convert_resources as convert_more;
use super::resource_writes as writes;
use super::{convert, deadline};
use crate::federation::Federation;
use crate::federation::kinds::{
    Flavors, FloatingIps, Images, Keypairs, Networks, SecurityGroups, Servers, Subnets, Volumes,
};
use crate::federation::selector::resolve;
use crate::operations::idempotency::{self, Idempotency};
use crate::proto::cloud_service_server::CloudService;
use crate::proto::{
    self, flavor_event, floating_ip_event, image_event, keypair_event, network_event,
    security_group_event, server_event, subnet_event, volume_event,
};

pub type EventStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

pub struct CloudApi {
    pub(super) federation: Arc<Federation>,
    idempotency: Arc<Idempotency>,
}

impl CloudApi {
    pub fn new(federation: Arc<Federation>, idempotency: Arc<Idempotency>) -> Self {
        Self {
            federation,
            idempotency,
        }
    }

    /// Admits a call: its request within [`super::bounds`], and its deadline (capped by the
    /// daemon's maximum).
    pub(super) fn admit<T: Bounded>(
        &self,
        request: &Request<T>,
    ) -> Result<tokio::time::Instant, Status> {
        request.get_ref().check_bounds()?;
        let settings = self.federation.settings();
        Ok(deadline::call_deadline(
            request.metadata(),
            settings.default_deadline,
            settings.max_deadline,
        ))
    }

    /// Runs a create once per `request_id` (see [`Idempotency`]).
    async fn create_once<M, T, Fut>(
        &self,
        method: &'static str,
        request: Request<M>,
        request_id: fn(&M) -> &str,
        create: impl FnOnce(Arc<Federation>, tokio::time::Instant, M) -> Fut,
    ) -> Result<Response<T>, Status>
    where
        M: Bounded + std::fmt::Debug,
        T: Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<T, Status>>,
    {
        let deadline = self.admit(&request)?;
        let request = request.into_inner();
        let id = request_id(&request).to_owned();
        // These requests have no maps, so their Debug form is stable.
        let fingerprint = idempotency::fingerprint(&request);
        self.idempotency
            .run(method, "request_id", &id, fingerprint, || {
                create(self.federation.clone(), deadline, request)
            })
            .await
            .map(Response::new)
    }
}

#[tonic::async_trait]
impl CloudService for CloudApi {
    async fn list_images(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<proto::ListImagesResponse>, Status> {
        let (images, statuses) = self.list::<Images, _>(request, convert::image).await?;
        Ok(Response::new(proto::ListImagesResponse {
            images,
            statuses,
        }))
    }

    type StreamImagesStream = EventStream<proto::ImageEvent>;
    async fn stream_images(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<Self::StreamImagesStream>, Status> {
        self.stream::<Images, _>(
            request,
            |i| proto::ImageEvent {
                event: Some(image_event::Event::Image(convert::image(i))),
            },
            |s| proto::ImageEvent {
                event: Some(image_event::Event::Status(s)),
            },
        )
    }

    async fn get_image(
        &self,
        request: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetImageResponse>, Status> {
        let (image, statuses) = self.get::<Images, _>(request, convert::image).await?;
        Ok(Response::new(proto::GetImageResponse {
            image: Some(image),
            statuses,
        }))
    }

    async fn list_flavors(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<proto::ListFlavorsResponse>, Status> {
        let (flavors, statuses) = self.list::<Flavors, _>(request, convert::flavor).await?;
        Ok(Response::new(proto::ListFlavorsResponse {
            flavors,
            statuses,
        }))
    }

    type StreamFlavorsStream = EventStream<proto::FlavorEvent>;
    async fn stream_flavors(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<Self::StreamFlavorsStream>, Status> {
        self.stream::<Flavors, _>(
            request,
            |f| proto::FlavorEvent {
                event: Some(flavor_event::Event::Flavor(convert::flavor(f))),
            },
            |s| proto::FlavorEvent {
                event: Some(flavor_event::Event::Status(s)),
            },
        )
    }

    async fn get_flavor(
        &self,
        request: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetFlavorResponse>, Status> {
        let (flavor, statuses) = self.get::<Flavors, _>(request, convert::flavor).await?;
        Ok(Response::new(proto::GetFlavorResponse {
            flavor: Some(flavor),
            statuses,
        }))
    }

    async fn list_servers(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<proto::ListServersResponse>, Status> {
        let (servers, statuses) = self.list::<Servers, _>(request, convert::server).await?;
        Ok(Response::new(proto::ListServersResponse {
            servers,
            statuses,
        }))
    }

    type StreamServersStream = EventStream<proto::ServerEvent>;
    async fn stream_servers(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<Self::StreamServersStream>, Status> {
        self.stream::<Servers, _>(
            request,
            |v| proto::ServerEvent {
                event: Some(server_event::Event::Server(convert::server(v))),
            },
            |s| proto::ServerEvent {
                event: Some(server_event::Event::Status(s)),
            },
        )
    }

    async fn get_server(
        &self,
        request: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetServerResponse>, Status> {
        let (server, statuses) = self.get::<Servers, _>(request, convert::server).await?;
        Ok(Response::new(proto::GetServerResponse {
            server: Some(server),
            statuses,
        }))
    }

    async fn list_networks(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<proto::ListNetworksResponse>, Status> {
        let (networks, statuses) = self.list::<Networks, _>(request, convert::network).await?;
        Ok(Response::new(proto::ListNetworksResponse {
            networks,
            statuses,
        }))
    }

    type StreamNetworksStream = EventStream<proto::NetworkEvent>;
    async fn stream_networks(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<Self::StreamNetworksStream>, Status> {
        self.stream::<Networks, _>(
            request,
            |n| proto::NetworkEvent {
                event: Some(network_event::Event::Network(convert::network(n))),
            },
            |s| proto::NetworkEvent {
                event: Some(network_event::Event::Status(s)),
            },
        )
    }

    async fn get_network(
        &self,
        request: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetNetworkResponse>, Status> {
        let (network, statuses) = self.get::<Networks, _>(request, convert::network).await?;
        Ok(Response::new(proto::GetNetworkResponse {
            network: Some(network),
            statuses,
        }))
    }

    async fn list_floating_i_ps(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<proto::ListFloatingIPsResponse>, Status> {
        let (floating_ips, statuses) = self
            .list::<FloatingIps, _>(request, convert_more::floating_ip)
            .await?;
        Ok(Response::new(proto::ListFloatingIPsResponse {
            floating_ips,
            statuses,
        }))
    }

    type StreamFloatingIPsStream = EventStream<proto::FloatingIpEvent>;
    async fn stream_floating_i_ps(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<Self::StreamFloatingIPsStream>, Status> {
        self.stream::<FloatingIps, _>(
            request,
            |item| proto::FloatingIpEvent {
                event: Some(floating_ip_event::Event::FloatingIp(
                    convert_more::floating_ip(item),
                )),
            },
            |s| proto::FloatingIpEvent {
                event: Some(floating_ip_event::Event::Status(s)),
            },
        )
    }

    async fn get_floating_ip(
        &self,
        request: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetFloatingIpResponse>, Status> {
        let (floating_ip, statuses) = self
            .get::<FloatingIps, _>(request, convert_more::floating_ip)
            .await?;
        Ok(Response::new(proto::GetFloatingIpResponse {
            floating_ip: Some(floating_ip),
            statuses,
        }))
    }

    async fn list_keypairs(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<proto::ListKeypairsResponse>, Status> {
        let (keypairs, statuses) = self
            .list::<Keypairs, _>(request, convert_more::keypair)
            .await?;
        Ok(Response::new(proto::ListKeypairsResponse {
            keypairs,
            statuses,
        }))
    }

    type StreamKeypairsStream = EventStream<proto::KeypairEvent>;
    async fn stream_keypairs(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<Self::StreamKeypairsStream>, Status> {
        self.stream::<Keypairs, _>(
            request,
            |item| proto::KeypairEvent {
                event: Some(keypair_event::Event::Keypair(convert_more::keypair(item))),
            },
            |s| proto::KeypairEvent {
                event: Some(keypair_event::Event::Status(s)),
            },
        )
    }

    async fn get_keypair(
        &self,
        request: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetKeypairResponse>, Status> {
        let (keypair, statuses) = self
            .get::<Keypairs, _>(request, convert_more::keypair)
            .await?;
        Ok(Response::new(proto::GetKeypairResponse {
            keypair: Some(keypair),
            statuses,
        }))
    }

    async fn list_security_groups(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<proto::ListSecurityGroupsResponse>, Status> {
        let (security_groups, statuses) = self
            .list::<SecurityGroups, _>(request, convert_more::security_group)
            .await?;
        Ok(Response::new(proto::ListSecurityGroupsResponse {
            security_groups,
            statuses,
        }))
    }

    type StreamSecurityGroupsStream = EventStream<proto::SecurityGroupEvent>;
    async fn stream_security_groups(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<Self::StreamSecurityGroupsStream>, Status> {
        self.stream::<SecurityGroups, _>(
            request,
            |item| proto::SecurityGroupEvent {
                event: Some(security_group_event::Event::SecurityGroup(
                    convert_more::security_group(item),
                )),
            },
            |s| proto::SecurityGroupEvent {
                event: Some(security_group_event::Event::Status(s)),
            },
        )
    }

    async fn get_security_group(
        &self,
        request: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetSecurityGroupResponse>, Status> {
        let (security_group, statuses) = self
            .get::<SecurityGroups, _>(request, convert_more::security_group)
            .await?;
        Ok(Response::new(proto::GetSecurityGroupResponse {
            security_group: Some(security_group),
            statuses,
        }))
    }

    async fn list_subnets(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<proto::ListSubnetsResponse>, Status> {
        let (subnets, statuses) = self
            .list::<Subnets, _>(request, convert_more::subnet)
            .await?;
        Ok(Response::new(proto::ListSubnetsResponse {
            subnets,
            statuses,
        }))
    }

    type StreamSubnetsStream = EventStream<proto::SubnetEvent>;
    async fn stream_subnets(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<Self::StreamSubnetsStream>, Status> {
        self.stream::<Subnets, _>(
            request,
            |item| proto::SubnetEvent {
                event: Some(subnet_event::Event::Subnet(convert_more::subnet(item))),
            },
            |s| proto::SubnetEvent {
                event: Some(subnet_event::Event::Status(s)),
            },
        )
    }

    async fn get_subnet(
        &self,
        request: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetSubnetResponse>, Status> {
        let (subnet, statuses) = self
            .get::<Subnets, _>(request, convert_more::subnet)
            .await?;
        Ok(Response::new(proto::GetSubnetResponse {
            subnet: Some(subnet),
            statuses,
        }))
    }

    async fn list_volumes(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<proto::ListVolumesResponse>, Status> {
        let (volumes, statuses) = self
            .list::<Volumes, _>(request, convert_more::volume)
            .await?;
        Ok(Response::new(proto::ListVolumesResponse {
            volumes,
            statuses,
        }))
    }

    type StreamVolumesStream = EventStream<proto::VolumeEvent>;
    async fn stream_volumes(
        &self,
        request: Request<proto::ListRequest>,
    ) -> Result<Response<Self::StreamVolumesStream>, Status> {
        self.stream::<Volumes, _>(
            request,
            |item| proto::VolumeEvent {
                event: Some(volume_event::Event::Volume(convert_more::volume(item))),
            },
            |s| proto::VolumeEvent {
                event: Some(volume_event::Event::Status(s)),
            },
        )
    }

    async fn get_volume(
        &self,
        request: Request<proto::GetRequest>,
    ) -> Result<Response<proto::GetVolumeResponse>, Status> {
        let (volume, statuses) = self
            .get::<Volumes, _>(request, convert_more::volume)
            .await?;
        Ok(Response::new(proto::GetVolumeResponse {
            volume: Some(volume),
            statuses,
        }))
    }

    async fn create_floating_ip(
        &self,
        request: Request<proto::CreateFloatingIpRequest>,
    ) -> Result<Response<proto::CreateFloatingIpResponse>, Status> {
        self.create_once(
            "CreateFloatingIP",
            request,
            |r| &r.request_id,
            |federation, deadline, request| async move {
                writes::create_floating_ip(&federation, deadline, request).await
            },
        )
        .await
    }

    async fn attach_floating_ip(
        &self,
        request: Request<proto::AttachFloatingIpRequest>,
    ) -> Result<Response<proto::AttachFloatingIpResponse>, Status> {
        let deadline = self.admit(&request)?;
        writes::attach_floating_ip(&self.federation, deadline, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn delete_floating_ip(
        &self,
        request: Request<proto::DeleteRequest>,
    ) -> Result<Response<proto::DeleteResponse>, Status> {
        let deadline = self.admit(&request)?;
        writes::delete_floating_ip(&self.federation, deadline, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn create_keypair(
        &self,
        request: Request<proto::CreateKeypairRequest>,
    ) -> Result<Response<proto::CreateKeypairResponse>, Status> {
        self.create_once(
            "CreateKeypair",
            request,
            |r| &r.request_id,
            |federation, deadline, request| async move {
                writes::create_keypair(&federation, deadline, request).await
            },
        )
        .await
    }

    async fn delete_keypair(
        &self,
        request: Request<proto::DeleteRequest>,
    ) -> Result<Response<proto::DeleteResponse>, Status> {
        let deadline = self.admit(&request)?;
        writes::delete_keypair(&self.federation, deadline, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn create_security_group(
        &self,
        request: Request<proto::CreateSecurityGroupRequest>,
    ) -> Result<Response<proto::CreateSecurityGroupResponse>, Status> {
        self.create_once(
            "CreateSecurityGroup",
            request,
            |r| &r.request_id,
            |federation, deadline, request| async move {
                writes::create_security_group(&federation, deadline, request).await
            },
        )
        .await
    }

    async fn delete_security_group(
        &self,
        request: Request<proto::DeleteRequest>,
    ) -> Result<Response<proto::DeleteResponse>, Status> {
        let deadline = self.admit(&request)?;
        writes::delete_security_group(&self.federation, deadline, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn create_security_group_rule(
        &self,
        request: Request<proto::CreateSecurityGroupRuleRequest>,
    ) -> Result<Response<proto::CreateSecurityGroupRuleResponse>, Status> {
        self.create_once(
            "CreateSecurityGroupRule",
            request,
            |r| &r.request_id,
            |federation, deadline, request| async move {
                writes::create_security_group_rule(&federation, deadline, request).await
            },
        )
        .await
    }

    async fn delete_security_group_rule(
        &self,
        request: Request<proto::DeleteRequest>,
    ) -> Result<Response<proto::DeleteResponse>, Status> {
        let deadline = self.admit(&request)?;
        writes::delete_security_group_rule(&self.federation, deadline, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn create_subnet(
        &self,
        request: Request<proto::CreateSubnetRequest>,
    ) -> Result<Response<proto::CreateSubnetResponse>, Status> {
        self.create_once(
            "CreateSubnet",
            request,
            |r| &r.request_id,
            |federation, deadline, request| async move {
                writes::create_subnet(&federation, deadline, request).await
            },
        )
        .await
    }

    async fn delete_subnet(
        &self,
        request: Request<proto::DeleteRequest>,
    ) -> Result<Response<proto::DeleteResponse>, Status> {
        let deadline = self.admit(&request)?;
        writes::delete_subnet(&self.federation, deadline, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn create_volume(
        &self,
        request: Request<proto::CreateVolumeRequest>,
    ) -> Result<Response<proto::CreateVolumeResponse>, Status> {
        self.create_once(
            "CreateVolume",
            request,
            |r| &r.request_id,
            |federation, deadline, request| async move {
                writes::create_volume(&federation, deadline, request).await
            },
        )
        .await
    }

    async fn delete_volume(
        &self,
        request: Request<proto::DeleteRequest>,
    ) -> Result<Response<proto::DeleteResponse>, Status> {
        let deadline = self.admit(&request)?;
        writes::delete_volume(&self.federation, deadline, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn list_locations(
        &self,
        request: Request<proto::ListLocationsRequest>,
    ) -> Result<Response<proto::ListLocationsResponse>, Status> {
        request.get_ref().check_bounds()?;
        let selector = convert::selector(request.into_inner().selector);
        let targets = resolve(self.federation.targets(), &selector)?;
        let registry = self.federation.registry();
        let profile_map = &self.federation.settings().profile_map;
        let locations = targets
            .iter()
            .map(|target| {
                let plugin = registry
                    .select(
                        target.driver.as_deref(),
                        target.profile.as_deref(),
                        profile_map,
                    )
                    .ok();
                proto::LocationInfo {
                    location: Some(convert::cloud_region(&target.at)),
                    driver: plugin
                        .as_ref()
                        .map(|p| p.name.to_string())
                        .unwrap_or_default(),
                    driver_version: plugin.map(|p| p.info.version.clone()).unwrap_or_default(),
                    profile: target.profile.clone().unwrap_or_default(),
                }
            })
            .collect();
        Ok(Response::new(proto::ListLocationsResponse { locations }))
    }

    async fn list_plugins(
        &self,
        _request: Request<proto::ListPluginsRequest>,
    ) -> Result<Response<proto::ListPluginsResponse>, Status> {
        let plugins = self.federation.registry().plugins();
        Ok(Response::new(proto::ListPluginsResponse {
            plugins: plugins.values().map(|p| convert::plugin(p)).collect(),
        }))
    }
}
