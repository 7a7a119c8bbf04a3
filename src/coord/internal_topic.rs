//! Internal topics (`__consumer_offsets`, `__transaction_state`): created through the controller
//! the first time a coordinator needs one, as Kafka's `AutoTopicCreationManager` does, and the
//! rule that maps a key (group id, transactional id) to its partition.

use std::collections::BTreeMap;

use kafka_protocol::error::ResponseError;

use crate::broker::Broker;
use crate::metadata::{ApiError, ControllerRequest, ControllerResponse, NewTopic};

/// How an internal topic is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalTopic {
    pub name: &'static str,
    /// `offsets.topic.num.partitions` or `transaction.state.log.num.partitions`.
    pub num_partitions: i32,
    /// The configured replication factor; capped at the brokers alive when it is created.
    pub replication_factor: i16,
    /// Topic configs it is created with (`cleanup.policy=compact`, ...).
    pub configs: BTreeMap<String, String>,
}

/// Java's `String.hashCode`: over UTF-16 code units, wrapping.
pub fn java_string_hash_code(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// The partition of an internal topic with `partitions` partitions that `key` belongs to:
/// Kafka's `Utils.abs(key.hashCode()) % partitions`, where `Utils.abs(i32::MIN)` is 0.
pub fn partition_for(key: &str, partitions: i32) -> i32 {
    debug_assert!(partitions > 0, "an internal topic has partitions");
    let hash = java_string_hash_code(key);
    let abs = if hash == i32::MIN { 0 } else { hash.abs() };
    abs % partitions.max(1)
}

impl Broker {
    /// Makes sure `topic` exists: creates it through the controller when it does not. Returns
    /// once this broker's image has it (the controller call waits for that).
    pub async fn ensure_internal_topic(&self, topic: &InternalTopic) -> Result<(), ApiError> {
        if self.image().topic(topic.name).is_some() {
            return Ok(());
        }
        let alive = self.image().alive_brokers().count().max(1);
        let replication_factor = topic
            .replication_factor
            .min(i16::try_from(alive).unwrap_or(i16::MAX));
        let request = ControllerRequest::CreateTopics {
            topics: vec![NewTopic {
                name: topic.name.to_string(),
                num_partitions: topic.num_partitions,
                replication_factor,
                assignments: BTreeMap::new(),
                configs: topic.configs.clone(),
            }],
            validate_only: false,
        };
        match self.controller_call(request).await? {
            ControllerResponse::CreateTopics(results) => {
                for result in results {
                    match result.result {
                        Ok(_) => {}
                        // Another broker created it first.
                        Err(e) if e.code == ResponseError::TopicAlreadyExists => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            }
            _ => Err(ApiError::bare(ResponseError::UnknownServerError)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_code_matches_java() {
        // Values from java.lang.String#hashCode.
        assert_eq!(java_string_hash_code(""), 0);
        assert_eq!(java_string_hash_code("a"), 97);
        assert_eq!(java_string_hash_code("hello"), 99_162_322);
        assert_eq!(java_string_hash_code("console-consumer-12345"), 158_455_506);
        // A character outside the BMP counts as its two UTF-16 units.
        assert_eq!(java_string_hash_code("😀"), 1_772_899);
    }

    #[test]
    fn partition_is_kafkas_abs_modulo() {
        assert_eq!(partition_for("hello", 50), 99_162_322 % 50);
        assert_eq!(partition_for("console-consumer-12345", 50), 6);
        // "polygenelubricants" hashes to i32::MIN, which Utils.abs maps to 0.
        assert_eq!(java_string_hash_code("polygenelubricants"), i32::MIN);
        assert_eq!(partition_for("polygenelubricants", 50), 0);
    }
}
