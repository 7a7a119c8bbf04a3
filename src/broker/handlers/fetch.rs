//! ApiKey 1 · Fetch · v4-17
//!
//! Serves log bytes as stored: no per-record work. Long-polls until `min_bytes` are ready or
//! `max_wait_ms` passes, woken by appends (never by sleeping). KIP-74: the first partition with
//! data returns at least one whole batch even past the size limits. KIP-227 incremental fetch
//! sessions are in `broker/fetch_sessions.rs`. Topics are named by id from v13 on. A response
//! carries at most `fetch.max.bytes` and, beyond its first batch, no more than
//! `queued.max.response.bytes` leaves (kf's own bound on unsent responses).
//!
//! Differs from Kafka (until the issues that bring them): no follower fetching (replica_id is
//! ignored) and no transactions, so the last stable offset is the high watermark and
//! read_committed fetches carry an empty aborted-transactions list.

use std::time::Duration;

use bytes::Bytes;
use indexmap::IndexMap;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::{FetchRequest, FetchResponse, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;
use tokio::time::Instant;

use crate::broker::fetch_sessions::{SessionPartition, SessionPartitionKey};
use crate::broker::queued_bytes::ResponseCharge;
use crate::broker::Broker;
use crate::metadata::MetadataImage;

/// Kafka's session sentinels.
const INITIAL_EPOCH: i32 = 0;
const FINAL_EPOCH: i32 = -1;
const READ_COMMITTED: i8 = 1;

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: FetchRequest,
) -> FetchResponse {
    let version = header.request_api_version;
    let image = broker.image();
    let (session_id, partitions, incremental) =
        match open_session(broker, &image, &request, version) {
            Ok(opened) => opened,
            Err(error) => {
                return FetchResponse::default()
                    .with_error_code(error.code())
                    .with_session_id(request.session_id)
            }
        };

    let mut appends = broker.appends.subscribe();
    let deadline = Instant::now() + Duration::from_millis(request.max_wait_ms.max(0) as u64);
    // Kafka caps a response at fetch.max.bytes; kf also at what queued.max.response.bytes
    // leaves (the charge is the connection's to keep until the answer is sent).
    let max_bytes = request.max_bytes.min(broker.config.fetch_max_bytes).max(0) as usize;
    let mut charge = broker.queued.response_reservation();
    let mut reads = read_within(broker, &partitions, max_bytes, &mut charge);
    loop {
        let bytes: usize = reads.iter().map(|r| r.records.len()).sum();
        let has_error = reads.iter().any(|r| r.error != 0);
        if bytes >= request.min_bytes.max(0) as usize || has_error || Instant::now() >= deadline {
            break;
        }
        match tokio::time::timeout_at(deadline, appends.changed()).await {
            Ok(Ok(())) => reads = read_within(broker, &partitions, max_bytes, &mut charge),
            _ => break,
        }
    }

    let responses = respond(
        broker,
        session_id,
        incremental,
        reads,
        request.isolation_level,
    );
    FetchResponse::default()
        .with_session_id(session_id)
        .with_responses(responses)
}

type SessionPartitions = Vec<(SessionPartitionKey, SessionPartition)>;

/// Resolves the partitions this request fetches, opening, continuing or closing its session.
/// Returns the session id to answer with, the partitions, and whether the answer is incremental.
fn open_session(
    broker: &Broker,
    image: &MetadataImage,
    request: &FetchRequest,
    version: i16,
) -> Result<(i32, SessionPartitions, bool), ResponseError> {
    let requested = requested_partitions(image, request, version);
    let mut sessions = broker
        .fetch_sessions
        .lock()
        .map_err(|_| ResponseError::UnknownServerError)?;
    if request.session_id == 0 || request.session_epoch == FINAL_EPOCH {
        if request.session_id != 0 {
            sessions.remove(request.session_id);
        }
        let session_id = if request.session_epoch == INITIAL_EPOCH && version >= 7 {
            sessions.create(requested.iter().cloned().collect())
        } else {
            0
        };
        return Ok((session_id, requested, false));
    }
    let session = sessions.get_for_epoch(request.session_id, request.session_epoch)?;
    for forgotten in &request.forgotten_topics_data {
        let topic = resolve_name(image, &forgotten.topic, &forgotten.topic_id, version);
        for partition in &forgotten.partitions {
            session.partitions.shift_remove(&SessionPartitionKey {
                topic: topic.clone(),
                topic_id: forgotten.topic_id,
                partition: *partition,
            });
        }
    }
    for (key, asked) in requested {
        match session.partitions.get_mut(&key) {
            Some(cached) => {
                cached.fetch_offset = asked.fetch_offset;
                cached.partition_max_bytes = asked.partition_max_bytes;
                cached.current_leader_epoch = asked.current_leader_epoch;
            }
            None => {
                session.partitions.insert(key, asked);
            }
        }
    }
    let partitions = session
        .partitions
        .iter()
        .map(|(k, p)| (k.clone(), p.clone()))
        .collect();
    Ok((request.session_id, partitions, true))
}

fn requested_partitions(
    image: &MetadataImage,
    request: &FetchRequest,
    version: i16,
) -> SessionPartitions {
    let mut out = Vec::new();
    for topic in &request.topics {
        let name = resolve_name(image, &topic.topic, &topic.topic_id, version);
        for p in &topic.partitions {
            out.push((
                SessionPartitionKey {
                    topic: name.clone(),
                    topic_id: topic.topic_id,
                    partition: p.partition,
                },
                SessionPartition::new(
                    p.fetch_offset,
                    p.partition_max_bytes,
                    p.current_leader_epoch,
                ),
            ));
        }
    }
    out
}

