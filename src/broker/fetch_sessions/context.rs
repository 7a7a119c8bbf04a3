//! How one Fetch is served once its session is decided (Kafka's `FetchContext`s): which
//! partitions it reads, and how its answer is made from what was read.

use kafka_protocol::error::ResponseError;

use super::{
    lock, next_epoch, CachedPartition, FetchPartition, KeptPartition, PartitionKey, PartitionRead,
    SharedSession, INVALID_SESSION_ID,
};

#[derive(Debug)]
pub enum FetchContext {
    /// The session could not be used: answered with this error and nothing else.
    SessionError(ResponseError),
    /// A fetch without a session.
    Sessionless(Vec<FetchPartition>),
    /// A full fetch, with the session it opened (none when the cache had no room).
    Full {
        partitions: Vec<FetchPartition>,
        session: Option<SharedSession>,
    },
    /// A fetch continuing a session: it reads every partition of the session (or answers
    /// what the session kept of it, [`KeptPartition::caught_up`]), with what the session kept
    /// of them (until [`Self::take_kept`]).
    Incremental {
        session: SharedSession,
        request_epoch: i32,
        partitions: Vec<FetchPartition>,
        kept: Vec<KeptPartition>,
    },
}

/// The top level of a Fetch answer and the partitions it names.
#[derive(Debug)]
pub struct FetchAnswer {
    pub error: Option<ResponseError>,
    pub session_id: i32,
    pub partitions: Vec<PartitionRead>,
}

impl FetchContext {
    /// The partitions to read, in the order to read them.
    pub fn partitions(&self) -> &[FetchPartition] {
        match self {
            FetchContext::SessionError(_) => &[],
            FetchContext::Sessionless(partitions)
            | FetchContext::Full { partitions, .. }
            | FetchContext::Incremental { partitions, .. } => partitions,
        }
    }

    /// What a session kept of [`Self::partitions`], one each, in order (nothing for a fetch
    /// that opens a session or has none); the answer gives it back ([`Self::respond`]).
    pub fn take_kept(&mut self) -> Vec<KeptPartition> {
        match self {
            FetchContext::Incremental { kept, .. } => std::mem::take(kept),
            _ => self
                .partitions()
                .iter()
                .map(|_| KeptPartition::default())
                .collect(),
        }
    }

    /// Makes the answer from the reads of [`Self::partitions`], noting in the session what
    /// the client is told, and keeping there `kept` (one per partition, in order) for the
    /// next fetch.
    pub fn respond(self, reads: Vec<PartitionRead>, kept: Vec<KeptPartition>) -> FetchAnswer {
        debug_assert_eq!(reads.len(), kept.len());
        match self {
            FetchContext::SessionError(error) => FetchAnswer {
                error: Some(error),
                session_id: INVALID_SESSION_ID,
                partitions: Vec::new(),
            },
            FetchContext::Sessionless(_) | FetchContext::Full { session: None, .. } => {
                FetchAnswer {
                    error: None,
                    session_id: INVALID_SESSION_ID,
                    partitions: reads,
                }
            }
            FetchContext::Full {
                session: Some(session),
                ..
            } => {
                let mut session = lock(&session);
                for (read, kept) in reads.iter().zip(kept) {
                    if let Some(cached) = session.partitions.get_mut(&read.partition.key) {
                        cached.high_watermark = read.high_watermark;
                        cached.log_start_offset = read.log_start_offset;
                        cached.keep(kept);
                    }
                }
                FetchAnswer {
                    error: None,
                    session_id: session.id,
                    partitions: reads,
                }
            }
            FetchContext::Incremental {
                session,
                request_epoch,
                ..
            } => respond_incremental(&session, request_epoch, reads, kept),
        }
    }
}

/// Keeps only the partitions with news; those with records move to the back of the session
/// (in the order read), so the next fetch reads the others first. They move in one stable
/// sort, not one removal each: a removal from the middle of the session shifts every later
/// partition, which for a consumer's session of thousands of partitions, most of them served,
/// made each answer quadratic.
fn respond_incremental(
    session: &SharedSession,
    request_epoch: i32,
    reads: Vec<PartitionRead>,
    kept: Vec<KeptPartition>,
) -> FetchAnswer {
    let mut session = lock(session);
    if session.epoch != next_epoch(request_epoch) {
        // Another fetch of this session (a duplicate) was served meanwhile.
        return FetchAnswer {
            error: Some(ResponseError::InvalidFetchSessionEpoch),
            session_id: session.id,
            partitions: Vec::new(),
        };
    }
    let mut partitions = Vec::with_capacity(reads.len());
    let mut any_served = false;
    let mut in_order = session.partitions.iter_mut();
    for (read, kept) in reads.into_iter().zip(kept) {
        let must_respond = match cached_partition(&mut in_order, &read.partition.key) {
            Some(cached) => {
                cached.served = !read.records.is_empty();
                any_served |= cached.served;
                cached.keep(kept);
                cached.note_response(&read)
            }
            None => true,
        };
        if must_respond {
            partitions.push(read);
        }
    }
    if any_served {
        session
            .partitions
            .sort_by(|_, a, _, b| a.served.cmp(&b.served));
        for cached in session.partitions.values_mut() {
            cached.served = false;
        }
    }
    FetchAnswer {
        error: None,
        session_id: session.id,
        partitions,
    }
}

/// The session's entry for `key`, the next one of `in_order` (the session's partitions, in the
/// order they were read): the epoch check made sure no other fetch changed the session since
/// this one read it, so reads and entries go in step, with no hash of each key.
fn cached_partition<'a>(
    in_order: &mut indexmap::map::IterMut<'a, PartitionKey, CachedPartition>,
    key: &PartitionKey,
) -> Option<&'a mut CachedPartition> {
    let (cached_key, cached) = in_order.next()?;
    debug_assert_eq!(
        cached_key, key,
        "the session changed while its fetch was served"
    );
    (cached_key == key).then_some(cached)
}
