//! CreatePartitions, as KRaft's `ReplicationControlManager.createPartitions`: a topic only grows;
//! new partitions take the replication factor of the existing ones and are placed automatically
//! unless assignments are given.

use kafka_protocol::error::ResponseError;
use rand::Rng;

use super::manual_assignment::{self, invalid_assignment};
use super::request::{ApiError, ControllerResponse};
use super::{placement, Decision};
use crate::metadata::image::MetadataImage;
use crate::metadata::records::MetadataRecord;

pub fn create_partitions(
    image: &MetadataImage,
    topic: &str,
    count: i32,
    assignments: Option<&[Vec<i32>]>,
    validate_only: bool,
    rng: &mut impl Rng,
) -> Decision {
    let (response, records) = match plan(image, topic, count, assignments, rng) {
        Ok(_) if validate_only => (Ok(()), Vec::new()),
        Ok(records) => (Ok(()), records),
        Err(error) => (Err(error), Vec::new()),
    };
    Decision {
        response: ControllerResponse::CreatePartitions(response),
        records,
    }
}

fn plan(
    image: &MetadataImage,
    topic: &str,
    count: i32,
    assignments: Option<&[Vec<i32>]>,
    rng: &mut impl Rng,
) -> Result<Vec<MetadataRecord>, ApiError> {
    let existing = image
        .topic(topic)
        .ok_or_else(|| ApiError::bare(ResponseError::UnknownTopicOrPartition))?;
    let current = i32::try_from(existing.partitions.len()).unwrap_or(i32::MAX);
    if count == current {
        return Err(ApiError::new(
            ResponseError::InvalidPartitions,
            format!("Topic already has {current} partition(s)."),
        ));
    }
    if count < current {
        return Err(ApiError::new(
            ResponseError::InvalidPartitions,
            format!(
                "The topic {topic} currently has {current} partition(s); {count} would not be an increase."
            ),
        ));
    }
    let additional = count - current;
    let replication_factor = existing
        .partitions
        .values()
        .next()
        .map(|p| p.replicas.len())
        .ok_or_else(|| {
            ApiError::new(
                ResponseError::UnknownServerError,
                format!("Invalid state: topic {topic} appears to have no partitions."),
            )
        })?;
    let new_replicas = match assignments {
        Some(assignments) => {
            if assignments.len() != usize::try_from(additional).unwrap_or(0) {
                return Err(invalid_assignment(format!(
                    "Attempted to add {additional} additional partition(s), but only {} assignment(s) were specified.",
                    assignments.len()
                )));
            }
            for replicas in assignments {
                manual_assignment::validate(image, replicas, Some(replication_factor))?;
            }
            assignments.to_vec()
        }
        None => {
            let alive = placement::alive_brokers(image);
            let factor = i16::try_from(replication_factor).unwrap_or(i16::MAX);
            placement::assign_replicas(&alive, current, additional, factor, rng)?
        }
    };
    let mut records = Vec::with_capacity(new_replicas.len());
    for (partition, replicas) in (current..).zip(new_replicas) {
        let isr = manual_assignment::initial_isr(image, &replicas);
        if isr.is_empty() {
            return Err(ApiError::new(
                ResponseError::InvalidReplicationFactor,
                format!(
                    "Unable to replicate the partition {replication_factor} time(s): All brokers are currently fenced or in controlled shutdown."
                ),
            ));
        }
        records.push(manual_assignment::new_partition_record(
            existing.topic_id,
            partition,
            replicas,
            isr,
        ));
    }
    Ok(records)
}
