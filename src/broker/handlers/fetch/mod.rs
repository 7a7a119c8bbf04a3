//! ApiKey 1 · Fetch · v4-17
//!
//! Serves log bytes as stored: no per-record work. Long-polls until `min_bytes` are ready or
//! `max_wait_ms` passes, woken when one of its partitions moves (never by sleeping); a fetch with nothing to read
//! answers at once. KIP-74: the first partition with data returns at least one whole batch even
//! past the size limits. Which partitions a fetch reads and which its answer names (KIP-227
//! sessions) is decided by `broker/fetch_sessions/`; a partition an incremental fetch does not
//! name, whose last read caught up and that has not moved since, answers as that read did,
//! unread: a follower's session names every partition it follows, and an append moves one. Topics are named by id from v13 on: an id
//! the broker does not know is UNKNOWN_TOPIC_ID, and a session's partition whose topic was
//! deleted and created again under the same name is INCONSISTENT_TOPIC_ID. A response carries
//! at most `fetch.max.bytes` and, beyond its first batch, no more than
//! `queued.max.response.bytes` leaves (kf's own bound on unsent responses).
//!
//! read_committed fetches stop at the last stable offset (the first offset of the oldest open
//! transaction, or the high watermark when none is open) and carry the aborted transactions that
//! overlap what they return, so the client can drop those records.
//!
//! Followers (a replica id, from v15 in `replica_state`) read up to the log end; their fetch
//! offset is their log end, which moves the leader's high watermark and may grow the ISR
//! (`replica/`). KIP-320: a `last_fetched_epoch` whose end in this log is before the fetch
//! offset (or an epoch this log does not have) answers `diverging_epoch` and no records, so the
//! fetcher truncates.
//!
//! KIP-392 (v11+): a consumer's fetch may read a follower, up to the follower's high watermark
//! (which the follower takes from its leader's answers); its leader epoch is checked as for a
//! leader. With `replica.selector.class` set to the rack-aware selector, the leader answers a
//! consumer whose `rack_id` names another rack holding an in-sync follower that has the fetch
//! offset with that follower as `preferred_read_replica` and no records (`replica/selector.rs`).
//! Fetches below v11 and followers' fetches read the leader only (NOT_LEADER_OR_FOLLOWER
//! elsewhere). As Kafka, a follower answers an offset between its high watermark and its log
//! end with no records, and one past its log end with OFFSET_OUT_OF_RANGE.
//!
//! Records go out as stored: a consumer's range of 4 KiB or more is a slice of the segment file
//! that the connection sends with `sendfile` (`log/records.rs`), as Kafka does, or, under 64
//! KiB, reads and writes with its neighbours in one vectored write (`broker/connection/write.rs`). A segment truncated while its slice is being sent (a follower truncating below
//! what a consumer of that follower was sent) closes that connection, as Kafka's `FileRecords`
//! fails the write when its file shrank.
//!
//! Differs from Kafka: a partition's records end with its last whole batch within the limits,
//! where Kafka fills `partition_max_bytes` with the start of the next batch too (which the
//! client drops); so a partition after the first with data whose first batch does not fit gets
//! no records, and is not read past that batch's header. A fetch with a replica id reads to the
//! log end even from a broker that is not a replica of the partition (Kafka answers
//! NOT_LEADER_OR_FOLLOWER and requires CLUSTER_ACTION), and the replica's broker epoch
//! (KIP-903) is not checked.

