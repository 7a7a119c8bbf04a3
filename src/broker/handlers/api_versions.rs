//! ApiKey 18 · ApiVersions · v0-4
//!
//! Answers with [`SUPPORTED_APIS`](crate::protocol::SUPPORTED_APIS). A request newer than v4 is
//! answered at v0 with UNSUPPORTED_VERSION and the same list (KIP-511), by the dispatcher.
//! From v3 the features: `transaction.version` is supported 0-2 and finalized at the level the
//! metadata log's FeatureLevel record holds (left out at level 0, as Kafka does).
//!
//! Differs from Kafka: no UpdateFeatures, so a feature's level never changes after the cluster's
//! first start and `finalized_features_epoch` is always 0 (Kafka's is the metadata offset).

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::api_versions_response::{
    ApiVersion, FinalizedFeatureKey, SupportedFeatureKey,
};
use kafka_protocol::messages::{ApiVersionsRequest, ApiVersionsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::metadata::{TRANSACTION_VERSION_FEATURE, TRANSACTION_VERSION_MAX};
use crate::protocol::SUPPORTED_APIS;

pub fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    _request: ApiVersionsRequest,
) -> ApiVersionsResponse {
    let level = broker.image().transaction_version();
    let finalized = if level > 0 {
        vec![FinalizedFeatureKey::default()
            .with_name(StrBytes::from_static_str(TRANSACTION_VERSION_FEATURE))
            .with_min_version_level(level)
            .with_max_version_level(level)]
    } else {
        Vec::new()
    };
    ApiVersionsResponse::default()
        .with_api_keys(api_keys())
        .with_supported_features(vec![SupportedFeatureKey::default()
            .with_name(StrBytes::from_static_str(TRANSACTION_VERSION_FEATURE))
            .with_min_version(0)
            .with_max_version(TRANSACTION_VERSION_MAX)])
        .with_finalized_features_epoch(0)
        .with_finalized_features(finalized)
}

pub fn unsupported_version_response() -> ApiVersionsResponse {
    ApiVersionsResponse::default()
        .with_error_code(ResponseError::UnsupportedVersion.code())
        .with_api_keys(api_keys())
}

fn api_keys() -> Vec<ApiVersion> {
    SUPPORTED_APIS
        .iter()
        .map(|api| {
            ApiVersion::default()
                .with_api_key(api.api_key as i16)
                .with_min_version(api.min_version)
                .with_max_version(api.max_version)
        })
        .collect()
}
