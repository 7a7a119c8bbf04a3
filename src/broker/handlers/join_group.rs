//! ApiKey 11 · JoinGroup · v2-9
//!
//! Handed to the group's task (`coord/group/join.rs`), which answers when the join phase of the
//! rebalance completes. v4+ new members first get MEMBER_ID_REQUIRED with their id; v5+ static
//! members (`group.instance.id`); v9 a static leader rejoining a stable group gets
//! `skip_assignment`. A consumer-protocol group with members takes the member in as a classic
//! member and assigns its partitions itself (`coord/group/consumer/classic_members.rs`).
//! Versions 0-1 were removed in Kafka 4 (KIP-896).
//!
//! Differs from Kafka: while the group's `__consumer_offsets` partition loads, the request waits
//! for the load (up to 2 s, `coord::partition_loader`) before COORDINATOR_LOAD_IN_PROGRESS, as
//! every group request does; Kafka answers it at once and librdkafka joins again only 3 s later.

use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::{JoinGroupRequest, JoinGroupResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::coord::group::api::JoinGroup;

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: JoinGroupRequest,
    client_host: String,
) -> JoinGroupResponse {
    let version = header.request_api_version;
    let join = JoinGroup {
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
        client_id: header
            .client_id
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        client_host,
        session_timeout_ms: request.session_timeout_ms,
        rebalance_timeout_ms: request.rebalance_timeout_ms,
        protocol_type: request.protocol_type.to_string(),
        protocols: request
            .protocols
            .iter()
            .map(|p| (p.name.to_string(), p.metadata.clone()))
            .collect(),
        require_known_member_id: version >= 4,
    };
    let result = broker.groups.join_group(&request.group_id, join).await;
    JoinGroupResponse::default()
        .with_error_code(result.error.map_or(0, |e| e.code()))
        .with_generation_id(result.generation_id)
        .with_protocol_type(result.protocol_type.map(StrBytes::from_string))
        .with_protocol_name(result.protocol_name.map(StrBytes::from_string))
        .with_leader(StrBytes::from_string(result.leader))
        // Only v9+ carries the flag; an older static leader is sent the members and assigns again
        // (its SyncGroup in a Stable group changes nothing).
        .with_skip_assignment(result.skip_assignment && version >= 9)
        .with_member_id(StrBytes::from_string(result.member_id))
        .with_members(
            result
                .members
                .into_iter()
                .map(|m| {
                    JoinGroupResponseMember::default()
                        .with_member_id(StrBytes::from_string(m.member_id))
                        .with_group_instance_id(m.group_instance_id.map(StrBytes::from_string))
                        .with_metadata(m.metadata)
                })
                .collect(),
        )
}
