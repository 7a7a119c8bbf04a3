//! Incremental fetch sessions (KIP-227), every decision in one place: which partitions a Fetch
//! reads, whether it opens, continues or closes a session, and which partitions its answer
//! names. A client opens a session with a full fetch (epoch 0); its later fetches (epoch 1, 2,
//! ...) name only partitions that changed, and the broker answers only partitions with news.
//!
//! The rules are Kafka's `FetchManager.newContext`:
//! - epoch -1 or 0 is a full fetch: any session it names is closed; epoch 0 then opens a new
//!   session if the cache has room (or can evict one), epoch -1 opens none;
//! - any other epoch continues a session: FETCH_SESSION_ID_NOT_FOUND for an unknown id,
//!   INVALID_FETCH_SESSION_EPOCH for a wrong epoch, FETCH_SESSION_TOPIC_ID_ERROR when the request
//!   version disagrees with the session about topic ids (v13+ names topics by id);
//! - a session left with no partitions is closed and the fetch answered without one.
//!
//! Differs from Kafka: one cache of `max.incremental.fetch.session.cache.slots` (Kafka splits the
//! slots among 8 shards, each evicting on its own), and a full fetch's session is created when
//! the request arrives rather than when its answer is ready (the client learns its id only from
//! that answer either way).

mod cache;
mod context;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::log::{AbortedTransaction, Records};
use crate::replica::{Offsets, ReplicaLookup};
use indexmap::IndexMap;
use kafka_protocol::error::ResponseError;
use uuid::Uuid;

use cache::SessionCache;
pub use context::{FetchAnswer, FetchContext};

/// The session id of a fetch without a session.
pub const INVALID_SESSION_ID: i32 = 0;
/// A full fetch that opens (or reopens) a session.
pub const INITIAL_EPOCH: i32 = 0;
/// A full fetch that closes any session and opens none.
pub const FINAL_EPOCH: i32 = -1;
/// Kafka's `MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS`: how long a session is protected from
/// eviction by a larger one after it is created, and unused before it is stale.
pub const EVICTION_MS: i64 = 120_000;

/// The session id and epoch a Fetch carries (v7+; older fetches carry no session).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchMetadata {
    pub session_id: i32,
    pub epoch: i32,
}

impl FetchMetadata {
    /// What a Fetch older than v7 means: no session.
    pub const LEGACY: FetchMetadata = FetchMetadata {
        session_id: INVALID_SESSION_ID,
        epoch: FINAL_EPOCH,
    };

    pub fn is_full(&self) -> bool {
        self.epoch == INITIAL_EPOCH || self.epoch == FINAL_EPOCH
    }
}

/// The epoch after `epoch`: 1 follows `i32::MAX`, and nothing follows a negative epoch.
pub fn next_epoch(epoch: i32) -> i32 {
    match epoch {
        e if e < 0 => FINAL_EPOCH,
        i32::MAX => 1,
        e => e + 1,
    }
}

/// How a request names a topic: by id from v13 on, by name before. Names are shared: a
/// session's partitions are copied into every fetch that reads them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TopicKey {
    Id(Uuid),
    Name(Arc<str>),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PartitionKey {
    pub topic: TopicKey,
    pub partition: i32,
}

/// What a fetch asks of one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionRequest {
    pub fetch_offset: i64,
    pub partition_max_bytes: i32,
    pub current_leader_epoch: i32,
    /// The epoch of the last batch the fetcher holds (v12+, KIP-320); -1 when not given.
    pub last_fetched_epoch: i32,
    /// A follower's log start offset (v5+); -1 from consumers.
    pub log_start_offset: i64,
}

/// A partition to read: its key, its topic's name when known (a topic id this broker does not
/// know has none), and what is asked of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPartition {
    pub key: PartitionKey,
    pub topic: Option<Arc<str>>,
    pub request: PartitionRequest,
}

/// What reading one partition gave.
#[derive(Clone, Debug)]
pub struct PartitionRead {
    pub partition: FetchPartition,
    pub error: i16,
    pub high_watermark: i64,
    pub last_stable_offset: i64,
    pub log_start_offset: i64,
    pub records: Records,
    /// read_committed: the aborted transactions overlapping what was read.
    pub aborted_transactions: Option<Vec<AbortedTransaction>>,
    /// KIP-320: where the fetcher's log diverges from this one (epoch, end offset).
    pub diverging_epoch: Option<(i32, i64)>,
    /// KIP-392: the follower the consumer should fetch this partition from instead.
    pub preferred_read_replica: Option<i32>,
}

