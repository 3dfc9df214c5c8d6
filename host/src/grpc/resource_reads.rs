//! The three shapes every read RPC of `oaktree.v1.CloudService` takes, over any
//! [`ResourceKind`]: a unary list, a streamed list and a get (by id through the driver's
//! get-* when the value could be an id, else by listing; see `federation::fetch`). Each
//! validates and converts the request, asks the federation, and converts items and statuses
//! back.

use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::cloud_service::{CloudApi, EventStream};
use super::convert;
use crate::federation::{Event, ResourceKind};
use crate::location::Located;
use crate::proto;

impl CloudApi {
    pub(super) async fn list<K: ResourceKind, M>(
        &self,
        request: Request<proto::ListRequest>,
        to_message: fn(Located<K::Item>) -> M,
    ) -> Result<(Vec<M>, Vec<proto::LocationStatus>), Status> {
        let deadline = self.admit(&request)?;
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

    pub(super) fn stream<K: ResourceKind, E: Send + 'static>(
        &self,
        request: Request<proto::ListRequest>,
        item_event: fn(Located<K::Item>) -> E,
        status_event: fn(proto::LocationStatus) -> E,
    ) -> Result<Response<EventStream<E>>, Status> {
        let deadline = self.admit(&request)?;
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

    pub(super) async fn get<K: ResourceKind, M>(
        &self,
        request: Request<proto::GetRequest>,
        to_message: fn(Located<K::Item>) -> M,
    ) -> Result<(M, Vec<proto::LocationStatus>), Status> {
        let deadline = self.admit(&request)?;
        let request = request.into_inner();
        let selector = convert::selector(request.selector);
        let options = convert::options(request.options);
        let (found, statuses) = self
            .federation
            .find::<K>(&selector, &request.name_or_id, &options, deadline)
            .await?;
        Ok((to_message(found), convert::statuses(&statuses)))
    }
}
