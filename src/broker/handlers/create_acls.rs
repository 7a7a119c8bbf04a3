//! ApiKey 30 · CreateAcls · v1-3
//!
//! kf brokers run without an authorizer, so, as a Kafka broker without `authorizer.class.name`,
//! every creation is answered SECURITY_DISABLED (one result per creation, in order) and nothing
//! is stored.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_acls_response::AclCreationResult;
use kafka_protocol::messages::{CreateAclsRequest, CreateAclsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;

pub fn handle(
    _broker: &Broker,
    _header: &RequestHeader,
    request: CreateAclsRequest,
) -> CreateAclsResponse {
    let refused = AclCreationResult::default()
        .with_error_code(ResponseError::SecurityDisabled.code())
        .with_error_message(Some(StrBytes::from_static_str(
            "No Authorizer is configured.",
        )));
    CreateAclsResponse::default().with_results(vec![refused; request.creations.len()])
}
