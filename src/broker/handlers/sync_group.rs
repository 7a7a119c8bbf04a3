//! ApiKey 14 · SyncGroup · v0-5
//!
//! Handed to the group's task (`coord/group/membership.rs`): the leader's assignment is written
//! to `__consumer_offsets` with the group's metadata, then every member gets its part. v5
//! checks the protocol type and name against the group's. A classic member of a
//! consumer-protocol group gets the partitions the coordinator assigned it.
//!
//! Differs from Kafka: none known.

use kafka_protocol::messages::{RequestHeader, SyncGroupRequest, SyncGroupResponse};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::coord::group::api::SyncGroup;

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: SyncGroupRequest,
) -> SyncGroupResponse {
    let sync = SyncGroup {
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
        generation_id: request.generation_id,
        protocol_type: request.protocol_type.as_ref().map(|s| s.to_string()),
        protocol_name: request.protocol_name.as_ref().map(|s| s.to_string()),
        assignments: request
            .assignments
            .iter()
            .map(|a| (a.member_id.to_string(), a.assignment.clone()))
            .collect(),
    };
    let result = broker.groups.sync_group(&request.group_id, sync).await;
    SyncGroupResponse::default()
        .with_error_code(result.error.map_or(0, |e| e.code()))
        .with_protocol_type(result.protocol_type.map(StrBytes::from_string))
        .with_protocol_name(result.protocol_name.map(StrBytes::from_string))
        .with_assignment(result.assignment)
}
