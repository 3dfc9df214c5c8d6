//! Running and recently finished operations, and their event logs.
//!
//! Each operation keeps every event it emitted, so a client that (re)connects later can
//! replay it from the start and then follow it live: watchers read the log by index and
//! wait on a `watch` channel carrying the latest sequence number, which cannot lose an
//! update. A broadcast channel carries every operation's events to `WatchOperations`
//! subscribers (the notification channel; a subscriber that falls behind is told so).
//!
//! With a [`RecordStore`], every record is written when its operation starts and ends, and
//! the records a previous process left are served again ([`OperationRegistry::restore`]):
//! a finished one replays as its final event.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use futures::Stream;
use tokio::sync::{broadcast, watch};

use super::record::{
    CleanupEntry, Event, EventBody, OperationKind, OperationRecord, OperationState, Progress,
};
use super::store::{self, RecordStore};
use crate::federation::LocationStatus;
use crate::location::{CloudRegion, Located};
use crate::plugin::bindings::wit;

/// How long a finished operation stays readable.
pub const RETENTION: Duration = Duration::from_secs(3600);

pub struct OperationRegistry {
    operations: Mutex<BTreeMap<String, Arc<OperationHandle>>>,
    everything: broadcast::Sender<Event>,
    next_id: AtomicU64,
    store: Option<Arc<RecordStore>>,
}

impl Default for OperationRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl OperationRegistry {
    pub fn new() -> Self {
        let (everything, _) = broadcast::channel(4096);
        Self {
            operations: Mutex::new(BTreeMap::new()),
            everything,
            next_id: AtomicU64::new(1),
            store: None,
        }
    }

    /// A registry whose records are written to `store`, serving the ones already there
    /// (running ones become interrupted failures).
    pub fn with_store(store: RecordStore) -> Self {
        let restored = store.load(RETENTION);
        let registry = Self {
            store: Some(Arc::new(store)),
            ..Self::new()
        };
        registry.restore(restored);
        registry
    }

    /// Serves finished records from an earlier run.
    fn restore(&self, records: Vec<OperationRecord>) {
        let mut operations = lock(&self.operations);
        for record in records {
            let id = record.id.clone();
            let final_event = Event {
                operation_id: id.clone(),
                sequence: 1,
                body: EventBody::Finished(Box::new(record.clone())),
            };
            let (latest, _) = watch::channel(1);
            let handle = Arc::new(OperationHandle {
                inner: Mutex::new(Inner {
                    record,
                    log: vec![final_event],
                }),
                latest,
                everything: self.everything.clone(),
                store: self.store.clone(),
            });
            operations.insert(id, handle);
        }
    }

    /// Operations still running.
    pub fn running(&self) -> Vec<Arc<OperationHandle>> {
        lock(&self.operations)
            .values()
            .filter(|op| op.is_running())
            .cloned()
            .collect()
    }

    /// Registers a new running operation over `locations`.
    pub fn start(&self, kind: OperationKind, locations: &[CloudRegion]) -> Arc<OperationHandle> {
        let serial = self.next_id.fetch_add(1, Ordering::Relaxed);
        let started_at = SystemTime::now();
        let stamp = started_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let id = format!("op-{stamp:x}-{serial}");
        let record = OperationRecord {
            id: id.clone(),
            kind,
            state: OperationState::Running,
            locations: locations.iter().cloned().map(Progress::new).collect(),
            started_at,
            finished_at: None,
            error: String::new(),
            interrupted: false,
            servers: Vec::new(),
            images: Vec::new(),
            cleanup: Vec::new(),
        };
        let (latest, _) = watch::channel(0);
        let handle = Arc::new(OperationHandle {
            inner: Mutex::new(Inner {
                record,
                log: Vec::new(),
            }),
            latest,
            everything: self.everything.clone(),
            store: self.store.clone(),
        });
        if let Some(store) = &self.store {
            store.save(&handle.snapshot());
        }
        let mut operations = lock(&self.operations);
        operations.retain(|id, op| {
            let expired = op.expired();
            if expired && let Some(store) = &self.store {
                store.remove(id);
            }
            !expired
        });
        operations.insert(id, handle.clone());
        handle
    }

    pub fn get(&self, id: &str) -> Option<Arc<OperationHandle>> {
        lock(&self.operations).get(id).cloned()
    }

