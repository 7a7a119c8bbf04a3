//! ApiKey 46 · ListPartitionReassignments · v0-0
//!
//! Forwarded to the active controller, which answers from its image as Kafka's
//! `ReplicationControlManager.listPartitionReassignments`: a null topic list lists every
//! partition whose reassignment is under way; otherwise only those of the partitions asked, with
//! unknown topics and partitions not being reassigned left out (no error). Each partition shows
//! its replicas (targets first, then those being removed), the replicas being added and those
//! being removed. A controller that cannot be reached is the top-level error.

use indexmap::IndexMap;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::list_partition_reassignments_response::{
    OngoingPartitionReassignment, OngoingTopicReassignment,
};
use kafka_protocol::messages::{
    BrokerId, ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, RequestHeader,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::metadata::{ApiError, ControllerRequest, ControllerResponse};

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: ListPartitionReassignmentsRequest,
) -> ListPartitionReassignmentsResponse {
    let topics = request.topics.as_ref().map(|topics| {
        topics
            .iter()
            .map(|t| (t.name.to_string(), t.partition_indexes.clone()))
            .collect()
    });
    let answer = broker
        .controller_call(ControllerRequest::ListPartitionReassignments { topics })
        .await;
    let ongoing = match answer {
        Ok(ControllerResponse::ListPartitionReassignments(ongoing)) => ongoing,
        Ok(_) => return failed(&ApiError::bare(ResponseError::UnknownServerError)),
        Err(error) => return failed(&error),
    };
    let mut by_topic: IndexMap<String, Vec<OngoingPartitionReassignment>> = IndexMap::new();
    for reassignment in ongoing {
        let ids = |ids: Vec<i32>| ids.into_iter().map(BrokerId).collect::<Vec<_>>();
        by_topic.entry(reassignment.topic).or_default().push(
            OngoingPartitionReassignment::default()
                .with_partition_index(reassignment.partition)
                .with_replicas(ids(reassignment.replicas))
                .with_adding_replicas(ids(reassignment.adding_replicas))
                .with_removing_replicas(ids(reassignment.removing_replicas)),
        );
    }
    let topics = by_topic
        .into_iter()
        .map(|(name, partitions)| {
            OngoingTopicReassignment::default()
                .with_name(TopicName(StrBytes::from_string(name)))
                .with_partitions(partitions)
        })
        .collect();
    ListPartitionReassignmentsResponse::default().with_topics(topics)
}

fn failed(error: &ApiError) -> ListPartitionReassignmentsResponse {
    ListPartitionReassignmentsResponse::default()
        .with_error_code(error.code.code())
        .with_error_message(error.message.clone().map(StrBytes::from_string))
}
