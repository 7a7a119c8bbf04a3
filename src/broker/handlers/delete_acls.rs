//! ApiKey 31 · DeleteAcls · v1-3
//!
//! kf brokers run without an authorizer, so, as a Kafka broker without `authorizer.class.name`,
//! every filter is answered SECURITY_DISABLED (one result per filter, in order, matching
//! nothing).

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::delete_acls_response::DeleteAclsFilterResult;
use kafka_protocol::messages::{DeleteAclsRequest, DeleteAclsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;

pub fn handle(
    _broker: &Broker,
    _header: &RequestHeader,
    request: DeleteAclsRequest,
) -> DeleteAclsResponse {
    let refused = DeleteAclsFilterResult::default()
        .with_error_code(ResponseError::SecurityDisabled.code())
        .with_error_message(Some(StrBytes::from_static_str(
            "No Authorizer is configured.",
        )));
    DeleteAclsResponse::default().with_filter_results(vec![refused; request.filters.len()])
}
