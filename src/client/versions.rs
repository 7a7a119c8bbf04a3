//! API version negotiation: the versions this client implements, intersected with what a broker
//! advertises in its ApiVersions response.

use kafka_protocol::messages::{ApiKey, ApiVersionsResponse};
use std::collections::HashMap;

/// The highest version of each API this client knows how to fill in and read.
///
/// Produce and Fetch stop at v12, the last versions that name topics (v13 switched to topic ids);
/// OffsetFetch at v7, the last with a single group; FindCoordinator at v3, the last with one key.
/// DescribeCluster v2 (KIP-1073) lists fenced brokers when asked.
/// JoinGroup v5 and SyncGroup v3 are the newest librdkafka sends; its mock broker advertises
/// the flexible versions above them but cannot parse them, and Kafka 4 accepts both. LeaveGroup
/// stops at v2 because that mock answers v3+ without the member list v3 added.
/// AddPartitionsToTxn, AddOffsetsToTxn and TxnOffsetCommit stop at v3, the classic
/// transaction protocol; EndTxn goes to v5, which a producer sends only when the cluster
/// finalized `transaction.version` 2 (KIP-890 part 2; the classic protocol stops it at v3).
pub fn client_max_version(api: ApiKey) -> Option<i16> {
    let max = match api {
        ApiKey::Produce => 12,
        ApiKey::Fetch => 12,
        ApiKey::ListOffsets => 8,
        ApiKey::Metadata => 12,
        ApiKey::ApiVersions => 3,
        ApiKey::CreateTopics => 7,
        ApiKey::DeleteTopics => 6,
        ApiKey::CreatePartitions => 3,
        ApiKey::DescribeConfigs => 4,
        ApiKey::IncrementalAlterConfigs => 1,
        ApiKey::DescribeCluster => 2,
        ApiKey::DescribeQuorum => 2,
        ApiKey::DeleteRecords => 2,
        ApiKey::DescribeLogDirs => 4,
        ApiKey::AlterPartitionReassignments => 0,
        ApiKey::ListPartitionReassignments => 0,
        ApiKey::InitProducerId => 5,
        ApiKey::FindCoordinator => 3,
        ApiKey::JoinGroup => 5,
        ApiKey::SyncGroup => 3,
        ApiKey::Heartbeat => 4,
        ApiKey::LeaveGroup => 2,
        ApiKey::OffsetCommit => 9,
        ApiKey::OffsetFetch => 7,
        ApiKey::ListGroups => 5,
        ApiKey::DescribeGroups => 5,
        ApiKey::DeleteGroups => 2,
        ApiKey::OffsetDelete => 0,
        ApiKey::ConsumerGroupHeartbeat => 1,
        ApiKey::ConsumerGroupDescribe => 1,
        ApiKey::ListTransactions => 1,
        ApiKey::DescribeTransactions => 0,
        ApiKey::DescribeProducers => 0,
        ApiKey::WriteTxnMarkers => 1,
        ApiKey::AddPartitionsToTxn => 3,
        ApiKey::AddOffsetsToTxn => 3,
        ApiKey::EndTxn => 5,
        ApiKey::TxnOffsetCommit => 3,
        _ => return None,
    };
    Some(max.min(api.valid_versions().max))
}

/// One API as a broker advertises it in ApiVersions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdvertisedVersions {
    pub api_key: i16,
    pub min_version: i16,
    pub max_version: i16,
}

/// The version to use for each API on one connection, and what the broker advertised.
#[derive(Debug, Clone, Default)]
pub struct ApiVersionTable {
    negotiated: HashMap<i16, i16>,
    advertised: Vec<AdvertisedVersions>,
    /// The `transaction.version` feature level the cluster finalized (0 when not).
    transaction_version: i16,
    /// The epoch of the finalized features this broker reported (-1 when not).
    finalized_features_epoch: i64,
}

