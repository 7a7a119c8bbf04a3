//! Offsets: ListOffsets (earliest, latest, max timestamp, by timestamp) and DeleteRecords,
//! each sent to the partition leaders.

use super::Admin;
use crate::client::config::IsolationLevel;
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::{topic_name, TopicPartition};
use kafka_protocol::messages::delete_records_request::{
    DeleteRecordsPartition, DeleteRecordsTopic,
};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{BrokerId, DeleteRecordsRequest, ListOffsetsRequest};
use std::collections::BTreeMap;

/// Which offset ListOffsets should find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    /// The log start offset (timestamp -2).
    Earliest,
    /// The high watermark, or the last stable offset under read_committed (timestamp -1).
    Latest,
    /// The offset of the record with the largest timestamp (timestamp -3, ListOffsets v7+).
    MaxTimestamp,
    /// The first offset whose timestamp is at or after this many ms since the epoch.
    Timestamp(i64),
}

impl OffsetSpec {
    pub(super) fn wire_timestamp(self) -> i64 {
        match self {
            OffsetSpec::Earliest => -2,
            OffsetSpec::Latest => -1,
            OffsetSpec::MaxTimestamp => -3,
            OffsetSpec::Timestamp(ms) => ms,
        }
    }
}

/// A ListOffsets answer: `offset` is -1 when no record matches a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedOffset {
    pub offset: i64,
    pub timestamp: i64,
    pub leader_epoch: i32,
}

impl Admin {
    /// Looks offsets up at each partition's leader. Retriable partition errors (leader moved)
    /// retry the whole lookup after a metadata refresh; others fail the call.
    pub async fn list_offsets(
        &self,
        specs: &[(TopicPartition, OffsetSpec)],
        isolation_level: IsolationLevel,
    ) -> ClientResult<BTreeMap<TopicPartition, ListedOffset>> {
        self.client
            .retry(|| self.list_offsets_once(specs, isolation_level))
            .await
    }

    async fn list_offsets_once(
        &self,
        specs: &[(TopicPartition, OffsetSpec)],
        isolation_level: IsolationLevel,
    ) -> ClientResult<BTreeMap<TopicPartition, ListedOffset>> {
        let mut by_leader: BTreeMap<i32, BTreeMap<String, Vec<ListOffsetsPartition>>> =
            BTreeMap::new();
        for (tp, spec) in specs {
            let leader = self.client.leader_id(&tp.topic, tp.partition).await?;
            by_leader
                .entry(leader)
                .or_default()
                .entry(tp.topic.clone())
                .or_default()
                .push(
                    ListOffsetsPartition::default()
                        .with_partition_index(tp.partition)
                        .with_current_leader_epoch(-1)
                        .with_timestamp(spec.wire_timestamp()),
                );
        }
        let mut listed = BTreeMap::new();
        for (leader, topics) in by_leader {
            let request = ListOffsetsRequest::default()
                .with_replica_id(BrokerId(-1))
                .with_isolation_level(isolation_level.wire_value())
                .with_timeout_ms(self.timeout_ms())
                .with_topics(
                    topics
                        .into_iter()
                        .map(|(topic, partitions)| {
                            ListOffsetsTopic::default()
                                .with_name(topic_name(&topic))
                                .with_partitions(partitions)
                        })
                        .collect(),
                );
            let response = self.client.broker(leader).await?.send(&request).await?;
            for topic in response.topics {
                for p in topic.partitions {
                    let tp = TopicPartition::new(topic.name.0.to_string(), p.partition_index);
                    ClientError::check(p.error_code, || format!("ListOffsets {tp}"))?;
                    listed.insert(
                        tp,
                        ListedOffset {
                            offset: p.offset,
                            timestamp: p.timestamp,
                            leader_epoch: p.leader_epoch,
                        },
                    );
                }
            }
        }
        Ok(listed)
    }

    /// Deletes records before the given offsets (-1: the high watermark); returns each
    /// partition's new low watermark (log start offset).
    pub async fn delete_records(
        &self,
        before: &[(TopicPartition, i64)],
    ) -> ClientResult<BTreeMap<TopicPartition, i64>> {
        self.client.retry(|| self.delete_records_once(before)).await
    }

    async fn delete_records_once(
        &self,
        before: &[(TopicPartition, i64)],
    ) -> ClientResult<BTreeMap<TopicPartition, i64>> {
        let mut by_leader: BTreeMap<i32, BTreeMap<String, Vec<DeleteRecordsPartition>>> =
            BTreeMap::new();
        for (tp, offset) in before {
            let leader = self.client.leader_id(&tp.topic, tp.partition).await?;
            by_leader
                .entry(leader)
                .or_default()
                .entry(tp.topic.clone())
                .or_default()
                .push(
                    DeleteRecordsPartition::default()
                        .with_partition_index(tp.partition)
                        .with_offset(*offset),
                );
        }
        let mut low_watermarks = BTreeMap::new();
        for (leader, topics) in by_leader {
            let request = DeleteRecordsRequest::default()
                .with_timeout_ms(self.timeout_ms())
                .with_topics(
                    topics
                        .into_iter()
                        .map(|(topic, partitions)| {
                            DeleteRecordsTopic::default()
                                .with_name(topic_name(&topic))
                                .with_partitions(partitions)
                        })
                        .collect(),
                );
            let response = self.client.broker(leader).await?.send(&request).await?;
            for topic in response.topics {
                for p in topic.partitions {
                    let tp = TopicPartition::new(topic.name.0.to_string(), p.partition_index);
                    ClientError::check(p.error_code, || format!("DeleteRecords {tp}"))?;
                    low_watermarks.insert(tp, p.low_watermark);
                }
            }
        }
        Ok(low_watermarks)
    }
}
