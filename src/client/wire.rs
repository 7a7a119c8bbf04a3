//! Small conversions between Rust values and the protocol crate's string types.

use kafka_protocol::messages::TopicName;
use kafka_protocol::protocol::StrBytes;

/// A `StrBytes` holding `s`.
pub fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// A `TopicName` holding `s`.
pub fn topic_name(s: &str) -> TopicName {
    TopicName(str_bytes(s))
}

/// A topic and a partition index: the unit of leadership and of offsets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    /// `topic`-`partition`.
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}

impl std::fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// OffsetCommit's topics for `offsets` (the next offset to read, per partition), grouped by
/// topic; shared by group members and the admin client.
pub fn offset_commit_topics<'a>(
    offsets: impl IntoIterator<Item = (&'a TopicPartition, &'a i64)>,
) -> Vec<kafka_protocol::messages::offset_commit_request::OffsetCommitRequestTopic> {
    use kafka_protocol::messages::offset_commit_request::{
        OffsetCommitRequestPartition, OffsetCommitRequestTopic,
    };
    let mut topics: std::collections::BTreeMap<&str, Vec<OffsetCommitRequestPartition>> =
        std::collections::BTreeMap::new();
    for (tp, offset) in offsets {
        topics.entry(tp.topic.as_str()).or_default().push(
            OffsetCommitRequestPartition::default()
                .with_partition_index(tp.partition)
                .with_committed_offset(*offset)
                .with_committed_leader_epoch(-1),
        );
    }
    topics
        .into_iter()
        .map(|(topic, partitions)| {
            OffsetCommitRequestTopic::default()
                .with_name(topic_name(topic))
                .with_partitions(partitions)
        })
        .collect()
}
