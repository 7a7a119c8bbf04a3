//! The consumer protocol's embedded payloads: a member's subscription (JoinGroup metadata)
//! and its assignment (SyncGroup), each an i16 version followed by the versioned struct.

use super::assignor::MemberSubscription;
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::{str_bytes, topic_name, TopicPartition};
use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition as AssignedTopic;
use kafka_protocol::messages::consumer_protocol_subscription::TopicPartition as OwnedTopic;
use kafka_protocol::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use kafka_protocol::protocol::{Decodable, Encodable};
use std::collections::{BTreeMap, BTreeSet};

/// Subscription v1 carries owned partitions (needed by cooperative-sticky).
const SUBSCRIPTION_VERSION: i16 = 1;
const ASSIGNMENT_VERSION: i16 = 1;
/// The newest layout the protocol crate knows; newer payloads only append fields.
const NEWEST_KNOWN_VERSION: i16 = 3;

fn grouped(partitions: &[TopicPartition]) -> BTreeMap<&str, Vec<i32>> {
    let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for tp in partitions {
        by_topic
            .entry(tp.topic.as_str())
            .or_default()
            .push(tp.partition);
    }
    by_topic
}

fn versioned(version: i16, body: impl Encodable) -> ClientResult<Bytes> {
    let mut buf = BytesMut::new();
    buf.put_i16(version);
    body.encode(&mut buf, version)
        .map_err(|e| ClientError::Protocol(format!("encoding consumer protocol: {e}")))?;
    Ok(buf.freeze())
}

fn read_version(payload: &mut Bytes, what: &str) -> ClientResult<i16> {
    if payload.len() < 2 {
        return Err(ClientError::Protocol(format!("{what} payload too short")));
    }
    Ok(payload.get_i16().min(NEWEST_KNOWN_VERSION))
}

/// This member's JoinGroup metadata.
pub fn encode_subscription(
    topics: &BTreeSet<String>,
    owned: &[TopicPartition],
) -> ClientResult<Bytes> {
    let subscription = ConsumerProtocolSubscription::default()
        .with_topics(topics.iter().map(|t| str_bytes(t)).collect())
        .with_owned_partitions(
            grouped(owned)
                .into_iter()
                .map(|(topic, partitions)| {
                    OwnedTopic::default()
                        .with_topic(topic_name(topic))
                        .with_partitions(partitions)
                })
                .collect(),
        );
    versioned(SUBSCRIPTION_VERSION, subscription)
}

/// Another member's JoinGroup metadata, as the leader reads it.
pub fn decode_subscription(
    member_id: String,
    mut payload: Bytes,
) -> ClientResult<MemberSubscription> {
    let version = read_version(&mut payload, "subscription")?;
    let subscription = ConsumerProtocolSubscription::decode(&mut payload, version)
        .map_err(|e| ClientError::Protocol(format!("subscription of {member_id}: {e}")))?;
    Ok(MemberSubscription {
        member_id,
        topics: subscription
            .topics
            .iter()
            .map(ToString::to_string)
            .collect(),
        owned: subscription
            .owned_partitions
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(|p| TopicPartition::new(t.topic.0.to_string(), *p))
            })
            .collect(),
    })
}

/// One member's SyncGroup assignment.
pub fn encode_assignment(partitions: &[TopicPartition]) -> ClientResult<Bytes> {
    let assignment = ConsumerProtocolAssignment::default().with_assigned_partitions(
        grouped(partitions)
            .into_iter()
            .map(|(topic, partitions)| {
                AssignedTopic::default()
                    .with_topic(topic_name(topic))
                    .with_partitions(partitions)
            })
            .collect(),
    );
    versioned(ASSIGNMENT_VERSION, assignment)
}

/// This member's assignment from SyncGroup (empty payload: nothing assigned).
pub fn decode_assignment(mut payload: Bytes) -> ClientResult<Vec<TopicPartition>> {
    if payload.is_empty() {
        return Ok(Vec::new());
    }
    let version = read_version(&mut payload, "assignment")?;
    let assignment = ConsumerProtocolAssignment::decode(&mut payload, version)
        .map_err(|e| ClientError::Protocol(format!("assignment: {e}")))?;
    let mut partitions: Vec<TopicPartition> = assignment
        .assigned_partitions
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(|p| TopicPartition::new(t.topic.0.to_string(), *p))
        })
        .collect();
    partitions.sort();
    Ok(partitions)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn subscription_and_assignment_round_trip() {
        let topics: BTreeSet<String> = ["a".to_string(), "b".to_string()].into();
        let owned = vec![TopicPartition::new("a", 1), TopicPartition::new("a", 0)];
        let decoded =
            decode_subscription("m".into(), encode_subscription(&topics, &owned).unwrap()).unwrap();
        assert_eq!(decoded.topics, topics);
        assert_eq!(decoded.owned.len(), 2);
        let assigned = vec![TopicPartition::new("b", 2), TopicPartition::new("a", 0)];
        let mut expected = assigned.clone();
        expected.sort();
        assert_eq!(
            decode_assignment(encode_assignment(&assigned).unwrap()).unwrap(),
            expected
        );
        assert!(decode_assignment(Bytes::new()).unwrap().is_empty());
    }
}