impl ApiVersionTable {
    /// Picks, for every API both sides know, the highest version both support.
    pub fn negotiate(response: &ApiVersionsResponse) -> Self {
        let negotiated = response
            .api_keys
            .iter()
            .filter_map(|range| {
                let api = ApiKey::try_from(range.api_key).ok()?;
                let ours = api.valid_versions();
                let max = client_max_version(api)?.min(range.max_version);
                let min = ours.min.max(range.min_version);
                (min <= max).then_some((range.api_key, max))
            })
            .collect();
        let mut advertised: Vec<AdvertisedVersions> = response
            .api_keys
            .iter()
            .map(|range| AdvertisedVersions {
                api_key: range.api_key,
                min_version: range.min_version,
                max_version: range.max_version,
            })
            .collect();
        advertised.sort_by_key(|a| a.api_key);
        let transaction_version = response
            .finalized_features
            .iter()
            .find(|f| f.name.as_str() == "transaction.version")
            .map_or(0, |f| f.max_version_level);
        ApiVersionTable {
            negotiated,
            advertised,
            transaction_version,
            finalized_features_epoch: response.finalized_features_epoch,
        }
    }

    /// The `transaction.version` the cluster finalized, as this broker's ApiVersions said (0
    /// when not finalized).
    pub fn transaction_version(&self) -> i16 {
        self.transaction_version
    }

    /// The epoch of the finalized features this broker reported (-1 when not): of several
    /// brokers' answers, the one with the highest epoch is the newest.
    pub fn finalized_features_epoch(&self) -> i64 {
        self.finalized_features_epoch
    }

    /// Every API the broker advertised, by API key.
    pub fn advertised(&self) -> &[AdvertisedVersions] {
        &self.advertised
    }

    /// The version to send for `api`, or `None` when the broker does not support it.
    pub fn version(&self, api: ApiKey) -> Option<i16> {
        self.negotiated.get(&(api as i16)).copied()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use kafka_protocol::messages::api_versions_response::ApiVersion;

    fn range(api: ApiKey, min: i16, max: i16) -> ApiVersion {
        ApiVersion::default()
            .with_api_key(api as i16)
            .with_min_version(min)
            .with_max_version(max)
    }

    #[test]
    fn negotiate_picks_highest_common_version() {
        let response = ApiVersionsResponse::default().with_api_keys(vec![
            range(ApiKey::Produce, 0, 10),
            range(ApiKey::Fetch, 4, 17),
            range(ApiKey::Metadata, 13, 20),
            range(ApiKey::ShareFetch, 0, 1),
        ]);
        let table = ApiVersionTable::negotiate(&response);
        assert_eq!(table.version(ApiKey::Produce), Some(10));
        assert_eq!(table.version(ApiKey::Fetch), Some(12));
        assert_eq!(table.version(ApiKey::Metadata), None);
        assert_eq!(table.version(ApiKey::ShareFetch), None);
        assert_eq!(table.version(ApiKey::DescribeQuorum), None);
        let advertised: Vec<i16> = table.advertised().iter().map(|a| a.api_key).collect();
        assert_eq!(
            advertised,
            [
                ApiKey::Produce,
                ApiKey::Fetch,
                ApiKey::Metadata,
                ApiKey::ShareFetch
            ]
            .map(|k| k as i16)
        );
        assert_eq!(table.advertised()[1].min_version, 4);
    }

    #[test]
    fn the_finalized_transaction_version_is_read_from_api_versions() {
        use kafka_protocol::messages::api_versions_response::FinalizedFeatureKey;
        let plain = ApiVersionsResponse::default();
        assert_eq!(ApiVersionTable::negotiate(&plain).transaction_version(), 0);
        let finalized = ApiVersionsResponse::default().with_finalized_features(vec![
            FinalizedFeatureKey::default()
                .with_name(kafka_protocol::protocol::StrBytes::from_static_str(
                    "metadata.version",
                ))
                .with_max_version_level(21),
            FinalizedFeatureKey::default()
                .with_name(kafka_protocol::protocol::StrBytes::from_static_str(
                    "transaction.version",
                ))
                .with_max_version_level(2),
        ]);
        assert_eq!(
            ApiVersionTable::negotiate(&finalized).transaction_version(),
            2
        );
        assert_eq!(
            ApiVersionTable::negotiate(&plain).finalized_features_epoch(),
            -1
        );
        let epoch = finalized.with_finalized_features_epoch(7);
        assert_eq!(
            ApiVersionTable::negotiate(&epoch).finalized_features_epoch(),
            7
        );
    }
}
