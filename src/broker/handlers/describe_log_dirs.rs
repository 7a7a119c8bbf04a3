//! ApiKey 35 · DescribeLogDirs · v1-4
//!
//! This broker's one log directory with the size of each partition it hosts (all, or those
//! asked for). Offset lag is 0, as Kafka answers for every replica but a future one (its lag is
//! the log's high watermark minus its end, floored at 0, and the one never passes the other);
//! kf has no future replicas (no AlterReplicaLogDirs). v4 adds the volume's total and usable
//! bytes, which kf does not measure (-1, as Kafka when unknown).
//!
//! Differs from Kafka: a storage error takes one partition offline here, not its whole log
//! directory, so the directory stays online (no error) and an offline partition is left out
//! of it, as Kafka leaves out the partitions of an offline directory; the directory answers
//! KAFKA_STORAGE_ERROR only when every partition it holds is offline.

use std::collections::BTreeMap;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::describe_log_dirs_response::{
    DescribeLogDirsPartition, DescribeLogDirsResult, DescribeLogDirsTopic,
};
use kafka_protocol::messages::{
    DescribeLogDirsRequest, DescribeLogDirsResponse, RequestHeader, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;

pub fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: DescribeLogDirsRequest,
) -> DescribeLogDirsResponse {
    let wanted = |topic: &str, partition: i32| match &request.topics {
        None => true,
        Some(topics) => topics
            .iter()
            .any(|t| t.topic.as_str() == topic && t.partitions.contains(&partition)),
    };
    let hosted = broker.logs.partitions();
    let offline = broker.logs.offline_partitions().len();
    let log_dir = StrBytes::from_string(broker.logs.log_dir().display().to_string());
    if offline > 0 && offline == hosted.len() {
        let result = DescribeLogDirsResult::default()
            .with_error_code(ResponseError::KafkaStorageError.code())
            .with_log_dir(log_dir)
            .with_total_bytes(-1)
            .with_usable_bytes(-1);
        return DescribeLogDirsResponse::default().with_results(vec![result]);
    }
    let mut topics: BTreeMap<String, Vec<DescribeLogDirsPartition>> = BTreeMap::new();
    for (topic, partition) in hosted {
        if !wanted(&topic, partition) {
            continue;
        }
        let Some(size) = broker.logs.size_bytes(&topic, partition) else {
            continue;
        };
        topics.entry(topic).or_default().push(
            DescribeLogDirsPartition::default()
                .with_partition_index(partition)
                .with_partition_size(i64::try_from(size).unwrap_or(i64::MAX)),
        );
    }
    let result = DescribeLogDirsResult::default()
        .with_log_dir(log_dir)
        .with_topics(
            topics
                .into_iter()
                .map(|(name, partitions)| {
                    DescribeLogDirsTopic::default()
                        .with_name(TopicName(StrBytes::from_string(name)))
                        .with_partitions(partitions)
                })
                .collect(),
        )
        .with_total_bytes(-1)
        .with_usable_bytes(-1);
    DescribeLogDirsResponse::default().with_results(vec![result])
}
