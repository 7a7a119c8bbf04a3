//! ApiKey 43 · ElectLeaders · v0-2
//!
//! Forwarded to the active controller, which elects the preferred replica (type 0; v0 has only
//! this) or, for a partition without a leader, any live replica even out of sync (type 1,
//! unclean), as Kafka's `ReplicationControlManager.electLeaders`: a null partition list means
//! every partition and leaves out those that need no election. An unknown election type is
//! INVALID_REQUEST for the whole request; so is a controller that cannot be reached (its error).
//!
//! Differences from Kafka: the answer comes once the election is committed and applied on this
//! broker and on the other brokers of the process (up to 1 s, as for every controller call:
//! `MetadataQuorum::controller_call`), without waiting for the new leaders to take over
//! (`timeout_ms` bounds nothing more).

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::elect_leaders_response::{PartitionResult, ReplicaElectionResult};
use kafka_protocol::messages::{
    ElectLeadersRequest, ElectLeadersResponse, RequestHeader, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::metadata::controller::Election;
use crate::metadata::{ApiError, ControllerRequest, ControllerResponse};

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: ElectLeadersRequest,
) -> ElectLeadersResponse {
    let election = match (header.request_api_version, request.election_type) {
        (0, _) | (_, 0) => Election::Preferred,
        (_, 1) => Election::Unclean,
        (_, other) => {
            let error = ApiError::new(
                ResponseError::InvalidRequest,
                format!("Unknown election type {other}"),
            );
            return failed(&request, header.request_api_version, &error);
        }
    };
    let partitions = request.topic_partitions.as_ref().map(|topics| {
        topics
            .iter()
            .map(|t| (t.topic.to_string(), t.partitions.clone()))
            .collect()
    });
    let answer = broker
        .controller_call(ControllerRequest::ElectLeaders {
            election,
            partitions,
        })
        .await;
    match answer {
        Ok(ControllerResponse::ElectLeaders(results)) => ElectLeadersResponse::default()
            .with_replica_election_results(
                results
                    .into_iter()
                    .map(|(topic, partitions)| {
                        ReplicaElectionResult::default()
                            .with_topic(TopicName(StrBytes::from_string(topic)))
                            .with_partition_result(
                                partitions
                                    .into_iter()
                                    .map(|(id, outcome)| partition_result(id, outcome.err()))
                                    .collect(),
                            )
                    })
                    .collect(),
            ),
        Ok(_) => failed(
            &request,
            header.request_api_version,
            &ApiError::bare(ResponseError::UnknownServerError),
        ),
        Err(error) => failed(&request, header.request_api_version, &error),
    }
}

fn partition_result(partition_id: i32, error: Option<ApiError>) -> PartitionResult {
    let result = PartitionResult::default().with_partition_id(partition_id);
    match error {
        None => result,
        Some(e) => result
            .with_error_code(e.code.code())
            .with_error_message(e.message.map(StrBytes::from_string)),
    }
}

/// The whole request failed: the top-level error (v1+) and, as Kafka does, the same error on
/// every partition asked for.
fn failed(request: &ElectLeadersRequest, version: i16, error: &ApiError) -> ElectLeadersResponse {
    let results = request
        .topic_partitions
        .iter()
        .flatten()
        .map(|t| {
            ReplicaElectionResult::default()
                .with_topic(t.topic.clone())
                .with_partition_result(
                    t.partitions
                        .iter()
                        .map(|p| partition_result(*p, Some(error.clone())))
                        .collect(),
                )
        })
        .collect();
    let response = ElectLeadersResponse::default().with_replica_election_results(results);
    match version {
        0 => response,
        _ => response.with_error_code(error.code.code()),
    }
}
