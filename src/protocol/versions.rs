//! The APIs a kf broker serves and their version ranges: the one source ApiVersions answers from
//! and the dispatcher checks against. A key is listed here only when it has a handler in
//! `broker/handlers/` (a test in `broker::dispatch` checks that).
//!
//! Ranges are Apache Kafka 4.x's (versions below Kafka 4's minimums were removed by KIP-896),
//! which cover librdkafka 2.x, kafka-python and the Java client 3.x/4.x.

use kafka_protocol::messages::ApiKey;

/// One supported API and its inclusive version range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRange {
    pub api_key: ApiKey,
    pub min_version: i16,
    pub max_version: i16,
}

const fn range(api_key: ApiKey, min_version: i16, max_version: i16) -> ApiRange {
    ApiRange {
        api_key,
        min_version,
        max_version,
    }
}

pub const SUPPORTED_APIS: &[ApiRange] = &[
    range(ApiKey::Produce, 3, 13),
    range(ApiKey::Fetch, 4, 17),
    range(ApiKey::ListOffsets, 1, 10),
    range(ApiKey::Metadata, 0, 13),
    range(ApiKey::ApiVersions, 0, 4),
    range(ApiKey::CreateTopics, 2, 7),
    range(ApiKey::DeleteTopics, 1, 6),
    range(ApiKey::DeleteRecords, 0, 2),
    range(ApiKey::OffsetForLeaderEpoch, 2, 4),
    range(ApiKey::FindCoordinator, 0, 6),
    range(ApiKey::InitProducerId, 0, 5),
    range(ApiKey::AddPartitionsToTxn, 0, 5),
    range(ApiKey::AddOffsetsToTxn, 0, 4),
    range(ApiKey::EndTxn, 0, 5),
    range(ApiKey::WriteTxnMarkers, 1, 1),
    range(ApiKey::TxnOffsetCommit, 0, 5),
    range(ApiKey::DescribeConfigs, 1, 4),
    range(ApiKey::DescribeLogDirs, 1, 4),
    range(ApiKey::CreatePartitions, 0, 3),
    range(ApiKey::DescribeAcls, 1, 3),
    range(ApiKey::CreateAcls, 1, 3),
    range(ApiKey::DeleteAcls, 1, 3),
    range(ApiKey::AlterConfigs, 0, 2),
    range(ApiKey::ElectLeaders, 0, 2),
    range(ApiKey::AlterPartitionReassignments, 0, 0),
    range(ApiKey::ListPartitionReassignments, 0, 0),
    range(ApiKey::IncrementalAlterConfigs, 0, 1),
    range(ApiKey::DescribeQuorum, 0, 2),
    range(ApiKey::DescribeCluster, 0, 2),
    range(ApiKey::OffsetCommit, 2, 9),
    range(ApiKey::OffsetFetch, 1, 9),
    range(ApiKey::JoinGroup, 2, 9),
    range(ApiKey::Heartbeat, 0, 4),
    range(ApiKey::LeaveGroup, 0, 5),
    range(ApiKey::SyncGroup, 0, 5),
    range(ApiKey::DescribeGroups, 0, 6),
    range(ApiKey::ListGroups, 0, 5),
    range(ApiKey::DeleteGroups, 0, 2),
    range(ApiKey::OffsetDelete, 0, 0),
    range(ApiKey::DescribeProducers, 0, 0),
    range(ApiKey::DescribeTransactions, 0, 0),
    range(ApiKey::ListTransactions, 0, 1),
    range(ApiKey::ConsumerGroupHeartbeat, 0, 1),
    range(ApiKey::ConsumerGroupDescribe, 0, 1),
    range(ApiKey::DescribeTopicPartitions, 0, 0),
];

/// The supported range of `api_key`, if kf serves it.
pub fn supported_versions(api_key: ApiKey) -> Option<ApiRange> {
    SUPPORTED_APIS
        .iter()
        .copied()
        .find(|r| r.api_key == api_key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_range_is_one_the_protocol_crate_can_encode() {
        for api in SUPPORTED_APIS {
            let valid = api.api_key.valid_versions();
            assert!(
                api.min_version >= valid.min && api.max_version <= valid.max,
                "{:?} {}..={} outside {:?}",
                api.api_key,
                api.min_version,
                api.max_version,
                valid
            );
        }
    }
}
