//! Get of one resource: by id through the driver's get-* when the value could be an id, else
//! (or when no location has it by that id) through the listing, as [`Federation::get`] does.
//!
//! 1. When `K::could_be_id(value)`, every selected location whose driver declares `K::GET`
//!    is asked for that id (one request each instead of every page of a listing), through
//!    the kind's cache under a `get:<id>` key: the same TTLs, single flight and write
//!    invalidation as listings. A location's not-found (or an id its cloud calls malformed)
//!    is cached as an empty answer.
//! 2. Exactly one location has it: that item, stamped with its Location, and one status per
//!    location. Several have it: ambiguous, with the candidates, as a listing would say.
//! 3. None has it (or no driver can get by id): the listing, by name or glob.

use std::sync::Arc;

use futures::StreamExt;
use tokio::time::Instant;

use super::gather::{location_deadline, stamp};
use super::kinds::ResourceKind;
use super::selector::{Selector, resolve};
use super::status::{AnswerSource, LocationStatus};
use super::{CallOptions, Federation, Target};
use crate::cache::{CacheKey, Source};
use crate::error::Error;
use crate::location::Located;
use crate::plugin::bindings::wit;
use crate::plugin::{CallError, CallStats, DriverCall};

/// What one location said when asked for an id: the item (or none: it does not have that
/// id, or it failed) and its status. `None` when its driver cannot get by id, so only its
/// listing can say.
type ById<T> = Option<(Option<Located<T>>, LocationStatus)>;

impl Federation {
    /// Finds exactly one resource matching `name_or_id` among the selected locations,
    /// asking by id first when the value could be one (see the module docs).
    pub async fn find<K: ResourceKind>(
        self: &Arc<Self>,
        selector: &Selector,
        name_or_id: &str,
        options: &CallOptions,
        deadline: Instant,
    ) -> Result<(Located<K::Item>, Vec<LocationStatus>), Error> {
        if K::could_be_id(name_or_id)
            && let Some(found) = self
                .get_by_id::<K>(selector, name_or_id, options, deadline)
                .await?
        {
            return Ok(found);
        }
        self.get::<K>(selector, name_or_id, options, deadline).await
    }

    /// Asks every selected location for `id`; `None` when no location has it, or some
    /// location's driver cannot get by id (the listing decides then). Locations that failed
    /// are reported in the statuses beside the one that has it.
    async fn get_by_id<K: ResourceKind>(
        self: &Arc<Self>,
        selector: &Selector,
        id: &str,
        options: &CallOptions,
        deadline: Instant,
    ) -> Result<Option<(Located<K::Item>, Vec<LocationStatus>)>, Error> {
        let targets = resolve(&self.targets, selector)?;
        let deadline = location_deadline(deadline);
        let mut answers: Vec<(usize, ById<K::Item>)> =
            futures::stream::iter(targets.into_iter().enumerate())
                .map(|(index, target)| async move {
                    (
                        index,
                        self.ask_by_id::<K>(target, id, options, deadline).await,
                    )
                })
                .buffer_unordered(self.settings.max_concurrency.max(1))
                .collect()
                .await;
        answers.sort_by_key(|(index, _)| *index);
        let mut found = Vec::new();
        let mut statuses = Vec::with_capacity(answers.len());
        for (_, answer) in answers {
            let Some((item, status)) = answer else {
                return Ok(None);
            };
            found.extend(item);
            statuses.push(status);
        }
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop().map(|item| (item, statuses))),
            _ => Err(super::gather::ambiguous::<K>(id, &found)),
        }
    }

    /// One location's get by id, through the kind's cache.
    async fn ask_by_id<K: ResourceKind>(
        &self,
        target: Target,
        id: &str,
        options: &CallOptions,
        deadline: Instant,
    ) -> ById<K::Item> {
        let Ok(plugin) = self.plugin_for(&target) else {
            return None;
        };
        if !plugin.info.capabilities.contains(&K::GET) {
            return None;
        }
        let started = Instant::now();
        let stats = Arc::new(CallStats::default());
        let call = DriverCall {
            runtime: self.registry.runtime().clone(),
            plugin,
            at: target.at.clone(),
            config_json: target.config_json.clone(),
            deadline,
            stats: stats.clone(),
        };
        let key = CacheKey::get("", &target.at.cloud, &target.at.region, K::CACHE_KIND, id);
        let asked = id.to_owned();
        let outcome = K::cache(&self.caches)
            .get_or_load(key, options.bypass_cache, move || async move {
                match K::get(&call, &asked).await {
                    Ok(item) => Ok(Arc::new(vec![item])),
                    // Not here; an id this cloud calls malformed cannot be here either.
                    Err(CallError::Driver(wit::Error::NotFound(_) | wit::Error::Invalid(_))) => {
                        Ok(Arc::new(Vec::new()))
                    }
                    Err(error) => Err(error),
                }
            })
            .await;
        let metrics = self.registry.runtime().metrics();
        let lookup = match outcome {
            Ok(lookup) => lookup,
            Err(error) => {
                let mut status = LocationStatus::failed(target.at, &error, started.elapsed());
                status.limiter_wait = stats.limiter_wait();
                status.http_attempts = stats.http_attempts();
                status.treat_as_empty(&options.treat_as_empty);
                metrics.location_answer(
                    &status.at.cloud,
                    &status.at.region,
                    K::NOUN,
                    status.kind.label(),
                );
                return Some((None, status));
            }
        };
        // Only an item whose id is the one asked for counts (a driver may resolve names).
        let item = lookup
            .value
            .iter()
            .find(|item| K::id(item) == id)
            .cloned()
            .map(|item| Located {
                location: stamp(&target, K::placement(&item)),
                resource: item,
            });
        let mut status =
            LocationStatus::ok(target.at, usize::from(item.is_some()), started.elapsed());
        status.source = match lookup.source {
            Source::Miss => AnswerSource::Cloud,
            Source::Hit => AnswerSource::CacheHit,
            Source::Stale => AnswerSource::CacheStale,
            Source::Shared => AnswerSource::Shared,
            Source::Bypass => AnswerSource::Bypass,
        };
        status.limiter_wait = stats.limiter_wait();
        status.http_attempts = stats.http_attempts();
        metrics.cache_lookup(K::NOUN, status.source.label());
        metrics.location_answer(
            &status.at.cloud,
            &status.at.region,
            K::NOUN,
            status.kind.label(),
        );
        Some((item, status))
    }
}
