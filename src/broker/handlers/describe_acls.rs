//! ApiKey 29 · DescribeAcls · v1-3
//!
//! kf brokers run without an authorizer (every client may do everything), so, as a Kafka broker
//! without `authorizer.class.name`, this answers SECURITY_DISABLED: `kafka-acls.sh --list`,
//! kafkajs's `describeAcls` and librdkafka's `DescribeAcls` then say that ACLs are not in use
//! rather than that the API is missing.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::{DescribeAclsRequest, DescribeAclsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;

pub fn handle(
    _broker: &Broker,
    _header: &RequestHeader,
    _request: DescribeAclsRequest,
) -> DescribeAclsResponse {
    DescribeAclsResponse::default()
        .with_error_code(ResponseError::SecurityDisabled.code())
        .with_error_message(Some(StrBytes::from_static_str(
            "No Authorizer is configured on the broker",
        )))
}
