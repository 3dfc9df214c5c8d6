//! The per-cloud-region key-value store behind the `state` import.
//!
//! Drivers keep what must outlive one call here (tokens, service catalogs). Keys are scoped
//! by the host to the calling cloud-region, so one cloud's driver never reads another's
//! entries. Entries may carry a TTL; expired entries read as absent and are dropped lazily.
//!
//! Bounded twice: each value ([`MAX_VALUE_BYTES`]) and each cloud-region's total of keys and
//! values ([`MAX_LOCATION_BYTES`]). A write past either is refused with a [`StateError`] that
//! names the limit; the entry already stored under that key stays.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::location::CloudRegion;

/// Upper bound on one value: state is for tokens and catalogs, not data.
pub const MAX_VALUE_BYTES: usize = 4 * 1024 * 1024;

/// Upper bound on one cloud-region's entries, keys included. A keystone token with its
/// catalog is tens of KiB even on large clouds, so 8 MiB leaves room for a driver's whole
/// working set while a driver that stores under ever-new keys (a leak) is stopped before
/// it holds the daemon's memory: with 1,000 cloud-regions the bound is what keeps state
/// from growing past the daemon's memory target.
pub const MAX_LOCATION_BYTES: usize = 8 * 1024 * 1024;

/// Why a value was not stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error(
        "state value '{key}' is {size} bytes, over the {limit}-byte limit for one value; \
         state is for tokens and catalogs, not data"
    )]
    ValueTooLarge {
        key: String,
        size: usize,
        limit: usize,
    },
    #[error(
        "state of {at} would hold {would_hold} bytes with '{key}', over the {limit}-byte limit \
         for one cloud-region; the driver keeps too much (or ever-new keys): delete entries \
         it no longer needs, or give them a TTL"
    )]
    LocationFull {
        at: CloudRegion,
        key: String,
        would_hold: usize,
        limit: usize,
    },
}

pub struct StateStore {
    scopes: Mutex<HashMap<CloudRegion, Scope>>,
    location_limit: usize,
}

impl Default for StateStore {
    fn default() -> Self {
        Self::with_location_limit(MAX_LOCATION_BYTES)
    }
}

/// One cloud-region's entries and their size.
#[derive(Default)]
struct Scope {
    entries: HashMap<String, Entry>,
    /// Bytes of keys and values held.
    bytes: usize,
}

struct Entry {
    value: Vec<u8>,
    expires: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|t| t > now)
    }
}

impl Scope {
    fn remove(&mut self, key: &str) -> Option<Entry> {
        let entry = self.entries.remove(key)?;
        self.bytes -= key.len() + entry.value.len();
        Some(entry)
    }

    fn drop_expired(&mut self, now: Instant) {
        let expired: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, entry)| !entry.live(now))
            .map(|(key, _)| key.clone())
            .collect();
        for key in expired {
            self.remove(&key);
        }
    }
}

impl StateStore {
    /// A store whose cloud-regions may each hold `limit` bytes (tests use small ones).
    pub fn with_location_limit(limit: usize) -> Self {
        Self {
            scopes: Mutex::new(HashMap::new()),
            location_limit: limit,
        }
    }

