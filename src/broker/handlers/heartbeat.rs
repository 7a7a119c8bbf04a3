//! ApiKey 12 · Heartbeat · v0-4
//!
//! Keeps a classic group member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin
//! (`coord/group/membership.rs`; in a consumer-protocol group, when its assignment must move:
//! `coord/group/consumer/classic_members.rs`).
//!
//! Differs from Kafka: none known.

use kafka_protocol::messages::{HeartbeatRequest, HeartbeatResponse, RequestHeader};

use crate::broker::Broker;
use crate::coord::group::api::Heartbeat;

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: HeartbeatRequest,
) -> HeartbeatResponse {
    let heartbeat = Heartbeat {
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
        generation_id: request.generation_id,
    };
    let error = broker.groups.heartbeat(&request.group_id, heartbeat).await;
    HeartbeatResponse::default().with_error_code(error.map_or(0, |e| e.code()))
}
