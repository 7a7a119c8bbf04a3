//! ApiKey 16 · ListGroups · v0-5
//!
//! The groups this broker coordinates (clients ask every broker). v4 filters by state, v5 by
//! group type, both case-insensitively, as Kafka.
//!
//! Differs from Kafka: none known.

use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{ListGroupsRequest, ListGroupsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: ListGroupsRequest,
) -> ListGroupsResponse {
    let states: Vec<String> = request
        .states_filter
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    let types: Vec<String> = request
        .types_filter
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    match broker.groups.list_groups().await {
        Err(e) => ListGroupsResponse::default().with_error_code(e.code()),
        Ok(mut listings) => {
            listings.sort_by(|a, b| a.group_id.cmp(&b.group_id));
            ListGroupsResponse::default().with_groups(
                listings
                    .into_iter()
                    .filter(|g| states.is_empty() || states.contains(&g.state.to_lowercase()))
                    .filter(|g| types.is_empty() || types.iter().any(|t| t == g.group_type))
                    .map(|g| {
                        ListedGroup::default()
                            .with_group_id(StrBytes::from_string(g.group_id).into())
                            .with_protocol_type(StrBytes::from_string(g.protocol_type))
                            .with_group_state(StrBytes::from_static_str(g.state))
                            .with_group_type(StrBytes::from_static_str(g.group_type))
                    })
                    .collect(),
            )
        }
    }
}
