//! One fetch round's wire side against one broker (a leader, or the preferred read replica a
//! leader named, KIP-392): the Fetch request of its session (`protocol::fetch_session`; with
//! `client.rack` as its rack id, v11+) and each answered partition (records, high watermark,
//! last stable offset, the preferred read replica, errors).

use super::batches::{decode_records, AbortedTransaction, DecodedRecords};
use crate::client::config::ClientConfig;
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::TopicPartition;
use crate::protocol::fetch_session::{FetchSessionHandler, SessionFetch};
use kafka_protocol::messages::fetch_request::FetchPartition;
use kafka_protocol::messages::fetch_response::PartitionData;
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

/// One partition's answer in a fetch.
#[derive(Debug)]
pub struct PartitionFetch {
    pub topic_partition: TopicPartition,
    /// The offset the broker read from: what its session holds for the partition, which
    /// this Fetch or an earlier one sent.
    pub fetch_offset: i64,
    data: PartitionData,
}

/// What a consumer asks of one partition: its records from `fetch_offset` (no leader epochs:
/// kf's consumer does not track them).
pub fn partition_request(
    config: &ClientConfig,
    partition: i32,
    fetch_offset: i64,
) -> FetchPartition {
    FetchPartition::default()
        .with_partition(partition)
        .with_current_leader_epoch(-1)
        .with_fetch_offset(fetch_offset)
        .with_last_fetched_epoch(-1)
        .with_log_start_offset(-1)
        .with_partition_max_bytes(config.max_partition_fetch_bytes)
}

/// The Fetch request carrying `fetch`.
pub fn request(config: &ClientConfig, fetch: SessionFetch) -> FetchRequest {
    FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(i32::try_from(config.fetch_max_wait.as_millis()).unwrap_or(i32::MAX))
        .with_min_bytes(config.fetch_min_bytes)
        .with_max_bytes(config.fetch_max_bytes)
        .with_isolation_level(config.isolation_level.wire_value())
        .with_session_id(fetch.session_id)
        .with_session_epoch(fetch.epoch)
        .with_rack_id(StrBytes::from_string(config.client_rack.clone()))
        .with_topics(fetch.topics)
        .with_forgotten_topics_data(fetch.forgotten)
}

/// Every partition `response` answers that `session` (the one it was asked in) holds.
pub fn partitions(
    response: FetchResponse,
    session: &FetchSessionHandler<TopicName>,
) -> Vec<PartitionFetch> {
    let mut fetched = Vec::new();
    for topic in response.responses {
        for data in topic.partitions {
            let Some(fetch_offset) = session.fetch_offset(&topic.topic, data.partition_index)
            else {
                continue;
            };
            fetched.push(PartitionFetch {
                topic_partition: TopicPartition::new(topic.topic.as_str(), data.partition_index),
                fetch_offset,
                data,
            });
        }
    }
    fetched
}

impl PartitionFetch {
    pub fn high_watermark(&self) -> i64 {
        self.data.high_watermark
    }

    pub fn last_stable_offset(&self) -> i64 {
        self.data.last_stable_offset
    }

    /// KIP-392: the replica the leader wants this consumer to fetch the partition from (the
    /// answer then holds no records).
    pub fn preferred_read_replica(&self) -> Option<i32> {
        Some(self.data.preferred_read_replica.0).filter(|r| *r >= 0)
    }

    /// The partition's error, or its records from the fetch offset (taken: a second call has
    /// none); with `read_committed`, those of aborted transactions dropped.
    pub fn records(
        &mut self,
        read_committed: bool,
        include_control: bool,
    ) -> ClientResult<DecodedRecords> {
        let tp = &self.topic_partition;
        // The error's context is written only for an error: a fetch of many partitions
        // formatted one per partition.
        ClientError::check(self.data.error_code, || format!("Fetch {tp}"))?;
        let aborted: Vec<AbortedTransaction> = self
            .data
            .aborted_transactions
            .iter()
            .flatten()
            .map(|a| AbortedTransaction {
                producer_id: a.producer_id.0,
                first_offset: a.first_offset,
            })
            .collect();
        decode_records(
            &tp.topic,
            tp.partition,
            self.data.records.take().unwrap_or_default(),
            self.fetch_offset,
            read_committed.then_some(aborted.as_slice()),
            include_control,
        )
    }
}
