//! ApiKey 47 · OffsetDelete · v0
//!
//! Deletes a group's committed offsets for some partitions (tombstones in
//! `__consumer_offsets`): refused for a group with members unless it uses the consumer
//! protocol, and per partition for topics a member is subscribed to
//! (GROUP_SUBSCRIBED_TO_TOPIC), as Kafka.
//!
//! Differs from Kafka: none known.

use kafka_protocol::messages::offset_delete_response::{
    OffsetDeleteResponsePartition, OffsetDeleteResponseTopic,
};
use kafka_protocol::messages::{OffsetDeleteRequest, OffsetDeleteResponse, RequestHeader};

use crate::broker::Broker;

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: OffsetDeleteRequest,
) -> OffsetDeleteResponse {
    let partitions = request
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(|p| (t.name.to_string(), p.partition_index))
        })
        .collect();
    match broker
        .groups
        .delete_offsets(&request.group_id, partitions)
        .await
    {
        Err(e) => OffsetDeleteResponse::default().with_error_code(e.code()),
        Ok(errors) => {
            let mut errors = errors.into_iter();
            let topics = request
                .topics
                .into_iter()
                .map(|t| {
                    let partitions = t
                        .partitions
                        .iter()
                        .map(|p| {
                            OffsetDeleteResponsePartition::default()
                                .with_partition_index(p.partition_index)
                                .with_error_code(errors.next().flatten().map_or(0, |e| e.code()))
                        })
                        .collect();
                    OffsetDeleteResponseTopic::default()
                        .with_name(t.name)
                        .with_partitions(partitions)
                })
                .collect();
            OffsetDeleteResponse::default().with_topics(topics)
        }
    }
}