use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::fetch_response::{
    AbortedTransaction, EpochEndOffset, FetchableTopicResponse, PartitionData,
};
use kafka_protocol::messages::{FetchRequest, FetchResponse, ProducerId, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;
use tokio::time::Instant;
use uuid::Uuid;

use crate::broker::fetch_sessions::{
    CaughtUp, FetchMetadata, FetchPartition, KeptPartition, PartitionKey, PartitionRead,
    PartitionRequest, SessionRequest, TopicKey,
};
use crate::broker::queued_bytes::ResponseCharge;
use crate::broker::Broker;
use crate::clock;
use crate::log::{FirstBatch, ReadInto, Records};
use crate::metadata::MetadataImage;
use crate::protocol::response_frame::FileSlice;
use crate::replica::{
    isr, selector, Isolation, Offsets, ReadResult, Replica, ReplicaLookup, ReplicaManager,
};
use waits::Waits;

mod waits;

/// The replica of a partition whose last read caught up and that has not moved since, and that
/// read (see [`KeptPartition::caught_up`]): a read now would answer the same.
fn unmoved<'k>(
    replicas: &ReplicaManager,
    image: &Arc<MetadataImage>,
    kept: &'k KeptPartition,
) -> Option<(&'k Replica, CaughtUp)> {
    let caught_up = kept.caught_up?;
    // The same look-up: the same partition and topic id in the same image (a new leader epoch
    // is a new image), not deleted.
    let replica = kept.lookup.as_ref()?.get(replicas, image)?;
    (replica.partition.moves() == caught_up.moves).then_some((replica, caught_up))
}

/// The offsets a read from `fetch_offset` that returned `result` was bounded by, when it caught
/// up: no records, and not for want of room (a read the response's size limit cut short has
/// records past its fetch offset within what `isolation` reads to).
fn caught_up(isolation: Isolation, fetch_offset: i64, result: &ReadResult) -> Option<Offsets> {
    let caught_up =
        result.records.is_empty() && fetch_offset >= isolation.max_offset(&result.offsets);
    caught_up.then_some(result.offsets)
}

/// A Fetch answer, and the file slices whose placeholders stand for records in it (only with
/// [`ReadInto::File`]): its encoding must be given them (`protocol::response_frame`).
pub struct FetchReply {
    pub response: FetchResponse,
    pub files: Vec<FileSlice>,
}

/// Serves `request`; `into` says where its records are read: [`ReadInto::File`] only when the
/// answer goes straight to a socket (a connection's request), whose writer sends the file ranges
/// (`log/records.rs`); a copy for an in-process follower, which validates and appends them.
pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: FetchRequest,
    into: ReadInto,
) -> FetchReply {
    let version = header.request_api_version;
    let image = broker.image();
    let mut context = broker.fetch_sessions.new_context(
        clock::now_ms(),
        session_request(&image, &request, version),
        |id| image.topic_by_id(id).map(|t| Arc::from(t.name.as_str())),
    );
    let mut kept = context.take_kept();

    let partitions = context.partitions();
    let deadline = Instant::now() + Duration::from_millis(request.max_wait_ms.max(0) as u64);
    let replica_id = replica_id(&request, version);
    // A follower replicates up to the log end; consumers up to the HW or the LSO.
    let isolation = match replica_id {
        Some(_) => Isolation::LogEnd,
        None => Isolation::of_consumer(request.isolation_level),
    };
    // Kafka caps a response at fetch.max.bytes; kf also at what queued.max.response.bytes
    // leaves (the connection counts the answer itself until it is sent).
    let max_bytes = request.max_bytes.min(broker.config.fetch_max_bytes).max(0) as usize;
    let mut charge = broker.queued.response_reservation();
    let mut waits = Waits::new(isolation, partitions.len());
    // Kafka's client metadata: from v11 a consumer may read followers, and states its rack.
    let client_rack =
        (replica_id.is_none() && version >= 11).then(|| request.rack_id.as_str().to_owned());
    let mut reader = Reader {
        broker,
        isolation,
        replica_id,
        into,
        client_rack,
    };
    let mut reads = reader.read_within(
        (partitions, &mut kept),
        max_bytes,
        &mut charge,
        &mut waits,
        None,
    );
    // A follower's fetch offset is recorded once per request, at its first read (as Kafka's
    // fetchMessages): re-reads of a long poll state nothing new.
    reader.replica_id = None;
    while !partitions.is_empty() {
        let bytes: usize = reads.iter().map(|r| r.records.len()).sum();
        let has_error = reads.iter().any(|r| {
            r.error != 0 || r.diverging_epoch.is_some() || r.preferred_read_replica.is_some()
        });
        if bytes >= request.min_bytes.max(0) as usize || has_error || Instant::now() >= deadline {
            break;
        }
        if !reader.watch((partitions, &mut kept), &mut waits) && !waits.moved(deadline).await {
            break;
        }
        // Nothing read yet: only the partitions with news can read differently, and the
        // response limit is still whole. Else every partition again, in order (KIP-74).
        let previous = (bytes == 0).then_some(reads);
        reads = reader.read_within(
            (partitions, &mut kept),
            max_bytes,
            &mut charge,
            &mut waits,
            previous,
        );
    }

    let answer = context.respond(reads, kept);
    let files = answer
        .partitions
        .iter()
        .filter_map(|read| match &read.records {
            Records::File(slice) => Some(slice.clone()),
            Records::Memory(_) => None,
        })
        .collect();
    let response = FetchResponse::default()
        .with_error_code(answer.error.map_or(0, |e| e.code()))
        .with_session_id(answer.session_id)
        .with_responses(topic_responses(answer.partitions));
    FetchReply { response, files }
}

