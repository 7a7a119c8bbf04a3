//! ApiKey 13 · LeaveGroup · v0-5
//!
//! Removes members from a classic group, which then rebalances (or classic members from a
//! consumer-protocol group, whose epoch then moves on). v0-2 name one member by id;
//! v3+ a batch of members by id or `group.instance.id` (KIP-345), each with its own error.
//!
//! Differs from Kafka: none known.

use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::{LeaveGroupRequest, LeaveGroupResponse, RequestHeader};

use crate::broker::Broker;
use crate::coord::group::api::LeavingMember;

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: LeaveGroupRequest,
) -> LeaveGroupResponse {
    let batched = header.request_api_version >= 3;
    let members: Vec<LeavingMember> = if batched {
        request
            .members
            .iter()
            .map(|m| LeavingMember {
                member_id: m.member_id.to_string(),
                group_instance_id: m.group_instance_id.as_ref().map(|s| s.to_string()),
            })
            .collect()
    } else {
        vec![LeavingMember {
            member_id: request.member_id.to_string(),
            group_instance_id: None,
        }]
    };
    let response = LeaveGroupResponse::default();
    match broker.groups.leave_group(&request.group_id, members).await {
        Err(e) => response.with_error_code(e.code()),
        Ok(results) if !batched => {
            response.with_error_code(results.first().copied().flatten().map_or(0, |e| e.code()))
        }
        Ok(results) => response.with_members(
            request
                .members
                .into_iter()
                .zip(results)
                .map(|(m, error)| {
                    MemberResponse::default()
                        .with_member_id(m.member_id)
                        .with_group_instance_id(m.group_instance_id)
                        .with_error_code(error.map_or(0, |e| e.code()))
                })
                .collect(),
        ),
    }
}
