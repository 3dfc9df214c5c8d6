//! `oaktree.v1.CloudService`: validate → convert → federation → convert back.
//!
//! The twelve resource RPCs share three generic shapes (list, stream, get); each trait
//! method only names its kind and its message conversions.

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::{convert, deadline};
use crate::federation::kinds::{Flavors, Images, Networks, Servers};
use crate::federation::selector::resolve;
use crate::federation::{Event, Federation, ResourceKind};
use crate::location::Located;
use crate::proto::cloud_service_server::CloudService;
use crate::proto::{self, flavor_event, image_event, network_event, server_event};

pub type EventStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

pub struct CloudApi {
    federation: Arc<Federation>,
}

impl CloudApi {
    pub fn new(federation: Arc<Federation>) -> Self {
        Self { federation }
    }

    fn deadline<T>(&self, request: &Request<T>) -> tokio::time::Instant {
        deadline::call_deadline(
            request.metadata(),
            self.federation.settings().default_deadline,
        )
    }

    async fn list<K: ResourceKind, M>(
        &self,
        request: Request<proto::ListRequest>,
        to_message: fn(Located<K::Item>) -> M,
    ) -> Result<(Vec<M>, Vec<proto::LocationStatus>), Status> {
        let deadline = self.deadline(&request);
        let request = request.into_inner();
        let selector = convert::selector(request.selector);
        let filter = convert::filter(request.filter)?;
        let options = convert::options(request.options);
        let gathered = self
            .federation
            .list::<K>(&selector, &filter, &options, deadline)
            .await?;
        let statuses = convert::statuses(&gathered.statuses);
        Ok((
            gathered.items.into_iter().map(to_message).collect(),
            statuses,
        ))
    }

    fn stream<K: ResourceKind, E: Send + 'static>(
        &self,
        request: Request<proto::ListRequest>,
        item_event: fn(Located<K::Item>) -> E,
        status_event: fn(proto::LocationStatus) -> E,
    ) -> Result<Response<EventStream<E>>, Status> {
        let deadline = self.deadline(&request);
        let request = request.into_inner();
        let selector = convert::selector(request.selector);
        let filter = convert::filter(request.filter)?;
        let options = convert::options(request.options);
        let events = self
            .federation
            .stream::<K>(&selector, filter, options, deadline)?;
        let stream = ReceiverStream::new(events).map(move |event| {
            Ok(match event {
                Event::Item(item) => item_event(item),
                Event::Status(status) => status_event(convert::status(&status)),
            })
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn get<K: ResourceKind, M>(
        &self,
        request: Request<proto::GetRequest>,
        to_message: fn(Located<K::Item>) -> M,
    ) -> Result<(M, Vec<proto::LocationStatus>), Status> {
        let deadline = self.deadline(&request);
        let request = request.into_inner();
        let selector = convert::selector(request.selector);
        let options = convert::options(request.options);
        let (found, statuses) = self
            .federation
            .get::<K>(&selector, &request.name_or_id, &options, deadline)
            .await?;
        Ok((to_message(found), convert::statuses(&statuses)))
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

    async fn list_locations(
        &self,
        request: Request<proto::ListLocationsRequest>,
    ) -> Result<Response<proto::ListLocationsResponse>, Status> {
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
