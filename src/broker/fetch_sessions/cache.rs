//! The session cache and Kafka's eviction rules (`FetchSessionCacheShard`): a new session may
//! take the place of an existing one that is stale (unused for longer than the eviction time),
//! or, failing that, of the least valuable evictable one — valued by (privileged, partition
//! count, id) — if the new one is worth at least as much. A session is evictable by a
//! privileged one unless it is privileged itself and young, and by any other one only once it
//! is no longer young; "young" is judged when the session was last used.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use rand::Rng;

use super::{
    next_epoch, CachedPartition, FetchPartition, FetchSession, SharedSession, INITIAL_EPOCH,
    INVALID_SESSION_ID,
};

#[derive(Debug)]
struct Entry {
    session: SharedSession,
    privileged: bool,
    creation_ms: i64,
    last_used_ms: i64,
    /// The session's partition count when last used.
    size: usize,
    evictable_by_all: bool,
    evictable_by_privileged: bool,
}

#[derive(Debug)]
pub(super) struct SessionCache {
    max_entries: usize,
    eviction_ms: i64,
    entries: HashMap<i32, Entry>,
}

impl SessionCache {
    pub(super) fn new(max_entries: usize, eviction_ms: i64) -> Self {
        SessionCache {
            max_entries,
            eviction_ms,
            entries: HashMap::new(),
        }
    }

    pub(super) fn get(&self, session_id: i32) -> Option<SharedSession> {
        self.entries
            .get(&session_id)
            .map(|e| Arc::clone(&e.session))
    }

    pub(super) fn remove(&mut self, session_id: i32) {
        self.entries.remove(&session_id);
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Opens a session holding `partitions` if there is room or a session can be evicted.
    pub(super) fn maybe_create(
        &mut self,
        now_ms: i64,
        privileged: bool,
        uses_topic_ids: bool,
        partitions: &[FetchPartition],
    ) -> Option<SharedSession> {
        if self.entries.len() >= self.max_entries
            && !self.try_evict(privileged, partitions.len(), now_ms)
        {
            return None;
        }
        let id = self.new_session_id();
        let cached: IndexMap<_, _> = partitions
            .iter()
            .map(|p| (p.key.clone(), CachedPartition::new(p)))
            .collect();
        let session = Arc::new(Mutex::new(FetchSession {
            id,
            uses_topic_ids,
            epoch: next_epoch(INITIAL_EPOCH),
            partitions: cached,
        }));
        self.entries.insert(
            id,
            Entry {
                session: Arc::clone(&session),
                privileged,
                creation_ms: now_ms,
                last_used_ms: now_ms,
                size: partitions.len(),
                evictable_by_all: false,
                evictable_by_privileged: false,
            },
        );
        self.touch(id, partitions.len(), now_ms);
        debug_assert!(self.entries.len() <= self.max_entries);
        Some(session)
    }

    /// Records a use of a session that now holds `size` partitions.
    pub(super) fn touch(&mut self, session_id: i32, size: usize, now_ms: i64) {
        let eviction_ms = self.eviction_ms;
        if let Some(entry) = self.entries.get_mut(&session_id) {
            let old = now_ms.saturating_sub(entry.creation_ms) > eviction_ms;
            entry.last_used_ms = now_ms;
            entry.size = size;
            entry.evictable_by_privileged = !entry.privileged || old;
            entry.evictable_by_all = old;
        }
    }

    /// Evicts one session to make room for a new one; false when none may go.
    fn try_evict(&mut self, privileged: bool, size: usize, now_ms: i64) -> bool {
        let Some((last_used_ms, stalest)) = self
            .entries
            .iter()
            .map(|(id, e)| (e.last_used_ms, *id))
            .min()
        else {
            return false;
        };
        if now_ms.saturating_sub(last_used_ms) > self.eviction_ms {
            self.entries.remove(&stalest);
            return true;
        }
        let least_valuable = self
            .entries
            .iter()
            .filter(|(_, e)| {
                if privileged {
                    e.evictable_by_privileged
                } else {
                    e.evictable_by_all
                }
            })
            .map(|(id, e)| (e.privileged, e.size, *id))
            .min();
        match least_valuable {
            Some(victim) if (privileged, size, INVALID_SESSION_ID) >= victim => {
                self.entries.remove(&victim.2);
                true
            }
            _ => false,
        }
    }

    /// A random positive id no open session has, as Kafka draws them.
    fn new_session_id(&self) -> i32 {
        let mut rng = rand::rng();
        loop {
            let id = rng.random_range(1..=i32::MAX);
            if !self.entries.contains_key(&id) {
                return id;
            }
        }
    }
}