    pub fn get(&self, scope: &CloudRegion, key: &str) -> Option<Vec<u8>> {
        let mut scopes = self.lock();
        let entries = scopes.get_mut(scope)?;
        match entries.entries.get(key) {
            Some(entry) if entry.live(Instant::now()) => Some(entry.value.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Stores a value, replacing the key's old one.
    ///
    /// # Errors
    ///
    /// The value is over [`MAX_VALUE_BYTES`], or the cloud-region's entries would be over
    /// its total (after expired entries are dropped); nothing changes then.
    pub fn try_set(
        &self,
        scope: &CloudRegion,
        key: &str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> Result<(), StateError> {
        if value.len() > MAX_VALUE_BYTES {
            return Err(StateError::ValueTooLarge {
                key: key.to_owned(),
                size: value.len(),
                limit: MAX_VALUE_BYTES,
            });
        }
        let now = Instant::now();
        let mut scopes = self.lock();
        let entries = scopes.entry(scope.clone()).or_default();
        let replaced = |entries: &Scope| {
            entries
                .entries
                .get(key)
                .map_or(0, |old| key.len() + old.value.len())
        };
        let size = key.len() + value.len();
        if entries.bytes - replaced(entries) + size > self.location_limit {
            entries.drop_expired(now);
            let would_hold = entries.bytes - replaced(entries) + size;
            if would_hold > self.location_limit {
                return Err(StateError::LocationFull {
                    at: scope.clone(),
                    key: key.to_owned(),
                    would_hold,
                    limit: self.location_limit,
                });
            }
        }
        entries.remove(key);
        entries.bytes += size;
        entries.entries.insert(
            key.to_owned(),
            Entry {
                value,
                expires: ttl.map(|ttl| now + ttl),
            },
        );
        Ok(())
    }

    /// Like [`StateStore::try_set`]; false when the value was refused.
    pub fn set(
        &self,
        scope: &CloudRegion,
        key: &str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> bool {
        self.try_set(scope, key, value, ttl).is_ok()
    }

    pub fn delete(&self, scope: &CloudRegion, key: &str) {
        let mut scopes = self.lock();
        if let Some(entries) = scopes.get_mut(scope) {
            entries.remove(key);
            if entries.entries.is_empty() {
                scopes.remove(scope);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CloudRegion, Scope>> {
        self.scopes.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_scoped_to_their_cloud_region() {
        let store = StateStore::default();
        let east = CloudRegion::new("alpha", "us-east");
        let west = CloudRegion::new("alpha", "us-west");
        assert!(store.set(&east, "token", b"t1".to_vec(), None));
        assert_eq!(store.get(&east, "token"), Some(b"t1".to_vec()));
        assert_eq!(store.get(&west, "token"), None);
        store.delete(&east, "token");
        assert_eq!(store.get(&east, "token"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn entries_expire_after_their_ttl() {
        let store = StateStore::default();
        let at = CloudRegion::new("alpha", "us-east");
        store.set(&at, "token", b"t".to_vec(), Some(Duration::from_secs(60)));
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(store.get(&at, "token").is_some());
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(store.get(&at, "token").is_none());
    }

    #[test]
    fn oversized_values_are_refused() {
        let store = StateStore::default();
        let at = CloudRegion::new("alpha", "");
        let error = store
            .try_set(&at, "big", vec![0; MAX_VALUE_BYTES + 1], None)
            .unwrap_err();
        assert!(
            matches!(error, StateError::ValueTooLarge { ref key, .. } if key == "big"),
            "{error}"
        );
    }

    #[test]
    fn a_cloud_region_past_its_total_is_refused_naming_the_limit_and_others_are_not() {
        let store = StateStore::with_location_limit(100);
        let at = CloudRegion::new("alpha", "one");
        for i in 0..9 {
            // 10 bytes each with its 2-byte key: 90 bytes.
            store
                .try_set(&at, &format!("k{i}"), vec![0; 8], None)
                .unwrap();
        }
        let error = store.try_set(&at, "k9", vec![0; 20], None).unwrap_err();
        assert_eq!(
            error,
            StateError::LocationFull {
                at: at.clone(),
                key: "k9".to_owned(),
                would_hold: 112,
                limit: 100,
            }
        );
        assert!(error.to_string().contains("100-byte limit"), "{error}");
        assert_eq!(store.get(&at, "k9"), None);
        // Replacing a value counts the new size only; another location has its own total.
        store.try_set(&at, "k0", vec![1; 18], None).unwrap();
        assert_eq!(store.get(&at, "k0"), Some(vec![1; 18]));
        let other = CloudRegion::new("alpha", "two");
        store.try_set(&other, "k", vec![0; 90], None).unwrap();
        // Deleting frees room.
        store.delete(&at, "k1");
        store.delete(&at, "k2");
        store.try_set(&at, "k9", vec![0; 10], None).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn expired_entries_make_room_before_a_write_is_refused() {
        let store = StateStore::with_location_limit(50);
        let at = CloudRegion::new("alpha", "one");
        store
            .try_set(&at, "old", vec![0; 40], Some(Duration::from_secs(1)))
            .unwrap();
        assert!(store.try_set(&at, "new", vec![0; 40], None).is_err());
        tokio::time::advance(Duration::from_secs(2)).await;
        store.try_set(&at, "new", vec![0; 40], None).unwrap();
        assert_eq!(store.get(&at, "new"), Some(vec![0; 40]));
    }
}
