//! One fetch round against one broker (a leader, or the preferred read replica a leader named,
//! KIP-392): build the Fetch request for its partitions (with `client.rack` as its rack id,
//! v11+) and read each partition's answer (records, high watermark, last stable offset, the
//! preferred read replica, errors).

use super::batches::{decode_records, AbortedTransaction, DecodedRecords};
use crate::client::config::{ClientConfig, IsolationLevel};
use crate::client::connection::BrokerConnection;
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::{topic_name, TopicPartition};
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::{BrokerId, FetchRequest};
use kafka_protocol::protocol::StrBytes;
use std::collections::BTreeMap;

/// One partition's outcome of a fetch.
#[derive(Debug)]
pub struct PartitionFetch {
    pub topic_partition: TopicPartition,
    /// The offset the request asked for.
    pub fetch_offset: i64,
    pub result: ClientResult<DecodedRecords>,
    pub high_watermark: i64,
    pub last_stable_offset: i64,
    /// KIP-392: the replica the leader wants this consumer to fetch the partition from (the
    /// answer then holds no records).
    pub preferred_read_replica: Option<i32>,
}

/// Fetches `positions` from the broker behind `connection` (their leader or a replica a
/// leader named for them).
pub async fn fetch_from(
    connection: &BrokerConnection,
    config: &ClientConfig,
    positions: &[(TopicPartition, i64)],
    include_control: bool,
) -> ClientResult<Vec<PartitionFetch>> {
    let mut topics: BTreeMap<&str, Vec<FetchPartition>> = BTreeMap::new();
    for (tp, offset) in positions {
        topics.entry(tp.topic.as_str()).or_default().push(
            FetchPartition::default()
                .with_partition(tp.partition)
                .with_current_leader_epoch(-1)
                .with_fetch_offset(*offset)
                .with_last_fetched_epoch(-1)
                .with_log_start_offset(-1)
                .with_partition_max_bytes(config.max_partition_fetch_bytes),
        );
    }
    // Session id 0 with epoch -1: a full, sessionless fetch every time.
    let request = FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(i32::try_from(config.fetch_max_wait.as_millis()).unwrap_or(i32::MAX))
        .with_min_bytes(config.fetch_min_bytes)
        .with_max_bytes(config.fetch_max_bytes)
        .with_isolation_level(config.isolation_level.wire_value())
        .with_session_id(0)
        .with_session_epoch(-1)
        .with_rack_id(StrBytes::from_string(config.client_rack.clone()))
        .with_topics(
            topics
                .into_iter()
                .map(|(topic, partitions)| {
                    FetchTopic::default()
                        .with_topic(topic_name(topic))
                        .with_partitions(partitions)
                })
                .collect(),
        );
    let response = connection.send(&request).await?;
    ClientError::check(response.error_code, || {
        format!("Fetch from {}", connection.addr())
    })?;
    let offsets: BTreeMap<&TopicPartition, i64> =
        positions.iter().map(|(tp, o)| (tp, *o)).collect();
    let read_committed = config.isolation_level == IsolationLevel::ReadCommitted;
    let mut fetched = Vec::new();
    for topic in response.responses {
        let name = topic.topic.0.to_string();
        for p in topic.partitions {
            let tp = TopicPartition::new(name.clone(), p.partition_index);
            let Some(&fetch_offset) = offsets.get(&tp) else {
                continue;
            };
            // The error's context is written only for an error: a fetch of many partitions
            // formatted one per partition.
            let result = match ClientError::check(p.error_code, || format!("Fetch {tp}")) {
                Err(error) => Err(error),
                Ok(()) => {
                    let aborted: Vec<AbortedTransaction> = p
                        .aborted_transactions
                        .iter()
                        .flatten()
                        .map(|a| AbortedTransaction {
                            producer_id: a.producer_id.0,
                            first_offset: a.first_offset,
                        })
                        .collect();
                    decode_records(
                        &name,
                        p.partition_index,
                        p.records.unwrap_or_default(),
                        fetch_offset,
                        read_committed.then_some(aborted.as_slice()),
                        include_control,
                    )
                }
            };
            fetched.push(PartitionFetch {
                topic_partition: tp,
                fetch_offset,
                result,
                high_watermark: p.high_watermark,
                last_stable_offset: p.last_stable_offset,
                preferred_read_replica: Some(p.preferred_read_replica.0).filter(|r| *r >= 0),
            });
        }
    }
    Ok(fetched)
}
