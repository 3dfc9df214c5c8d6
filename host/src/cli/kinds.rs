//! The nine resource kinds behind one trait, so `list`, `get` and `--stream` are written once.
//!
//! The messages share their shape (`location` at field 1, one List/Stream/Get RPC each, an
//! event oneof of item or status), so a macro fills in the per-kind names.

use serde_json::Value;
use tonic::transport::Channel;
use tonic::{Request, Status, Streaming};

use crate::proto::cloud_service_client::CloudServiceClient;
use crate::proto::{
    self, Flavor, FloatingIp, GetRequest, Image, Keypair, ListRequest, Location, LocationStatus,
    Network, SecurityGroup, Server, Subnet, Volume,
};

use super::{json, render};

pub type Client = CloudServiceClient<Channel>;

/// One message of a Stream* call.
pub enum Event<T> {
    Item(T),
    Status(LocationStatus),
}

/// A resource kind the CLI can list and get.
pub trait Resource: Sized {
    /// `server`, for messages.
    const SINGULAR: &'static str;
    /// `servers`, the command name and the summary's noun.
    const PLURAL: &'static str;
    /// Table columns after the location columns.
    const COLUMNS: &'static [&'static str];
    /// The Stream* call's message.
    type Event;

    fn location(&self) -> Option<&Location>;
    /// Table cells matching [`Self::COLUMNS`].
    fn cells(&self) -> Vec<String>;
    /// Every field, for `--json` and the `get` view.
    fn to_json(&self) -> Value;
    /// Splits a stream message; `None` for an empty oneof (a newer daemon's event).
    fn event(event: Self::Event) -> Option<Event<Self>>;

    async fn list(
        client: &mut Client,
        request: Request<ListRequest>,
    ) -> Result<(Vec<Self>, Vec<LocationStatus>), Status>;
    async fn stream(
        client: &mut Client,
        request: Request<ListRequest>,
    ) -> Result<Streaming<Self::Event>, Status>;
    async fn get(
        client: &mut Client,
        request: Request<GetRequest>,
    ) -> Result<(Option<Self>, Vec<LocationStatus>), Status>;
}

macro_rules! resource {
    ($ty:ident, $singular:literal, $plural:literal, $columns:path, $cells:path, $json:path,
     $list:ident => $items:ident, $stream:ident => $event:ident / $event_mod:ident,
     $get:ident => $item:ident) => {
        impl Resource for $ty {
            const SINGULAR: &'static str = $singular;
            const PLURAL: &'static str = $plural;
            const COLUMNS: &'static [&'static str] = $columns;
            type Event = proto::$event;

            fn location(&self) -> Option<&Location> {
                self.location.as_ref()
            }

            fn cells(&self) -> Vec<String> {
                $cells(self)
            }

            fn to_json(&self) -> Value {
                $json(self)
            }

            fn event(event: Self::Event) -> Option<Event<Self>> {
                Some(match event.event? {
                    proto::$event_mod::Event::$ty(item) => Event::Item(item),
                    proto::$event_mod::Event::Status(status) => Event::Status(status),
                })
            }

            async fn list(
                client: &mut Client,
                request: Request<ListRequest>,
            ) -> Result<(Vec<Self>, Vec<LocationStatus>), Status> {
                let response = client.$list(request).await?.into_inner();
                Ok((response.$items, response.statuses))
            }

            async fn stream(
                client: &mut Client,
                request: Request<ListRequest>,
            ) -> Result<Streaming<Self::Event>, Status> {
                Ok(client.$stream(request).await?.into_inner())
            }

            async fn get(
                client: &mut Client,
                request: Request<GetRequest>,
            ) -> Result<(Option<Self>, Vec<LocationStatus>), Status> {
                let response = client.$get(request).await?.into_inner();
                Ok((response.$item, response.statuses))
            }
        }
    };
}

resource!(Server, "server", "servers", render::SERVER_COLUMNS, render::server_cells, json::server,
    list_servers => servers, stream_servers => ServerEvent / server_event, get_server => server);
resource!(Image, "image", "images", render::IMAGE_COLUMNS, render::image_cells, json::image,
    list_images => images, stream_images => ImageEvent / image_event, get_image => image);
resource!(Flavor, "flavor", "flavors", render::FLAVOR_COLUMNS, render::flavor_cells, json::flavor,
    list_flavors => flavors, stream_flavors => FlavorEvent / flavor_event, get_flavor => flavor);
resource!(Network, "network", "networks", render::NETWORK_COLUMNS, render::network_cells,
    json::network, list_networks => networks, stream_networks => NetworkEvent / network_event,
    get_network => network);
resource!(FloatingIp, "floating IP", "floating IPs", render::FLOATING_IP_COLUMNS,
    render::floating_ip_cells, json::floating_ip,
    list_floating_i_ps => floating_ips, stream_floating_i_ps => FloatingIpEvent / floating_ip_event,
    get_floating_ip => floating_ip);
resource!(Keypair, "keypair", "keypairs", render::KEYPAIR_COLUMNS, render::keypair_cells,
    json::keypair, list_keypairs => keypairs, stream_keypairs => KeypairEvent / keypair_event,
    get_keypair => keypair);
resource!(SecurityGroup, "security group", "security groups", render::SECURITY_GROUP_COLUMNS,
    render::security_group_cells, json::security_group,
    list_security_groups => security_groups,
    stream_security_groups => SecurityGroupEvent / security_group_event,
    get_security_group => security_group);
resource!(Subnet, "subnet", "subnets", render::SUBNET_COLUMNS, render::subnet_cells, json::subnet,
    list_subnets => subnets, stream_subnets => SubnetEvent / subnet_event, get_subnet => subnet);
resource!(Volume, "volume", "volumes", render::VOLUME_COLUMNS, render::volume_cells, json::volume,
    list_volumes => volumes, stream_volumes => VolumeEvent / volume_event, get_volume => volume);
