//! Writing a group's changes to its `__consumer_offsets` partition, in Kafka's record schemas.

use std::sync::Weak;

use kafka_protocol::error::ResponseError;

use super::api::CommittedOffset;
use super::classic::ClassicGroup;
use super::records::{GroupRecordKey, OffsetCommitValue};
use super::OFFSETS_TOPIC;
use crate::broker::Broker;
use crate::coord::partition_loader::{CoordinatorAcks, CoordinatorRecord, TxnProducer};
use crate::replica::TopicPartition;

/// Where a group's records go, one batch per call; the offset of its first record is returned.
/// A write that fails leaves the group's in-memory state as it was.
pub trait GroupLog: Send {
    fn append(&mut self, records: Vec<CoordinatorRecord>) -> Result<i64, ResponseError> {
        self.append_as(None, records)
    }

    /// With `producer`: a transactional batch of that producer (TxnOffsetCommit).
    fn append_as(
        &mut self,
        producer: Option<TxnProducer>,
        records: Vec<CoordinatorRecord>,
    ) -> Result<i64, ResponseError>;

    /// How far the partition is replicated (its high watermark): what the group appended
    /// below it takes effect.
    fn high_watermark(&self) -> i64;
}

/// The group's partition of `__consumer_offsets` on this broker, in the leader epoch it was
/// loaded in.
pub struct PartitionGroupLog {
    pub broker: Weak<Broker>,
    pub partition: i32,
    pub leader_epoch: i32,
}

impl GroupLog for PartitionGroupLog {
    fn append_as(
        &mut self,
        producer: Option<TxnProducer>,
        records: Vec<CoordinatorRecord>,
    ) -> Result<i64, ResponseError> {
        let broker = self
            .broker
            .upgrade()
            .ok_or(ResponseError::CoordinatorNotAvailable)?;
        broker
            .append_coordinator_records(
                OFFSETS_TOPIC,
                self.partition,
                self.leader_epoch,
                CoordinatorAcks::HighWatermark,
                producer,
                &records,
            )
            .map(|appended| appended.first_offset)
    }

    fn high_watermark(&self) -> i64 {
        // Without the partition (the broker stops, or lost it) nothing more takes effect: the
        // group is about to be unloaded.
        self.broker
            .upgrade()
            .and_then(|broker| {
                broker
                    .replicas
                    .get(&TopicPartition::new(OFFSETS_TOPIC, self.partition))
            })
            .map_or(-1, |partition| partition.high_watermark())
    }
}

pub fn group_metadata_record(group: &ClassicGroup) -> CoordinatorRecord {
    CoordinatorRecord {
        key: GroupRecordKey::GroupMetadata {
            group: group.group_id.clone(),
        }
        .encode(),
        value: Some(group.to_record().encode()),
    }
}

pub fn group_tombstone(group_id: &str) -> CoordinatorRecord {
    CoordinatorRecord {
        key: GroupRecordKey::GroupMetadata {
            group: group_id.to_string(),
        }
        .encode(),
        value: None,
    }
}

pub fn offset_record(
    group_id: &str,
    topic: &str,
    partition: i32,
    offset: &CommittedOffset,
) -> CoordinatorRecord {
    CoordinatorRecord {
        key: offset_key(group_id, topic, partition),
        value: Some(
            OffsetCommitValue {
                offset: offset.offset,
                leader_epoch: offset.leader_epoch,
                metadata: offset.metadata.clone(),
                commit_timestamp: offset.commit_timestamp_ms,
                expire_timestamp: offset.expire_timestamp_ms,
            }
            .encode(),
        ),
    }
}

pub fn offset_tombstone(group_id: &str, topic: &str, partition: i32) -> CoordinatorRecord {
    CoordinatorRecord {
        key: offset_key(group_id, topic, partition),
        value: None,
    }
}

fn offset_key(group_id: &str, topic: &str, partition: i32) -> Vec<u8> {
    GroupRecordKey::OffsetCommit {
        group: group_id.to_string(),
        topic: topic.to_string(),
        partition,
    }
    .encode()
}

/// Records kept by a test instead of a log, with the producer of each.
#[cfg(test)]
#[derive(Default)]
pub struct MemoryGroupLog {
    pub records: Vec<CoordinatorRecord>,
    pub producers: Vec<Option<TxnProducer>>,
    pub fail_with: Option<ResponseError>,
    /// `None`: everything appended is replicated.
    pub high_watermark: Option<i64>,
}

#[cfg(test)]
impl GroupLog for MemoryGroupLog {
    fn append_as(
        &mut self,
        producer: Option<TxnProducer>,
        records: Vec<CoordinatorRecord>,
    ) -> Result<i64, ResponseError> {
        if let Some(e) = self.fail_with {
            return Err(e);
        }
        let first = i64::try_from(self.records.len()).unwrap_or(i64::MAX);
        self.producers
            .extend(std::iter::repeat_n(producer, records.len()));
        self.records.extend(records);
        Ok(first)
    }

    fn high_watermark(&self) -> i64 {
        self.high_watermark
            .unwrap_or_else(|| i64::try_from(self.records.len()).unwrap_or(i64::MAX))
    }
}