    /// Every operation kept, newest first.
    pub fn list(&self) -> Vec<OperationRecord> {
        let mut records: Vec<OperationRecord> = lock(&self.operations)
            .values()
            .filter(|op| !op.expired())
            .map(|op| op.snapshot())
            .collect();
        records.sort_by_key(|r| std::cmp::Reverse(r.started_at));
        records
    }

    /// Live events of every operation from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.everything.subscribe()
    }
}

struct Inner {
    record: OperationRecord,
    log: Vec<Event>,
}

/// One operation: its record and event log. The task running the operation reports through
/// it; watchers read from it.
pub struct OperationHandle {
    inner: Mutex<Inner>,
    latest: watch::Sender<u64>,
    everything: broadcast::Sender<Event>,
    store: Option<Arc<RecordStore>>,
}

impl OperationHandle {
    pub fn is_running(&self) -> bool {
        lock(&self.inner).record.finished_at.is_none()
    }

    /// Ends a running operation because the daemon stops: failed, interrupted, with `why`
    /// as its error. Its task may go on, but can no longer change the record.
    pub fn interrupt(&self, why: &str) {
        let mut inner = lock(&self.inner);
        if inner.record.finished_at.is_some() {
            return;
        }
        store::interrupt(&mut inner.record, why);
        let record = inner.record.clone();
        if let Some(store) = &self.store {
            store.save(&record);
        }
        self.emit(&mut inner, EventBody::Finished(Box::new(record)));
    }

    pub fn id(&self) -> String {
        lock(&self.inner).record.id.clone()
    }

    pub fn snapshot(&self) -> OperationRecord {
        lock(&self.inner).record.clone()
    }

    fn expired(&self) -> bool {
        lock(&self.inner)
            .record
            .finished_at
            .and_then(|f| f.elapsed().ok())
            .is_some_and(|age| age > RETENTION)
    }

    /// Changes a location's progress and tells the watchers.
    pub fn progress(&self, at: &CloudRegion, change: impl FnOnce(&mut Progress)) {
        let mut inner = lock(&self.inner);
        if inner.record.finished_at.is_some() {
            return;
        }
        let Some(index) = inner.record.locations.iter().position(|p| &p.at == at) else {
            return;
        };
        change(&mut inner.record.locations[index]);
        let progress = inner.record.locations[index].clone();
        self.emit(&mut inner, EventBody::Progress(Box::new(progress)));
    }

    /// Sets a location's phase and message.
    pub fn phase(&self, at: &CloudRegion, phase: &str, message: impl Into<String>) {
        let message = message.into();
        self.progress(at, |p| {
            p.phase = phase.to_owned();
            p.message = message;
        });
    }

    /// Ends a location with its status (phase `done` or `failed`).
    pub fn finish_location(&self, status: LocationStatus) {
        let at = status.at.clone();
        self.progress(&at, |p| {
            p.phase = if status.is_ok() { "done" } else { "failed" }.to_owned();
            if !status.is_ok() {
                p.message = status.message.clone();
            }
            p.status = Some(status);
        });
    }

    /// Reports a server's latest state; the record keeps the last one per id.
    pub fn server(&self, server: Located<wit::Server>) {
        let mut inner = lock(&self.inner);
        if inner.record.finished_at.is_some() {
            return;
        }
        let servers = &mut inner.record.servers;
        match servers
            .iter_mut()
            .find(|s| s.resource.id == server.resource.id)
        {
            Some(kept) => *kept = server.clone(),
            None => servers.push(server.clone()),
        }
        self.emit(&mut inner, EventBody::Server(Box::new(server)));
    }

    /// Forgets a server the operation reported and then deleted (a failed boot).
    pub fn drop_server(&self, id: &str) {
        lock(&self.inner)
            .record
            .servers
            .retain(|s| s.resource.id != id);
    }

    pub fn image(&self, image: Located<wit::Image>) {
        let mut inner = lock(&self.inner);
        if inner.record.finished_at.is_some() {
            return;
        }
        inner.record.images.push(image.clone());
        self.emit(&mut inner, EventBody::Image(Box::new(image)));
    }

    pub fn cleanup(&self, entries: Vec<CleanupEntry>) {
        lock(&self.inner).record.cleanup.extend(entries);
    }

