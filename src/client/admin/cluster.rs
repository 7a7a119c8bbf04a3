//! The cluster: brokers and controller (DescribeCluster, from v2 with the fenced brokers, else
//! Metadata) and the KRaft quorum
//! (DescribeQuorum, when the broker has API key 55).

use super::{item_result, Admin};
use crate::client::cluster_metadata::BrokerMetadata;
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::topic_name;
use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::describe_quorum_request::{PartitionData, TopicData};
use kafka_protocol::messages::{ApiKey, DescribeClusterRequest, DescribeQuorumRequest};

/// Who is in the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterDescription {
    pub cluster_id: Option<String>,
    pub controller_id: i32,
    /// The unfenced brokers, the ones clients are sent to.
    pub brokers: Vec<BrokerMetadata>,
    /// Registered brokers the controller has fenced (stopped, or cut off), as DescribeCluster
    /// v2 lists them; empty from older brokers and from Metadata.
    pub fenced_brokers: Vec<BrokerMetadata>,
}

/// One replica of the metadata log as the quorum leader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumReplica {
    pub replica_id: i32,
    pub log_end_offset: i64,
    pub last_fetch_timestamp: i64,
    pub last_caught_up_timestamp: i64,
}

/// The metadata quorum (`__cluster_metadata-0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumDescription {
    pub leader_id: i32,
    pub leader_epoch: i32,
    pub high_watermark: i64,
    pub voters: Vec<QuorumReplica>,
    pub observers: Vec<QuorumReplica>,
}

impl Admin {
    /// Brokers and controller: DescribeCluster when the broker supports it, else Metadata.
    pub async fn describe_cluster(&self) -> ClientResult<ClusterDescription> {
        let connection = self.client.any_broker().await?;
        if connection.version(ApiKey::DescribeCluster).is_some() {
            let response = self
                .client
                .retry(|| async {
                    let connection = self.client.any_broker().await?;
                    let include_fenced = connection
                        .version(ApiKey::DescribeCluster)
                        .is_some_and(|v| v >= 2);
                    let request = DescribeClusterRequest::default()
                        .with_include_fenced_brokers(include_fenced);
                    connection.send(&request).await
                })
                .await?;
            let broker = |b: &DescribeClusterBroker| BrokerMetadata {
                node_id: b.broker_id.0,
                host: b.host.to_string(),
                port: b.port,
                rack: b.rack.as_ref().map(ToString::to_string),
            };
            item_result(
                response.error_code,
                response.error_message.as_deref(),
                "DescribeCluster",
            )?;
            return Ok(ClusterDescription {
                cluster_id: Some(response.cluster_id.to_string()),
                controller_id: response.controller_id.0,
                brokers: response
                    .brokers
                    .iter()
                    .filter(|b| !b.is_fenced)
                    .map(broker)
                    .collect(),
                fenced_brokers: response
                    .brokers
                    .iter()
                    .filter(|b| b.is_fenced)
                    .map(broker)
                    .collect(),
            });
        }
        self.client
            .retry(|| self.client.refresh_metadata(Some(&[])))
            .await?;
        let metadata = self.client.metadata();
        Ok(ClusterDescription {
            cluster_id: metadata.cluster_id,
            controller_id: metadata.controller_id,
            brokers: metadata.brokers.into_values().collect(),
            fenced_brokers: Vec::new(),
        })
    }

    /// The metadata quorum; `UnsupportedApi` when the broker lacks DescribeQuorum.
    pub async fn describe_quorum(&self) -> ClientResult<QuorumDescription> {
        let request = DescribeQuorumRequest::default().with_topics(vec![TopicData::default()
            .with_topic_name(topic_name("__cluster_metadata"))
            .with_partitions(vec![PartitionData::default().with_partition_index(0)])]);
        // NOT_LEADER_OR_FOLLOWER while the quorum elects a leader: asked again, as Kafka's
        // admin client retries it.
        let partition = self
            .client
            .retry(|| async {
                let response = self.client.any_broker().await?.send(&request).await?;
                item_result(
                    response.error_code,
                    response.error_message.as_deref(),
                    "DescribeQuorum",
                )?;
                let partition = response
                    .topics
                    .first()
                    .and_then(|t| t.partitions.first())
                    .ok_or_else(|| {
                        ClientError::Protocol("DescribeQuorum returned no partition".into())
                    })?;
                item_result(
                    partition.error_code,
                    partition.error_message.as_deref(),
                    "__cluster_metadata-0",
                )?;
                Ok(partition.clone())
            })
            .await?;
        let replicas =
            |states: &[kafka_protocol::messages::describe_quorum_response::ReplicaState]| {
                states
                    .iter()
                    .map(|s| QuorumReplica {
                        replica_id: s.replica_id.0,
                        log_end_offset: s.log_end_offset,
                        last_fetch_timestamp: s.last_fetch_timestamp,
                        last_caught_up_timestamp: s.last_caught_up_timestamp,
                    })
                    .collect()
            };
        Ok(QuorumDescription {
            leader_id: partition.leader_id.0,
            leader_epoch: partition.leader_epoch,
            high_watermark: partition.high_watermark,
            voters: replicas(&partition.current_voters),
            observers: replicas(&partition.observers),
        })
    }
}
