//! Scatter/gather: ask every selected location concurrently and report each one.
//!
//! - Unary lists wait for all locations (each bounded by the deadline) and return items in
//!   configuration order, with one status per location.
//! - Streams forward each location's items as soon as it answers, then its status.
//! - Gets list and filter everywhere selected, then insist on exactly one match.
//!
//! Every location's deadline is the call's deadline less a small margin, so the answer
//! (including the statuses of locations that ran out of time) reaches the client before
//! the client's own deadline fires.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

use super::filter::Filter;
use super::kinds::ResourceKind;
use super::selector::{Selector, resolve};
use super::status::{AnswerSource, LocationStatus};
use super::{CallOptions, Federation, Target};
use crate::cache::{CacheKey, Source};
use crate::error::{Candidate, Error};
use crate::location::{Located, Location, Project};
use crate::plugin::bindings::wit;
use crate::plugin::{CallError, CallStats, DriverCall};

/// Time kept back from the call's deadline to deliver the answer: tonic starts the client's
/// `grpc-timeout` clock when the request arrives, a little before the handler runs.
const DELIVERY_MARGIN_MAX: Duration = Duration::from_millis(200);

/// A location's items and its status.
type Answer<T> = (Vec<Located<T>>, LocationStatus);

/// Items and per-location statuses of a unary list.
pub struct Gathered<T> {
    pub items: Vec<Located<T>>,
    pub statuses: Vec<LocationStatus>,
}

/// One message of a streamed list.
pub enum Event<T> {
    Item(Located<T>),
    Status(LocationStatus),
}

/// The deadline locations work to: the call's, less a margin of a fifth of the time left
/// (at most [`DELIVERY_MARGIN_MAX`]).
pub fn location_deadline(call_deadline: Instant) -> Instant {
    let left = call_deadline.saturating_duration_since(Instant::now());
    call_deadline - (left / 5).min(DELIVERY_MARGIN_MAX)
}

impl Federation {
    /// Lists a kind at every selected location.
    pub async fn list<K: ResourceKind>(
        self: &Arc<Self>,
        selector: &Selector,
        filter: &Filter,
        options: &CallOptions,
        deadline: Instant,
    ) -> Result<Gathered<K::Item>, Error> {
        let targets = resolve(&self.targets, selector)?;
        let deadline = location_deadline(deadline);
        let mut outcomes: Vec<(usize, Answer<K::Item>)> =
            futures::stream::iter(targets.into_iter().enumerate())
                .map(|(index, target)| async move {
                    (
                        index,
                        self.ask_in_task::<K>(target, filter, options, deadline)
                            .await,
                    )
                })
                .buffer_unordered(self.settings.max_concurrency.max(1))
                .collect()
                .await;
        outcomes.sort_by_key(|(index, _)| *index);
        let mut gathered = Gathered {
            items: Vec::new(),
            statuses: Vec::with_capacity(outcomes.len()),
        };
        for (_, (items, status)) in outcomes {
            gathered.items.extend(items);
            gathered.statuses.push(status);
        }
        Ok(gathered)
    }

    /// Streams a kind from every selected location as each answers. The stream ends after
    /// the last location's status; dropping the receiver cancels the locations still working.
    pub fn stream<K: ResourceKind>(
        self: &Arc<Self>,
        selector: &Selector,
        filter: Filter,
        options: CallOptions,
        deadline: Instant,
    ) -> Result<mpsc::Receiver<Event<K::Item>>, Error> {
        let targets = resolve(&self.targets, selector)?;
        let deadline = location_deadline(deadline);
        let (sender, receiver) = mpsc::channel(256);
        let federation = self.clone();
        tokio::spawn(async move {
            let filter = &filter;
            let options = &options;
            let federation = &federation;
            let mut answers = futures::stream::iter(targets)
                .map(|target| federation.ask_in_task::<K>(target, filter, options, deadline))
                .buffer_unordered(federation.settings.max_concurrency.max(1));
            while let Some((items, status)) = answers.next().await {
                for item in items {
                    if sender.send(Event::Item(item)).await.is_err() {
                        return;
                    }
                }
                if sender.send(Event::Status(status)).await.is_err() {
                    return;
                }
            }
        });
        Ok(receiver)
    }

    /// Finds exactly one resource matching `name_or_id` among the selected locations.
    pub async fn get<K: ResourceKind>(
        self: &Arc<Self>,
        selector: &Selector,
        name_or_id: &str,
        options: &CallOptions,
        deadline: Instant,
    ) -> Result<(Located<K::Item>, Vec<LocationStatus>), Error> {
        if name_or_id.is_empty() {
            return Err(Error::InvalidArgument {
                field: "name_or_id".to_owned(),
                message: format!("give the id or name of the {} to get", K::NOUN),
            });
        }
        let filter = Filter::name_or_id(name_or_id)?;
        let gathered = self.list::<K>(selector, &filter, options, deadline).await?;
        let mut items = gathered.items;
        match items.len() {
            1 => {
                let found = items.remove(0);
                Ok((found, gathered.statuses))
            }
            0 => Err(Error::NotFound {
                kind: K::NOUN,
                name_or_id: name_or_id.to_owned(),
                failures: gathered
                    .statuses
                    .into_iter()
                    .filter(|s| !s.is_ok())
                    .collect(),
            }),
            _ => Err(ambiguous::<K>(name_or_id, &items)),
        }
    }

