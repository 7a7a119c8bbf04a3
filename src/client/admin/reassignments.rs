//! Partition reassignments (KIP-455): AlterPartitionReassignments to move a partition's replicas
//! or cancel a move, ListPartitionReassignments to see the moves under way.

use kafka_protocol::messages::alter_partition_reassignments_request::{
    ReassignablePartition, ReassignableTopic,
};
use kafka_protocol::messages::list_partition_reassignments_request::ListPartitionReassignmentsTopics;
use kafka_protocol::messages::{
    AlterPartitionReassignmentsRequest, BrokerId, ListPartitionReassignmentsRequest,
};
use serde::Serialize;

use super::{item_result, Admin};
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::topic_name;

/// A partition whose replicas are moving: its replicas (the targets, then those leaving), the
/// ones being added and the ones being removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OngoingReassignment {
    pub topic: String,
    pub partition: i32,
    pub replicas: Vec<i32>,
    pub adding_replicas: Vec<i32>,
    pub removing_replicas: Vec<i32>,
}

impl Admin {
    /// Moves `topic`'s `partition` to `replicas` (`None` cancels its move), through the
    /// controller.
    pub async fn alter_partition_reassignment(
        &self,
        topic: &str,
        partition: i32,
        replicas: Option<&[i32]>,
    ) -> ClientResult<()> {
        let request = AlterPartitionReassignmentsRequest::default()
            .with_timeout_ms(self.timeout_ms())
            .with_topics(vec![ReassignableTopic::default()
                .with_name(topic_name(topic))
                .with_partitions(vec![ReassignablePartition::default()
                    .with_partition_index(partition)
                    .with_replicas(
                        replicas.map(|r| r.iter().copied().map(BrokerId).collect()),
                    )])]);
        let response = self
            .client
            .retry(|| async { self.client.controller().await?.send(&request).await })
            .await?;
        check_top_level(response.error_code, response.error_message.as_deref())?;
        let item = format!("{topic}:{partition}");
        let outcome = response
            .responses
            .iter()
            .flat_map(|t| t.partitions.iter())
            .find(|p| p.partition_index == partition)
            .map(|p| item_result(p.error_code, p.error_message.as_deref(), &item));
        outcome.unwrap_or(Ok(()))
    }

    /// The reassignments under way: of `partitions` (topic, partition) when given, else of
    /// every topic.
    pub async fn list_partition_reassignments(
        &self,
        partitions: Option<&[(String, i32)]>,
    ) -> ClientResult<Vec<OngoingReassignment>> {
        let topics = partitions.map(|partitions| {
            partitions
                .iter()
                .map(|(topic, partition)| {
                    ListPartitionReassignmentsTopics::default()
                        .with_name(topic_name(topic))
                        .with_partition_indexes(vec![*partition])
                })
                .collect()
        });
        let request = ListPartitionReassignmentsRequest::default()
            .with_timeout_ms(self.timeout_ms())
            .with_topics(topics);
        let response = self
            .client
            .retry(|| async { self.client.controller().await?.send(&request).await })
            .await?;
        check_top_level(response.error_code, response.error_message.as_deref())?;
        let ids = |ids: &[BrokerId]| ids.iter().map(|b| b.0).collect::<Vec<i32>>();
        Ok(response
            .topics
            .iter()
            .flat_map(|t| {
                t.partitions.iter().map(move |p| OngoingReassignment {
                    topic: t.name.to_string(),
                    partition: p.partition_index,
                    replicas: ids(&p.replicas),
                    adding_replicas: ids(&p.adding_replicas),
                    removing_replicas: ids(&p.removing_replicas),
                })
            })
            .collect())
    }
}

/// A reassignment response's top-level error, with the controller's message.
fn check_top_level(code: i16, message: Option<&str>) -> ClientResult<()> {
    ClientError::check(code, || message.unwrap_or_default().to_string())
}
