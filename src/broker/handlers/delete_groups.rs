//! ApiKey 42 · DeleteGroups · v0-2
//!
//! Deletes empty groups: their offsets and metadata get tombstones in `__consumer_offsets`.
//! A group with members gets NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND, one this
//! broker does not coordinate NOT_COORDINATOR.
//!
//! Differs from Kafka: none known.

use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::{DeleteGroupsRequest, DeleteGroupsResponse, RequestHeader};

use crate::broker::Broker;

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: DeleteGroupsRequest,
) -> DeleteGroupsResponse {
    let mut results = Vec::with_capacity(request.groups_names.len());
    for group_id in request.groups_names {
        let error = broker.groups.delete_group(&group_id).await;
        results.push(
            DeletableGroupResult::default()
                .with_group_id(group_id)
                .with_error_code(error.map_or(0, |e| e.code())),
        );
    }
    DeleteGroupsResponse::default().with_results(results)
}