/// The request as the session rules see it; topic ids are resolved against `image`.
fn session_request(image: &MetadataImage, request: &FetchRequest, version: i16) -> SessionRequest {
    let metadata = if version >= 7 {
        FetchMetadata {
            session_id: request.session_id,
            epoch: request.session_epoch,
        }
    } else {
        FetchMetadata::LEGACY
    };
    let fetch_data = request
        .topics
        .iter()
        .flat_map(|topic| {
            let (key, name) = topic_key(image, &topic.topic, topic.topic_id, version);
            topic.partitions.iter().map(move |p| FetchPartition {
                key: PartitionKey {
                    topic: key.clone(),
                    partition: p.partition,
                },
                topic: name.clone(),
                request: PartitionRequest {
                    fetch_offset: p.fetch_offset,
                    partition_max_bytes: p.partition_max_bytes,
                    current_leader_epoch: p.current_leader_epoch,
                    last_fetched_epoch: if version >= 12 {
                        p.last_fetched_epoch
                    } else {
                        -1
                    },
                    log_start_offset: p.log_start_offset,
                },
            })
        })
        .collect();
    let to_forget = request
        .forgotten_topics_data
        .iter()
        .flat_map(|topic| {
            let (key, _) = topic_key(image, &topic.topic, topic.topic_id, version);
            topic.partitions.iter().map(move |&partition| PartitionKey {
                topic: key.clone(),
                partition,
            })
        })
        .collect();
    SessionRequest {
        version,
        metadata,
        privileged: replica_id(request, version).is_some(),
        fetch_data,
        to_forget,
    }
}

/// The broker a follower's fetch comes from (`None`: a consumer).
fn replica_id(request: &FetchRequest, version: i16) -> Option<i32> {
    let id = if version >= 15 {
        request.replica_state.replica_id
    } else {
        request.replica_id
    };
    (id.0 >= 0).then_some(id.0)
}

/// How the request names a topic, and its name when this broker knows it.
fn topic_key(
    image: &MetadataImage,
    name: &TopicName,
    id: Uuid,
    version: i16,
) -> (TopicKey, Option<Arc<str>>) {
    if version >= 13 {
        let name = image.topic_by_id(&id).map(|t| Arc::from(t.name.as_str()));
        (TopicKey::Id(id), name)
    } else {
        let name: Arc<str> = Arc::from(name.as_str());
        (TopicKey::Name(name.clone()), Some(name))
    }
}

/// A fetch's partitions and what their session kept of them, one each, in the same order.
type Partitions<'a> = (&'a [FetchPartition], &'a mut [KeptPartition]);

/// What every partition read of one fetch shares.
struct Reader<'a> {
    broker: &'a Broker,
    isolation: Isolation,
    /// The follower fetching, if one is and its position is still to be recorded.
    replica_id: Option<i32>,
    /// Where the records read go (see [`handle`]).
    into: ReadInto,
    /// A consumer's rack (`rack_id`, maybe empty) from v11, when it may read followers.
    client_rack: Option<String>,
}

