//! Lookups addressed to one broker, for watching many partitions at once: ListOffsets for
//! every partition a broker leads in one request, and DescribeLogDirs sizes of every replica
//! it hosts. A partition's error comes back for that partition alone, so one moved leader does
//! not hide the rest.

use std::collections::BTreeMap;

use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{BrokerId, DescribeLogDirsRequest, ListOffsetsRequest};

use super::{item_result, Admin, OffsetSpec};
use crate::client::config::IsolationLevel;
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::{topic_name, TopicPartition};

/// Kafka's replica ids of a ListOffsets request: a consumer's (bounded by its isolation level)
/// and the debugging one (answered from the log end, by any replica).
const CONSUMER_REPLICA_ID: i32 = -1;
const DEBUGGING_REPLICA_ID: i32 = -2;

impl Admin {
    /// One ListOffsets request to `broker_id` for `partitions` (which it should lead).
    pub async fn list_offsets_at(
        &self,
        broker_id: i32,
        partitions: &[TopicPartition],
        spec: OffsetSpec,
        isolation_level: IsolationLevel,
    ) -> ClientResult<BTreeMap<TopicPartition, ClientResult<i64>>> {
        self.list_offsets_as(
            CONSUMER_REPLICA_ID,
            broker_id,
            partitions,
            spec,
            isolation_level,
        )
        .await
    }

    /// The log end offsets of `partitions` as `broker_id`'s replicas hold them: one ListOffsets
    /// as Kafka's debugging replica (-2), which Kafka answers from the log end rather than the
    /// high watermark. A broker that answers it as a consumer's request gives the high
    /// watermark instead.
    pub async fn log_end_offsets_at(
        &self,
        broker_id: i32,
        partitions: &[TopicPartition],
    ) -> ClientResult<BTreeMap<TopicPartition, ClientResult<i64>>> {
        self.list_offsets_as(
            DEBUGGING_REPLICA_ID,
            broker_id,
            partitions,
            OffsetSpec::Latest,
            IsolationLevel::ReadUncommitted,
        )
        .await
    }

    async fn list_offsets_as(
        &self,
        replica_id: i32,
        broker_id: i32,
        partitions: &[TopicPartition],
        spec: OffsetSpec,
        isolation_level: IsolationLevel,
    ) -> ClientResult<BTreeMap<TopicPartition, ClientResult<i64>>> {
        let mut by_topic: BTreeMap<&str, Vec<ListOffsetsPartition>> = BTreeMap::new();
        for tp in partitions {
            by_topic.entry(&tp.topic).or_default().push(
                ListOffsetsPartition::default()
                    .with_partition_index(tp.partition)
                    .with_current_leader_epoch(-1)
                    .with_timestamp(spec.wire_timestamp()),
            );
        }
        let request = ListOffsetsRequest::default()
            .with_replica_id(BrokerId(replica_id))
            .with_isolation_level(isolation_level.wire_value())
            .with_timeout_ms(self.timeout_ms())
            .with_topics(
                by_topic
                    .into_iter()
                    .map(|(topic, partitions)| {
                        ListOffsetsTopic::default()
                            .with_name(topic_name(topic))
                            .with_partitions(partitions)
                    })
                    .collect(),
            );
        let response = self.client.broker(broker_id).await?.send(&request).await?;
        let mut listed = BTreeMap::new();
        for topic in response.topics {
            for p in topic.partitions {
                let tp = TopicPartition::new(topic.name.0.to_string(), p.partition_index);
                let offset = ClientError::check(p.error_code, || format!("ListOffsets {tp}"))
                    .map(|()| p.offset);
                listed.insert(tp, offset);
            }
        }
        Ok(listed)
    }

    /// The size in bytes of every partition replica `broker_id` hosts (DescribeLogDirs, all
    /// topics), summed over its log directories.
    pub async fn describe_log_dirs(
        &self,
        broker_id: i32,
    ) -> ClientResult<BTreeMap<TopicPartition, i64>> {
        let request = DescribeLogDirsRequest::default().with_topics(None);
        let response = self.client.broker(broker_id).await?.send(&request).await?;
        item_result(response.error_code, None, "DescribeLogDirs")?;
        let mut sizes = BTreeMap::new();
        for dir in response.results {
            if dir.error_code != 0 {
                // An offline log directory has no sizes to give; the others still count.
                continue;
            }
            for topic in dir.topics {
                for p in topic.partitions.iter().filter(|p| !p.is_future_key) {
                    let tp = TopicPartition::new(topic.name.0.to_string(), p.partition_index);
                    *sizes.entry(tp).or_insert(0) += p.partition_size;
                }
            }
        }
        Ok(sizes)
    }
}
