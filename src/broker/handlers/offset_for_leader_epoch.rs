//! ApiKey 23 · OffsetForLeaderEpoch · v2-4
//!
//! For each partition this broker leads: the largest leader epoch at or below the one asked and
//! the offset where it ends (the start of the next epoch, or the log end for the latest), from
//! the log's leader-epoch checkpoint; `(-1, -1)` when the log has no such epoch. Followers and
//! consumers (librdkafka after a leader change, KIP-320) use it to find where their log or
//! position diverges. `current_leader_epoch` (v2+) is checked as in Fetch: older is
//! FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH.
//!
//! Differs from Kafka: no authorization (Kafka asks CLUSTER_ACTION of a replica id >= 0).

use kafka_protocol::messages::offset_for_leader_epoch_response::{
    EpochEndOffset, OffsetForLeaderTopicResult,
};
use kafka_protocol::messages::{
    OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, RequestHeader,
};

use crate::broker::Broker;
use crate::log::{UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET};

pub fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: OffsetForLeaderEpochRequest,
) -> OffsetForLeaderEpochResponse {
    let image = broker.image();
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .map(|p| {
                    let answer = EpochEndOffset::default().with_partition(p.partition);
                    let found = broker
                        .replicas
                        .leader(&image, &topic.topic, p.partition, p.current_leader_epoch)
                        .and_then(|(replica, _)| {
                            Ok(replica.log()?.end_offset_for_epoch(p.leader_epoch))
                        });
                    match found {
                        Ok((epoch, end_offset)) => {
                            answer.with_leader_epoch(epoch).with_end_offset(end_offset)
                        }
                        Err(e) => answer
                            .with_error_code(e.code())
                            .with_leader_epoch(UNDEFINED_EPOCH)
                            .with_end_offset(UNDEFINED_EPOCH_OFFSET),
                    }
                })
                .collect();
            OffsetForLeaderTopicResult::default()
                .with_topic(topic.topic)
                .with_partitions(partitions)
        })
        .collect();
    OffsetForLeaderEpochResponse::default().with_topics(topics)
}