impl Reader<'_> {
    /// [`Self::read_partitions`] within the broker's response budget: up to `max_bytes` of what
    /// it has left (the first batch goes whatever the budget, KIP-74), then `charge` holds what
    /// was read.
    fn read_within(
        &self,
        partitions: Partitions<'_>,
        max_bytes: usize,
        charge: &mut ResponseCharge,
        waits: &mut Waits,
        previous: Option<Vec<PartitionRead>>,
    ) -> Vec<PartitionRead> {
        let granted = i32::try_from(charge.grow_up_to(max_bytes)).unwrap_or(i32::MAX);
        let reads = self.read_partitions(partitions, granted, waits, previous);
        charge.set(reads.iter().map(|r| r.records.len()).sum());
        reads
    }

    /// Reads every partition, or with `previous` (reads that returned no records) only those
    /// with news since, keeping the others' previous reads; a partition that has not moved
    /// since a read that caught up answers as that read did, unread.
    fn read_partitions(
        &self,
        (partitions, kept): Partitions<'_>,
        max_bytes: i32,
        waits: &mut Waits,
        previous: Option<Vec<PartitionRead>>,
    ) -> Vec<PartitionRead> {
        debug_assert_eq!(partitions.len(), kept.len());
        debug_assert!(previous
            .as_ref()
            .is_none_or(|p| p.len() == partitions.len() && p.iter().all(|r| r.records.is_empty())));
        let image = self.broker.image();
        let mut remaining = max_bytes.max(0) as usize;
        let mut any_data = false;
        let mut previous = previous.map(Vec::into_iter);
        partitions
            .iter()
            .zip(kept.iter_mut())
            .enumerate()
            .map(|(index, (partition, kept))| {
                let before = previous.as_mut().and_then(Iterator::next);
                if let Some(before) = before.filter(|_| !waits.has_news(index)) {
                    return before;
                }
                waits.reading(index);
                if let Some(unmoved) = self.read_unmoved(&image, (index, partition, kept), waits) {
                    return unmoved;
                }
                let mut read = PartitionRead {
                    partition: partition.clone(),
                    error: 0,
                    high_watermark: -1,
                    last_stable_offset: -1,
                    log_start_offset: -1,
                    records: Records::default(),
                    aborted_transactions: None,
                    diverging_epoch: None,
                    preferred_read_replica: None,
                };
                // Only the first partition with data may go past the response limit (KIP-74).
                let first_batch = match any_data {
                    false => FirstBatch::Whole,
                    true => FirstBatch::WithinMaxBytes,
                };
                let read_into = self.read_into(
                    &image,
                    (index, partition, kept),
                    (remaining, first_batch),
                    waits,
                    &mut read,
                );
                if let Err(error) = read_into {
                    read.error = error.code();
                }
                debug_assert!(!any_data || read.records.len() <= remaining);
                any_data |= !read.records.is_empty();
                remaining = remaining.saturating_sub(read.records.len());
                read
            })
            .collect()
    }

    /// What the fetch's partition at `index` answers unread: its last read's answer, when
    /// that read caught up and the partition has not moved since (see
    /// [`KeptPartition::caught_up`]). A follower's fetch still counts as its fetch of the
    /// partition (it is caught up now).
    fn read_unmoved(
        &self,
        image: &Arc<MetadataImage>,
        (index, partition, kept): (usize, &FetchPartition, &mut KeptPartition),
        waits: &mut Waits,
    ) -> Option<PartitionRead> {
        let Some((replica, caught_up)) = unmoved(&self.broker.replicas, image, kept) else {
            kept.caught_up = None;
            return None;
        };
        let offsets = caught_up.offsets;
        if let Some(follower) = self.replica_id {
            let fetch_offset = partition.request.fetch_offset;
            let now = clock::now_ms();
            if replica.partition.follower_fetched_again(
                follower,
                fetch_offset,
                offsets.log_end,
                now,
            ) {
                isr::expand(self.broker, &replica.partition, follower);
            }
        }
        waits.read(index, caught_up.moves, caught_up.leader_epoch, &offsets);
        Some(PartitionRead {
            partition: partition.clone(),
            error: 0,
            high_watermark: offsets.high_watermark,
            last_stable_offset: offsets.last_stable,
            log_start_offset: offsets.log_start,
            records: Records::default(),
            aborted_transactions: (self.isolation == Isolation::Committed).then(Vec::new),
            diverging_epoch: None,
            preferred_read_replica: None,
        })
    }

    /// Reads the fetch's partition at `index` into `read`, within the `remaining` bytes of the
    /// answer (past them only as `first_batch` allows), and keeps in `kept` whether it caught
    /// up.
    fn read_into(
        &self,
        image: &Arc<MetadataImage>,
        (index, partition, kept): (usize, &FetchPartition, &mut KeptPartition),
        (remaining, first_batch): (usize, FirstBatch),
        waits: &mut Waits,
        read: &mut PartitionRead,
    ) -> Result<(), ResponseError> {
        debug_assert!(kept.caught_up.is_none());
        let asked = &partition.request;
        let (replica, leader_epoch) = self.local_replica(image, partition, &mut kept.lookup)?;
        if let Some(preferred) = self.preferred_read_replica(image, replica, asked.fetch_offset) {
            // The consumer goes to the follower: no read here, only the partition's offsets.
            let offsets = replica.offsets()?;
            read.preferred_read_replica = Some(preferred);
            read.set_offsets(&offsets);
            return Ok(());
        }
        if let Some(diverging) =
            replica.diverging_epoch(asked.last_fetched_epoch, asked.fetch_offset)?
        {
            // The fetcher truncates first; nothing is read past where the logs part.
            let offsets = replica.offsets()?;
            read.diverging_epoch = Some(diverging);
            read.set_offsets(&offsets);
            return Ok(());
        }
        if let Some(follower) = self.replica_id {
            let now = clock::now_ms();
            if replica.follower_fetched(
                follower,
                asked.fetch_offset,
                asked.log_start_offset,
                now,
            )? {
                isr::expand(self.broker, &replica.partition, follower);
            }
        }
        // After the follower's fetch is recorded, which may move the high watermark.
        let moves = replica.partition.moves();
        let max_bytes = (asked.partition_max_bytes.max(0) as usize).min(remaining.max(1));
        let result = replica.read(
            asked.fetch_offset,
            max_bytes,
            first_batch,
            self.isolation,
            self.into,
        );
        if let Err(ResponseError::OffsetOutOfRange) = result {
            // The fetcher needs the leader's bounds to reset (a follower: to its log start).
            let offsets = replica.offsets()?;
            read.high_watermark = offsets.high_watermark;
            read.log_start_offset = offsets.log_start;
        }
        let result = result?;
        waits.read(index, moves, leader_epoch, &result.offsets);
        // Not when the consumer might be sent to another replica: that depends on the
        // followers' positions, not on this partition's moves.
        kept.caught_up = caught_up(self.isolation, asked.fetch_offset, &result)
            .filter(|_| !self.may_prefer_read_replica())
            .map(|offsets| CaughtUp {
                moves,
                leader_epoch,
                offsets,
            });
        read.set_offsets(&result.offsets);
        read.records = result.records;
        read.aborted_transactions = result.aborted_transactions;
        Ok(())
    }
}