    /// Ends the operation: its state follows from the locations' statuses unless `error`
    /// says the operation as a whole failed.
    pub fn finish(&self, error: Option<String>) {
        let mut inner = lock(&self.inner);
        if inner.record.finished_at.is_some() {
            return;
        }
        let record = &mut inner.record;
        let ok = record
            .locations
            .iter()
            .filter(|p| p.status.as_ref().is_some_and(|s| s.is_ok()))
            .count();
        record.state = match (&error, ok) {
            (Some(_), _) | (None, 0) => OperationState::Failed,
            (None, n) if n == record.locations.len() => OperationState::Succeeded,
            (None, _) => OperationState::Partial,
        };
        record.error = error.unwrap_or_default();
        record.finished_at = Some(SystemTime::now());
        let record = record.clone();
        if let Some(store) = &self.store {
            store.save(&record);
        }
        self.emit(&mut inner, EventBody::Finished(Box::new(record)));
    }

    fn emit(&self, inner: &mut Inner, body: EventBody) {
        let event = Event {
            operation_id: inner.record.id.clone(),
            sequence: inner.log.len() as u64 + 1,
            body,
        };
        inner.log.push(event.clone());
        // No subscriber is fine.
        let _ = self.everything.send(event);
        self.latest.send_replace(inner.log.len() as u64);
    }

    /// Every event from the first, then live ones; ends after the final event.
    pub fn watch(self: &Arc<Self>) -> impl Stream<Item = Event> + Send + 'static {
        let handle = self.clone();
        let latest = self.latest.subscribe();
        futures::stream::unfold(
            (handle, latest, 0usize, false),
            |(handle, mut latest, next, done)| async move {
                if done {
                    return None;
                }
                loop {
                    let event = lock(&handle.inner).log.get(next).cloned();
                    if let Some(event) = event {
                        let done = event.is_final();
                        return Some((event, (handle, latest, next + 1, done)));
                    }
                    // The sender lives in `handle`, so this only fails if it was dropped.
                    if latest.changed().await.is_err() {
                        return None;
                    }
                }
            },
        )
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock means a panic mid-update elsewhere; the data is still consistent
    // enough to report from.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn at(region: &str) -> CloudRegion {
        CloudRegion::new("alpha", region)
    }

    #[tokio::test]
    async fn a_late_watcher_replays_every_event_then_follows_to_the_end() {
        let registry = OperationRegistry::new();
        let op = registry.start(OperationKind::CreateServer, &[at("r1")]);
        op.phase(&at("r1"), "BUILD", "");
        let watcher = op.watch();
        op.finish_location(LocationStatus::ok(at("r1"), 1, Duration::ZERO));
        op.finish(None);
        let events: Vec<Event> = watcher.collect().await;
        let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
        assert_eq!(sequences, vec![1, 2, 3]);
        let EventBody::Finished(record) = &events[2].body else {
            panic!("the last event is not the end: {:?}", events[2]);
        };
        assert_eq!(record.state, OperationState::Succeeded);
        // A watcher arriving after the end still gets everything.
        let replay: Vec<Event> = op.watch().collect().await;
        assert_eq!(replay.len(), 3);
    }

    #[test]
    fn an_operation_with_some_failed_locations_is_partial() {
        let registry = OperationRegistry::new();
        let op = registry.start(OperationKind::CreateImage, &[at("r1"), at("r2")]);
        op.finish_location(LocationStatus::ok(at("r1"), 1, Duration::ZERO));
        let failure = crate::plugin::CallError::Deadline;
        op.finish_location(LocationStatus::failed(at("r2"), &failure, Duration::ZERO));
        op.finish(None);
        assert_eq!(op.snapshot().state, OperationState::Partial);
        assert_eq!(registry.list().len(), 1);
    }

    #[test]
    fn an_operation_whose_every_location_failed_has_failed() {
        let registry = OperationRegistry::new();
        let op = registry.start(OperationKind::DeleteServer, &[at("r1")]);
        let failure = crate::plugin::CallError::Deadline;
        op.finish_location(LocationStatus::failed(at("r1"), &failure, Duration::ZERO));
        op.finish(None);
        assert_eq!(op.snapshot().state, OperationState::Failed);
    }
}
