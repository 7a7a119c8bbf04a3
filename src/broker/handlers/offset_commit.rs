//! ApiKey 8 · OffsetCommit · v2-9
//!
//! Handed to the group's task (`coord/group/commit.rs`), which checks the generation and member
//! as Kafka's classic group does and writes the offsets to `__consumer_offsets` in Kafka's
//! OffsetCommitValue schema. A commit with generation -1 to an unknown group creates a "simple"
//! group (admin tools, manually assigned consumers). Partitions of unknown topics get
//! UNKNOWN_TOPIC_OR_PARTITION. v2-4's retention time sets the offset's expire timestamp.
//! Versions 0-1 were removed in Kafka 4 (KIP-896).
//!
//! Differs from Kafka: v10 (topic ids) is not served yet.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::offset_commit_response::{
    OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use kafka_protocol::messages::{OffsetCommitRequest, OffsetCommitResponse, RequestHeader};

use crate::broker::Broker;
use crate::coord::group::api::{CommitOffsets, CommittedOffset};

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: OffsetCommitRequest,
) -> OffsetCommitResponse {
    let version = header.request_api_version;
    let image = broker.image();
    let known = |topic: &str| image.topic(topic).is_some();
    let offsets = request
        .topics
        .iter()
        .filter(|t| known(&t.name))
        .flat_map(|t| {
            t.partitions.iter().map(|p| {
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
        })
        .collect();
    let commit = CommitOffsets {
        generation_id: request.generation_id_or_member_epoch,
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
        retention_time_ms: if version <= 4 {
            request.retention_time_ms
        } else {
            -1
        },
        unknown_group_error: if version >= 9 {
            ResponseError::GroupIdNotFound
        } else {
            ResponseError::IllegalGeneration
        },
        offsets,
    };
    let result = broker
        .groups
        .commit_offsets(&request.group_id, commit)
        .await;
    let mut per_partition = match &result {
        Ok(errors) => errors.clone().into_iter(),
        Err(_) => Vec::new().into_iter(),
    };
    let topics = request
        .topics
        .into_iter()
        .map(|t| {
            let topic_known = known(&t.name);
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let error = if !topic_known {
                        Some(ResponseError::UnknownTopicOrPartition)
                    } else {
                        match &result {
                            Err(e) => Some(*e),
                            Ok(_) => per_partition.next().flatten(),
                        }
                    };
                    OffsetCommitResponsePartition::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(error.map_or(0, |e| e.code()))
                })
                .collect();
            OffsetCommitResponseTopic::default()
                .with_name(t.name)
                .with_partitions(partitions)
        })
        .collect();
    OffsetCommitResponse::default().with_topics(topics)
}