impl Reader<'_> {
    /// Watches every partition of the fetch not watched yet, as it is about to wait; true when
    /// one moved since its read (the fetch then reads again at once).
    fn watch(&self, (partitions, kept): Partitions<'_>, waits: &mut Waits) -> bool {
        let image = self.broker.image();
        let mut news = false;
        for (index, (partition, kept)) in partitions.iter().zip(kept).enumerate() {
            if waits.is_watched(index) {
                continue;
            }
            let replica = self.local_replica(&image, partition, &mut kept.lookup).ok();
            news |= waits.watch(index, replica.map(|(replica, _)| replica.clone()));
        }
        news
    }

    /// The partition's replica on this broker (Kafka's `localLogWithEpochOrThrow`), and its
    /// leader epoch: its leader for followers and for consumers below v11, any replica for
    /// other consumers; the stated leader epoch is checked either way (KIP-320). Found through
    /// `lookup` while that holds (see [`ReplicaLookup`]), else looked up and kept there; lent
    /// from there, not cloned: a clone touches two reference counts per partition per read.
    fn local_replica<'l>(
        &self,
        image: &Arc<MetadataImage>,
        partition: &FetchPartition,
        lookup: &'l mut Option<ReplicaLookup>,
    ) -> Result<(&'l Replica, i32), ResponseError> {
        let replicas = &self.broker.replicas;
        // Moved out and back: no reference count is touched.
        let found = match lookup.take() {
            Some(found) if found.get(replicas, image).is_some() => found,
            _ => {
                let topic = partition
                    .topic
                    .as_deref()
                    .ok_or(ResponseError::UnknownTopicId)?;
                let found = replicas.look_up_replica(image, topic, partition.key.partition)?;
                // As Kafka, before the leader epoch: a session's topic id that now names
                // another topic (deleted and created again under the same name).
                if let TopicKey::Id(id) = partition.key.topic {
                    if image.topic(topic).map(|t| t.topic_id) != Some(id) {
                        return Err(ResponseError::InconsistentTopicId);
                    }
                }
                found
            }
        };
        let replica = lookup.insert(found).replica();
        let epoch = partition.request.current_leader_epoch;
        let leader_epoch = match self.client_rack {
            None => replica.partition.check_leader(epoch)?,
            Some(_) => replica.partition.check_current_leader_epoch(epoch)?,
        };
        Ok((replica, leader_epoch))
    }

    /// Whether this fetch may be sent to another replica ([`Self::preferred_read_replica`]).
    fn may_prefer_read_replica(&self) -> bool {
        self.client_rack.is_some() && self.broker.config.rack_aware_replica_selector
    }

    /// KIP-392 at the leader: the follower this consumer should read from instead, when the
    /// broker has the rack-aware selector.
    fn preferred_read_replica(
        &self,
        image: &MetadataImage,
        replica: &Replica,
        fetch_offset: i64,
    ) -> Option<i32> {
        let client_rack = self.client_rack.as_deref()?;
        if !self.may_prefer_read_replica() || !replica.partition.is_leader() {
            return None;
        }
        let now = clock::now_ms();
        selector::preferred_read_replica(replica, image, client_rack, fetch_offset, now)
    }
}