/// The topic's name: from the request before v13, from its id from v13 on ("" when unknown).
fn resolve_name(image: &MetadataImage, name: &TopicName, id: &uuid::Uuid, version: i16) -> String {
    if version >= 13 {
        image
            .topic_by_id(id)
            .map(|t| t.name.clone())
            .unwrap_or_default()
    } else {
        name.to_string()
    }
}

struct PartitionRead {
    key: SessionPartitionKey,
    error: i16,
    high_watermark: i64,
    log_start_offset: i64,
    records: Bytes,
}

/// [`read_partitions`] within the broker's response budget: up to `max_bytes` of what it has
/// left (the first batch goes whatever the budget, KIP-74), then `charge` holds what was read.
fn read_within(
    broker: &Broker,
    partitions: &SessionPartitions,
    max_bytes: usize,
    charge: &mut ResponseCharge,
) -> Vec<PartitionRead> {
    let granted = charge.grow_up_to(max_bytes);
    let reads = read_partitions(
        broker,
        partitions,
        i32::try_from(granted).unwrap_or(i32::MAX),
    );
    charge.set(reads.iter().map(|r| r.records.len()).sum());
    reads
}

fn read_partitions(
    broker: &Broker,
    partitions: &SessionPartitions,
    max_bytes: i32,
) -> Vec<PartitionRead> {
    let image = broker.image();
    let mut remaining = max_bytes.max(0) as usize;
    let mut any_data = false;
    partitions
        .iter()
        .map(|(key, asked)| {
            let mut read = read_partition(broker, &image, key, asked, remaining);
            if any_data && read.records.len() > remaining {
                // Only the first partition with data may go past the response limit (KIP-74).
                read.records = Bytes::new();
            }
            any_data |= !read.records.is_empty();
            remaining = remaining.saturating_sub(read.records.len());
            read
        })
        .collect()
}

fn read_partition(
    broker: &Broker,
    image: &MetadataImage,
    key: &SessionPartitionKey,
    asked: &SessionPartition,
    remaining: usize,
) -> PartitionRead {
    let mut read = PartitionRead {
        key: key.clone(),
        error: 0,
        high_watermark: -1,
        log_start_offset: -1,
        records: Bytes::new(),
    };
    if key.topic.is_empty() {
        read.error = ResponseError::UnknownTopicId.code();
        return read;
    }
    let leader = match broker.leader_partition(image, &key.topic, key.partition) {
        Ok(leader) => leader,
        Err(e) => {
            read.error = e.code();
            return read;
        }
    };
    if asked.current_leader_epoch >= 0 && asked.current_leader_epoch != leader.leader_epoch {
        read.error = if asked.current_leader_epoch > leader.leader_epoch {
            ResponseError::UnknownLeaderEpoch.code()
        } else {
            ResponseError::FencedLeaderEpoch.code()
        };
        return read;
    }
    let Ok(log) = leader.log.lock() else {
        read.error = ResponseError::KafkaStorageError.code();
        return read;
    };
    read.high_watermark = log.log_end_offset();
    read.log_start_offset = log.log_start_offset();
    let max_bytes = (asked.partition_max_bytes.max(0) as usize).min(remaining.max(1));
    match log.read(asked.fetch_offset, max_bytes, read.high_watermark) {
        Ok(bytes) => read.records = bytes,
        Err(e) => read.error = e.error().code(),
    }
    read
}

/// Builds the topic responses; an incremental response leaves out partitions with no news.
fn respond(
    broker: &Broker,
    session_id: i32,
    incremental: bool,
    reads: Vec<PartitionRead>,
    isolation_level: i8,
) -> Vec<FetchableTopicResponse> {
    let mut sessions = broker.fetch_sessions.lock().ok();
    let mut session = sessions.as_mut().and_then(|s| {
        if session_id != 0 {
            s.get_mut(session_id)
        } else {
            None
        }
    });
    let mut topics: IndexMap<(String, uuid::Uuid), Vec<PartitionData>> = IndexMap::new();
    for read in reads {
        let news = match session
            .as_mut()
            .and_then(|s| s.partitions.get_mut(&read.key))
        {
            Some(cached) => cached.note_response(
                !read.records.is_empty(),
                read.error,
                read.high_watermark,
                read.log_start_offset,
            ),
            None => true,
        };
        if incremental && !news {
            continue;
        }
        let aborted = (isolation_level == READ_COMMITTED).then(Vec::new);
        let data = PartitionData::default()
            .with_partition_index(read.key.partition)
            .with_error_code(read.error)
            .with_high_watermark(read.high_watermark)
            .with_last_stable_offset(read.high_watermark)
            .with_log_start_offset(read.log_start_offset)
            .with_aborted_transactions(aborted)
            .with_preferred_read_replica((-1).into())
            .with_records(Some(read.records));
        topics
            .entry((read.key.topic, read.key.topic_id))
            .or_default()
            .push(data);
    }
    if let Some(session) = session.filter(|_| incremental) {
        session.next_epoch = session.next_epoch.wrapping_add(1).max(1);
    }
    topics
        .into_iter()
        .map(|((name, topic_id), partitions)| {
            FetchableTopicResponse::default()
                .with_topic(TopicName(StrBytes::from_string(name)))
                .with_topic_id(topic_id)
                .with_partitions(partitions)
        })
        .collect()
}
