//! ApiKey 2 · ListOffsets · v1-10
//!
//! Special timestamps as Kafka: -2 earliest, -1 latest (the high watermark, or the last stable
//! offset for read_committed), -3 max timestamp (KIP-734), -4 earliest local, -5 earliest tiered
//! (no tiered storage here, so the log start offset). Other timestamps find the first record at
//! or after them, among those a consumer of that isolation level may read (below the high
//! watermark, or the last stable offset), as Kafka. As Kafka, only a consumer's request (replica
//! id -1) is bounded by its isolation level: another replica id sees up to the log end (latest
//! is the log end offset), and the debugging replica id (-2, what tools read the log end offset
//! with) is answered by any replica of the partition, not only its leader.
//!
//! As Kafka after an election: while a new leader's high watermark is still below the log end
//! offset its epoch started at, a consumer's latest (and a timestamp found at or past what it
//! may read) is OFFSET_NOT_AVAILABLE (LEADER_NOT_AVAILABLE before v5), so that no consumer
//! resets to an offset behind what the previous leader already exposed; clients retry.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse, RequestHeader};

use crate::broker::Broker;
use crate::log::TimestampAndOffset;
use crate::metadata::MetadataImage;
use crate::replica::Isolation;

const LATEST: i64 = -1;
const EARLIEST: i64 = -2;
const MAX_TIMESTAMP: i64 = -3;
const EARLIEST_LOCAL: i64 = -4;
const EARLIEST_TIERED: i64 = -5;
/// Kafka's `ListOffsetsRequest.CONSUMER_REPLICA_ID` and `DEBUGGING_REPLICA_ID`.
const CONSUMER_REPLICA_ID: i32 = -1;
const DEBUGGING_REPLICA_ID: i32 = -2;

pub fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: ListOffsetsRequest,
) -> ListOffsetsResponse {
    let image = broker.image();
    // The leader epoch is in the response from v4; before it must stay at its default.
    let with_epoch = header.request_api_version >= 4;
    let not_available = if header.request_api_version >= 5 {
        ResponseError::OffsetNotAvailable
    } else {
        ResponseError::LeaderNotAvailable
    };
    let isolation = if request.replica_id.0 == CONSUMER_REPLICA_ID {
        Isolation::of_consumer(request.isolation_level)
    } else {
        Isolation::LogEnd
    };
    let from_leader_only = request.replica_id.0 != DEBUGGING_REPLICA_ID;
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .map(|p| {
                    let response = ListOffsetsPartitionResponse::default()
                        .with_partition_index(p.partition_index);
                    match lookup(
                        broker,
                        &image,
                        &topic.name,
                        p.partition_index,
                        p.current_leader_epoch,
                        p.timestamp,
                        (isolation, from_leader_only, not_available),
                    ) {
                        Ok(found) => response
                            .with_timestamp(found.timestamp)
                            .with_offset(found.offset)
                            .with_leader_epoch(if with_epoch { found.leader_epoch } else { -1 }),
                        Err(e) => response
                            .with_error_code(e.code())
                            .with_timestamp(-1)
                            .with_offset(-1)
                            .with_leader_epoch(-1),
                    }
                })
                .collect();
            ListOffsetsTopicResponse::default()
                .with_name(topic.name)
                .with_partitions(partitions)
        })
        .collect();
    ListOffsetsResponse::default().with_topics(topics)
}

struct Found {
    timestamp: i64,
    offset: i64,
    leader_epoch: i32,
}

fn lookup(
    broker: &Broker,
    image: &MetadataImage,
    topic: &str,
    partition: i32,
    current_leader_epoch: i32,
    timestamp: i64,
    (isolation, from_leader_only, not_available): (Isolation, bool, ResponseError),
) -> Result<Found, ResponseError> {
    let (replica, leader_epoch) = if from_leader_only {
        broker
            .replicas
            .leader(image, topic, partition, current_leader_epoch)?
    } else {
        let replica = broker.replicas.replica(image, topic, partition)?;
        replica
            .partition
            .check_current_leader_epoch(current_leader_epoch)?;
        let leader_epoch = replica.partition.leader_epoch();
        (replica, leader_epoch)
    };
    let log = replica.log()?;
    let offsets = replica.partition.offsets(&log);
    let last_fetchable = isolation.max_offset(&offsets);
    let lagging =
        isolation != Isolation::LogEnd && replica.partition.high_watermark_behind_epoch_start();
    let at = |offset| Found {
        timestamp: -1,
        offset,
        leader_epoch,
    };
    // A record found by timestamp carries the epoch it was written in, as in Kafka; no record
    // found (or one consumers may not read yet) is offset -1 with no epoch.
    let found = |t: Option<TimestampAndOffset>| match t.filter(|t| t.offset < last_fetchable) {
        None if lagging => Err(not_available),
        Some(t) => Ok(Found {
            timestamp: t.timestamp,
            offset: t.offset,
            leader_epoch: t.leader_epoch.unwrap_or(-1),
        }),
        None => Ok(Found {
            timestamp: -1,
            offset: -1,
            leader_epoch: -1,
        }),
    };
    match timestamp {
        LATEST if lagging => Err(not_available),
        LATEST => Ok(at(last_fetchable)),
        EARLIEST | EARLIEST_LOCAL | EARLIEST_TIERED => Ok(at(offsets.log_start)),
        MAX_TIMESTAMP => found(log.max_timestamp_and_offset().map_err(|e| e.error())?),
        ts if ts < 0 => Err(ResponseError::InvalidRequest),
        ts => found(log.offset_for_timestamp(ts).map_err(|e| e.error())?),
    }
}