/// Groups the answered partitions by topic, in the order they were read.
fn topic_responses(reads: Vec<PartitionRead>) -> Vec<FetchableTopicResponse> {
    let mut topics: IndexMap<TopicKey, (String, Uuid, Vec<PartitionData>)> = IndexMap::new();
    for read in reads {
        let key = read.partition.key;
        let aborted = read.aborted_transactions.map(|aborted| {
            aborted
                .into_iter()
                .map(|t| {
                    AbortedTransaction::default()
                        .with_producer_id(ProducerId(t.producer_id))
                        .with_first_offset(t.first_offset)
                })
                .collect()
        });
        let data = PartitionData::default()
            .with_partition_index(key.partition)
            .with_error_code(read.error)
            .with_high_watermark(read.high_watermark)
            .with_last_stable_offset(read.last_stable_offset)
            .with_log_start_offset(read.log_start_offset)
            .with_aborted_transactions(aborted)
            .with_diverging_epoch(
                EpochEndOffset::default()
                    .with_epoch(read.diverging_epoch.map_or(-1, |d| d.0))
                    .with_end_offset(read.diverging_epoch.map_or(-1, |d| d.1)),
            )
            .with_preferred_read_replica(read.preferred_read_replica.unwrap_or(-1).into())
            .with_records(Some(read.records.encoded()));
        let name = read.partition.topic;
        let topic_id = match &key.topic {
            TopicKey::Id(id) => *id,
            TopicKey::Name(_) => Uuid::nil(),
        };
        topics
            .entry(key.topic)
            .or_insert_with(|| {
                let name = name.as_deref().unwrap_or_default().to_owned();
                (name, topic_id, Vec::new())
            })
            .2
            .push(data);
    }
    topics
        .into_values()
        .map(|(name, topic_id, partitions)| {
            FetchableTopicResponse::default()
                .with_topic(TopicName(StrBytes::from_string(name)))
                .with_topic_id(topic_id)
                .with_partitions(partitions)
        })
        .collect()
}

#[cfg(test)]
mod tests;