impl PartitionRead {
    /// The partition's offsets as the answer carries them.
    pub fn set_offsets(&mut self, offsets: &Offsets) {
        self.high_watermark = offsets.high_watermark;
        self.last_stable_offset = offsets.last_stable;
        self.log_start_offset = offsets.log_start;
    }
}

/// A read that found nothing past what it answered: no records, no error, its fetch offset at
/// or past the end of what the fetch's isolation reads to (the log end for a follower, the high
/// watermark or the last stable offset for a consumer), so not a read the response's size
/// limit cut short. While the partition does not move, the same request reads the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaughtUp {
    /// The partition's count of moves before the read (`Partition::moves`).
    pub moves: u64,
    /// The leader epoch the read was made in.
    pub leader_epoch: i32,
    pub offsets: Offsets,
}

/// What a session keeps of a partition between fetches, out of the session while a fetch of
/// it is being served ([`FetchContext::take_kept`]) and given back with its answer.
#[derive(Debug, Default)]
pub struct KeptPartition {
    /// How the last fetch found the partition's replica, for the next one to reuse while it
    /// holds.
    pub lookup: Option<ReplicaLookup>,
    /// The last read, when it caught up. A fetch that does not name the partition and finds it
    /// unmoved (same look-up, same count of moves) answers this instead of reading it: a
    /// follower's session names every partition it follows from the leader, and an append
    /// moves one, so reading them all made each replication round O(session). `None` once
    /// the client names the partition again (its request changed).
    pub caught_up: Option<CaughtUp>,
}

/// A partition in a session: what the client asked last and what it was last told.
#[derive(Clone, Debug)]
struct CachedPartition {
    topic: Option<Arc<str>>,
    request: PartitionRequest,
    high_watermark: i64,
    log_start_offset: i64,
    /// The answer being made gives this partition's records: it goes behind the others.
    served: bool,
    lookup: Option<ReplicaLookup>,
    /// See [`KeptPartition::caught_up`]; `None` whenever `request` changes.
    caught_up: Option<CaughtUp>,
}

impl CachedPartition {
    fn new(partition: &FetchPartition) -> Self {
        CachedPartition {
            topic: partition.topic.clone(),
            request: partition.request.clone(),
            high_watermark: -1,
            log_start_offset: -1,
            served: false,
            lookup: None,
            caught_up: None,
        }
    }

    /// Keeps for the next fetch what this one gives back.
    fn keep(&mut self, kept: KeptPartition) {
        self.lookup = kept.lookup;
        self.caught_up = kept.caught_up;
    }

    /// Notes what an incremental answer says of this partition; true when it must be sent.
    fn note_response(&mut self, read: &PartitionRead) -> bool {
        let mut must_respond = !read.records.is_empty()
            || read.diverging_epoch.is_some()
            || read.preferred_read_replica.is_some();
        if self.high_watermark != read.high_watermark {
            self.high_watermark = read.high_watermark;
            must_respond = true;
        }
        if self.log_start_offset != read.log_start_offset {
            self.log_start_offset = read.log_start_offset;
            must_respond = true;
        }
        if read.error != 0 {
            // Forget the high watermark so the partition is sent again once the error clears.
            self.high_watermark = -1;
            must_respond = true;
        }
        must_respond
    }
}

#[derive(Debug)]
pub struct FetchSession {
    id: i32,
    /// Whether the session names topics by id (opened by a v13+ fetch).
    uses_topic_ids: bool,
    /// The epoch the next request of this session must carry; always positive.
    epoch: i32,
    partitions: IndexMap<PartitionKey, CachedPartition>,
}

impl FetchSession {
    /// Applies an incremental request: new partitions join, named ones take the new request
    /// parameters, forgotten ones leave.
    fn update(&mut self, fetch_data: &[FetchPartition], to_forget: &[PartitionKey]) {
        for partition in fetch_data {
            match self.partitions.get_mut(&partition.key) {
                Some(cached) => {
                    cached.request = partition.request.clone();
                    cached.caught_up = None;
                }
                None => {
                    self.partitions
                        .insert(partition.key.clone(), CachedPartition::new(partition));
                }
            }
        }
        for key in to_forget {
            self.partitions.shift_remove(key);
        }
    }

