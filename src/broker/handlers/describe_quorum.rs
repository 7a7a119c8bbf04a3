//! ApiKey 55 · DescribeQuorum · v0-2
//!
//! The metadata quorum (`__cluster_metadata` partition 0): the Raft leader (the active
//! controller), its term as the leader epoch, the committed offset as the high watermark, and
//! each voter's and observer's log end offset. Any broker answers with the active controller's
//! view, as a Kafka broker forwards this request to the controller. v2 adds the voters' listeners:
//! kf's voters are its brokers (combined mode, no separate controller listener), so each voter
//! is listed with every listener it registered, under its own name. While no node leads (an
//! election, or too few voters running) the partition answers NOT_LEADER_OR_FOLLOWER, as
//! Kafka's Raft client does when it is not the leader; clients retry.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::describe_quorum_response::{
    Listener, Node, PartitionData, ReplicaState, TopicData,
};
use kafka_protocol::messages::{
    BrokerId, DescribeQuorumRequest, DescribeQuorumResponse, RequestHeader, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::metadata::image::BrokerRegistration;
use crate::metadata::ReplicaState as QuorumReplica;

const METADATA_TOPIC: &str = "__cluster_metadata";

pub fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: DescribeQuorumRequest,
) -> DescribeQuorumResponse {
    let asks_metadata_partition = request.topics.len() == 1
        && request.topics[0].topic_name.as_str() == METADATA_TOPIC
        && request.topics[0].partitions.len() == 1
        && request.topics[0].partitions[0].partition_index == 0;
    let failed = |error: ResponseError| {
        PartitionData::default()
            .with_error_code(error.code())
            .with_leader_id(BrokerId(-1))
            .with_leader_epoch(-1)
            .with_high_watermark(-1)
    };
    let quorum = asks_metadata_partition
        .then(|| broker.quorum.describe_from_leader())
        .flatten();
    let partition = match &quorum {
        Some(quorum) => PartitionData::default()
            .with_leader_id(BrokerId(quorum.leader_id))
            .with_leader_epoch(quorum.leader_epoch)
            .with_high_watermark(quorum.high_watermark)
            .with_current_voters(quorum.voters.iter().map(replica_state).collect())
            .with_observers(quorum.observers.iter().map(replica_state).collect()),
        None if asks_metadata_partition => failed(ResponseError::NotLeaderOrFollower),
        None => failed(ResponseError::UnknownTopicOrPartition),
    };
    let nodes = match &quorum {
        Some(quorum) if header.request_api_version >= 2 => {
            let image = broker.image();
            quorum
                .voters
                .iter()
                .filter_map(|v| image.brokers.get(&v.replica_id))
                .map(voter_node)
                .collect()
        }
        _ => Vec::new(),
    };
    DescribeQuorumResponse::default()
        .with_topics(vec![TopicData::default()
            .with_topic_name(TopicName(StrBytes::from_static_str(METADATA_TOPIC)))
            .with_partitions(vec![partition])])
        .with_nodes(nodes)
}

/// A voter and every listener it registered (its one address on a registration without any).
fn voter_node(registration: &BrokerRegistration) -> Node {
    let listener = |name: &str, host: &str, port: i32| {
        Listener::default()
            .with_name(StrBytes::from_string(name.to_string()))
            .with_host(StrBytes::from_string(host.to_string()))
            .with_port(u16::try_from(port).unwrap_or(0))
    };
    let listeners = if registration.listeners.is_empty() {
        vec![listener("PLAINTEXT", &registration.host, registration.port)]
    } else {
        registration
            .listeners
            .iter()
            .map(|l| listener(&l.name, &l.host, l.port))
            .collect()
    };
    Node::default()
        .with_node_id(BrokerId(registration.broker_id))
        .with_listeners(listeners)
}

fn replica_state(replica: &QuorumReplica) -> ReplicaState {
    ReplicaState::default()
        .with_replica_id(BrokerId(replica.replica_id))
        .with_log_end_offset(replica.log_end_offset)
        .with_last_fetch_timestamp(replica.last_fetch_timestamp)
        .with_last_caught_up_timestamp(replica.last_caught_up_timestamp)
}
