//! Checks on manual replica assignments and the partition record a new partition starts with;
//! shared by CreateTopics and CreatePartitions.

use kafka_protocol::error::ResponseError;
use uuid::Uuid;

use super::request::ApiError;
use crate::metadata::image::MetadataImage;
use crate::metadata::records::MetadataRecord;

/// Kafka's `validateManualPartitionAssignment`: replicas non-empty, registered, distinct, and as
/// many as the other partitions have.
pub fn validate(
    image: &MetadataImage,
    replicas: &[i32],
    replication_factor: Option<usize>,
) -> Result<(), ApiError> {
    if replicas.is_empty() {
        return Err(invalid_assignment(
            "The manual partition assignment includes an empty replica list.".to_string(),
        ));
    }
    let mut sorted = replicas.to_vec();
    sorted.sort_unstable();
    let mut previous = None;
    for broker_id in sorted {
        if !image.brokers.contains_key(&broker_id) {
            return Err(invalid_assignment(format!(
                "The manual partition assignment includes broker {broker_id}, but no such broker is registered."
            )));
        }
        if previous == Some(broker_id) {
            return Err(invalid_assignment(format!(
                "The manual partition assignment includes the broker {broker_id} more than once."
            )));
        }
        previous = Some(broker_id);
    }
    if let Some(expected) = replication_factor {
        if replicas.len() != expected {
            return Err(invalid_assignment(format!(
                "The manual partition assignment includes a partition with {} replica(s), but this is not consistent with previous partitions, which have {expected} replica(s).",
                replicas.len()
            )));
        }
    }
    Ok(())
}

pub fn invalid_assignment(message: String) -> ApiError {
    ApiError::new(ResponseError::InvalidReplicaAssignment, message)
}

/// The alive replicas, in assignment order: the ISR a new partition starts with.
pub fn initial_isr(image: &MetadataImage, replicas: &[i32]) -> Vec<i32> {
    replicas
        .iter()
        .copied()
        .filter(|id| image.brokers.get(id).is_some_and(|b| b.alive))
        .collect()
}

/// The record of a new partition: the first ISR member leads, epochs start at 0.
pub fn new_partition_record(
    topic_id: Uuid,
    partition: i32,
    replicas: Vec<i32>,
    isr: Vec<i32>,
) -> MetadataRecord {
    let leader = isr.first().copied().unwrap_or(-1);
    MetadataRecord::Partition {
        topic_id,
        partition,
        replicas,
        isr,
        leader,
        leader_epoch: 0,
        partition_epoch: 0,
        adding_replicas: Vec::new(),
        removing_replicas: Vec::new(),
    }
}