    /// The partitions to read, in the session's order, and what the session kept of them
    /// (taken out of the session until the answer brings it back).
    fn fetch_partitions(&mut self) -> (Vec<FetchPartition>, Vec<KeptPartition>) {
        self.partitions
            .iter_mut()
            .map(|(key, cached)| {
                let partition = FetchPartition {
                    key: key.clone(),
                    topic: cached.topic.clone(),
                    request: cached.request.clone(),
                };
                let kept = KeptPartition {
                    lookup: cached.lookup.take(),
                    caught_up: cached.caught_up.take(),
                };
                (partition, kept)
            })
            .unzip()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the state whole, so a panic elsewhere cannot corrupt it.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One Fetch as the session rules see it.
#[derive(Clone, Debug)]
pub struct SessionRequest {
    pub version: i16,
    pub metadata: FetchMetadata,
    /// Fetches from followers are privileged: they may evict consumers' sessions.
    pub privileged: bool,
    pub fetch_data: Vec<FetchPartition>,
    pub to_forget: Vec<PartitionKey>,
}

/// A broker's fetch sessions; the one owner of every session decision.
#[derive(Debug)]
pub struct FetchSessions {
    cache: Mutex<SessionCache>,
}

impl FetchSessions {
    /// A cache of at most `max_slots` sessions (`max.incremental.fetch.session.cache.slots`).
    pub fn new(max_slots: usize) -> Self {
        FetchSessions {
            cache: Mutex::new(SessionCache::new(max_slots, EVICTION_MS)),
        }
    }

    /// Decides how a Fetch is served (Kafka's `FetchManager.newContext`). `topic_name` resolves
    /// a topic id a session holds but could not name when the partition joined it.
    pub fn new_context(
        &self,
        now_ms: i64,
        request: SessionRequest,
        topic_name: impl Fn(&Uuid) -> Option<Arc<str>>,
    ) -> FetchContext {
        let SessionRequest {
            version,
            metadata,
            privileged,
            fetch_data,
            to_forget,
        } = request;
        let fetch_data = deduplicate(fetch_data);
        let mut cache = lock(&self.cache);
        if metadata.is_full() {
            if metadata.session_id != INVALID_SESSION_ID {
                cache.remove(metadata.session_id);
            }
            if metadata.epoch == FINAL_EPOCH {
                return FetchContext::Sessionless(fetch_data);
            }
            let session = cache.maybe_create(now_ms, privileged, version >= 13, &fetch_data);
            return FetchContext::Full {
                partitions: fetch_data,
                session,
            };
        }
        let Some(shared) = cache.get(metadata.session_id) else {
            return FetchContext::SessionError(ResponseError::FetchSessionIdNotFound);
        };
        let mut session = lock(&shared);
        if session.epoch != metadata.epoch {
            return FetchContext::SessionError(ResponseError::InvalidFetchSessionEpoch);
        }
        if session.uses_topic_ids != (version >= 13) {
            return FetchContext::SessionError(ResponseError::FetchSessionTopicIdError);
        }
        session.update(&fetch_data, &to_forget);
        if session.partitions.is_empty() {
            drop(session);
            cache.remove(metadata.session_id);
            return FetchContext::Sessionless(fetch_data);
        }
        cache.touch(metadata.session_id, session.partitions.len(), now_ms);
        session.epoch = next_epoch(session.epoch);
        if session.uses_topic_ids {
            for (key, cached) in session.partitions.iter_mut() {
                if let (None, TopicKey::Id(id)) = (&cached.topic, &key.topic) {
                    cached.topic = topic_name(id);
                }
            }
        }
        let (partitions, kept) = session.fetch_partitions();
        drop(session);
        FetchContext::Incremental {
            session: shared,
            request_epoch: metadata.epoch,
            partitions,
            kept,
        }
    }

    /// How many sessions are open.
    pub fn len(&self) -> usize {
        lock(&self.cache).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A partition named twice in one request is fetched once, with the last parameters given.
fn deduplicate(fetch_data: Vec<FetchPartition>) -> Vec<FetchPartition> {
    let mut unique: IndexMap<PartitionKey, FetchPartition> = IndexMap::new();
    for partition in fetch_data {
        unique.insert(partition.key.clone(), partition);
    }
    unique.into_values().collect()
}

type SharedSession = Arc<Mutex<FetchSession>>;
