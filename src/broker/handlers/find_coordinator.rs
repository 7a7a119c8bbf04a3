//! ApiKey 10 · FindCoordinator · v0-6
//!
//! The coordinator of a group is the leader of the `__consumer_offsets` partition the group id
//! hashes to; the topic is created through the controller the first time a coordinator is
//! looked up. From v4 several keys are asked at once (KIP-699).
//!
//! Differs from Kafka: Kafka answers COORDINATOR_NOT_AVAILABLE while it creates
//! `__consumer_offsets` and lets the client ask again; kf waits for the creation (it takes
//! milliseconds in-process) and answers with the coordinator; likewise `__transaction_state` for
//! transaction keys, whose coordinator is the leader of the partition the transactional id hashes
//! to. Share-group keys get INVALID_REQUEST (no share groups).
//!
//! As Kafka, the coordinator's address is the one it advertises on the listener the request
//! came through (a client on another network must reach it there); a coordinator without that
//! listener is COORDINATOR_NOT_AVAILABLE.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{
    BrokerId, FindCoordinatorRequest, FindCoordinatorResponse, RequestHeader,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::{Broker, ListenerName};
use crate::coord::internal_topic::partition_for;
use crate::coord::txn::store::transaction_state_topic;
use crate::metadata::ApiError;

const KEY_TYPE_GROUP: i8 = 0;
const KEY_TYPE_TRANSACTION: i8 = 1;

pub async fn handle(
    broker: &Broker,
    listener: &ListenerName,
    header: &RequestHeader,
    request: FindCoordinatorRequest,
) -> FindCoordinatorResponse {
    let keys = if header.request_api_version >= 4 {
        request.coordinator_keys.clone()
    } else {
        vec![request.key.clone()]
    };
    let mut coordinators = Vec::with_capacity(keys.len());
    for key in keys {
        let found = find(broker, listener, request.key_type, &key).await;
        coordinators.push(coordinator(key, found));
    }
    let response = FindCoordinatorResponse::default();
    if header.request_api_version >= 4 {
        return response.with_coordinators(coordinators);
    }
    let Some(one) = coordinators.pop() else {
        return response;
    };
    response
        .with_error_code(one.error_code)
        .with_error_message(one.error_message)
        .with_node_id(one.node_id)
        .with_host(one.host)
        .with_port(one.port)
}

/// The coordinator's broker id, and its host and port on `listener`.
async fn find(
    broker: &Broker,
    listener: &ListenerName,
    key_type: i8,
    key: &str,
) -> Result<(i32, String, i32), ApiError> {
    let topic = match key_type {
        KEY_TYPE_GROUP => broker.groups.offsets_topic().clone(),
        KEY_TYPE_TRANSACTION => transaction_state_topic(broker),
        other => {
            return Err(ApiError::new(
                ResponseError::InvalidRequest,
                format!("Unsupported key type {other}"),
            ))
        }
    };
    broker
        .ensure_internal_topic(&topic)
        .await
        .map_err(|e| ApiError {
            code: ResponseError::CoordinatorNotAvailable,
            message: e.message,
        })?;
    let image = broker.image();
    let not_available = || ApiError::bare(ResponseError::CoordinatorNotAvailable);
    let topic = image.topic(topic.name).ok_or_else(not_available)?;
    let count = i32::try_from(topic.partitions.len()).unwrap_or(i32::MAX);
    if count == 0 {
        return Err(not_available());
    }
    let leader = topic
        .partitions
        .get(&partition_for(key, count))
        .map(|p| p.leader)
        .ok_or_else(not_available)?;
    let node = image
        .brokers
        .get(&leader)
        .filter(|b| b.alive)
        .ok_or_else(not_available)?;
    let (host, port) = node.endpoint(listener.as_str()).ok_or_else(not_available)?;
    Ok((node.broker_id, host.to_string(), port))
}

fn coordinator(key: StrBytes, found: Result<(i32, String, i32), ApiError>) -> Coordinator {
    let coordinator = Coordinator::default().with_key(key);
    match found {
        Ok((node_id, host, port)) => coordinator
            .with_node_id(BrokerId(node_id))
            .with_host(StrBytes::from_string(host))
            .with_port(port),
        Err(e) => coordinator
            .with_error_code(e.code.code())
            .with_error_message(e.message.map(StrBytes::from_string))
            .with_node_id(BrokerId(-1))
            .with_host(StrBytes::default())
            .with_port(-1),
    }
}
