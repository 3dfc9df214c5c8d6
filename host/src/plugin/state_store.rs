//! The per-cloud-region key-value store behind the `state` import.
//!
//! Drivers keep what must outlive one call here (tokens, service catalogs). Keys are scoped
//! by the host to the calling cloud-region, so one cloud's driver never reads another's
//! entries. Entries may carry a TTL; expired entries read as absent and are dropped lazily.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::location::CloudRegion;

/// Upper bound on one value: state is for tokens and catalogs, not data.
const MAX_VALUE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Default)]
pub struct StateStore {
    entries: Mutex<HashMap<(CloudRegion, String), Entry>>,
}

struct Entry {
    value: Vec<u8>,
    expires: Option<Instant>,
}

impl StateStore {
    pub fn get(&self, scope: &CloudRegion, key: &str) -> Option<Vec<u8>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let slot = (scope.clone(), key.to_owned());
        match entries.get(&slot) {
            Some(entry) if entry.expires.is_none_or(|t| t > Instant::now()) => {
                Some(entry.value.clone())
            }
            Some(_) => {
                entries.remove(&slot);
                None
            }
            None => None,
        }
    }

    /// Stores a value; values over [`MAX_VALUE_BYTES`] are refused (returns false).
    pub fn set(
        &self,
        scope: &CloudRegion,
        key: &str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> bool {
        if value.len() > MAX_VALUE_BYTES {
            return false;
        }
        let expires = ttl.map(|ttl| Instant::now() + ttl);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.insert((scope.clone(), key.to_owned()), Entry { value, expires });
        true
    }

    pub fn delete(&self, scope: &CloudRegion, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&(scope.clone(), key.to_owned()));
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
        assert!(!store.set(&at, "big", vec![0; MAX_VALUE_BYTES + 1], None));
    }
}
