//! One holder at a time per key: uploads of the same image name to the same location take
//! turns, so the "already present" check of the second sees the first's image.
//!
//! Locks live only while held or awaited: the table keeps weak references and drops dead ones
//! as new keys arrive, so it holds about as many entries as uploads in flight.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::OwnedMutexGuard;

pub struct KeyedLocks<K> {
    locks: Mutex<HashMap<K, Weak<tokio::sync::Mutex<()>>>>,
}

impl<K: Eq + Hash + Clone> Default for KeyedLocks<K> {
    fn default() -> Self {
        Self {
            locks: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone> KeyedLocks<K> {
    /// Waits (FIFO, as tokio's mutex does) until no one else holds `key`.
    pub async fn lock(&self, key: K) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            match locks.get(&key).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    locks.retain(|_, weak| weak.strong_count() > 0);
                    let lock = Arc::new(tokio::sync::Mutex::new(()));
                    locks.insert(key, Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.locks.lock().map(|l| l.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn holders_of_one_key_take_turns_and_other_keys_do_not_wait() {
        use futures::FutureExt;
        let locks = KeyedLocks::<&str>::default();
        let first = locks.lock("a").await;
        assert!(
            locks.lock("b").now_or_never().is_some(),
            "another key is free"
        );
        assert!(
            locks.lock("a").now_or_never().is_none(),
            "the same key waits for its holder"
        );
        drop(first);
        assert!(
            locks.lock("a").now_or_never().is_some(),
            "the key is free once released"
        );
    }

    #[tokio::test]
    async fn released_keys_are_forgotten() {
        let locks = KeyedLocks::<u32>::default();
        for key in 0..100 {
            drop(locks.lock(key).await);
        }
        assert!(locks.len() <= 1, "{}", locks.len());
    }
}
