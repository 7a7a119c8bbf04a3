//! ApiKey 68 · ConsumerGroupHeartbeat · v0-1
//!
//! The consumer protocol's one request (KIP-848): joining (epoch 0), heartbeating, leaving
//! (-1, a static member -2); the answer carries the member's epoch and, when it changed or the
//! request was a full one, its assignment. The group's task decides (`coord/group/consumer/`).
//! v1 (KIP-1082) requires the client to choose its member id; v0 lets the coordinator choose.
//!
//! A join to a classic group with members upgrades it when `group.consumer.migration.policy`
//! allows (`coord/group/consumer/migration.rs`); the last consumer-protocol member leaving a
//! group of classic members downgrades it.
//!
//! Differs from Kafka: no rack-aware assignment; regular expressions are resolved against the broker's
//! metadata at each heartbeat rather than by a background task, and no
//! ConsumerGroupRegularExpression records are written.

use kafka_protocol::messages::consumer_group_heartbeat_response::{Assignment, TopicPartitions};
use kafka_protocol::messages::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, RequestHeader,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::coord::group::consumer::heartbeat::ConsumerHeartbeat;

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: ConsumerGroupHeartbeatRequest,
    client_host: String,
) -> ConsumerGroupHeartbeatResponse {
    let heartbeat = ConsumerHeartbeat {
        version: header.request_api_version,
        member_id: request.member_id.to_string(),
        member_epoch: request.member_epoch,
        instance_id: request.instance_id.as_ref().map(|s| s.to_string()),
        rack_id: request.rack_id.as_ref().map(|s| s.to_string()),
        rebalance_timeout_ms: request.rebalance_timeout_ms,
        subscribed_topic_names: request
            .subscribed_topic_names
            .as_ref()
            .map(|names| names.iter().map(|n| n.to_string()).collect()),
        subscribed_topic_regex: request
            .subscribed_topic_regex
            .as_ref()
            .map(|s| s.to_string()),
        server_assignor: request.server_assignor.as_ref().map(|s| s.to_string()),
        owned: request.topic_partitions.as_ref().map(|topics| {
            topics
                .iter()
                .map(|t| (t.topic_id, t.partitions.clone()))
                .collect()
        }),
        client_id: header
            .client_id
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        client_host,
        image: broker.image(),
    };
    let answer = broker
        .groups
        .consumer_group_heartbeat(&request.group_id, heartbeat)
        .await;
    ConsumerGroupHeartbeatResponse::default()
        .with_error_code(answer.error.map_or(0, |e| e.code()))
        .with_error_message(answer.message.map(StrBytes::from_string))
        .with_member_id(answer.member_id.map(StrBytes::from_string))
        .with_member_epoch(answer.member_epoch)
        .with_heartbeat_interval_ms(answer.heartbeat_interval_ms)
        .with_assignment(answer.assignment.map(|assignment| {
            Assignment::default().with_topic_partitions(
                assignment
                    .into_iter()
                    .map(|(topic_id, partitions)| {
                        TopicPartitions::default()
                            .with_topic_id(topic_id)
                            .with_partitions(partitions.into_iter().collect())
                    })
                    .collect(),
            )
        }))
}
