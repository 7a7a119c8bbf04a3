//! ApiKey 45 · AlterPartitionReassignments · v0-0
//!
//! Forwarded to the active controller, which starts, changes or cancels (null replicas) each
//! partition's reassignment as Kafka's `ReplicationControlManager.alterPartitionReassignments`
//! (`metadata/controller/reassignment.rs`): the new replicas are added first and catch up, then
//! the removed ones leave (and delete their logs) once every target replica is in sync. Per
//! partition: UNKNOWN_TOPIC_OR_PARTITION for a topic or partition that does not exist,
//! INVALID_REPLICA_ASSIGNMENT for an empty, duplicated or unregistered replica list (or a cancel
//! that would take an unclean election the topic does not allow), NO_REASSIGNMENT_IN_PROGRESS
//! for a cancel with nothing to cancel. A controller that cannot be reached fails the whole
//! request: its error at the top and on every partition, as Kafka's error response.
//!
//! Differences from Kafka: v1 (KIP-860, `allow_replication_factor_change`, Kafka 4.1) is not
//! served; the answer comes once the records are committed and applied on this broker and on
//! the other brokers of the process (up to 1 s, as for every controller call:
//! `MetadataQuorum::controller_call`; `timeout_ms` bounds nothing more); no replication quotas throttle the catch-up.

use kafka_protocol::messages::alter_partition_reassignments_response::{
    ReassignablePartitionResponse, ReassignableTopicResponse,
};
use kafka_protocol::messages::{
    AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, RequestHeader,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::metadata::{ApiError, ControllerRequest, ControllerResponse};

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: AlterPartitionReassignmentsRequest,
) -> AlterPartitionReassignmentsResponse {
    let topics = request
        .topics
        .iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .map(|p| {
                    let replicas = p.replicas.as_ref().map(|r| r.iter().map(|b| b.0).collect());
                    (p.partition_index, replicas)
                })
                .collect();
            (topic.name.to_string(), partitions)
        })
        .collect();
    let answer = broker
        .controller_call(ControllerRequest::AlterPartitionReassignments { topics })
        .await;
    match answer {
        Ok(ControllerResponse::AlterPartitionReassignments(results)) => {
            let responses = results
                .into_iter()
                .map(|(name, partitions)| {
                    ReassignableTopicResponse::default()
                        .with_name(TopicName(StrBytes::from_string(name)))
                        .with_partitions(
                            partitions
                                .into_iter()
                                .map(|(index, outcome)| partition_response(index, outcome.err()))
                                .collect(),
                        )
                })
                .collect();
            AlterPartitionReassignmentsResponse::default().with_responses(responses)
        }
        Ok(_) => failed(
            &request,
            &ApiError::bare(kafka_protocol::error::ResponseError::UnknownServerError),
        ),
        Err(error) => failed(&request, &error),
    }
}

fn partition_response(index: i32, error: Option<ApiError>) -> ReassignablePartitionResponse {
    let response = ReassignablePartitionResponse::default().with_partition_index(index);
    match error {
        None => response,
        Some(e) => response
            .with_error_code(e.code.code())
            .with_error_message(e.message.map(StrBytes::from_string)),
    }
}

/// The whole request failed: the error at the top and on every partition asked for.
fn failed(
    request: &AlterPartitionReassignmentsRequest,
    error: &ApiError,
) -> AlterPartitionReassignmentsResponse {
    let responses = request
        .topics
        .iter()
        .map(|t| {
            ReassignableTopicResponse::default()
                .with_name(t.name.clone())
                .with_partitions(
                    t.partitions
                        .iter()
                        .map(|p| partition_response(p.partition_index, Some(error.clone())))
                        .collect(),
                )
        })
        .collect();
    AlterPartitionReassignmentsResponse::default()
        .with_error_code(error.code.code())
        .with_error_message(error.message.clone().map(StrBytes::from_string))
        .with_responses(responses)
}
