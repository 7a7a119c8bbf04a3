//! ApiKey 69 · ConsumerGroupDescribe · v0-1
//!
//! Each consumer-protocol group's state, group and assignment epochs, assignor and members with
//! their current and target assignments. A group that does not exist, or is a classic group,
//! is GROUP_ID_NOT_FOUND, as Kafka.
//! With no authorizer, `authorized_operations` (when asked) is every group operation.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::consumer_group_describe_response::{
    Assignment, DescribedGroup, Member, TopicPartitions,
};
use kafka_protocol::messages::{
    ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, RequestHeader,
};
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

use crate::broker::authorized_operations::{self, if_asked};
use crate::broker::Broker;

/// MemberType of v1: a member speaking the classic protocol in the group, or the consumer one.
const CLASSIC_MEMBER: i8 = 0;
const CONSUMER_MEMBER: i8 = 1;

fn assignment(partitions: Vec<(Uuid, String, Vec<i32>)>) -> Assignment {
    Assignment::default().with_topic_partitions(
        partitions
            .into_iter()
            .map(|(id, name, ps)| {
                TopicPartitions::default()
                    .with_topic_id(id)
                    .with_topic_name(StrBytes::from_string(name).into())
                    .with_partitions(ps)
            })
            .collect(),
    )
}

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: ConsumerGroupDescribeRequest,
) -> ConsumerGroupDescribeResponse {
    let mut groups = Vec::with_capacity(request.group_ids.len());
    for group_id in request.group_ids {
        let described = DescribedGroup::default()
            .with_group_id(group_id.clone())
            .with_authorized_operations(if_asked(
                request.include_authorized_operations,
                authorized_operations::GROUP,
            ));
        groups.push(
            match broker.groups.describe_consumer_group(&group_id).await {
                Err(e) => described.with_error_code(e.code()),
                Ok(None) => described
                    .with_error_code(ResponseError::GroupIdNotFound.code())
                    .with_error_message(Some(StrBytes::from_string(format!(
                        "Group {} not found.",
                        group_id.as_str()
                    )))),
                Ok(Some(d)) => described
                    .with_group_state(StrBytes::from_static_str(d.state))
                    .with_group_epoch(d.group_epoch)
                    .with_assignment_epoch(d.assignment_epoch)
                    .with_assignor_name(StrBytes::from_static_str(d.assignor))
                    .with_members(
                        d.members
                            .into_iter()
                            .map(|m| {
                                Member::default()
                                    .with_member_id(StrBytes::from_string(m.member_id))
                                    .with_instance_id(m.instance_id.map(StrBytes::from_string))
                                    .with_rack_id(m.rack_id.map(StrBytes::from_string))
                                    .with_member_epoch(m.member_epoch)
                                    .with_client_id(StrBytes::from_string(m.client_id))
                                    .with_client_host(StrBytes::from_string(m.client_host))
                                    .with_subscribed_topic_names(
                                        m.subscribed_topic_names
                                            .into_iter()
                                            .map(|n| StrBytes::from_string(n).into())
                                            .collect(),
                                    )
                                    .with_subscribed_topic_regex(
                                        m.subscribed_topic_regex.map(StrBytes::from_string),
                                    )
                                    .with_assignment(assignment(m.assignment))
                                    .with_target_assignment(assignment(m.target_assignment))
                                    .with_member_type(match header.request_api_version {
                                        0 => -1,
                                        _ if m.uses_classic_protocol => CLASSIC_MEMBER,
                                        _ => CONSUMER_MEMBER,
                                    })
                            })
                            .collect(),
                    ),
            },
        );
    }
    ConsumerGroupDescribeResponse::default().with_groups(groups)
}
