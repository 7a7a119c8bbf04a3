//! Incremental fetch sessions (KIP-227). A client opens a session with a full fetch (epoch 0);
//! later fetches (epoch 1, 2, ...) name only partitions that changed, and the broker answers only
//! partitions with news: records, an error, or a moved high watermark / log start offset.

use std::collections::HashMap;
use std::time::Instant;

use indexmap::IndexMap;
use kafka_protocol::error::ResponseError;
use uuid::Uuid;

/// Kafka's `max.incremental.fetch.session.cache.slots` default.
const MAX_SESSIONS: usize = 1000;

/// The key of a partition in a session: its topic by name and id (one of them may be empty,
/// depending on the request version), and its index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionPartitionKey {
    pub topic: String,
    pub topic_id: Uuid,
    pub partition: i32,
}

/// What the client asked for a partition and what it was last told about it.
#[derive(Clone, Debug)]
pub struct SessionPartition {
    pub fetch_offset: i64,
    pub partition_max_bytes: i32,
    pub current_leader_epoch: i32,
    pub last_high_watermark: i64,
    pub last_log_start_offset: i64,
}

impl SessionPartition {
    pub fn new(fetch_offset: i64, partition_max_bytes: i32, current_leader_epoch: i32) -> Self {
        SessionPartition {
            fetch_offset,
            partition_max_bytes,
            current_leader_epoch,
            last_high_watermark: -1,
            last_log_start_offset: -1,
        }
    }

    /// Records what a response tells the client; true when the client must be told.
    pub fn note_response(
        &mut self,
        has_records: bool,
        error: i16,
        high_watermark: i64,
        log_start_offset: i64,
    ) -> bool {
        let changed = has_records
            || error != 0
            || high_watermark != self.last_high_watermark
            || log_start_offset != self.last_log_start_offset;
        self.last_high_watermark = high_watermark;
        self.last_log_start_offset = log_start_offset;
        changed
    }
}

#[derive(Debug)]
pub struct FetchSession {
    /// The epoch the next request of this session must carry.
    pub next_epoch: i32,
    pub partitions: IndexMap<SessionPartitionKey, SessionPartition>,
    last_used: Instant,
}

#[derive(Debug)]
pub struct FetchSessionCache {
    sessions: HashMap<i32, FetchSession>,
    next_session_id: i32,
}

impl Default for FetchSessionCache {
    fn default() -> Self {
        FetchSessionCache {
            sessions: HashMap::new(),
            next_session_id: 1,
        }
    }
}

impl FetchSessionCache {
    /// Opens a session holding `partitions`, evicting the least recently used one when full.
    pub fn create(&mut self, partitions: IndexMap<SessionPartitionKey, SessionPartition>) -> i32 {
        if self.sessions.len() >= MAX_SESSIONS {
            if let Some(oldest) = self
                .sessions
                .iter()
                .min_by_key(|(_, s)| s.last_used)
                .map(|(id, _)| *id)
            {
                self.sessions.remove(&oldest);
            }
        }
        let id = self.next_session_id;
        self.next_session_id = self.next_session_id.checked_add(1).unwrap_or(1);
        self.sessions.insert(
            id,
            FetchSession {
                next_epoch: 1,
                partitions,
                last_used: Instant::now(),
            },
        );
        id
    }

    pub fn remove(&mut self, session_id: i32) {
        self.sessions.remove(&session_id);
    }

    /// The session a follow-up request of epoch `epoch` belongs to, or Kafka's error for it.
    pub fn get_for_epoch(
        &mut self,
        session_id: i32,
        epoch: i32,
    ) -> Result<&mut FetchSession, ResponseError> {
        let session = self
            .sessions
            .get_mut(&session_id)
            .ok_or(ResponseError::FetchSessionIdNotFound)?;
        if session.next_epoch != epoch {
            return Err(ResponseError::InvalidFetchSessionEpoch);
        }
        session.last_used = Instant::now();
        Ok(session)
    }

    pub fn get_mut(&mut self, session_id: i32) -> Option<&mut FetchSession> {
        self.sessions.get_mut(&session_id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn key(p: i32) -> SessionPartitionKey {
        SessionPartitionKey {
            topic: "t".into(),
            topic_id: Uuid::nil(),
            partition: p,
        }
    }

    #[test]
    fn follow_up_needs_the_right_epoch() {
        let mut cache = FetchSessionCache::default();
        let mut partitions = IndexMap::new();
        partitions.insert(key(0), SessionPartition::new(0, 1024, -1));
        let id = cache.create(partitions);
        assert_eq!(
            cache.get_for_epoch(id, 2).unwrap_err(),
            ResponseError::InvalidFetchSessionEpoch
        );
        assert!(cache.get_for_epoch(id, 1).is_ok());
        assert_eq!(
            cache.get_for_epoch(id + 1, 1).unwrap_err(),
            ResponseError::FetchSessionIdNotFound
        );
    }

    #[test]
    fn only_news_is_reported() {
        let mut p = SessionPartition::new(0, 1024, -1);
        assert!(p.note_response(false, 0, 5, 0));
        assert!(!p.note_response(false, 0, 5, 0));
        assert!(p.note_response(true, 0, 5, 0));
        assert!(p.note_response(false, 0, 6, 0));
    }
}