    /// Runs [`Federation::ask`] as its own task, so locations proceed in parallel on the
    /// runtime's threads; dropping the returned future aborts the task.
    async fn ask_in_task<K: ResourceKind>(
        self: &Arc<Self>,
        target: Target,
        filter: &Filter,
        options: &CallOptions,
        deadline: Instant,
    ) -> Answer<K::Item> {
        let federation = self.clone();
        let filter = filter.clone();
        let options = options.clone();
        let at = target.at.clone();
        let started = Instant::now();
        let task = AbortOnDrop(tokio::spawn(async move {
            let (items, mut status) = federation
                .ask::<K>(target, &filter, &options, deadline)
                .await;
            status.treat_as_empty(&options.treat_as_empty);
            (items, status)
        }));
        let answer = match task.join().await {
            Ok(answer) => answer,
            Err(error) => {
                let failure = CallError::Host(format!("the location's task failed: {error}"));
                (
                    Vec::new(),
                    LocationStatus::failed(at, &failure, started.elapsed()),
                )
            }
        };
        let status = &answer.1;
        self.registry.runtime().metrics().location_answer(
            &status.at.cloud,
            &status.at.region,
            K::NOUN,
            status.kind.label(),
        );
        answer
    }

    /// Asks one location: pick its plugin, call the driver, stamp, filter, report.
    async fn ask<K: ResourceKind>(
        &self,
        target: Target,
        filter: &Filter,
        options: &CallOptions,
        deadline: Instant,
    ) -> Answer<K::Item> {
        let span =
            tracing::info_span!("location", cloud = %target.at.cloud, region = %target.at.region);
        async move {
            let started = Instant::now();
            let plugin = match self.registry.select(
                target.driver.as_deref(),
                target.profile.as_deref(),
                &self.settings.profile_map,
            ) {
                Ok(plugin) => plugin,
                Err(error) => {
                    tracing::warn!(%error, "no plugin for location");
                    return (Vec::new(), LocationStatus::no_plugin(target.at, &error));
                }
            };
            let stats = Arc::new(CallStats::default());
            let call = DriverCall {
                runtime: self.registry.runtime().clone(),
                plugin,
                at: target.at.clone(),
                config_json: target.config_json.clone(),
                deadline,
                stats: stats.clone(),
            };
            let key = CacheKey::list("", &target.at.cloud, &target.at.region, K::CACHE_KIND);
            let outcome = K::cache(&self.caches)
                .get_or_load(key, options.bypass_cache, move || async move {
                    K::list(&call).await.map(Arc::new)
                })
                .await;
            let elapsed = started.elapsed();
            match outcome {
                Ok(lookup) => {
                    let items: Vec<Located<K::Item>> = filter
                        .apply::<K>(&lookup.value)
                        .into_iter()
                        .map(|item| Located {
                            location: stamp(&target, K::placement(&item)),
                            resource: item,
                        })
                        .collect();
                    tracing::debug!(kind = K::NOUN, items = items.len(), elapsed_ms = elapsed.as_millis() as u64, "location answered");
                    let mut status = LocationStatus::ok(target.at, items.len(), elapsed);
                    status.source = answer_source(lookup.source);
                    self.registry
                        .runtime()
                        .metrics()
                        .cache_lookup(K::NOUN, status.source.label());
                    status.limiter_wait = stats.limiter_wait();
                    status.http_attempts = stats.http_attempts();
                    (items, status)
                }
                Err(error) => {
                    tracing::warn!(kind = K::NOUN, %error, elapsed_ms = elapsed.as_millis() as u64, "location failed");
                    let mut status = LocationStatus::failed(target.at, &error, elapsed);
                    status.limiter_wait = stats.limiter_wait();
                    status.http_attempts = stats.http_attempts();
                    status.circuit = stats.circuit_open().cloned();
                    (Vec::new(), status)
                }
            }
        }
        .instrument(span)
        .await
    }
}

fn answer_source(source: Source) -> AnswerSource {
    match source {
        Source::Miss => AnswerSource::Cloud,
        Source::Hit => AnswerSource::CacheHit,
        Source::Stale => AnswerSource::CacheStale,
        Source::Shared => AnswerSource::Shared,
        Source::Bypass => AnswerSource::Bypass,
    }
}

/// Aborts a spawned location task when the call no longer waits for it.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn join(mut self) -> Result<T, tokio::task::JoinError> {
        (&mut self.0).await
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) fn stamp(target: &Target, placement: &wit::Placement) -> Location {
    let project = placement.project.as_ref().map(|p| Project {
        id: p.id.clone(),
        name: p.name.clone(),
        domain_id: p.domain_id.clone(),
        domain_name: p.domain_name.clone(),
    });
    Location::stamp(&target.at, placement.zone.clone(), project)
}

/// A get of `name_or_id` matched every one of `items`: the error listing them.
pub(crate) fn ambiguous<K: ResourceKind>(name_or_id: &str, items: &[Located<K::Item>]) -> Error {
    Error::Ambiguous {
        kind: K::NOUN,
        name_or_id: name_or_id.to_owned(),
        candidates: items
            .iter()
            .map(|item| Candidate {
                id: K::id(&item.resource).to_owned(),
                name: K::name(&item.resource).to_owned(),
                at: crate::location::CloudRegion::new(
                    item.location.cloud.clone(),
                    item.location.region.clone(),
                ),
            })
            .collect(),
    }
}
