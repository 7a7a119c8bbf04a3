//! ApiKey 75 · DescribeTopicPartitions · v0
//!
//! KIP-966's paginated topic description, which Kafka's admin client (`kafka-topics.sh
//! --describe`) and kafka-python's `describe_topic_partitions` use where brokers serve it: the
//! named topics (or, with none named, every topic), in name order, from the cursor's topic and
//! partition on, at most `min(response_partition_limit, 2000)` partitions (at least 1); where it
//! stops, `next_cursor` names the next topic and partition. As Kafka's handler: a cursor whose
//! topic is not among the named ones, or whose partition is negative, makes every named topic
//! INVALID_REQUEST; a named topic that does not exist answers UNKNOWN_TOPIC_OR_PARTITION (or
//! INVALID_TOPIC_EXCEPTION for a name no topic may have) without counting against the limit;
//! with no topics named, only existing ones are listed. Partitions come as in Metadata (leader
//! -1 while its broker is down, offline replicas), with empty eligible-leader lists: kf has no
//! eligible leader replicas (KIP-966's ELR is off, as by default in Kafka 4.0).
//!
//! kf brokers have no authorizer, so every topic operation is authorized, and said so (Kafka
//! without an authorizer answers the same bit set).

use std::collections::BTreeSet;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::describe_topic_partitions_response::{
    Cursor, DescribeTopicPartitionsResponsePartition, DescribeTopicPartitionsResponseTopic,
};
use kafka_protocol::messages::{
    BrokerId, DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse, RequestHeader,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::metadata::{is_internal_topic, partition_status};
use crate::broker::{authorized_operations, Broker};
use crate::metadata::controller::topic_name::invalid_reason;
use crate::metadata::{MetadataImage, TopicImage};

/// Kafka's `max.request.partition.size.limit` default: the most partitions one answer holds.
const MAX_PARTITIONS_PER_RESPONSE: i32 = 2000;

pub fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: DescribeTopicPartitionsRequest,
) -> DescribeTopicPartitionsResponse {
    let image = broker.image();
    let describe_all = request.topics.is_empty();
    let cursor = request
        .cursor
        .as_ref()
        .map(|c| (c.topic_name.as_str(), c.partition_index));
    let from_topic = cursor.map_or("", |(topic, _)| topic);
    let topics: BTreeSet<&str> = if describe_all {
        image
            .topics
            .keys()
            .map(String::as_str)
            .filter(|name| *name >= from_topic)
            .collect()
    } else {
        request
            .topics
            .iter()
            .map(|t| t.name.as_str())
            .filter(|name| *name >= from_topic)
            .collect()
    };
    let bad_cursor = cursor.is_some_and(|(topic, partition)| {
        partition < 0 || (!describe_all && !topics.contains(topic))
    });
    if bad_cursor {
        return invalid_request(&request);
    }
    let mut remaining = request
        .response_partition_limit
        .clamp(1, MAX_PARTITIONS_PER_RESPONSE) as usize;
    let mut response = DescribeTopicPartitionsResponse::default();
    for name in topics {
        if remaining == 0 {
            // The previous topics took the whole limit: the next answer starts with this one.
            response.next_cursor = Some(cursor_at(name, 0));
            break;
        }
        let Some(topic) = image.topic(name) else {
            if !describe_all {
                response.topics.push(missing_topic(name));
            }
            continue;
        };
        let first = match cursor {
            Some((topic_name, partition)) if topic_name == name => partition,
            _ => 0,
        };
        let (partitions, next) = partitions_from(&image, topic, first, remaining);
        remaining -= partitions.len();
        response.topics.push(
            DescribeTopicPartitionsResponseTopic::default()
                .with_name(Some(topic_name(name)))
                .with_topic_id(topic.topic_id)
                .with_is_internal(is_internal_topic(name))
                .with_partitions(partitions)
                .with_topic_authorized_operations(authorized_operations::TOPIC),
        );
        if let Some(next) = next {
            response.next_cursor = Some(cursor_at(name, next));
            break;
        }
    }
    response
}

/// At most `limit` partitions of `topic` from partition `first` on, and the partition after
/// them if the topic has more.
fn partitions_from(
    image: &MetadataImage,
    topic: &TopicImage,
    first: i32,
    limit: usize,
) -> (Vec<DescribeTopicPartitionsResponsePartition>, Option<i32>) {
    let count = i32::try_from(topic.partitions.len()).unwrap_or(i32::MAX);
    let end = first
        .saturating_add(i32::try_from(limit).unwrap_or(i32::MAX))
        .min(count);
    let partitions = (first..end)
        .filter_map(|index| topic.partitions.get(&index))
        .map(|p| {
            let status = partition_status(image, topic, p);
            DescribeTopicPartitionsResponsePartition::default()
                .with_partition_index(p.partition)
                .with_leader_id(status.leader_id)
                .with_leader_epoch(p.leader_epoch)
                .with_replica_nodes(p.replicas.iter().map(|r| BrokerId(*r)).collect())
                .with_isr_nodes(p.isr.iter().map(|r| BrokerId(*r)).collect())
                .with_eligible_leader_replicas(Some(Vec::new()))
                .with_last_known_elr(Some(Vec::new()))
                .with_offline_replicas(status.offline_replicas)
        })
        .collect();
    (partitions, (end < count).then_some(end))
}

fn missing_topic(name: &str) -> DescribeTopicPartitionsResponseTopic {
    let error = match invalid_reason(name) {
        Some(_) => ResponseError::InvalidTopicException,
        None => ResponseError::UnknownTopicOrPartition,
    };
    DescribeTopicPartitionsResponseTopic::default()
        .with_error_code(error.code())
        .with_name(Some(topic_name(name)))
        .with_is_internal(is_internal_topic(name))
}

/// Kafka's answer to a request it refuses as a whole: every named topic with INVALID_REQUEST.
fn invalid_request(request: &DescribeTopicPartitionsRequest) -> DescribeTopicPartitionsResponse {
    DescribeTopicPartitionsResponse::default().with_topics(
        request
            .topics
            .iter()
            .map(|t| {
                DescribeTopicPartitionsResponseTopic::default()
                    .with_error_code(ResponseError::InvalidRequest.code())
                    .with_name(Some(t.name.clone()))
            })
            .collect(),
    )
}

fn cursor_at(topic: &str, partition: i32) -> Cursor {
    Cursor::default()
        .with_topic_name(topic_name(topic))
        .with_partition_index(partition)
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_string()))
}
