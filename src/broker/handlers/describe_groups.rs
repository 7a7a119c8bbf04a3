//! ApiKey 15 · DescribeGroups · v0-6
//!
//! Each group's state, protocol and members from its task; member metadata and assignments
//! only while the group is Stable, as Kafka. An unknown group is "Dead" with no error before
//! v6 and GROUP_ID_NOT_FOUND from v6.
//! With no authorizer, `authorized_operations` (when asked) is every group operation.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::{DescribeGroupsRequest, DescribeGroupsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::authorized_operations::{self, if_asked};
use crate::broker::Broker;

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: DescribeGroupsRequest,
) -> DescribeGroupsResponse {
    let mut groups = Vec::with_capacity(request.groups.len());
    for group_id in request.groups {
        let described = DescribedGroup::default()
            .with_group_id(group_id.clone())
            .with_authorized_operations(if_asked(
                request.include_authorized_operations,
                authorized_operations::GROUP,
            ));
        groups.push(match broker.groups.describe_group(&group_id).await {
            Err(e) => described.with_error_code(e.code()),
            Ok(None) if header.request_api_version >= 6 => described
                .with_error_code(ResponseError::GroupIdNotFound.code())
                .with_error_message(Some(StrBytes::from_string(format!(
                    "Group {} not found.",
                    group_id.as_str()
                )))),
            Ok(None) => described.with_group_state(StrBytes::from_static_str("Dead")),
            Ok(Some(d)) => described
                .with_group_state(StrBytes::from_static_str(d.state))
                .with_protocol_type(StrBytes::from_string(d.protocol_type))
                .with_protocol_data(StrBytes::from_string(d.protocol_name))
                .with_members(
                    d.members
                        .into_iter()
                        .map(|m| {
                            DescribedGroupMember::default()
                                .with_member_id(StrBytes::from_string(m.member_id))
                                .with_group_instance_id(
                                    m.group_instance_id.map(StrBytes::from_string),
                                )
                                .with_client_id(StrBytes::from_string(m.client_id))
                                .with_client_host(StrBytes::from_string(m.client_host))
                                .with_member_metadata(m.metadata)
                                .with_member_assignment(m.assignment)
                        })
                        .collect(),
                ),
        });
    }
    DescribeGroupsResponse::default().with_groups(groups)
}
