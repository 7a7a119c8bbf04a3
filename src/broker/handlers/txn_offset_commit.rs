//! ApiKey 28 · TxnOffsetCommit · v0-5
//!
//! A transactional producer's consumed offsets for a group (KIP-98, KIP-447), sent to the
//! group's coordinator after AddOffsetsToTxn put the group's `__consumer_offsets` partition in
//! the transaction. The group's task checks generation and member (v3+) as Kafka's classic
//! group does for a transactional commit (not the group's state), writes the offsets as one
//! transactional batch of the producer (Kafka's OffsetCommitValue schema; a stale producer
//! epoch is INVALID_PRODUCER_EPOCH from the log) and keeps them pending until the
//! transaction's marker reaches the partition (`coord/group/txn_offsets.rs`). A generation of -1
//! to an unknown group creates a "simple" group; a known generation to one is
//! ILLEGAL_GENERATION. Partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION. Before v2,
//! COORDINATOR_LOAD_IN_PROGRESS is answered as COORDINATOR_NOT_AVAILABLE, as Kafka does for
//! those old clients.
//!
//! Differs from Kafka: the group's partition is not verified to be in the transaction with
//! the transaction coordinator first (KIP-890 part 1, `transaction.partition.verification
//! .enable`), as Produce does not; v5 behaves as v4 (`transaction.version` 2 is not finalized).

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::txn_offset_commit_response::{
    TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use kafka_protocol::messages::{RequestHeader, TxnOffsetCommitRequest, TxnOffsetCommitResponse};

use crate::broker::Broker;
use crate::coord::group::api::{CommittedOffset, TxnCommitOffsets};

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: TxnOffsetCommitRequest,
) -> TxnOffsetCommitResponse {
    let image = broker.image();
    let known = |topic: &str, partition: i32| image.partition(topic, partition).is_some();
    let offsets: Vec<_> = request
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(move |p| (t, p)))
        .filter(|(t, p)| known(&t.name, p.partition_index))
        .map(|(t, p)| {
            (
                t.name.to_string(),
                p.partition_index,
                CommittedOffset {
                    offset: p.committed_offset,
                    leader_epoch: p.committed_leader_epoch,
                    metadata: p
                        .committed_metadata
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                    commit_timestamp_ms: -1,
                    expire_timestamp_ms: -1,
                },
            )
        })
        .collect();
    let result = if offsets.is_empty() {
        Ok(Vec::new())
    } else {
        let commit = TxnCommitOffsets {
            producer_id: request.producer_id.0,
            producer_epoch: request.producer_epoch,
            generation_id: request.generation_id,
            member_id: request.member_id.to_string(),
            group_instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
            offsets,
        };
        broker
            .groups
            .commit_transactional_offsets(&request.group_id, commit)
            .await
    };
    let old_client = header.request_api_version < 2;
    let mut per_partition = result.clone().unwrap_or_default().into_iter();
    let topics = request
        .topics
        .into_iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let error = if !known(&t.name, p.partition_index) {
                        Some(ResponseError::UnknownTopicOrPartition)
                    } else {
                        match &result {
                            Err(e) => Some(*e),
                            Ok(_) => per_partition.next().flatten(),
                        }
                    };
                    let error = match error {
                        Some(ResponseError::CoordinatorLoadInProgress) if old_client => {
                            Some(ResponseError::CoordinatorNotAvailable)
                        }
                        e => e,
                    };
                    TxnOffsetCommitResponsePartition::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(error.map_or(0, |e| e.code()))
                })
                .collect();
            TxnOffsetCommitResponseTopic::default()
                .with_name(t.name)
                .with_partitions(partitions)
        })
        .collect();
    TxnOffsetCommitResponse::default().with_topics(topics)
}
