//! ApiKey 18 · ApiVersions · v0-4
//!
//! Answers with [`SUPPORTED_APIS`](crate::protocol::SUPPORTED_APIS). A request newer than v4 is
//! answered at v0 with UNSUPPORTED_VERSION and the same list (KIP-511), by the dispatcher.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiVersionsRequest, ApiVersionsResponse, RequestHeader};

use crate::broker::Broker;
use crate::protocol::SUPPORTED_APIS;

pub fn handle(
    _broker: &Broker,
    _header: &RequestHeader,
    _request: ApiVersionsRequest,
) -> ApiVersionsResponse {
    ApiVersionsResponse::default().with_api_keys(api_keys())
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
